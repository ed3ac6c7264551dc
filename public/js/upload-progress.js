/*
 * Upload progress on file forms, as progressive enhancement: a form that posts files
 * (multipart/form-data with a file chosen) is sent with XMLHttpRequest, showing a
 * <progress> bar of the bytes sent; the page the portal answers with (the next page after a
 * redirect, or the same form again with its errors) then replaces this one, as a normal
 * submission would. Without JavaScript, or with no file chosen, the form posts as usual.
 */
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) return;

  var count = 0;

  function chosenBytes(form) {
    var total = 0;
    var inputs = form.querySelectorAll('input[type="file"]');
    for (var i = 0; i < inputs.length; i++) {
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) total += files[j].size;
    }
    return total;
  }

  function progressBox(form) {
    var box = form.querySelector('.upload-progress');
    if (box) return box;
    count += 1;
    var id = 'upload-progress-' + count;
    box = document.createElement('div');
    box.className = 'upload-progress';
    box.innerHTML =
      '<label for="' + id + '">上傳進度</label> <progress id="' + id + '" max="100" value="0">0%</progress> ' +
      '<span class="upload-progress-text" role="status" aria-live="polite">準備上傳…</span>';
    var actions = form.querySelector('.actions');
    form.insertBefore(box, actions || null);
    return box;
  }

  function show(box, percent, text) {
    var bar = box.querySelector('progress');
    bar.value = percent;
    bar.textContent = percent + '%';
    box.querySelector('.upload-progress-text').textContent = text;
  }

  function setBusy(form, busy) {
    var buttons = form.querySelectorAll('button, input[type="submit"]');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  /**
   * Goes where the portal sends a successful form (it answers {"location": …} for this
   * script instead of a redirect), or shows its answer — the form again with its errors — as
   * the page, at its address, as a normal submission would.
   */
  function replacePage(xhr) {
    if ((xhr.getResponseHeader('Content-Type') || '').indexOf('application/json') === 0) {
      try {
        var to = JSON.parse(xhr.responseText).location;
        if (typeof to === 'string') {
          location.assign(to);
          return;
        }
      } catch (e) {
        /* not ours: shown as it is below */
      }
    }
    var url = xhr.responseURL;
    document.open();
    document.write(xhr.responseText);
    document.close();
    if (url && url !== location.href) history.replaceState(null, '', url);
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if ((form.getAttribute('enctype') || '').toLowerCase() !== 'multipart/form-data') return;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    if (chosenBytes(form) === 0) return;
    // Forms marked data-plain-upload post as the browser does (the cloud wizard's 步驟五 and 事求人's 應徵 for now).
    if (form.hasAttribute('data-plain-upload')) return;
    event.preventDefault();

    var data;
    try {
      data = new FormData(form, event.submitter || undefined);
    } catch (e) {
      data = new FormData(form);
    }
    var box = progressBox(form);
    show(box, 0, '上傳中 0%');
    setBusy(form, true);

    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('X-Upload-Progress', '1');
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.min(100, Math.floor((e.loaded / e.total) * 100));
      show(box, percent, '上傳中 ' + percent + '%');
      form.dispatchEvent(new CustomEvent('upload-progress', { detail: { loaded: e.loaded, total: e.total, percent: percent } }));
    });
    xhr.upload.addEventListener('load', function () {
      show(box, 100, '上傳完成，處理中…');
    });
    xhr.addEventListener('load', function () {
      replacePage(xhr);
    });
    function failed() {
      setBusy(form, false);
      show(box, 0, '上傳失敗，請檢查網路連線後再送出一次。');
    }
    xhr.addEventListener('error', failed);
    xhr.addEventListener('abort', failed);
    xhr.send(data);
  });
})();
