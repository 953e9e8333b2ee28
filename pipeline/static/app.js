// Kết nạp: small enhancements; every page works without them. No inline scripts anywhere (CSP).
(function () {
  "use strict";
  // A form is sent once: on a slow connection a second tap would only meet "the case has changed".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || event.defaultPrevented) {
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // Coming back with the browser's Back button shows the page as it was left: enable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });
})();
