/* Show upload progress for large files; without JavaScript the form posts normally. */
(function () {
  function bind() {
    var form = document.getElementById("delivery-form");
    if (!form || !window.XMLHttpRequest || !window.DOMParser) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("upload-progress"), bar = document.getElementById("upload-bar"),
          label = document.getElementById("upload-label");
      box.hidden = false;
      form.querySelector("button[type=submit]").disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      };
      xhr.upload.onload = function () {
        bar.removeAttribute("value");
        label.textContent = form.getAttribute("data-checking");
      };
      xhr.onload = function () {
        var main = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("main");
        if (main) document.querySelector("main").innerHTML = main.innerHTML;
        var report = document.getElementById("delivery-report");
        if (report) report.scrollIntoView();
        bind();
      };
      xhr.onerror = function () { label.textContent = form.getAttribute("data-failed"); };
      xhr.send(new FormData(form));
    });
  }
  bind();
})();
