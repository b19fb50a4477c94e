/* The console's own script: draws the dashboard's charts from the JSON the page carries
   (no inline script: the pages' Content-Security-Policy allows only files of the app). */
(function () {
  "use strict";
  var COLORS = ["#1f5fbf", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490"];

  function drawCharts() {
    var holder = document.getElementById("chart-specs");
    if (!holder || typeof window.Chart === "undefined") return;
    var specs = JSON.parse(holder.textContent || "[]");
    specs.forEach(function (spec) {
      var canvas = document.getElementById("canvas-" + spec.id);
      if (!canvas) return;
      var horizontal = spec.id === "top_offers";
      var many = spec.datasets.length > 1;
      new window.Chart(canvas, {
        type: spec.kind,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            return {
              label: d.label,
              data: d.data,
              borderColor: COLORS[i % COLORS.length],
              backgroundColor: COLORS[i % COLORS.length],
              spanGaps: true,
              tension: 0.2
            };
          })
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          indexAxis: horizontal ? "y" : "x",
          plugins: { legend: { display: many } },
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
      canvas.setAttribute("data-drawn", "true");
    });
    document.documentElement.setAttribute("data-charts-drawn", String(specs.length));
    // Milliseconds from the start of the navigation to drawn charts (bench/console.py reads it).
    document.documentElement.setAttribute("data-charts-ms", String(Math.round(window.performance.now())));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
