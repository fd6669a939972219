// The shell's behaviour: the sidebar (narrow or wide, groups folded, the current page
// marked) and confirmation dialogs before anything irreversible. The server checks every
// precondition again: a dialog is a courtesy, never the protection.
(function () {
  "use strict";
  var shell = document.getElementById("shell");
  var store = window.localStorage;

  function remembered(key) {
    try { return store.getItem(key); } catch (e) { return null; }
  }
  function remember(key, value) {
    try { store.setItem(key, value); } catch (e) { /* private mode: not kept */ }
  }

  // -- sidebar ------------------------------------------------------------------------------
  if (shell) {
    if (remembered("ipp.sidebar") === "narrow") { shell.classList.add("is-narrow"); }
    var toggle = document.getElementById("sidebar-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        shell.classList.toggle("is-narrow");
        remember("ipp.sidebar", shell.classList.contains("is-narrow") ? "narrow" : "wide");
      });
    }
    var closed = (remembered("ipp.closed-groups") || "").split(",");
    document.querySelectorAll(".shell-nav-group").forEach(function (group) {
      var key = group.getAttribute("data-group");
      if (closed.indexOf(key) >= 0) { group.classList.add("is-closed"); }
      var title = group.querySelector(".shell-nav-title");
      title.addEventListener("click", function () {
        group.classList.toggle("is-closed");
        title.setAttribute("aria-expanded", group.classList.contains("is-closed") ? "false" : "true");
        var keys = [];
        document.querySelectorAll(".shell-nav-group.is-closed").forEach(function (g) {
          keys.push(g.getAttribute("data-group"));
        });
        remember("ipp.closed-groups", keys.join(","));
      });
    });
    // The current page: the entry whose route is the longest prefix of the address.
    var path = window.location.pathname, best = null, bestLength = 0;
    document.querySelectorAll(".shell-nav-item[data-base]").forEach(function (item) {
      var base = item.getAttribute("data-base");
      if (base && (path === base || path.indexOf(base + "/") === 0) && base.length > bestLength) {
        best = item; bestLength = base.length;
      }
    });
    if (best) {
      best.classList.add("is-active");
      best.setAttribute("aria-current", "page");
      var group = best.closest(".shell-nav-group");
      if (group) { group.classList.remove("is-closed"); }
    }
  }

  // -- confirmations -------------------------------------------------------------------------
  // <form data-confirm="…"> or <button data-confirm="…">: a dialog says what will happen;
  // "{n}" in the text becomes the number of checked boxes named by data-confirm-count.
  var modal = document.getElementById("shell-confirm");
  function ask(text, onYes) {
    if (!modal || !window.jQuery) { if (window.confirm(text)) { onYes(); } return; }
    document.getElementById("shell-confirm-text").textContent = text;
    var ok = document.getElementById("shell-confirm-ok");
    ok.onclick = function () {
      window.jQuery(modal).modal("hide");
      onYes();
    };
    window.jQuery(modal).modal("show");
  }
  function countOf(element) {
    var selector = element.getAttribute("data-confirm-count");
    return selector ? document.querySelectorAll(selector).length : null;
  }
  function textOf(element) {
    var text = element.getAttribute("data-confirm");
    var n = countOf(element);
    return n === null ? text : text.replace("{n}", String(n));
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var trigger = event.submitter || null;
    var source = trigger && trigger.hasAttribute("data-confirm") ? trigger
      : (form.hasAttribute("data-confirm") ? form : null);
    if (!source || form.getAttribute("data-confirmed") === "1") { return; }
    if (countOf(source) === 0) {
      event.preventDefault();
      ask(source.getAttribute("data-confirm-none") || textOf(source), function () {});
      return;
    }
    event.preventDefault();
    ask(textOf(source), function () {
      form.setAttribute("data-confirmed", "1");
      if (trigger && trigger.name) {
        var carry = document.createElement("input");
        carry.type = "hidden"; carry.name = trigger.name; carry.value = trigger.value;
        form.appendChild(carry);
      }
      form.submit();
    });
  }, true);

  // FAB's list actions: the dialog also says how many rows are selected, and "no row
  // selected" is said in the user's language.
  var strings = document.getElementById("shell-strings");
  if (strings && window.jQuery) {
    var $ = window.jQuery;
    $("#modal-confirm").on("shown.bs.modal", function () {
      var n = document.querySelectorAll("input.action_check:checked").length;
      var line = this.querySelector(".modal-count");
      if (line) { line.textContent = n ? strings.getAttribute("data-selected").replace("{n}", n) : ""; }
    });
    if (typeof window.ab_alert === "function") {
      var fabAlert = window.ab_alert;
      window.ab_alert = function (text) {
        fabAlert(text === "No row selected" ? strings.getAttribute("data-no-row") : text);
      };
    }
  }

  // -- lists -----------------------------------------------------------------------------
  // The quick search leaves empty fields out (an empty FAB filter would match nothing).
  document.querySelectorAll("form.quick-search").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (!field.value) { field.disabled = true; }
      });
    });
  });
  // Region cascader 市 → 县: the chosen region's code, as a prefix, in the hidden field.
  document.querySelectorAll("[data-cascader]").forEach(function (box) {
    var tree = JSON.parse(box.querySelector(".cascader-tree").textContent);
    var hidden = box.querySelector("input[type=hidden]");
    var first = box.querySelector("select[data-level='1']");
    var second = box.querySelector("select[data-level='2']");
    function fill(select, parent, chosen) {
      while (select.options.length > 1) { select.remove(1); }
      (tree.children[parent] || []).forEach(function (pair) {
        var option = new Option(pair[1], pair[0]);
        option.selected = chosen && chosen.indexOf(pair[0]) === 0;
        select.add(option);
      });
      select.disabled = !(tree.children[parent] || []).length;
    }
    var value = box.getAttribute("data-value") || "";
    fill(first, tree.base, value);
    if (second) { fill(second, first.value, value); }
    first.addEventListener("change", function () {
      if (second) { fill(second, first.value, ""); }
      hidden.value = first.value;
    });
    if (second) {
      second.addEventListener("change", function () { hidden.value = second.value || first.value; });
    }
  });
  // Deleting a row: FAB's own dialog and POST (with the CSRF token), from a labelled button.
  document.querySelectorAll("a.row-delete[data-delete-url]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (typeof window.AdminActions !== "function") { return; }
      new window.AdminActions().execute_single_delete(link.getAttribute("data-delete-url"),
        link.getAttribute("data-confirm-text"));
    });
  });
})();
