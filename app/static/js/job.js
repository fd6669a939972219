// Live progress of a background task: polls its status until it ends.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var percent = data.total ? Math.round(100 * data.done / data.total) : 0;
        document.getElementById("job-bar").style.width = percent + "%";
        document.getElementById("job-count").textContent = data.done + " / " + (data.total || "?");
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  var status = box.querySelector("#job-status .label");
  if (status && (status.classList.contains("label-info") || status.classList.contains("label-default"))) {
    window.setTimeout(poll, 500);
  }
})();
