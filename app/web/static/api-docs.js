// Starts Swagger UI on /docs. A file of its own, not an inline script: the page's
// Content-Security-Policy runs scripts from this origin only (app/api/docs.py).
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge fetched from validator.swagger.io: nothing leaves the app.
    validatorUrl: null,
  });
})();
