// Render the scan's Vega-Lite charts with the vega-embed bundle the monitor serves.
// Each spec sits in a <script type="application/json"> beside its container; no inline code.
(function () {
  "use strict";
  function render() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll("[data-scan-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-scan-chart"));
      if (!source) { return; }
      window.vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg", ast: true, defaultStyle: false,
        tooltip: { disableDefaultStyle: true } })
        .then(function () {
          el.classList.add("rendered");
          // As in the monitor: the box is one named image (role="img") with a table beside it,
          // so the marks inside are not announced one by one (nor, unnamed, as images).
          var svg = el.querySelector("svg");
          if (svg) { svg.setAttribute("aria-hidden", "true"); }
        })
        .catch(function () { el.classList.add("failed"); });
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
