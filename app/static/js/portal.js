// Live rule checks on the reporting form: the server runs the same rules as saving.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || form.querySelector("fieldset[disabled]")) { return; }
  var timer = null;
  // Empty required fields are flagged only once touched; the summary still counts them.
  var touched = {};
  var labels = form.dataset.lang === "en"
    ? {errors: "Errors to correct before submitting", warnings: "Warnings for the reviewer (you may still submit)",
       missing: "Required fields still empty"}
    : {errors: "提交前须修改的错误", warnings: "提醒审核人员关注的事项（仍可提交）", missing: "尚未填写的必填项"};

  function clear() {
    form.querySelectorAll(".field-row").forEach(function (row) {
      row.classList.remove("has-error", "has-warning");
    });
    form.querySelectorAll(".field-messages").forEach(function (box) { box.textContent = ""; });
    form.querySelectorAll(".tab-count").forEach(function (badge) { badge.textContent = ""; });
    document.getElementById("record-messages").textContent = "";
  }

  function show(data) {
    clear();
    var errors = 0, warnings = 0, missing = 0, perTab = {};
    data.findings.forEach(function (finding) {
      if (finding.missing && !touched[finding.fields[0]]) { missing += 1; return; }
      var strong = finding.severity !== "weak";
      if (strong) { errors += 1; } else { warnings += 1; }
      var placed = false;
      finding.fields.forEach(function (key) {
        var row = form.querySelector('.field-row[data-field="' + key + '"]');
        if (!row) { return; }
        placed = true;
        row.classList.add(strong ? "has-error" : "has-warning");
        var line = document.createElement("div");
        line.className = "finding finding-" + finding.severity;
        line.textContent = finding.message;
        row.querySelector(".field-messages").appendChild(line);
        var pane = row.closest(".tab-pane");
        if (pane) { perTab[pane.dataset.dimension] = (perTab[pane.dataset.dimension] || 0) + 1; }
      });
      if (!placed) {
        var box = document.createElement("div");
        box.className = "alert alert-warning";
        box.textContent = finding.message;
        document.getElementById("record-messages").appendChild(box);
      }
    });
    Object.keys(perTab).forEach(function (key) {
      var badge = form.querySelector('.tab-count[data-dimension="' + key + '"]');
      if (badge) { badge.textContent = perTab[key]; }
    });
    var summary = document.getElementById("check-summary");
    summary.textContent = "";
    [["errors", errors, "alert-danger"], ["warnings", warnings, "alert-warning"],
     ["missing", missing, "alert-info"]].forEach(function (item) {
      if (item[1] > 0) {
        var div = document.createElement("div");
        div.className = "alert " + item[2];
        div.textContent = labels[item[0]] + ": " + item[1];
        summary.appendChild(div);
      }
    });
  }

  function check() {
    fetch(form.dataset.checkUrl, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* the server check on save still runs */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  function touch(event) {
    if (event.target && event.target.name) { touched[event.target.name] = true; }
    later();
  }

  form.addEventListener("change", touch);
  form.addEventListener("input", touch);
})();
