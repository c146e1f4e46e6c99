// The interactive API documentation, from this server alone: no CDN, no inline script.
window.addEventListener("load", function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
