// The criterion editor (pools and tag rules): each criterion is checked as it is typed, by
// the server's checker, and the message (where it is wrong, or what it reads) shows under
// it. Without scripts the form's "Check" button does the same.
(function () {
  "use strict";
  document.querySelectorAll("form.criterion-form[data-check-url]").forEach(function (form) {
    var timers = {};
    function check(input) {
      var data = new FormData();
      data.append("criterion", input.value);
      data.append("field", input.getAttribute("data-field"));
      data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
      fetch(form.getAttribute("data-check-url"), {method: "POST", body: data, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) {
          if (!result) { return; }
          var group = input.closest(".criterion-group");
          var box = document.getElementById(input.id + "-message");
          box.textContent = result.message;
          group.classList.toggle("has-error", !result.ok);
          group.classList.toggle("has-success", result.ok);
        });
    }
    form.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.classList.contains("criterion") || !input.value.trim()) { return; }
      window.clearTimeout(timers[input.name]);
      timers[input.name] = window.setTimeout(function () { check(input); }, 500);
    });
  });
})();
