// Refresh the submission status panel until grading has finished, without reloading the page.
(function () {
  "use strict";
  function poll(panel) {
    var url = panel.getAttribute("data-poll-url");
    if (!url) return;
    window.setTimeout(function () {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.querySelector("#submission-status");
          if (!fresh) throw new Error("no status panel in response");
          panel.replaceWith(fresh);
          poll(fresh);
        })
        .catch(function () { poll(panel); });
    }, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("submission-status");
    if (panel) poll(panel);
  });
})();
