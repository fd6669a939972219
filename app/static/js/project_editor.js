// The indicator-system editor: stage totals of the core weights, and formulas checked as typed.
(function () {
  "use strict";
  var form = document.getElementById("project-form");
  if (!form) { return; }
  function totals() {
    form.querySelectorAll(".stage-total").forEach(function (cell) {
      var sum = 0;
      form.querySelectorAll('.weight[data-stage="' + cell.dataset.stage + '"]').forEach(function (input) {
        if (!input.dataset.bonus) { sum += parseFloat(input.value) || 0; }
      });
      cell.textContent = sum;
      cell.className = "stage-total " + (Math.abs(sum - 100) < 1e-6 ? "success" : "danger");
    });
  }
  var timers = {};
  function check(input) {
    var data = new FormData();
    data.append("formula", input.value);
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    fetch(form.dataset.checkUrl, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (!result) { return; }
        var box = document.getElementById("formula-" + input.dataset.indicator);
        box.textContent = result.ok ? "✓ " + result.fields.join(", ") : result.message;
        box.className = "help-block formula-message " + (result.ok ? "text-success" : "text-danger");
      });
  }
  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("weight")) { totals(); }
    if (event.target.classList.contains("formula")) {
      var input = event.target;
      window.clearTimeout(timers[input.name]);
      timers[input.name] = window.setTimeout(function () { check(input); }, 300);
    }
  });
  totals();
})();
