// Shows every <time datetime> in the reader's own time zone; the title keeps UTC, and without this
// script the page reads in UTC. Day-only times (data-day) are dates, not instants, and stay as they are.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
  });
  function localise(root) {
    root.querySelectorAll("time[datetime]:not([data-day]):not([data-local])").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime())) return;
      el.textContent = format.format(at);
      el.setAttribute("data-local", "");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    localise(document);
    new MutationObserver(function () { localise(document); }).observe(document.body, { childList: true, subtree: true });
  });
})();
