/*
 * Upload progress on file forms, as progressive enhancement: a form that posts files
 * (multipart/form-data with a file chosen) is sent with XMLHttpRequest, showing a
 * <progress> bar of the bytes sent; the portal answers with the address of the page to show
 * (the next page after a success, or the same form again with its errors), and the browser
 * navigates there as after a normal submission. Without JavaScript, or with no file chosen,
 * the form posts as usual.
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
   * The address the form posts to. Read from the attribute (or the button's formaction):
   * `form.action` is the form's control named "action" when it has one (the cloud wizard's
   * 下一步/上一步 buttons), which would post the files to "[object RadioNodeList]", an address
   * without the form's token.
   */
  function actionOf(form, submitter) {
    var url = (submitter && submitter.getAttribute('formaction')) || form.getAttribute('action') || location.href;
    return new URL(url, document.baseURI).href;
  }

  /**
   * Every answer of the portal to this script is {"location": …}: the next page after a
   * success, or the form's page again (its errors and the values typed, kept by the portal for
   * this navigation). The browser goes there as after a normal submission, with its history
   * entry and its load event. Anything else (a proxy's refusal) leaves the form as it is.
   */
  function go(xhr) {
    if ((xhr.getResponseHeader('Content-Type') || '').indexOf('application/json') === 0) {
      try {
        var to = JSON.parse(xhr.responseText).location;
        if (typeof to === 'string' && to.charAt(0) === '/' && to.charAt(1) !== '/' && to.charAt(1) !== '\\') {
          location.assign(to);
          return true;
        }
      } catch (e) {
        /* not the portal's answer */
      }
    }
    return false;
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if ((form.getAttribute('enctype') || '').toLowerCase() !== 'multipart/form-data') return;
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') return;
    if (chosenBytes(form) === 0) return;
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
    xhr.open('POST', actionOf(form, event.submitter));
    xhr.setRequestHeader('X-Upload-Progress', '1');
    xhr.setRequestHeader('X-Upload-Page', location.pathname + location.search);
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
      if (go(xhr)) return;
      setBusy(form, false);
      show(box, 0, xhr.status === 413 ? '檔案超過網站允許的大小，未送出，請改選較小的檔案。' : '上傳未完成（伺服器回應 ' + xhr.status + '），請再送出一次。');
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
