// Place of birth fields (backoffice/core/places/forms.py): while the person types a name, propose
// "Lyon (69) — 69123" from /lieux/communes/?q= (or /lieux/pays/); choosing one puts the code in the field.
(function () {
  "use strict";
  const CODE_TYPED = /[—–-]\s*[0-9][0-9AaBb]?[0-9]{1,3}\s*$/;

  function enhance(input) {
    if (input.dataset.placesReady) return;
    input.dataset.placesReady = "1";
    const list = document.getElementById(input.getAttribute("list"));
    let timer = null;
    let asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      const query = input.value.trim();
      if (query.length < 2 || CODE_TYPED.test(query) || query === asked) return;
      timer = setTimeout(function () {
        asked = query;
        const url = input.dataset.placesUrl + "?q=" + encodeURIComponent(query);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (input.value.trim() !== query) return;
            list.replaceChildren(...data.results.map(function (place) {
              const option = document.createElement("option");
              option.value = place.label + " — " + place.code;
              return option;
            }));
          })
          .catch(function () { /* no suggestions: the person can still type the code */ });
      }, 200);
    });
  }

  function start() {
    document.querySelectorAll("input[data-places-url]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
