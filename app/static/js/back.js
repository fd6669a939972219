// "Back" on error pages: return to the previous page (an inline javascript: link would be
// refused by the Content-Security-Policy). Without history the link's href, home, is used.
(function () {
  "use strict";
  document.querySelectorAll("[data-history-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
})();
