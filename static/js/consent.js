// The consent switches of "Vos données personnelles": without this script each switch is
// a form that posts and reloads; with it, the choice is saved in place and announced.
(function () {
  "use strict";
  var live = document.getElementById("choix-annonce");
  document.querySelectorAll("form[data-switch]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
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
            if (!response.ok) { throw new Error(data.error || response.statusText); }
            return data;
          });
        })
        .then(function (data) {
          var state = button.querySelector(".switch-state");
          button.setAttribute("aria-checked", data.granted ? "true" : "false");
          state.textContent = data.granted ? state.dataset.on : state.dataset.off;
          input.value = data.granted ? "0" : "1";
          var status = document.getElementById(button.getAttribute("aria-describedby"));
          if (status) { status.textContent = data.status; }
          if (live) { live.textContent = data.message; }
        })
        .catch(function () {
          // Fall back to the plain form post, which shows the error on the page.
          form.submit();
        })
        .finally(function () {
          button.removeAttribute("aria-busy");
        });
    });
  });
})();
