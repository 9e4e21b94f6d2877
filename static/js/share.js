// The job page's "Share" appears once the painting is done (static/js/job.js sets data-status);
// the private link's "Copy" is static/js/copy.js's.
(function () {
  "use strict";

  var root = document.getElementById("job");
  var share = document.querySelector("form[data-share]");
  if (root && share) {
    new MutationObserver(function () {
      share.hidden = root.dataset.status !== "succeeded";
    }).observe(root, { attributes: true, attributeFilter: ["data-status"] });
  }
})();
