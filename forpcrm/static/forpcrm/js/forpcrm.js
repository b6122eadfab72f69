/* FORP-CRM page behaviour: keyboard shortcuts, pickers and date inputs (also inside HTMX swaps). */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) { return; }
    if (event.key === "/") {
      var box = document.getElementById("list-search") || document.getElementById("global-search");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    } else if (event.key === "n") {
      var create = document.querySelector("[data-shortcut-new]");
      if (create) { event.preventDefault(); window.location.href = create.getAttribute("href"); }
    } else if (event.key === "?") {
      var modal = document.getElementById("help-modal");
      if (modal && window.bootstrap) { window.bootstrap.Modal.getOrCreateInstance(modal).show(); }
    }
  });
  function enhance(root) {
    if (window.TomSelect) {
      root.querySelectorAll("select[data-picker]:not(.tomselected)").forEach(function (el) {
        var url = el.getAttribute("data-picker-url");
        var options = { allowEmptyOption: true, maxOptions: 50, plugins: el.multiple ? ["remove_button"] : [] };
        if (el.hasAttribute("data-picker-create")) { options.create = true; }
        if (url) {
          options.valueField = "id"; options.labelField = "text"; options.searchField = ["text"];
          options.load = function (query, callback) {
            fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), { credentials: "same-origin" })
              .then(function (r) { return r.json(); }).then(function (j) { callback(j.results); })
              .catch(function () { callback(); });
          };
        }
        new window.TomSelect(el, options);
      });
      root.querySelectorAll("input[data-tags]:not(.tomselected)").forEach(function (el) {
        new window.TomSelect(el, { create: true, persist: false, delimiter: ",", createOnBlur: true });
      });
    }
    if (window.flatpickr) {
      var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
      root.querySelectorAll("input[data-date]:not(.flatpickr-input)").forEach(function (el) {
        window.flatpickr(el, { allowInput: true, locale: zh && window.flatpickr.l10ns.zh ? "zh" : "default",
          enableTime: el.getAttribute("data-date") === "datetime",
          dateFormat: el.getAttribute("data-date") === "datetime" ? "Y-m-d H:i" : "Y-m-d" });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Keep list URLs short: empty filter inputs are not sent (and so not pushed into the address bar).
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") { return; }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) { if (params[key] === "") { delete params[key]; } });
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  // Bulk selection: "check all" box in list tables.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-check-all]")) {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = event.target.checked; });
    }
  });
})();
