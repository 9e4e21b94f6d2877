// The error summary on top of a form (templates/includes/form_errors.html). It takes the focus
// when the page opens, so it is seen and read out first. Each of its links opens what hides its
// field (the "Advanced" section), brings the field into view and focuses it: the input itself,
// or the first one of a group (a photo, the layer checkboxes, the regions' switch).
(function () {
  "use strict";

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  var CONTROLS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled])";

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    for (var el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    var control = target.matches(CONTROLS) ? target : target.querySelector(CONTROLS);
    target.scrollIntoView({ block: "center" });  // the label and the message with the input
    if (control) control.focus({ preventScroll: true });
  });

  summary.focus();
})();
