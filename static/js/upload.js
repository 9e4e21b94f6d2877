// My photos: a photo dropped on the drop zone or chosen with it uploads at once, one way for
// both, with its progress in the zone and any error beside it (views/photos.py answers this
// script in JSON). Without JS the plain form works: choose a file, press "Upload photo".
(function () {
  "use strict";

  var zone = document.querySelector("[data-dropzone]");
  if (!zone) return;
  var form = zone.closest("form");
  var input = zone.querySelector("input[type=file]");
  var label = zone.querySelector("[data-dropzone-label]");
  var hint = zone.querySelector("[data-dropzone-hint]");
  var bar = zone.querySelector("[data-upload-progress]");
  var errors = form.querySelector("[data-upload-errors]");
  var idle = {label: label.textContent, hint: hint.textContent};
  var busy = false;

  form.classList.add("is-enhanced");  // the zone alone: no "Upload photo" button

  function showErrors(messages) {
    errors.replaceChildren.apply(errors, messages.map(function (text) {
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = text;
      return p;
    }));
    zone.classList.toggle("has-error", messages.length > 0);
  }

  function setProgress(percent, text) {
    bar.hidden = false;
    bar.setAttribute("aria-valuenow", percent);
    bar.firstElementChild.style.width = percent + "%";
    hint.textContent = text;
  }

  function done(messages) {
    busy = false;
    zone.classList.remove("is-uploading", "has-file");
    zone.removeAttribute("aria-busy");
    input.disabled = false;
    input.value = "";  // the same file chosen again is a change again
    bar.hidden = true;
    label.textContent = idle.label;
    hint.textContent = idle.hint;
    showErrors(messages);
  }

  function upload(file) {
    if (busy || !file) return;
    busy = true;
    var data = new FormData(form);  // the CSRF token and the file
    data.set(input.name, file);
    showErrors([]);
    zone.classList.add("has-file", "is-uploading");
    zone.setAttribute("aria-busy", "true");
    label.textContent = file.name;
    setProgress(0, "Uploading…");
    input.disabled = true;

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round(100 * e.loaded / e.total);
      setProgress(percent, percent < 100 ? "Uploading… " + percent + "%" : "Preparing the photo…");
    };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not ours: below */ }
      if (answer && answer.redirect) {
        setProgress(100, "Uploaded");
        location.assign(answer.redirect);  // the page lists it, with the message
      } else if (answer && answer.errors) {
        done(answer.errors);
      } else {
        done(["The upload failed (" + (xhr.status || "no answer") + "). Please try again."]);
      }
    };
    xhr.onerror = function () { done(["The upload failed: the connection was lost. Please try again."]); };
    xhr.send(data);
  }

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) {
      e.preventDefault();
      zone.classList.add("is-dragover");
    });
  });
  ["dragleave", "dragend"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("is-dragover"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("is-dragover");
    if (e.dataTransfer && e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  input.addEventListener("change", function () { upload(input.files[0]); });
  form.addEventListener("submit", function (e) {  // Enter in the form, or a script's submit
    e.preventDefault();
    upload(input.files[0]);
  });
})();
