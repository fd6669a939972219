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

  // A link in the summary opens the field's step and puts the cursor in the field.
  function goTo(key) {
    var row = form.querySelector('.field-row[data-field="' + key + '"]');
    if (!row) { return; }
    var pane = row.closest(".tab-pane");
    var tab = pane && form.querySelector('.step[data-dimension="' + pane.dataset.dimension + '"] a');
    if (tab && window.jQuery) { window.jQuery(tab).tab("show"); }
    var input = row.querySelector("input, select, textarea");
    if (input) { input.focus(); }
    row.scrollIntoView({block: "center"});
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-goto]");
    if (link) { event.preventDefault(); goTo(link.getAttribute("data-goto")); }
  });

  // Signing is checked before the confirmation dialog: the message sits beside the
  // commitment and in the summary (the server refuses an unsigned submission too).
  var submit = document.getElementById("submit-record");
  if (submit) {
    submit.addEventListener("click", function (event) {
      var box = document.getElementById("commitment-message");
      var agree = document.getElementById("agree");
      var name = document.getElementById("signed_name");
      var problem = !agree.checked ? box.getAttribute("data-agree")
        : (!name.value.trim() ? box.getAttribute("data-name") : "");
      box.hidden = !problem;
      box.textContent = problem;
      document.getElementById("commitment").classList.toggle("has-error", !!problem);
      if (problem) {
        event.preventDefault();
        event.stopImmediatePropagation();
        var summary = document.getElementById("check-summary");
        var div = document.createElement("div");
        div.className = "alert alert-danger commitment-missing";
        div.textContent = problem;
        summary.querySelectorAll(".commitment-missing").forEach(function (old) { old.remove(); });
        summary.appendChild(div);
        document.getElementById("commitment").scrollIntoView({block: "center"});
      }
    });
  }

  function clear() {
    form.querySelectorAll(".field-row").forEach(function (row) {
      row.classList.remove("has-error", "has-warning");
    });
    form.querySelectorAll(".step").forEach(function (step) {
      step.classList.remove("is-error", "is-warning", "is-missing");
    });
    form.querySelectorAll(".field-messages").forEach(function (box) { box.textContent = ""; });
    form.querySelectorAll(".tab-count").forEach(function (badge) { badge.textContent = ""; });
    document.getElementById("record-messages").textContent = "";
    if (window.ippDetails) { window.ippDetails.clear(); }
  }

  function show(data) {
    clear();
    var errors = 0, warnings = 0, missing = 0, perTab = {}, stepState = {}, listed = [];
    function mark(key, state) {
      var row = form.querySelector('.field-row[data-field="' + key + '"]');
      var pane = row && row.closest(".tab-pane");
      if (!pane) { return; }
      var dim = pane.dataset.dimension, rank = {"is-missing": 1, "is-warning": 2, "is-error": 3};
      if (!stepState[dim] || rank[state] > rank[stepState[dim]]) { stepState[dim] = state; }
    }
    data.findings.forEach(function (finding) {
      if (finding.missing && !touched[finding.fields[0]]) {
        missing += 1; mark(finding.fields[0], "is-missing"); return;
      }
      var strong = finding.severity !== "weak";
      if (strong) { errors += 1; listed.push(finding); } else { warnings += 1; }
      // A detail row's finding sits beside its row (static/js/details.js).
      var dimension = finding.table && window.ippDetails ? window.ippDetails.place(finding) : null;
      if (dimension) {
        perTab[dimension] = (perTab[dimension] || 0) + 1;
        var rank = {"is-warning": 2, "is-error": 3}, state = strong ? "is-error" : "is-warning";
        if (!stepState[dimension] || rank[state] > (rank[stepState[dimension]] || 1)) { stepState[dimension] = state; }
        return;
      }
      finding.fields.forEach(function (key) { mark(key, strong ? "is-error" : "is-warning"); });
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
    Object.keys(stepState).forEach(function (dim) {
      var step = form.querySelector('.step[data-dimension="' + dim + '"]');
      if (step) { step.classList.add(stepState[dim]); }
    });
    var summary = document.getElementById("check-summary");
    summary.textContent = "";
    [["errors", errors, "alert-danger"], ["warnings", warnings, "alert-warning"],
     ["missing", missing, "alert-info"]].forEach(function (item) {
      if (item[1] > 0) {
        var div = document.createElement("div");
        div.className = "alert " + item[2];
        var head = document.createElement("strong");
        head.textContent = labels[item[0]] + (form.dataset.lang === "en" ? ": " : "：") + item[1];
        div.appendChild(head);
        if (item[0] === "errors") {
          var list = document.createElement("ul");
          list.className = "summary-list";
          listed.forEach(function (finding) {
            var li = document.createElement("li");
            var target = finding.fields[0];
            var node = document.createElement(target || finding.table ? "a" : "span");
            if (finding.table) {
              node.href = "#detail-" + finding.table;
              node.setAttribute("data-goto-table", finding.table);
              node.setAttribute("data-row", finding.row || "");
            } else if (target) { node.href = "#f-" + target; node.setAttribute("data-goto", target); }
            node.textContent = finding.message;
            li.appendChild(node);
            list.appendChild(li);
          });
          div.appendChild(list);
        }
        summary.appendChild(div);
      }
    });
  }

  function check() {
    fetch(form.dataset.checkUrl, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        show(data);
        if (window.ippDetails) { window.ippDetails.setDerived(data.derived); }
      })
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
