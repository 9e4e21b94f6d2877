// The job page, live: polls the job's progress JSON every ~1.5 s and updates the page in place
// (progress bar, remaining time, losses, loss curve, snapshot strip, result) until the job is
// finished, and while a new version of its colours is being made. No page reloads; the cancel
// button and the Colours panel post in the background. The strip shows whole thumbnails, says
// when it scrolls, and keeps the newest in view while the run goes on.
(function () {
  "use strict";

  var root = document.getElementById("job");
  var initial = document.getElementById("job-progress");
  if (!root || !initial) return;

  var progressUrl = root.dataset.progressUrl;
  var unit = root.dataset.unit || "iteration";  // a training page counts steps
  var pollMs = parseInt(root.dataset.pollMs, 10) || 1500;
  var SVG = "http://www.w3.org/2000/svg";
  var lastSnapshotCount = -1;
  var strip = one("snapshots");
  var initialStatus = null;
  var failures = 0;
  var polling = false;

  function $(name) { return root.querySelectorAll('[data-bind="' + name + '"]'); }
  function one(name) { return root.querySelector('[data-bind="' + name + '"]'); }
  function setText(name, text) { $(name).forEach(function (el) { el.textContent = text; }); }
  function show(el, visible) { if (el) el.hidden = !visible; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + " s";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    if (m < 60) return m + " min " + (s < 10 ? "0" : "") + s + " s";
    var h = Math.floor(m / 60);
    m = m % 60;
    return h + " h " + (m < 10 ? "0" : "") + m + " min";
  }

  // Compact, for the small stat boxes: "52s", "1m 10s", "2h 05m".
  function short(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "—";
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + "s";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    if (m < 60) return m + "m " + (s < 10 ? "0" : "") + s + "s";
    return Math.floor(m / 60) + "h " + (m % 60 < 10 ? "0" : "") + (m % 60) + "m";
  }

  function number(x) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    if (x === 0) return "0";
    var a = Math.abs(x);
    return a >= 1000 || a < 0.001 ? x.toExponential(2) : x.toPrecision(4).replace(/\.?0+$/, "");
  }

  function tick(x) {  // axis labels: 3 significant digits
    return x >= 1000 || x < 0.001 ? x.toExponential(1) : String(Number(x.toPrecision(3)));
  }

  function statusLine(data) {
    switch (data.status) {
      case "queued":
        if (data.resuming) return "resuming: " + (data.queue ? data.queue.text : "waiting for a worker…");
        return data.queue ? data.queue.text : "waiting for a worker…";
      case "running":
        if (data.cancel_requested) return "stopping…";
        if (data.stalled) return "the worker stopped; resuming…";
        if (!data.iteration) return "starting…";
        return data.remaining === null ? "running" : "about " + duration(data.remaining) + " left";
      case "succeeded": return "done in " + duration(data.elapsed) + (data.stopped_text ? ": " + data.stopped_text : "");
      case "cancelled": return "cancelled";
      case "failed": return "failed";
    }
    return data.status_display;
  }

  // --- the loss curve: total loss by iteration, log scale, drawn as inline SVG -----------------
  function drawChart(data) {
    var svg = one("chart");
    if (!svg) return;  // an instant painting has no curve
    var points = (data.loss_history || []).filter(function (p) { return p[1] > 0 && isFinite(p[1]); });
    show(one("chart-empty"), points.length === 0);
    svg.style.display = points.length ? "" : "none";  // no empty frame before the first point
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!points.length) return;

    var W = 400, H = 170, left = 50, right = 10, top = 10, bottom = 22;
    var total = Math.max(data.total || 1, points[points.length - 1][0]);
    var logs = points.map(function (p) { return Math.log10(p[1]); });
    var lo = Math.min.apply(null, logs), hi = Math.max.apply(null, logs);
    if (hi - lo < 1e-6) { lo -= 0.05; hi += 0.05; }
    var pad = (hi - lo) * 0.08;
    lo -= pad; hi += pad;
    function x(it) { return left + (W - left - right) * it / total; }
    function y(v) { return top + (H - top - bottom) * (hi - v) / (hi - lo); }
    function el(name, attrs, text) {
      var node = document.createElementNS(SVG, name);
      for (var k in attrs) node.setAttribute(k, attrs[k]);
      if (text !== undefined) node.textContent = text;
      svg.appendChild(node);
      return node;
    }

    for (var i = 0; i <= 3; i++) {  // grid lines with their loss values
      var v = hi - (hi - lo) * i / 3;
      el("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), "class": "grid" });
      el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", "class": "tick" }, tick(Math.pow(10, v)));
    }
    el("text", { x: left, y: H - 5, "class": "tick" }, "0");
    el("text", { x: W - right, y: H - 5, "text-anchor": "end", "class": "tick" }, String(total));
    el("text", { x: (left + W - right) / 2, y: H - 5, "text-anchor": "middle", "class": "tick" }, unit);

    var line = points.map(function (p, k) { return x(p[0]).toFixed(1) + "," + y(logs[k]).toFixed(1); });
    var base = (H - bottom).toFixed(1);
    el("polygon", { points: x(points[0][0]).toFixed(1) + "," + base + " " + line.join(" ") + " " +
                    x(points[points.length - 1][0]).toFixed(1) + "," + base, "class": "area" });
    el("polyline", { points: line.join(" "), "class": "curve" });
    var last = points.length - 1;
    el("circle", { cx: x(points[last][0]), cy: y(logs[last]), r: 3.5, "class": "dot" });
  }

  // --- the snapshot strip grows; the preview shows the latest snapshot --------------------------
  function drawSnapshots(data) {
    var snaps = data.snapshots || [];
    if (!strip || snaps.length === lastSnapshotCount) return;
    // Follow the newest while the run goes on, unless the person has scrolled back to look.
    var follow = lastSnapshotCount < 0 ? !data.finished : stripAtEnd();
    var first = lastSnapshotCount < 0;
    lastSnapshotCount = snaps.length;
    var have = {};
    strip.querySelectorAll("li[data-iteration]").forEach(function (li) { have[li.dataset.iteration] = li; });
    snaps.forEach(function (snap) {
      if (have[snap.iteration]) return;
      var li = document.createElement("li");
      li.className = "snapshot is-new";
      li.dataset.iteration = snap.iteration;
      var a = document.createElement("a");
      a.href = snap.url;
      a.target = "_blank";
      a.rel = "noopener";
      var img = document.createElement("img");
      img.src = snap.url;
      img.alt = "Snapshot at " + unit + " " + snap.iteration;
      a.appendChild(img);
      var label = document.createElement("span");
      label.textContent = snap.iteration;
      li.appendChild(a);
      li.appendChild(label);
      strip.appendChild(li);
    });
    setText("snapshot-count", String(snaps.length));
    show(one("snapshots-empty"), snaps.length === 0);
    if (follow) strip.scrollTo({ left: strip.scrollWidth, behavior: first ? "instant" : "smooth" });
    drawStripNav();
    if (snaps.length) {
      var latest = snaps[snaps.length - 1];
      var preview = one("preview");
      if (preview && preview.getAttribute("src") !== latest.url) {
        preview.src = latest.url;
        preview.alt = "Latest snapshot";
        preview.classList.remove("is-photo");
        preview.hidden = false;
      }
      var tag = one("preview-tag");
      tag.textContent = unit.charAt(0).toUpperCase() + unit.slice(1) + " " + latest.iteration;
      tag.hidden = false;
      setText("preview-caption", "The latest snapshot; the painting takes shape as it runs.");
    }
  }

  function render(data) {
    root.dataset.status = data.status;
    $("status").forEach(function (el) {
      el.textContent = data.status_display;
      el.className = "status-pill status-" + data.status;
    });
    var percent = Math.max(0, Math.min(100, data.percent || 0));
    setText("percent", percent + "%");
    if (one("bar")) {
      one("bar-fill").style.width = percent + "%";
      one("bar").setAttribute("aria-valuenow", String(percent));
    }
    setText("iteration", String(data.iteration));
    setText("total", String(data.total));
    setText("elapsed", data.mode === "instant" && data.finished ? data.elapsed.toFixed(2) + "s"
                                                                 : short(data.elapsed));
    setText("remaining-text", statusLine(data));
    setText("attempts", String(data.attempts));
    if (data.device) setText("device", data.device);
    if (data.engine_version) setText("engine-version", data.engine_version);
    ["content", "style", "tv", "total"].forEach(function (name) {
      var dd = root.querySelector('[data-loss="' + name + '"]');
      if (dd) dd.textContent = number(data.losses ? data.losses[name] : null);
    });
    drawChart(data);
    drawSnapshots(data);
    drawColors(data);

    var cancel = root.querySelector("form[data-cancel]");
    show(cancel, !data.finished);
    if (cancel && data.cancel_requested) {
      var button = cancel.querySelector("button");
      button.disabled = true;
      button.textContent = "Stopping…";
    }
    show(root.querySelector("form[data-retry]"), data.status === "failed" || data.status === "cancelled");
    show(root.querySelector("[data-again]"), ["succeeded", "failed", "cancelled"].indexOf(data.status) >= 0);
    show(one("error-box"), data.status === "failed");
    setText("error", data.error || "");
    show(one("cancelled-box"), data.status === "cancelled");

    if (data.instant_preview && !(data.snapshots || []).length && !data.result) {
      var preview = one("preview");
      if (preview && preview.getAttribute("src") !== data.instant_preview) {
        preview.src = data.instant_preview;
        preview.alt = "Instant preview";
        preview.classList.remove("is-photo");
        one("preview-tag").textContent = "Instant preview";
        show(one("preview-tag"), true);
        setText("preview-caption", "The instant preview of your painting; the full painting replaces it as it runs.");
      }
    }
    if (data.result) {
      var result = one("result");
      if (result.getAttribute("src") !== data.result) result.src = data.result;
      show(one("compare-box"), true);
      show(one("preview-box"), false);
      var downloads = one("downloads");
      if (downloads && data.downloads) {
        downloads.querySelectorAll("[data-download]").forEach(function (a) {
          a.href = data.downloads[a.dataset.download];
        });
        show(downloads, true);
      }
    }
    if (data.status === "queued" && !data.instant_preview) {
      setText("preview-caption", data.queue ? "Waiting: " + data.queue.text + "." : "Waiting for a worker…");
    }
    if (!(data.snapshots || []).length && (data.status === "failed" || data.status === "cancelled")) {
      setText("preview-caption", "Your photo; the job stopped before its first snapshot.");
    }
    if (data.status !== initialStatus) {
      // "Job 12 is queued" from the page that sent us here is out of date now.
      document.querySelectorAll(".messages").forEach(function (el) { el.hidden = true; });
    }
    // For the page's other scripts (notify.js): every state drawn, the first one included.
    root.dispatchEvent(new CustomEvent("job:progress", { detail: data }));
  }

  // --- the strip: a range and arrows once it holds more than fit; CSS snaps whole thumbnails -----
  var stripFrame = root.querySelector("[data-strip-frame]");
  var stripNav = root.querySelector("[data-strip-nav]");

  function stripAtEnd() { return strip.scrollLeft + strip.clientWidth >= strip.scrollWidth - 2; }

  function stripGap() { return parseFloat(getComputedStyle(strip).columnGap) || 0; }

  function stripStep() {  // one thumbnail and the gap after it
    var item = strip.querySelector("li");
    return item ? item.getBoundingClientRect().width + stripGap() : 1;
  }

  function drawStripNav() {
    if (!strip || !stripNav) return;
    var count = strip.querySelectorAll("li").length;
    var step = stripStep();
    var inView = Math.max(1, Math.round((strip.clientWidth + stripGap()) / step));
    var from = Math.min(count, Math.round(strip.scrollLeft / step) + 1);
    var scrolls = strip.scrollWidth > strip.clientWidth + 1;
    var before = scrolls && strip.scrollLeft > 1;
    var after = scrolls && !stripAtEnd();
    show(stripNav, scrolls);
    setText("strip-range", from + "–" + Math.min(count, from + inView - 1) + " of " + count);
    stripNav.querySelector("[data-strip-prev]").disabled = !before;
    stripNav.querySelector("[data-strip-next]").disabled = !after;
    stripFrame.classList.toggle("more-before", before);
    stripFrame.classList.toggle("more-after", after);
  }

  if (strip && stripNav) {
    var pageBy = function (sign) {  // a page of whole thumbnails: snapping lands on one
      strip.scrollBy({ left: sign * Math.max(stripStep(), strip.clientWidth), behavior: "smooth" });
    };
    stripNav.querySelector("[data-strip-prev]").addEventListener("click", function () { pageBy(-1); });
    stripNav.querySelector("[data-strip-next]").addEventListener("click", function () { pageBy(1); });
    var navFrame = 0;
    var redraw = function () {
      cancelAnimationFrame(navFrame);
      navFrame = requestAnimationFrame(drawStripNav);
    };
    strip.addEventListener("scroll", redraw, { passive: true });
    window.addEventListener("resize", redraw);
  }

  // --- Download's formats and More: one open at a time; a click elsewhere or Escape closes ----
  var menus = root.querySelectorAll("details[data-menu]");
  function closeMenus(except) {
    menus.forEach(function (menu) { if (menu !== except) menu.open = false; });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    menu.querySelectorAll("a").forEach(function (a) {
      a.addEventListener("click", function () { menu.open = false; });  // a download stays here
    });
  });
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (!menu.open) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });

  // --- polling ------------------------------------------------------------------------------
  function worthPolling(data) { return !data.finished || !!(data.colors && data.colors.pending); }

  function startPolling() {
    if (polling) return;
    polling = true;
    setTimeout(poll, pollMs);
  }

  function poll() {
    fetch(progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        if (worthPolling(data)) setTimeout(poll, pollMs);
        else polling = false;
      })
      .catch(function () {
        failures += 1;  // the server restarting, a network blip: keep trying, more slowly
        setTimeout(poll, Math.min(pollMs * Math.pow(2, failures), 15000));
      });
  }

  // --- cancel without leaving the page --------------------------------------------------------
  var cancelForm = root.querySelector("form[data-cancel]");
  if (cancelForm) {
    cancelForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = cancelForm.querySelector("button");
      button.disabled = true;
      button.textContent = "Stopping…";
      fetch(cancelForm.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": cancelForm.querySelector("[name=csrfmiddlewaretoken]").value },
      })
        .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
        .then(render)
        .catch(function () { cancelForm.submit(); });  // fall back to the plain form post
    });
  }

  // --- colours: each change is posted at once; the poll brings the new version -----------------
  var colorsForm = root.querySelector("form[data-colors-form]");
  var colorsSent = 0;  // changes posted so far: only the answer to the latest one is drawn
  var colorsError = "";

  function setColorControls(colors) {
    colorsForm.elements.keep_colors.checked = colors.keep_colors;
    colorsForm.elements.match_histogram.checked = colors.match_histogram;
    colorsForm.elements.mix_percent.value = Math.round(colors.mix * 100);
    setText("mix-value", colorsForm.elements.mix_percent.value + "%");
  }

  function showColorsError(text) {
    colorsError = text;
    setText("colors-error", text);
    show(one("colors-error"), !!text);
  }

  function drawColors(data) {
    var panel = root.querySelector("[data-colors]");
    if (!panel || !colorsForm) return;
    var colors = data.colors;
    if (colors && panel.hidden) setColorControls(colors);  // the painting has just finished
    show(panel, !!colors);
    if (!colors) return;
    show(one("colors-busy"), colors.pending);
    show(one("colors-making"), colors.pending);
    if (colors.error && colors.error !== colorsError) setColorControls(colors);  // what is shown
    showColorsError(colors.error || "");
  }

  function sendColors() {
    var mine = ++colorsSent;
    showColorsError("");
    show(one("colors-busy"), true);
    fetch(colorsForm.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": colorsForm.elements.csrfmiddlewaretoken.value },
      body: new FormData(colorsForm),
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== colorsSent) return;  // a newer change is on its way
        if (!answer.ok) {
          show(one("colors-busy"), false);
          showColorsError((answer.body.errors || ["The colours cannot change."]).join(" "));
          return;
        }
        render(answer.body);
        if (worthPolling(answer.body)) startPolling();
      })
      .catch(function () { if (mine === colorsSent) colorsForm.submit(); });  // the plain form post
  }

  if (colorsForm) {
    colorsForm.querySelector("[data-colors-apply]").hidden = true;  // changes apply themselves
    colorsForm.addEventListener("submit", function (event) { event.preventDefault(); sendColors(); });
    var colorsTimer = null;
    colorsForm.addEventListener("change", function () {  // a box ticked, the slider let go
      clearTimeout(colorsTimer);
      colorsTimer = setTimeout(sendColors, 250);  // arrow keys on the slider: one post, not ten
    });
    colorsForm.elements.mix_percent.addEventListener("input", function () {
      setText("mix-value", colorsForm.elements.mix_percent.value + "%");
    });
  }

  var data = JSON.parse(initial.textContent);
  initialStatus = data.status;
  render(data);
  if (worthPolling(data)) startPolling();
})();
