// The report form's detail tables (明细表) and evidence files (佐证材料).
// Tables: add, delete and renumber rows; show the server's findings beside the row and cell
// they name (window.ippDetails, called by portal.js after each live check); the counts the
// rows give, read-only. Evidence: upload with a progress bar (XHR), preview PDF and images
// in a dialog, replace, delete; the list of required files still missing. The server
// judges everything again: these are hints and conveniences.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  var strings = document.getElementById("evidence-strings");
  if (!form || !strings) { return; }
  var S = strings.dataset;
  var $ = window.jQuery;

  function tabOf(dimension) {
    return form.querySelector('.step[data-dimension="' + dimension + '"] a');
  }
  function show(element) {
    var pane = element.closest(".tab-pane");
    var tab = pane && tabOf(pane.dataset.dimension);
    if (tab && $) { $(tab).tab("show"); }
    element.scrollIntoView({block: "center"});
  }

  // -- rows -----------------------------------------------------------------------------------
  function rowsOf(section) {
    return Array.prototype.slice.call(section.querySelectorAll("tbody > tr.detail-row"));
  }
  function filled(row) {  // a wholly empty row is dropped by the server and not numbered
    return Array.prototype.some.call(row.querySelectorAll(".detail-cell input, .detail-cell select"),
      function (input) { return input.value.trim() !== ""; });
  }
  function renumber(section) {
    var rows = rowsOf(section);
    rows.forEach(function (row, n) {
      row.querySelector(".row-no").textContent = String(n + 1);
      var box = row.querySelector(".evidence");
      if (box) { box.dataset.label = section.dataset.sheet + " #" + (n + 1); }
    });
    var count = section.querySelector(".detail-count");
    count.textContent = count.dataset.label.replace("{n}", rows.length);
    var empty = section.querySelector(".detail-empty");
    if (empty) { empty.hidden = rows.length > 0; }
    var dimension = section.dataset.dimension, total = 0;
    form.querySelectorAll('.detail-table[data-dimension="' + dimension + '"]').forEach(function (s) {
      total += rowsOf(s).length;
    });
    var badge = form.querySelector('.step-rows[data-dimension="' + dimension + '"]');
    if (badge) { badge.textContent = count.dataset.label.replace("{n}", total); }
  }
  function changed() {
    form.dispatchEvent(new Event("change", {bubbles: true}));
    missing();
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest(".detail-add");
    if (add) {
      var section = add.closest(".detail-table");
      var next = parseInt(section.dataset.next || "0", 10);
      section.dataset.next = String(next + 1);
      var html = section.querySelector("template.detail-template").innerHTML.replace(/__i__/g, String(next));
      var body = section.querySelector("tbody");
      body.insertAdjacentHTML("beforeend", html);
      renumber(section);
      var first = body.lastElementChild.querySelector("select, input:not([type=hidden])");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest(".detail-delete");
    if (remove) {
      var row = remove.closest("tr.detail-row");
      var owner = row.closest(".detail-table");
      var drop = function () {
        var after = row.nextElementSibling;
        if (after && after.classList.contains("detail-doubt")) { after.remove(); }
        row.remove();
        renumber(owner);
        changed();
      };
      if (filled(row) || row.querySelector(".evidence-file")) {
        confirmThen(S.confirmRow, drop);
      } else { drop(); }
    }
  });

  // -- findings from the live check (portal.js) -------------------------------------------------
  window.ippDetails = {
    clear: function () {
      form.querySelectorAll(".detail-cell.has-error, .detail-cell.has-warning").forEach(function (cell) {
        cell.classList.remove("has-error", "has-warning");
      });
      form.querySelectorAll(".cell-messages, .detail-messages").forEach(function (box) { box.textContent = ""; });
    },
    // Shows a finding beside its row and cell (or above the table); returns the dimension.
    place: function (finding) {
      var section = form.querySelector('.detail-table[data-table="' + finding.table + '"]');
      if (!section) { return null; }
      var line = document.createElement("div");
      line.className = "finding finding-" + finding.severity;
      line.textContent = finding.message;
      var row = finding.row ? rowsOf(section).filter(filled)[finding.row - 1] : null;
      var cell = row && row.querySelector('.detail-cell[data-column="' + finding.column + '"]');
      if (cell) {
        cell.classList.add(finding.severity === "weak" ? "has-warning" : "has-error");
        cell.querySelector(".cell-messages").appendChild(line);
      } else {
        section.querySelector(".detail-messages").appendChild(line);
      }
      return section.dataset.dimension;
    },
    setDerived: function (derived) {
      Object.keys(derived || {}).forEach(function (key) {
        var input = form.querySelector('input[data-derived][name="' + key + '"]');
        if (input && derived[key] !== null && derived[key] !== undefined) { input.value = derived[key]; }
      });
    },
  };

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-goto-table], [data-goto-evidence]");
    if (!link) { return; }
    event.preventDefault();
    var target;
    if (link.hasAttribute("data-goto-evidence")) {
      target = form.querySelector('.evidence[data-evidence="' + link.getAttribute("data-goto-evidence") + '"]');
    } else {
      var section = form.querySelector('.detail-table[data-table="' + link.getAttribute("data-goto-table") + '"]');
      var n = parseInt(link.getAttribute("data-row") || "0", 10);
      target = section && (n ? rowsOf(section).filter(filled)[n - 1] : null) || section;
    }
    if (target) { show(target); }
  });

  // -- confirmation (the shell's dialog) --------------------------------------------------------
  function confirmThen(text, yes) {
    var modal = document.getElementById("shell-confirm");
    if (!modal || !$) { if (window.confirm(text)) { yes(); } return; }
    document.getElementById("shell-confirm-text").textContent = text;
    document.getElementById("shell-confirm-ok").onclick = function () {
      $(modal).modal("hide");
      yes();
    };
    $(modal).modal("show");
  }

  // -- evidence files ---------------------------------------------------------------------------
  function say(box, message) {
    var line = box.querySelector(".evidence-error");
    line.textContent = message || "";
    box.classList.toggle("has-error", !!message);
  }
  function item(file) {
    var li = document.createElement("li");
    li.className = "evidence-file";
    li.dataset.id = file.id;
    var icon = document.createElement("i");
    icon.className = "fa " + (file.kind === "pdf" ? "fa-file-pdf-o" : (file.preview ? "fa-file-image-o" : "fa-file-o"));
    icon.setAttribute("aria-hidden", "true");
    var name = document.createElement("a");
    name.className = "evidence-name";
    name.href = file.url;
    name.target = "_blank";
    name.rel = "noopener";
    name.textContent = file.name;
    if (file.preview) { name.dataset.preview = file.kind; }
    var size = document.createElement("span");
    size.className = "evidence-size";
    size.textContent = file.size;
    var download = document.createElement("a");
    download.className = "evidence-download";
    download.href = file.url + "?download=1";
    download.textContent = S.download;
    li.append(icon, " ", name, " ", size, " ", download, " ");
    [["evidence-replace", S.replace], ["evidence-delete", S.delete]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-xs " + pair[0];
      button.textContent = pair[1];
      if (pair[0] === "evidence-delete") { button.dataset.deleteUrl = file.delete_url; }
      li.appendChild(button);
    });
    return li;
  }
  function refresh(box) {
    box.classList.toggle("has-files", !!box.querySelector(".evidence-file"));
    missing();
  }
  function answerOf(xhr) {
    try { return JSON.parse(xhr.responseText); } catch (e) { return null; }
  }

  function upload(box, file, replaces) {
    say(box, "");
    if (file.size === 0) { say(box, S.empty); return; }
    if (file.size > parseInt(S.maxBytes, 10)) { say(box, S.tooLarge); return; }
    var data = new FormData();
    data.append("csrf_token", S.csrf);
    if (box.dataset.field) { data.append("field", box.dataset.field); }
    else { data.append("table", box.dataset.table); data.append("uid", box.dataset.uid); }
    if (replaces) { data.append("replaces", replaces); }
    data.append("file", file, file.name);
    var bar = box.querySelector(".evidence-bar"), percent = box.querySelector(".evidence-percent");
    var progress = box.querySelector(".evidence-progress");
    function at(value) {
      bar.style.width = value + "%";
      bar.setAttribute("aria-valuenow", String(value));
      box.dataset.progress = String(value);
      percent.textContent = S.uploading + " " + value + "%";
    }
    at(0);
    progress.hidden = false;
    box.classList.add("is-uploading");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", S.uploadUrl);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { at(Math.round(event.loaded * 100 / event.total)); }
    };
    xhr.onload = function () {
      box.classList.remove("is-uploading");
      progress.hidden = true;
      var answer = answerOf(xhr);
      if (xhr.status !== 200 || !answer || !answer.id) {
        say(box, answer && answer.error ? answer.error : S.failed);
        return;
      }
      var list = box.querySelector(".evidence-files");
      if (answer.replaced) {
        var old = list.querySelector('.evidence-file[data-id="' + answer.replaced + '"]');
        if (old) { old.replaceWith(item(answer)); } else { list.appendChild(item(answer)); }
      } else { list.appendChild(item(answer)); }
      if (answer.warning) { say(box, answer.warning); }
      refresh(box);
    };
    xhr.onerror = xhr.onabort = function () {
      box.classList.remove("is-uploading");
      progress.hidden = true;
      say(box, S.failed);
    };
    xhr.send(data);
  }

  function isFileInput(target) {
    return target.classList && target.classList.contains("evidence-input");
  }
  form.addEventListener("input", function (event) {
    if (isFileInput(event.target)) { event.stopPropagation(); }  // not a value of the record
  }, true);
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!isFileInput(input)) { return; }
    event.stopPropagation();  // not a value of the record: no live check
    var box = input.closest(".evidence");
    if (input.files && input.files[0]) { upload(box, input.files[0], input.dataset.replaces || ""); }
    input.value = "";
    delete input.dataset.replaces;
  }, true);

  form.addEventListener("click", function (event) {
    var replace = event.target.closest(".evidence-replace");
    if (replace) {
      var box = replace.closest(".evidence");
      var input = box.querySelector(".evidence-input");
      input.dataset.replaces = replace.closest(".evidence-file").dataset.id;
      input.click();
      return;
    }
    var remove = event.target.closest(".evidence-delete");
    if (remove) {
      var li = remove.closest(".evidence-file");
      var owner = remove.closest(".evidence");
      var name = li.querySelector(".evidence-name").textContent;
      confirmThen(S.confirmDelete.replace("{name}", name), function () {
        var data = new FormData();
        data.append("csrf_token", S.csrf);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", remove.dataset.deleteUrl);
        xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
        xhr.onload = function () {
          var answer = answerOf(xhr);
          if (xhr.status === 200) { li.remove(); say(owner, ""); refresh(owner); }
          else { say(owner, answer && answer.error ? answer.error : S.failed); }
        };
        xhr.onerror = function () { say(owner, S.failed); };
        xhr.send(data);
      });
    }
  });

  // -- preview ------------------------------------------------------------------------------------
  var preview = document.getElementById("evidence-preview");
  if (preview) { document.body.appendChild(preview); }  // above the shell's own layers
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.evidence-name[data-preview]");
    if (!link || !preview || !$) { return; }
    event.preventDefault();
    var body = preview.querySelector(".evidence-preview-body");
    body.textContent = "";
    var shown;
    if (link.dataset.preview === "pdf") {
      shown = document.createElement("iframe");
      shown.className = "evidence-frame";
      shown.title = link.textContent;
    } else {
      shown = document.createElement("img");
      shown.className = "evidence-image";
      shown.alt = link.textContent;
    }
    shown.src = link.getAttribute("href");
    body.appendChild(shown);
    document.getElementById("evidence-preview-title").textContent = link.textContent;
    document.getElementById("evidence-preview-download").href = link.getAttribute("href") + "?download=1";
    $(preview).modal("show");
  });
  if (preview && $) {
    $(preview).on("hidden.bs.modal", function () {
      preview.querySelector(".evidence-preview-body").textContent = "";
    });
  }

  // -- required files still missing ------------------------------------------------------------
  var summary = document.getElementById("evidence-summary");
  function missing() {
    if (!summary) { return []; }
    var lacking = Array.prototype.filter.call(form.querySelectorAll(".evidence[data-required]"),
      function (box) { return !box.querySelector(".evidence-file"); });
    summary.textContent = "";
    if (!lacking.length) { return lacking; }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    var head = document.createElement("strong");
    head.textContent = S.missing + (form.dataset.lang === "en" ? ": " : "：") + lacking.length;
    var list = document.createElement("ul");
    list.className = "summary-list";
    lacking.forEach(function (box) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#";
      link.setAttribute("data-goto-evidence", box.dataset.evidence);
      link.textContent = box.dataset.label;
      li.appendChild(link);
      list.appendChild(li);
    });
    alert.append(head, list);
    summary.appendChild(alert);
    return lacking;
  }
  var submit = document.getElementById("submit-record");
  if (submit) {
    submit.addEventListener("click", function (event) {
      if (missing().length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        summary.scrollIntoView({block: "center"});
      }
    });
  }
  form.querySelectorAll(".detail-table").forEach(renumber);
})();
