// Dashboards: each <canvas data-chart="id"> is drawn from the JSON of <script type="application/json" id="id">,
// the same figures as the table below it (no inline script: the page's Content-Security-Policy allows none).
(function () {
  function draw() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      const source = document.getElementById(canvas.dataset.chart);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: spec.type === "bar" ? { x: { stacked: spec.stacked }, y: { stacked: spec.stacked, beginAtZero: true } } : {},
          plugins: { legend: { position: "bottom" } },
        },
      });
    });
  }
  draw();
  document.addEventListener("turbo:load", draw);
})();
