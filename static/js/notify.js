// "Notify me when it's done" on a full painting's page: the browser's notification when the
// painting the page follows succeeds or fails, whether the tab is in view or not (a window behind
// another one is "visible" too). The permission is asked on the click, never before; the choice is
// remembered in this browser for the next paintings. job.js tells each polled state
// ("job:progress" on #job); the page's first state is read here, whichever script runs first.
(function () {
  "use strict";

  var root = document.getElementById("job");
  var button = document.querySelector("[data-notify]");
  var initial = document.getElementById("job-progress");
  if (!root || !button || !initial || !("Notification" in window)) return;
  if (JSON.parse(initial.textContent).finished) return;  // nothing left to wait for

  var KEY = "style-gallery:notify-when-done";
  var wanted = false;
  var done = false;

  function remember(on) {
    try { localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
  }

  function remembered() {
    try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }

  function draw() {
    button.setAttribute("aria-pressed", wanted ? "true" : "false");
    button.textContent = wanted ? "You will be notified" : "Notify me when it's done";
    button.title = wanted ? "Click to stop the notification" : "A notification from your browser when this painting is done";
  }

  function blocked() {
    button.textContent = "Notifications are blocked";
    button.title = "Your browser blocks this site's notifications: allow them in its site settings";
    button.disabled = true;
  }

  button.addEventListener("click", function () {
    if (wanted) {
      wanted = false;
      remember(false);
      draw();
      return;
    }
    Promise.resolve(Notification.requestPermission()).then(function (permission) {
      if (permission !== "granted") { blocked(); return; }
      wanted = true;
      remember(true);
      draw();
    });
  });

  root.addEventListener("job:progress", function (event) {
    var data = event.detail;
    if (!data.finished || done) return;
    done = true;
    button.hidden = true;
    // Cancelled: the person who cancelled it knows.
    if (!wanted || (data.status !== "succeeded" && data.status !== "failed")) return;
    var themes = (root.querySelector("h1") || {}).textContent || "";
    try {
      var note = new Notification(data.status === "succeeded" ? "Your painting is ready" : "Your painting failed", {
        body: themes.replace(/\s+/g, " ").trim(),
        icon: button.dataset.icon,
        tag: "job-" + data.id,
      });
      note.onclick = function () { window.focus(); note.close(); };
    } catch (e) {
      // Some phone browsers show notifications only from a service worker: the page says it anyway.
    }
  });

  if (Notification.permission === "denied") blocked();
  else {
    wanted = Notification.permission === "granted" && remembered();
    draw();
  }
  button.hidden = false;
})();
