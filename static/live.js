// A page that is still changing (a job in training) reloads itself every 5 seconds, for as long as
// its "refreshes every 5 seconds" box stays ticked: a reader who needs the page to hold still unticks it
// (WCAG 2.2.1, timing adjustable). The choice is kept for this tab.
(function () {
  "use strict";
  var key = "attune.auto-refresh";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("auto-refresh");
    if (!box) return;
    if (sessionStorage.getItem(key) === "off") box.checked = false;
    box.addEventListener("change", function () { sessionStorage.setItem(key, box.checked ? "on" : "off"); });
    setInterval(function () { if (box.checked) window.location.reload(); }, 5000);
  });
})();
