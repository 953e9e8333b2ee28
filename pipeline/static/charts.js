// Kết nạp: draws the charts of a page with Chart.js (vendor/chartjs). Each chart is a
// <canvas data-chart="ID"> whose spec is the JSON of <script type="application/json" id="ID">
// ({title, labels, datasets: [{label, data, color}], unit}, from pipeline/reports/charts.py):
// no inline script (CSP). Without JavaScript the tables beside the charts carry the same figures.
(function () {
  "use strict";
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    // Horizontal bars: the unit names are long, and a tall chart scrolls better on a phone.
    var box = canvas.parentElement;
    box.style.height = Math.max(160, 40 + spec.labels.length * 14 * spec.datasets.length) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return {label: d.label, data: d.data, backgroundColor: d.color};
        })
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // Axis and tooltip figures in the page's language: 1.234 in Vietnamese, 1,234 in English.
        locale: document.documentElement.lang || "vi",
        plugins: {title: {display: false}, legend: {position: "top"}},
        scales: {x: {beginAtZero: true, title: {display: Boolean(spec.unit), text: spec.unit}}}
      }
    });
  }
  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
