// My gallery, live: the cards of unfinished jobs follow their progress (latest snapshot, badge,
// progress bar, queue position) by polling one small JSON document for all of them
// (views/job_cards.py), and stop once none is left unfinished. Without JS the page shows the
// state it was rendered with.
(function () {
  "use strict";

  var grid = document.querySelector("[data-live-cards]");
  if (!grid) return;
  var url = grid.dataset.liveCards;
  var pollMs = parseInt(grid.dataset.pollMs, 10) || 3000;

  function unfinished() { return grid.querySelectorAll(".job-card[data-unfinished]"); }

  // A new picture replaces the old one only once it has loaded: no blank card in between.
  function setImage(card, data) {
    var img = card.querySelector("[data-card-image]");
    if (!data.image || (img && img.getAttribute("src") === data.image)) return;
    var next = new Image();
    next.onload = function () {
      if (!img) {  // a card without a picture yet ("No image")
        img = document.createElement("img");
        img.setAttribute("data-card-image", "");
        card.querySelector(".media-placeholder").replaceWith(img);
      }
      img.src = data.image;
      img.alt = data.alt;
      img.classList.toggle("pending", data.image_kind === "photo");
    };
    next.src = data.image;
  }

  function update(data) {
    var card = grid.querySelector('.job-card[data-job="' + data.id + '"]');
    if (!card) return;
    setImage(card, data);
    var badge = card.querySelector("[data-card-badge]");
    badge.className = "badge badge-" + data.status;
    badge.textContent = data.status_display;
    var bar = card.querySelector("[data-card-progress]");
    if (bar) {
      bar.setAttribute("aria-valuenow", data.percent);
      bar.firstElementChild.style.width = data.percent + "%";
      bar.hidden = data.finished;
    }
    var text = card.querySelector("[data-card-text]");
    if (text) {
      text.textContent = data.text.length > 90 ? data.text.slice(0, 89) + "…" : data.text;
      text.title = data.text;
      text.classList.toggle("error-text", data.status === "failed");
      text.hidden = !data.text;
    }
    if (data.finished) card.removeAttribute("data-unfinished");
  }

  function poll() {
    var cards = unfinished();
    if (!cards.length) return;
    if (document.hidden) {  // nobody is looking: ask again when someone is
      document.addEventListener("visibilitychange", poll, {once: true});
      return;
    }
    var query = new URLSearchParams();
    cards.forEach(function (card) { query.append("id", card.dataset.job); });
    fetch(url + "?" + query, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        var answered = {};
        answer.jobs.forEach(function (data) { answered[data.id] = true; update(data); });
        // A job no longer answered (deleted meanwhile) is not asked for again.
        cards.forEach(function (card) { if (!answered[card.dataset.job]) card.removeAttribute("data-unfinished"); });
        pollMs = answer.poll_ms || pollMs;
      })
      .catch(function () {})  // the network or the server hiccupped: the next poll tries again
      .then(function () { if (unfinished().length) setTimeout(poll, pollMs); });
  }

  setTimeout(poll, pollMs);
})();
