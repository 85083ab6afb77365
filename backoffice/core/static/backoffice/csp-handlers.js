// Behaviours that Viewflow's templates wrote as inline onclick attributes, which the Content Security Policy
// forbids: a "Retour" link goes back in the history, and with data-history-back="reload" refreshes the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-history-back]");
  if (!link) {
    return;
  }
  event.preventDefault();
  window.history.back();
  if (link.dataset.historyBack === "reload" && window.Turbo) {
    setTimeout(() => window.Turbo.visit("."), 100);
  }
});
