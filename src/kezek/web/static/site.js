// With JavaScript on, pages come and go through HTMX (hx-boost). This makes sure a person
// always sees what happened: a refused form's errors are brought into view, and a request
// that got no answer, or a server error, says so instead of doing nothing.
(function () {
  "use strict";
  if (window.kezekSite) return; // once per page, however often HTMX swaps the body
  window.kezekSite = true;

  function banner(kind, event) {
    var node = document.getElementById("connection");
    if (!node) return;
    // The page's own asking again (a ticket's status every 20 seconds) sent nothing of the
    // person's: it says the page is not up to date, and does not pull the page away from
    // what they are reading.
    var elt = event && event.detail && event.detail.elt;
    var trigger = (elt && elt.getAttribute && elt.getAttribute("hx-trigger")) || "";
    var asking = trigger.indexOf("every ") === 0;
    node.textContent = node.dataset[asking ? "stale" : kind];
    node.hidden = false;
    if (!asking) node.scrollIntoView({ block: "start" });
  }

  // The page tapped last is the one shown (hx-sync="this:replace" on the body), but a form
  // is not sent again while an answer is coming: a second tap on "Yes, cancel" would go
  // with the first, find the booking already cancelled and say it did not work. As forms
  // come with each page, each is told when it comes.
  var POST_FORMS = 'form[method="post" i]:not([hx-sync])';
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!root || !root.querySelectorAll) return;
    var forms = Array.prototype.slice.call(root.querySelectorAll(POST_FORMS));
    if (root.matches(POST_FORMS)) forms.push(root);
    forms.forEach(function (form) { form.setAttribute("hx-sync", "body:drop"); });
  });

  // Back (or Forward) while a page is coming: the page gone back to is the one shown, so
  // the one still coming is let go rather than put on the screen under its address.
  window.addEventListener("popstate", function () {
    if (window.htmx) window.htmx.trigger(document.body, "htmx:abort");
  });

  document.addEventListener("htmx:sendError", function (event) { banner("offline", event); });
  document.addEventListener("htmx:timeout", function (event) { banner("offline", event); });
  document.addEventListener("htmx:responseError", function (event) { banner("failed", event); });

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
