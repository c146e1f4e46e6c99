// One key per action at the clerk's console: N next, S start, R recall, F finish,
// X no-show and call next, B back in line and call next, T transfer, P pause or resume.
// Keys typed into a field are left alone.
(function () {
  "use strict";
  if (window.kezekConsoleKeys) return; // once per page, however often HTMX swaps it in
  window.kezekConsoleKeys = true;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
    var button = document.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
