// Progressive enhancement for the dataset upload form: a chosen NDJSON file is streamed to
// POST /api/v1/datasets with upload progress. Without this script (or without a chosen file)
// the form posts the pasted records as usual.
(function () {
  var form = document.getElementById('upload-form');
  var file = document.getElementById('file');
  var progress = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  if (!form || !file || !progress || !status || !window.XMLHttpRequest) return;
  var fileField = document.getElementById('file-field');
  if (fileField) fileField.hidden = false;
  var button = form.querySelector('button[type="submit"]');

  function showErrors(lines) {
    var list = document.getElementById('upload-errors');
    if (!list) {
      list = document.createElement('ul');
      list.id = 'upload-errors';
      list.className = 'alert errors';
      list.setAttribute('role', 'alert');
      form.parentNode.insertBefore(list, form);
    }
    list.textContent = '';
    lines.forEach(function (text) {
      var item = document.createElement('li');
      item.textContent = text;
      list.appendChild(item);
    });
  }

  function finished(text) {
    progress.hidden = true;
    status.textContent = text;
    if (button) button.disabled = false;
  }

  form.addEventListener('submit', function (event) {
    if (!file.files || file.files.length === 0) return;
    event.preventDefault();
    var name = document.getElementById('name').value;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/datasets?name=' + encodeURIComponent(name));
    xhr.setRequestHeader('Content-Type', 'application/x-ndjson');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.floor((e.loaded * 100) / e.total);
      progress.value = percent;
      status.textContent = percent < 100 ? 'Uploading… ' + percent + ' %' : 'Checking records…';
    });
    xhr.upload.addEventListener('load', function () {
      progress.value = 100;
      status.textContent = 'Checking records…';
    });
    xhr.addEventListener('load', function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
      if (xhr.status === 201 && body && body.id) {
        status.textContent = 'Uploaded. Opening the dataset…';
        window.location.assign('/datasets/' + encodeURIComponent(body.id));
        return;
      }
      finished('The upload was refused.');
      if (body && body.errors && body.errors.length) {
        showErrors(body.errors.map(function (e) { return e.field + ': ' + e.message; }));
      } else {
        showErrors([(body && body.detail) || 'The upload failed (HTTP ' + xhr.status + ').']);
      }
    });
    xhr.addEventListener('error', function () {
      finished('The upload failed.');
      showErrors(['The connection was lost during the upload; nothing was stored. Please try again.']);
    });
    progress.value = 0;
    progress.hidden = false;
    status.textContent = 'Uploading… 0 %';
    if (button) button.disabled = true;
    xhr.send(file.files[0]);
  });
})();
