/* The console's own script: draws the dashboard's charts from the JSON the page carries
   (no inline script: the pages' Content-Security-Policy allows only files of the app). */
(function () {
  "use strict";
  var COLORS = ["#1f5fbf", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207"];

  function draw(spec) {
    var canvas = document.getElementById("canvas-" + spec.id);
    if (!canvas || typeof window.Chart === "undefined") return;
    var horizontal = spec.id === "top_offers" || spec.id === "sendings";
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
  }

  function stamp(name) {
    // Milliseconds from the start of the navigation (bench/console.py reads them).
    document.documentElement.setAttribute(name, String(Math.round(window.performance.now())));
  }

  // A page carrying all its charts (the reports explorer).
  function drawCharts() {
    var holder = document.getElementById("chart-specs");
    if (!holder) return;
    var specs = JSON.parse(holder.textContent || "[]");
    specs.forEach(draw);
    document.documentElement.setAttribute("data-charts-drawn", String(specs.length));
    stamp("data-charts-ms");
  }

  // The dashboard: each chart arrives by its own request (htmx) and is drawn as soon as it is in. htmx
  // fires its swap event on every element it swapped in, so each arrived section is taken once.
  document.addEventListener("htmx:afterSwap", function () {
    var root = document.documentElement;
    var arrived = document.querySelectorAll('section.chart[aria-busy="true"] .chart-body > .chart-done');
    Array.prototype.forEach.call(arrived, function (marker) {
      var section = marker.closest("section.chart");
      section.setAttribute("aria-busy", "false");
      // The chart's data travels in an attribute: htmx drops script elements from what it swaps in.
      var holder = section.querySelector(".chart-spec");
      if (holder && holder.getAttribute("data-spec")) draw(JSON.parse(holder.getAttribute("data-spec")));
      if (!root.hasAttribute("data-first-chart-ms")) stamp("data-first-chart-ms");
    });
    var sections = document.querySelectorAll("section.chart");
    if (sections.length && !document.querySelector('section.chart[aria-busy="true"]') &&
        !root.hasAttribute("data-charts-drawn")) {
      root.setAttribute("data-charts-drawn", String(sections.length));
      stamp("data-charts-ms");
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
