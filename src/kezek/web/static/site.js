// With JavaScript on, pages come and go through HTMX (hx-boost). This makes sure a person
// always sees what happened: a refused form's errors are brought into view, and a request
// that got no answer, or a server error, says so instead of doing nothing.
(function () {
  "use strict";
  if (window.kezekSite) return; // once per page, however often HTMX swaps the body
  window.kezekSite = true;

  function banner(kind) {
    var node = document.getElementById("connection");
    if (!node) return;
    node.textContent = node.dataset[kind];
    node.hidden = false;
    node.scrollIntoView({ block: "start" });
  }

  document.addEventListener("htmx:sendError", function () { banner("offline"); });
  document.addEventListener("htmx:timeout", function () { banner("offline"); });
  document.addEventListener("htmx:responseError", function () { banner("failed"); });

  document.addEventListener("htmx:afterSettle", function (event) {
    var node = document.getElementById("connection");
    if (node) node.hidden = true;
    var sent = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (sent !== "post") return; // a link or a refresh: nothing was refused
    // The first thing to put right: a field marked invalid, else a message of the page;
    // after HTMX's own scrolling to the top of a new page, which runs after this event.
    setTimeout(function () {
      var field = document.querySelector('[aria-invalid="true"]');
      var alert = document.querySelector("main .error, main [role=alert]");
      if (field) {
        field.focus({ preventScroll: true });
        (document.getElementById(field.id + "-error") || field).scrollIntoView({ block: "center" });
      } else if (alert) {
        alert.scrollIntoView({ block: "center" });
      }
    }, 0);
  });
})();
