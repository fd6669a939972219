// The portal page editor: Quill (vendored) with a small toolbar; its HTML goes into the form's
// hidden field on submit, and the server sanitises it before keeping it. Attaching a file
// reloads the page: unsaved text would be lost, so the user is asked first.
(function () {
  "use strict";
  var holder = document.getElementById("notice-editor");
  if (!holder || !window.Quill) { return; }
  var editor = new window.Quill(holder, {
    theme: "snow",
    modules: { toolbar: [[{ header: [2, 3, false] }], ["bold", "italic", "underline"],
                         [{ list: "ordered" }, { list: "bullet" }], ["link", "blockquote"],
                         ["clean"]] }
  });
  var changed = false;
  editor.on("text-change", function () { changed = true; });
  var form = document.getElementById("notice-form");
  form.addEventListener("input", function () { changed = true; });
  form.addEventListener("change", function () { changed = true; });
  form.addEventListener("submit", function () {
    document.getElementById("notice-body").value = editor.root.innerHTML;
  }, true);
  var files = document.getElementById("notice-file-form");
  if (files) {
    files.addEventListener("submit", function (event) {
      if (changed && !window.confirm(files.getAttribute("data-unsaved"))) {
        event.preventDefault();
      }
    });
  }
})();
