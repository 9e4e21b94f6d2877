// The header on phones: the links fold behind the Menu button (one row), which opens and closes
// them; Escape closes them too. Without JS the button stays hidden and the links wrap.
(function () {
  "use strict";

  var button = document.querySelector("[data-nav-toggle]");
  if (!button) return;
  var header = button.closest(".topbar");
  var nav = document.getElementById(button.getAttribute("aria-controls"));

  function open(yes) {
    header.classList.toggle("is-open", yes);
    button.setAttribute("aria-expanded", String(yes));
  }

  header.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () { open(!header.classList.contains("is-open")); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && header.classList.contains("is-open")) {
      open(false);
      button.focus();
    }
  });
  document.addEventListener("click", function (e) {  // a click elsewhere closes it
    if (!header.contains(e.target)) open(false);
  });
})();
