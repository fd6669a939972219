// 数据看板's tabs (Bootstrap 3, jQuery): a tab's content is asked for (?part=<tab>, its
// pane's data-src) the first time it is shown, then its charts are drawn; charts already
// drawn are fitted to their boxes again, since a hidden pane has none. The tab shown is kept
// in the address (#tab-…), so a reload or a link opens it again.
(function ($) {
  "use strict";
  if (!$ || !$.fn.tab) { return; }
  var none = {drawIn: function () {}, resizeIn: function () {}};
  var charts = window.ippCharts || none;
  // The 培育 tab's pyramid and Sankey (static/js/dashboard_cultivation.js).
  var cultivation = window.ippCultivationCharts || none;

  function paneOf(link) {
    return document.getElementById((link.getAttribute("aria-controls") || "").trim());
  }

  function load(pane) {
    var source = pane.getAttribute("data-src");
    if (!source || pane.getAttribute("data-loaded")) { return Promise.resolve(); }
    pane.setAttribute("data-loaded", "loading");
    return fetch(source, {credentials: "same-origin", headers: {"X-Requested-With": "XMLHttpRequest"}})
      .then(function (response) {
        // A session that ended answers with the sign-in page: not a tab's content.
        if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        pane.innerHTML = html;
        pane.setAttribute("data-loaded", "1");
      })
      .catch(function () {
        pane.removeAttribute("data-loaded");
        var note = document.getElementById("dash-load-error");
        var message = document.createElement("p");
        message.className = "alert alert-warning dash-load-error";
        message.textContent = note ? note.textContent : "";
        var fallback = pane.querySelector(".dash-loading a");
        if (fallback) { message.appendChild(document.createTextNode(" ")); message.appendChild(fallback.cloneNode(true)); }
        pane.insertBefore(message, pane.firstChild);
      });
  }

  function show(pane) {
    load(pane).then(function () {
      charts.drawIn(pane);
      charts.resizeIn(pane);
      cultivation.drawIn(pane);
      cultivation.resizeIn(pane);
    });
  }

  $(document).on("shown.bs.tab", "#dash-tabs a[data-toggle=\"tab\"]", function (event) {
    var pane = paneOf(event.target);
    if (!pane) { return; }
    show(pane);
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", "#" + pane.id);
    }
  });

  // A tab named in the address (#tab-review) opens with the page.
  var wanted = window.location.hash && document.querySelector("#dash-tabs a[aria-controls=\"" +
    window.location.hash.slice(1).replace(/[^\w-]/g, "") + "\"]");
  if (wanted) {
    $(wanted).tab("show");
  } else {
    var active = document.querySelector("#dash-tabs li.active a");
    if (active && paneOf(active)) { show(paneOf(active)); }
  }
})(window.jQuery);
