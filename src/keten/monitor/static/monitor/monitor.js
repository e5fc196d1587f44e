// Render every Vega-Lite spec on the page with the vega-embed bundle served by the app itself.
// The spec sits in a <script type="application/json"> beside its container; no inline code.
(function () {
  "use strict";
  function render() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll("[data-vega]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-vega"));
      if (!source) { return; }
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (error) {
        el.classList.add("failed");
        if (window.console) { window.console.error("chart " + el.id + ": " + error); }
        return;
      }
      // A grid of small panels (a facet) gets no more columns than fit its box: one per row
      // on a phone instead of a chart wider than the screen.
      if (spec.facet && spec.columns && spec.spec && typeof spec.spec.width === "number") {
        spec.columns = Math.max(1, Math.min(spec.columns, Math.floor(el.clientWidth / (spec.spec.width + 80))));
      }
      window.vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true, defaultStyle: false,
        tooltip: { disableDefaultStyle: true } }).then(function () {
        el.classList.add("rendered");
        // The box is one image named by its title (role="img"), with the numbers in the table
        // beside it: the marks inside are not announced one by one (nor, unnamed, as images).
        var svg = el.querySelector("svg");
        if (svg) { svg.setAttribute("aria-hidden", "true"); }
      }).catch(function (error) {
        el.classList.add("failed");
        if (window.console) { window.console.error("chart " + el.id + ": " + error); }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
