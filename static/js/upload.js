// My photos: drag and drop onto the drop zone. Without JS the plain file input works alone.
(function () {
  var zone = document.querySelector("[data-dropzone]");
  if (!zone) return;
  var input = zone.querySelector("input[type=file]");
  var label = zone.querySelector("[data-dropzone-label]");
  var form = zone.closest("form");

  function show(files) {
    if (files && files.length) {
      label.textContent = files[0].name;
      zone.classList.add("has-file");
    }
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
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    show(input.files);
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });
  input.addEventListener("change", function () { show(input.files); });
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = "Uploading…"; }
  });
})();
