// Kết nạp: draws the charts of a page with Chart.js (vendor/chartjs). Each chart is a
// <canvas data-chart="ID"> whose spec is the JSON of <script type="application/json" id="ID">
// ({title, labels, datasets: [{label, data, color}], unit}, from pipeline/reports/charts.py):
// no inline script (CSP). Without JavaScript the tables beside the charts carry the same figures.
(function () {
  "use strict";
  // A label broken into lines of at most `width` characters, at spaces: Chart.js draws an array
  // as a label of several lines, so a long stage or unit name never needs to be skipped.
  function wrap(label, width) {
    var lines = [];
    String(label).split(/\s+/).forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) {
        lines[last] += " " + word;
      } else {
        lines.push(word);
      }
    });
    return lines;
  }
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    // Horizontal bars: the unit names are long, and a tall chart scrolls better on a phone. Every
    // bar keeps its label: wrapped to the width the box leaves them (narrower on a phone), and
    // each group given the height of its lines, so Chart.js has no reason to skip any.
    var box = canvas.parentElement;
    var width = box.clientWidth < 576 ? 16 : 30;
    var labels = spec.labels.map(function (label) { return wrap(label, width); });
    var lines = Math.max.apply(null, labels.map(function (l) { return l.length; }).concat([1]));
    var group = Math.max(lines * 13 + 8, spec.datasets.length * 12 + 8);
    box.style.height = Math.max(160, 60 + spec.labels.length * group) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
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
        scales: {
          x: {beginAtZero: true, title: {display: Boolean(spec.unit), text: spec.unit}},
          y: {ticks: {autoSkip: false, font: {size: 11}}}
        }
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
