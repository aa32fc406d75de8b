// The consent switches of "Vos données personnelles": without this script each switch is
// a form that posts and reloads; with it, the choice is saved in place and announced.
(function () {
  "use strict";
  var live = document.getElementById("choix-annonce");

  function announce(text) {
    if (live) { live.textContent = text; }
  }

  document.querySelectorAll("form[data-switch]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch) { return; } // the plain form post does the job
      event.preventDefault();
      var button = form.querySelector("[role=switch]");
      var input = form.querySelector("input[name=granted]");
      // Busy, not disabled: a disabled button would lose the keyboard focus.
      if (button.getAttribute("aria-busy") === "true") { return; }
      button.setAttribute("aria-busy", "true");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) {
              announce(data.error || response.statusText);
              return;
            }
            var state = button.querySelector(".switch-state");
            button.setAttribute("aria-checked", data.granted ? "true" : "false");
            state.textContent = data.granted ? state.dataset.on : state.dataset.off;
            input.value = data.granted ? "0" : "1";
            var status = document.getElementById(button.dataset.status);
            if (status) { status.textContent = data.status; }
            announce(data.message);
          });
        })
        .catch(function () {
          announce(form.dataset.errorMessage);
        })
        .finally(function () {
          button.removeAttribute("aria-busy");
        });
    });
  });
})();
