// New painting: regions. The person paints the subject on the chosen photo (brush, eraser,
// clear; mouse, pen and touch alike through pointer events) and each theme row says where its
// painting goes. The drawing travels in the hidden field `regions` as a PNG data URL, white the
// subject and black the background, soft edges kept (gallery/regions.py). Without JS the step
// stays hidden and every painting paints everywhere.
(function () {
  var step = document.querySelector("[data-regions]");
  if (!step || !window.HTMLCanvasElement) return;
  var form = step.closest("form");
  var toggle = step.querySelector("[data-regions-toggle]");
  var editor = step.querySelector("[data-regions-editor]");
  var stage = step.querySelector("[data-regions-stage]");
  var photo = step.querySelector("[data-regions-photo]");
  var canvas = step.querySelector("[data-regions-canvas]");
  var cursor = step.querySelector("[data-regions-cursor]");
  var sizeInput = step.querySelector("[data-brush-size]");
  var field = form.elements.regions;
  var rows = form.querySelector("[data-theme-rows]");
  var maxSide = parseInt(step.dataset.maxSide, 10) || 1024;
  var ctx = canvas.getContext("2d");
  // The subject's colour; the canvas is shown translucent over the photo (regions.css).
  var SUBJECT = [255, 64, 110];
  var tool = "brush";
  var photoUrl = "";
  step.hidden = false;

  // -- on and off -------------------------------------------------------------------------------

  function isOn() { return toggle.checked; }

  // The "Where" of each theme row: shown and sent only while the regions are on.
  function showRows() {
    rows.classList.toggle("with-regions", isOn());
    rows.querySelectorAll("[data-region-field]").forEach(function (el) { el.hidden = !isOn(); });
    rows.querySelectorAll("[data-region-select]").forEach(function (el) { el.disabled = !isOn(); });
  }

  function setOn(on, drawing) {
    toggle.checked = on;
    editor.hidden = !on;
    field.disabled = !on;
    showRows();
    if (on) loadPhoto(drawing);
    toggle.dispatchEvent(new Event("change"));  // job_form.js: regions need a full painting
  }

  toggle.addEventListener("change", function (event) {
    if (!event.isTrusted) return;
    setOn(toggle.checked, field.value || null);
  });
  new MutationObserver(showRows).observe(rows, { childList: true });  // a theme row added

  // -- the photo and the canvas ------------------------------------------------------------------

  function chosenPhoto() {
    var radio = form.querySelector("input[name=photo]:checked");
    var label = radio && radio.closest("[data-image]");
    return label ? label.dataset.image : "";
  }

  // Show the chosen photo; the canvas takes its proportions (at most maxSide px long) and starts
  // empty, or with `drawing` (a URL or data URL of a grey drawing) once both have loaded.
  function loadPhoto(drawing) {
    var url = chosenPhoto();
    if (!url) return;
    if (url === photoUrl && !drawing) return;
    photoUrl = url;
    photo.onload = function () {
      var scale = Math.min(1, maxSide / Math.max(photo.naturalWidth, photo.naturalHeight));
      canvas.width = Math.max(1, Math.round(photo.naturalWidth * scale));
      canvas.height = Math.max(1, Math.round(photo.naturalHeight * scale));
      if (drawing) importDrawing(drawing); else save();
    };
    photo.src = url;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "photo" && isOn()) loadPhoto(null);  // a drawing is of one photo
  });

  // -- the drawing in and out --------------------------------------------------------------------

  // The canvas holds the subject as opacity; the field gets it as grey on black.
  function save() {
    var w = canvas.width, h = canvas.height;
    var pixels = ctx.getImageData(0, 0, w, h).data;
    var out = document.createElement("canvas");
    out.width = w;
    out.height = h;
    var octx = out.getContext("2d");
    var grey = octx.createImageData(w, h);
    for (var i = 0; i < pixels.length; i += 4) {
      var a = pixels[i + 3];
      grey.data[i] = grey.data[i + 1] = grey.data[i + 2] = a;
      grey.data[i + 3] = 255;
    }
    octx.putImageData(grey, 0, 0);
    field.value = out.toDataURL("image/png");
  }

  function importDrawing(src) {
    var img = new Image();
    img.onload = function () {
      var w = canvas.width, h = canvas.height;
      var scratch = document.createElement("canvas");
      scratch.width = w;
      scratch.height = h;
      var sctx = scratch.getContext("2d");
      sctx.drawImage(img, 0, 0, w, h);
      var grey = sctx.getImageData(0, 0, w, h);
      for (var i = 0; i < grey.data.length; i += 4) {
        grey.data[i + 3] = grey.data[i];  // white: fully the subject
        grey.data[i] = SUBJECT[0];
        grey.data[i + 1] = SUBJECT[1];
        grey.data[i + 2] = SUBJECT[2];
      }
      ctx.putImageData(grey, 0, 0);
      save();
    };
    img.onerror = save;
    img.src = src;
  }

  // -- painting ----------------------------------------------------------------------------------

  var last = null;

  function at(event) {
    var rect = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - rect.left) * canvas.width / rect.width,
      y: (event.clientY - rect.top) * canvas.height / rect.height,
      scale: canvas.width / rect.width,  // canvas pixels per screen pixel
    };
  }

  function stroke(from, to) {
    ctx.globalCompositeOperation = tool === "eraser" ? "destination-out" : "source-over";
    ctx.strokeStyle = ctx.fillStyle = "rgb(" + SUBJECT.join(",") + ")";
    ctx.lineWidth = sizeInput.value * to.scale;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    if (from) {
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    } else {
      ctx.arc(to.x, to.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
  }

  function showCursor(event) {
    var rect = stage.getBoundingClientRect();
    var size = Number(sizeInput.value);
    cursor.style.width = cursor.style.height = size + "px";
    cursor.style.left = (event.clientX - rect.left - size / 2) + "px";
    cursor.style.top = (event.clientY - rect.top - size / 2) + "px";
    cursor.hidden = event.pointerType === "touch";
  }

  canvas.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = at(event);
    stroke(null, last);
  });
  canvas.addEventListener("pointermove", function (event) {
    showCursor(event);
    if (!last) return;
    var point = at(event);
    stroke(last, point);
    last = point;
  });
  function end() {
    if (!last) return;
    last = null;
    save();
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", function () { cursor.hidden = true; });

  step.querySelectorAll("[data-tool]").forEach(function (button) {
    button.addEventListener("click", function () {
      tool = button.dataset.tool;
      step.querySelectorAll("[data-tool]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
      stage.classList.toggle("is-erasing", tool === "eraser");
    });
  });
  step.querySelector("[data-regions-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    save();
  });

  // -- first state: a form sent back with its drawing, or "Paint again" of a job with regions ----

  var anyRegion = Array.prototype.some.call(rows.querySelectorAll("[data-region-select]"),
    function (el) { return el.value && el.value !== "all"; });
  if (field.value || step.dataset.regionsUrl || anyRegion) {
    setOn(true, field.value || step.dataset.regionsUrl || null);
  } else {
    setOn(false);
  }
})();
