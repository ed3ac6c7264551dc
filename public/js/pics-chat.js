// 文字客服: live lines over server-sent events, Enter sends, images by fetch, agent heartbeat.
// Every form also works without this file.
(function () {
  'use strict';

  function post(url, csrf, body, json) {
    const headers = { 'x-csrf-token': csrf, accept: 'application/json' };
    if (json) headers['content-type'] = 'application/json';
    return fetch(url, { method: 'POST', headers: headers, body: json ? JSON.stringify(body) : body, credentials: 'same-origin' });
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function lineItem(line) {
    const li = el('li', 'line line-' + line.sender + (line.mine ? ' mine' : ''));
    li.id = 'line-' + line.id;
    const meta = el('p', 'line-meta');
    meta.appendChild(el('span', 'line-name', line.name));
    meta.appendChild(document.createTextNode(' '));
    meta.appendChild(el('time', '', line.time));
    li.appendChild(meta);
    const body = el('p', 'line-body');
    if (line.image) {
      const a = el('a');
      a.href = line.image.url;
      a.target = '_blank';
      a.rel = 'noopener';
      const img = el('img', 'line-image');
      img.src = line.image.url;
      img.alt = '圖片：' + line.image.name;
      a.appendChild(img);
      body.appendChild(a);
    } else {
      body.textContent = line.body;
    }
    li.appendChild(body);
    return li;
  }

  function showError(id, message) {
    const box = document.getElementById(id);
    if (!box) return;
    box.querySelector('.msg').textContent = message || '';
    box.hidden = !message;
    const input = document.getElementById(id.replace(/-error$/, ''));
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  async function answer(res, errorId) {
    if (res.ok) {
      showError(errorId, '');
      return true;
    }
    let message = '傳送失敗，請稍後再試。';
    try {
      const data = await res.json();
      if (data && data.error && data.error.message) message = data.error.message;
    } catch (e) {
      // not JSON: keep the general message
    }
    showError(errorId, message);
    return false;
  }

  function wireChat(chat) {
    const log = document.getElementById('chat-log');
    const csrf = chat.getAttribute('data-csrf');
    const queue = document.getElementById('queue-status');
    const scroll = function () {
      log.scrollTop = log.scrollHeight;
    };
    scroll();

    // EventSource resends the last id it got (Last-Event-ID) when it reconnects by itself;
    // a new one (after 'reconnect') asks from the last line seen.
    let after = chat.getAttribute('data-after');
    const connect = function () {
      const source = new EventSource(chat.getAttribute('data-events') + '?after=' + encodeURIComponent(after));
      source.addEventListener('line', function (event) {
        if (event.lastEventId) after = event.lastEventId;
        const line = JSON.parse(event.data);
        chat.setAttribute('data-state', line.state);
        if (document.getElementById('line-' + line.id)) return;
        log.appendChild(lineItem(line));
        scroll();
      });
      source.addEventListener('queue', function (event) {
        const q = JSON.parse(event.data);
        if (queue && (q.position || chat.getAttribute('data-state') !== 'waiting')) queue.textContent = q.position ? q.text : '';
      });
      onReconnect(source, connect);
    };
    connect();

    const form = document.getElementById('message-form');
    if (form) {
      form.addEventListener('submit', async function (event) {
        event.preventDefault();
        const input = form.querySelector('input[name="body"]');
        if (!input.value.trim()) return showError('body-error', '請輸入訊息');
        const res = await post(form.action, csrf, { body: input.value }, true);
        if (await answer(res, 'body-error')) input.value = '';
        input.focus();
      });
    }
    const imageForm = document.getElementById('image-form');
    if (imageForm) {
      imageForm.addEventListener('submit', async function (event) {
        event.preventDefault();
        const file = imageForm.querySelector('input[type="file"]');
        if (!file.files.length) return showError('image-error', '請選擇要上傳的圖片');
        const data = new FormData();
        data.append('image', file.files[0]);
        const res = await post(imageForm.action, csrf, data, false);
        if (await answer(res, 'image-error')) file.value = '';
      });
    }
  }

  function wireConsole(box) {
    const count = document.getElementById('queue-count');
    const connect = function () {
      const source = new EventSource(box.getAttribute('data-console-events'));
      source.addEventListener('queue', function (event) {
        if (count) count.textContent = JSON.parse(event.data).text;
      });
      onReconnect(source, connect);
    };
    connect();
  }

  // The instance is shutting down ('reconnect'): open a new stream at once, through the
  // load balancer to another instance, spread over a second so they do not all come together.
  function onReconnect(source, connect) {
    source.addEventListener('reconnect', function () {
      source.close();
      setTimeout(connect, 200 + Math.floor(Math.random() * 1000));
    });
  }

  function heartbeat(node) {
    const url = node.getAttribute('data-heartbeat');
    const csrf = node.getAttribute('data-csrf');
    const beat = function () {
      post(url, csrf, {}, true).catch(function () {});
    };
    beat();
    setInterval(beat, 20000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    const chat = document.querySelector('.chat[data-events]');
    if (chat) wireChat(chat);
    const box = document.querySelector('[data-console-events]');
    if (box) wireConsole(box);
    const beating = document.querySelector('[data-heartbeat]');
    if (beating) heartbeat(beating);
  });
})();
