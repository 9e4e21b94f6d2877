// A before/after picture ([data-compare], static/css/job.css): its range input moves the split.
(function () {
  "use strict";

  document.querySelectorAll("[data-compare]").forEach(function (compare) {
    var range = compare.querySelector("input[type=range]");
    if (!range) return;  // no photo to compare with: the painting alone
    range.addEventListener("input", function () { compare.style.setProperty("--split", range.value + "%"); });
  });
})();
