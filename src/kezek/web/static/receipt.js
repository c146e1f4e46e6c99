// The kiosk's receipt prints as it appears, and again on a tap when the paper jammed.
(function () {
  "use strict";
  var again = document.getElementById("print-again");
  if (again) {
    again.hidden = false;
    again.addEventListener("click", function () { window.print(); });
  }
  var receipt = document.querySelector("[data-autoprint=true]");
  if (!receipt || receipt.dataset.printed) return;
  receipt.dataset.printed = "true";
  window.print();
  // After a minute the screen is the next person's, whoever forgot to tap "Next person".
  var next = receipt.dataset.next;
  setTimeout(function () {
    if (document.body.contains(receipt)) window.location.assign(next);
  }, Number(receipt.dataset.clearAfter) * 1000);
})();
