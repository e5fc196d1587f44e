// Render every Vega-Lite spec on the page with the vega-embed bundle served by the app itself.
// The spec sits in a <script type="application/json"> beside its container; no inline code.
(function () {
  "use strict";
  function render() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll("[data-vega]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-vega"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function () {
        el.classList.add("rendered");
      }).catch(function () {
        el.classList.add("failed");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
