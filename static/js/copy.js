// "Copy" buttons: <button data-copy-from="#field"> puts that field's value on the clipboard and
// says "Copied" for a moment. Without the Clipboard API (a plain-HTTP site other than localhost)
// the field's text is selected and copied the older way; where even that is refused, it stays
// selected and the button says to copy it with the keyboard.
(function () {
  "use strict";

  function legacyCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  // The button says how it went for a moment (data-copied: it worked), then its name again.
  function say(button, copied) {
    var label = button.dataset.label || (button.dataset.label = button.textContent);
    button.textContent = copied ? "Copied" : "Selected: copy it with the keyboard";
    button.toggleAttribute("data-copied", copied);
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () {
      button.textContent = label;
      button.removeAttribute("data-copied");
    }, 2000);
  }

  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    var field = document.querySelector(button.dataset.copyFrom);
    if (!field) return;
    button.addEventListener("click", function () {
      function fallback() { say(button, legacyCopy(field)); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { say(button, true); }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
