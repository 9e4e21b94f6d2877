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

  // Instant needs every chosen painting to have a network: otherwise only Full is offered.
  var instant = document.querySelector("[data-mode] input[value=instant]");
  var full = document.querySelector("[data-mode] input[value=full]");
  var note = document.querySelector("[data-mode-note]");
  function updateMode() {
    if (!instant) return;
    var possible = true;
    allRows().forEach(function (row) {
      var select = row.querySelector("[data-theme-select]");
      var option = select.options[select.selectedIndex];
      if (option && option.value && option.dataset.instant !== "1") possible = false;
    });
    instant.disabled = !possible;
    if (!possible && instant.checked) full.checked = true;
    note.hidden = possible;
    // Iterations, strength and the optimizer's options mean nothing to an instant painting.
    document.querySelectorAll("[data-full-only]").forEach(function (el) { el.hidden = instant.checked; });
  }
  if (instant) {
    instant.addEventListener("change", updateMode);
    full.addEventListener("change", updateMode);
  }

  function wire(row) {
    row.querySelector("[data-theme-select]").addEventListener("change", function () {
      preview(row);
      updateMode();
    });
    row.querySelector("[data-remove-theme]").addEventListener("click", function () {
      row.remove();
      renumber();
      updateMode();
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
  var form = rows.closest("form");
  if (estimate && form && window.fetch) {
    var timer = null, asked = 0;
    var refresh = function () {
      var ticket = ++asked;
      var query = new URLSearchParams(new FormData(form));
      query.delete("csrfmiddlewaretoken");
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

  var range = document.querySelector("input[type=range]");
  var output = document.querySelector("[data-range-output]");
  if (range && output) {
    var update = function () { output.textContent = parseFloat(range.value).toFixed(1) + "×"; };
    range.addEventListener("input", update);
    update();
  }
})();
