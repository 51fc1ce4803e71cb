// Progressive enhancement for the assessment wizard: recalculate as answers change.
// Without this script the form still works with its submit button.
(function () {
  var form = document.getElementById('assessment-form');
  var results = document.getElementById('results');
  if (!form || !results || !window.fetch) return;
  var timer = null;
  var seq = 0;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var mine = ++seq;
      var body = new URLSearchParams(new FormData(form));
      fetch('/assess/preview', { method: 'POST', body: body, credentials: 'same-origin' })
        .then(function (r) { return r.text(); })
        .then(function (html) { if (mine === seq) results.innerHTML = html; })
        .catch(function () {});
    }, 250);
  }
  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
})();
