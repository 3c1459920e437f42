// Bulwark console script: no inline script anywhere (strict CSP).
// htmx requests carry the session's anti-forgery token from <body data-csrf>.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (e) {
    var t = document.body.getAttribute("data-csrf");
    if (t) { e.detail.headers["X-CSRF-Token"] = t; }
  });
})();
