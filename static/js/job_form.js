// New painting: add and remove theme rows (a Django formset), theme previews, the strength value.
// Without JS the form shows one theme row, which is enough to submit.
(function () {
  var rows = document.querySelector("[data-theme-rows]");
  if (!rows) return;
  var prefix = rows.dataset.prefix;
  var max = parseInt(rows.dataset.max, 10) || 5;
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var template = document.getElementById("theme-row-template");
  var addButton = document.querySelector("[data-add-theme]");

  function allRows() { return rows.querySelectorAll("[data-theme-row]"); }

  // Keep the formset's indices 0..n-1 so Django reads every row.
  function renumber() {
    var pattern = new RegExp(prefix + "-(\\d+|__prefix__)-", "g");
    allRows().forEach(function (row, i) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(pattern, prefix + "-" + i + "-"));
        });
      });
    });
    var n = allRows().length;
    total.value = n;
    addButton.hidden = n >= max;
    allRows().forEach(function (row) {
      row.querySelector("[data-remove-theme]").hidden = n <= 1;
    });
  }

  function preview(row) {
    var select = row.querySelector("[data-theme-select]");
    var img = row.querySelector("[data-theme-thumb]");
    var option = select.options[select.selectedIndex];
    var src = option && option.dataset.thumb;
    if (src) { img.src = src; img.hidden = false; } else { img.removeAttribute("src"); }
  }

  // Instant needs every chosen painting to have a network, and paints everywhere: otherwise
  // (or with regions on, static/js/regions.js) only Full is offered.
  var instant = document.querySelector("[data-mode] input[value=instant]");
  var full = document.querySelector("[data-mode] input[value=full]");
  var note = document.querySelector("[data-mode-note]");
  var regionsNote = document.querySelector("[data-mode-regions-note]");
  var regionsToggle = document.querySelector("[data-regions-toggle]");
  function updateMode() {
    if (!instant) return;
    var networks = true;
    allRows().forEach(function (row) {
      var select = row.querySelector("[data-theme-select]");
      var option = select.options[select.selectedIndex];
      if (option && option.value && option.dataset.instant !== "1") networks = false;
    });
    var regions = !!(regionsToggle && regionsToggle.checked);
    var possible = networks && !regions;
    instant.disabled = !possible;
    if (!possible && instant.checked) full.checked = true;
    note.hidden = networks;
    if (regionsNote) regionsNote.hidden = !networks || !regions;
    // Iterations, strength and the optimizer's options mean nothing to an instant painting;
    // one with an error stays in sight, as the error summary links to it.
    document.querySelectorAll("[data-full-only]").forEach(function (el) {
      el.hidden = instant.checked && !el.querySelector(".has-error");
    });
  }
  if (instant) {
    instant.addEventListener("change", updateMode);
    full.addEventListener("change", updateMode);
    if (regionsToggle) regionsToggle.addEventListener("change", updateMode);
  }

  // The form shows, and sends, what the painting will use: fields the user has not changed
  // follow the first painting's own defaults (its default_params) when it changes.
  var form = rows.closest("form");
  var valuesScript = document.getElementById("theme-values");
  var themeValues = valuesScript ? JSON.parse(valuesScript.textContent) : {};
  function firstTheme() {
    var select = rows.querySelector("[data-theme-select]");
    return select && themeValues[select.value] ? select.value : "";
  }
  var shownTheme = firstTheme();
  function same(a, b) {  // "14.0" shown, 14 in the JSON
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x === y;
    return a === b;
  }
  function asText(value) {
    if (Array.isArray(value)) return value.slice().sort().join(",");
    if (typeof value === "boolean") return value ? "on" : "";
    return value === null ? "" : String(value);
  }
  function read(name) {
    var el = form.elements[name];
    if (!el) return null;
    if (!el.tagName) {  // a group of checkboxes (the layers)
      return Array.prototype.filter.call(el, function (c) { return c.checked; })
        .map(function (c) { return c.value; }).sort().join(",");
    }
    return el.type === "checkbox" ? (el.checked ? "on" : "") : el.value;
  }
  function write(name, value) {
    var el = form.elements[name];
    if (!el.tagName) {
      Array.prototype.forEach.call(el, function (c) { c.checked = value.indexOf(c.value) >= 0; });
    } else if (el.type === "checkbox") {
      el.checked = !!value;
    } else {
      el.value = Array.isArray(value) ? value.join(",") : (value === null ? "" : value);
    }
  }
  function followTheme() {
    var next = firstTheme();
    if (next === shownTheme) return;
    var before = themeValues[shownTheme] || {}, after = themeValues[next] || {};
    Object.keys(after).forEach(function (name) {
      if (form.elements[name] && same(read(name), asText(before[name]))) write(name, after[name]);
    });
    shownTheme = next;
  }

  function wire(row) {
    row.querySelector("[data-theme-select]").addEventListener("change", function () {
      preview(row);
      updateMode();
      followTheme();
    });
    row.querySelector("[data-remove-theme]").addEventListener("click", function () {
      row.remove();
      renumber();
      updateMode();
      followTheme();
    });
  }

  allRows().forEach(wire);
  addButton.addEventListener("click", function () {
    if (allRows().length >= max) return;
    var row = template.content.firstElementChild.cloneNode(true);
    rows.appendChild(row);
    wire(row);
    renumber();
    row.querySelector("select").focus();
  });
  renumber();
  updateMode();

  // The expected time (and queue wait) of what the form describes, from the server, which
  // measures it on this site's own paintings. Asked again a moment after each change.
  var estimate = document.querySelector("[data-estimate]");
  if (estimate && form && window.fetch) {
    var timer = null, asked = 0;
    var refresh = function () {
      var ticket = ++asked;
      var query = new URLSearchParams(new FormData(form));
      query.delete("csrfmiddlewaretoken");
      query.delete("regions");  // the drawing: no part of the time, and too long for a URL
      fetch(estimate.dataset.url + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { text: "" }; })
        .then(function (data) {
          if (ticket !== asked) return;  // an older answer arriving late
          estimate.querySelector("[data-estimate-text]").textContent = data.text || "";
          estimate.hidden = !data.text;
        })
        .catch(function () {});
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(refresh, 300); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    rows.addEventListener("click", later);  // a theme row added or removed
  }

  var range = form && form.elements.strength;  // not the regions brush size
  var output = document.querySelector("[data-range-output]");
  if (range && output) {
    var update = function () { output.textContent = parseFloat(range.value).toFixed(1) + "×"; };
    range.addEventListener("input", update);
    update();
  }
})();
