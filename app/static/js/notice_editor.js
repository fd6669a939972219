// The portal page editor: Quill (vendored) with a small toolbar; its HTML goes into the form's
// hidden field on submit, and the server sanitises it before keeping it.
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
  document.getElementById("notice-form").addEventListener("submit", function () {
    document.getElementById("notice-body").value = editor.root.innerHTML;
  }, true);
})();
