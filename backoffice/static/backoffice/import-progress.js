// Progress bar of an import: polls the job's state, reloads the page when the worker is done.
(function () {
  const bar = document.getElementById("progress");
  if (!bar || bar.dataset.polling) return;
  bar.dataset.polling = "1";
  const label = document.getElementById("progress-label");
  const status = document.getElementById("status");
  function poll() {
    if (!document.body.contains(bar)) return;
    fetch(bar.dataset.stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json())
      .then((state) => {
        bar.value = state.progress;
        label.textContent = state.progress + " %";
        status.textContent = state.label;
        if (state.running) setTimeout(poll, 1000);
        else window.location.reload();
      })
      .catch(() => setTimeout(poll, 3000));
  }
  setTimeout(poll, 500);
})();
