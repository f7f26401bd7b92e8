// Optional: drag-and-drop and a progress bar. Without JavaScript the form posts as is.
(function () {
  var form = document.getElementById("upload");
  if (!form) return;
  var drop = document.getElementById("drop");
  var input = form.querySelector("input[type=file]");
  ["dragenter", "dragover"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (e) {
    drop.addEventListener(e, function (ev) { ev.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) { input.files = ev.dataTransfer.files; });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var bar = document.getElementById("progress");
    var label = document.getElementById("progress-label");
    bar.hidden = false; label.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round(90 * e.loaded / e.total);
    };
    xhr.upload.onload = function () { bar.removeAttribute("value"); };  // checking: indeterminate
    xhr.onload = function () {
      if (xhr.status === 200 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.send(new FormData(form));
  });
})();
