// Draw every plotly figure on the page from the JSON the server rendered next to it,
// again after htmx swaps in new charts. No data leaves the page; no CDN.
(function () {
  "use strict";
  function draw(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll(".plotly-chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || el.dataset.drawn) return;
      var figure = JSON.parse(source.textContent);
      // The page's own typeface (vendored), not plotly's default Open Sans.
      figure.layout.font = Object.assign({ family: getComputedStyle(document.body).fontFamily }, figure.layout.font);
      el.dataset.drawn = "1";
      window.Plotly.newPlot(el, figure.data, figure.layout, { responsive: true, displaylogo: false, locale: "nl" });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
