// My gallery: a changed filter applies at once (the Filter button is there without JS).
document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
