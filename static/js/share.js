// The job page's private link (templates/gallery/_share_panel.html): "Copy" puts the link on the
// clipboard, and "Share" appears once the painting is done (static/js/job.js sets data-status).
(function () {
  "use strict";

  var copy = document.querySelector("[data-copy]");
  var input = document.querySelector("[data-share-url]");
  if (copy && input) {
    copy.addEventListener("click", function () {
      function done() {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 2000);
      }
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {  // a plain-HTTP site: the older way still works there
        document.execCommand("copy");
        done();
      }
    });
  }

  var root = document.getElementById("job");
  var share = document.querySelector("form[data-share]");
  if (root && share) {
    new MutationObserver(function () {
      share.hidden = root.dataset.status !== "succeeded";
    }).observe(root, { attributes: true, attributeFilter: ["data-status"] });
  }
})();
