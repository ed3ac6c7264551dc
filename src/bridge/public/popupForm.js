// 人事服務網憑證元件: the popup a portal page opens (HiPKI local sign server protocol).
// 1. ask the opener for the tbsPackage: postMessage('{"func":"getTbs"}', '*'), repeated
//    until it answers (the page may still be fetching its challenge);
// 2. accept the answer ONLY from an allowed portal origin, and show that origin;
// 3. with one card, go on at once (as the HiPKI component does); with several and none
//    named, let the user pick one;
// 4. POST {tbsPackage, origin, cardSN} to this bridge's /sign (the tbsPackage as the page
//    sent it: the bridge reads it, %2B and all), post the JSON result back to the requesting
//    origin only (func "sign", or "pkcs11info" for GetUserCert / CheckEnvir), and close.
(function () {
  'use strict';
  var RET_CARD_ERROR = 0x76300004;
  var RET_ORIGIN_NOT_ALLOWED = 0x76000031;
  var RET_CANCELLED = 0x76000999;
  var TYPE_LABELS = { moica: '自然人憑證', gca: '機關憑證', nhi: '健保卡', unknown: '其他憑證' };
  var PURPOSES = {
    MakeSignature: '網站要求以您的憑證卡片簽章（例如憑證登入）。',
    GetUserCert: '網站要求讀取您卡片上的憑證。',
    CheckEnvir: '網站要求檢查憑證元件的環境。',
  };

  var body = document.body;
  var allowed = [];
  try { allowed = JSON.parse(body.getAttribute('data-allowed-origins') || '[]'); } catch (e) { allowed = []; }
  var serverVersion = body.getAttribute('data-server-version') || '';
  var statusEl = document.getElementById('status');
  var originBox = document.getElementById('origin');
  var originValue = document.getElementById('origin-value');
  var purposeEl = document.getElementById('purpose');
  var picker = document.getElementById('picker');
  var cardsBox = document.getElementById('cards');
  var cancelButton = document.getElementById('cancel');

  var opener = window.opener;
  var requester = null; // the accepted portal origin
  var raw = null; // the accepted tbsPackage as the page sent it
  var pkg = null; // the same, read as JSON (null if it is not JSON: the bridge answers that)
  var started = false;
  var done = false;

  function say(text) { statusEl.textContent = text; }

  // The tbs as text (tbsEncoding NONE or base64), or null.
  function tbsText(p) {
    if (!p || typeof p.tbs !== 'string') return null;
    if (String(p.tbsEncoding || 'NONE').toUpperCase() !== 'BASE64') return p.tbs;
    try {
      var bin = atob(p.tbs.replace(/\s+/g, ''));
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    } catch (e) { return null; }
  }

  // A portal challenge (first line ecpa-login / ecpa-bind / ecpa-sign, then key=value lines).
  function challengeOf(p) {
    var text = tbsText(p);
    var head = text && /^ecpa-(login|bind|sign)\n/.exec(text);
    if (!head) return null;
    function field(name) { var m = new RegExp('^' + name + '=(.*)$', 'm').exec(text); return m ? m[1] : null; }
    return { purpose: head[1], origin: field('origin'), title: field('title'), digest: field('digest') };
  }

  // What the site asks for, in words: 「登入」 for a login challenge, the document's title and
  // digest for a document, else the function.
  function describe(p, site) {
    var c = challengeOf(p);
    if (c && c.origin !== site) return '此登入驗證資料屬於其他網站（' + (c.origin || '未註明') + '），將拒絕簽章。';
    if (c && c.purpose === 'login') return '用途：登入（' + site + '）';
    if (c && c.purpose === 'bind') return '用途：綁定憑證（' + site + '）';
    if (c && c.purpose === 'sign') return '用途：簽署文件' + (c.title ? '「' + c.title + '」' : '') + (c.digest ? '，文件摘要 SHA-256 ' + c.digest : '');
    return p ? PURPOSES[p.func] || '' : '';
  }

  function showOrigin(origin) {
    originValue.textContent = origin;
    originBox.hidden = false;
  }

  function reply(result) {
    if (done) return;
    done = true;
    say('完成，視窗即將關閉。');
    try { opener.postMessage(JSON.stringify(result), requester); } catch (e) { /* the page is gone */ }
    window.close();
  }

  // The reply's func for the call, as the HiPKI component names it (clients switch on it).
  function replyFunc() {
    if (pkg && (pkg.func === 'GetUserCert' || pkg.func === 'CheckEnvir')) return 'pkcs11info';
    return pkg && pkg.func === 'DecryptData' ? 'decrypt' : 'sign';
  }

  function cancelled() {
    return { func: replyFunc(), ret_code: RET_CANCELLED, last_error: 0, serverVersion: serverVersion, nonce: pkg && pkg.nonce !== undefined ? String(pkg.nonce) : undefined };
  }

  function refuse(origin) {
    done = true;
    picker.hidden = true;
    showOrigin(origin);
    say('此網站未被允許使用憑證元件');
  }

  if (!opener) {
    say('此視窗須由網站開啟；請關閉此視窗。');
    return;
  }

  var tries = 0;
  function askForTbs() {
    if (started || done || tries >= 120) return;
    tries += 1;
    try { opener.postMessage(JSON.stringify({ func: 'getTbs' }), '*'); } catch (e) { /* ignore */ }
    setTimeout(askForTbs, 500);
  }

  function sign(cardSN) {
    picker.hidden = true;
    say('處理中，請稍候…');
    var request = { tbsPackage: raw, origin: requester };
    if (cardSN) request.cardSN = cardSN;
    fetch('/sign', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      credentials: 'omit',
      cache: 'no-store',
    })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (result && result.ret_code === RET_ORIGIN_NOT_ALLOWED) return refuse(requester);
        if (result && pkg && pkg.nonce !== undefined && result.nonce === undefined) result.nonce = String(pkg.nonce);
        if (result && !result.func) result.func = replyFunc();
        reply(result);
      })
      .catch(function () {
        reply({ func: replyFunc(), ret_code: RET_CARD_ERROR, last_error: 0, serverVersion: serverVersion });
      });
  }

  function pickCard(cards) {
    while (cardsBox.firstChild) cardsBox.removeChild(cardsBox.firstChild);
    cards.forEach(function (c, i) {
      var id = 'card-' + i;
      var row = document.createElement('div');
      row.className = 'card';
      var input = document.createElement('input');
      input.type = 'radio';
      input.name = 'card';
      input.id = id;
      input.value = c.serial;
      if (i === 0) input.checked = true;
      var label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = c.label + '：' + c.cn + '（' + (TYPE_LABELS[c.type] || TYPE_LABELS.unknown) + '）';
      row.appendChild(input);
      row.appendChild(label);
      cardsBox.appendChild(row);
    });
    say('請選擇卡片後按「確定」。');
    picker.hidden = false;
    var first = cardsBox.querySelector('input');
    if (first) first.focus();
  }

  picker.addEventListener('submit', function (e) {
    e.preventDefault();
    var chosen = cardsBox.querySelector('input[name="card"]:checked');
    if (!chosen) return say('請先選擇一張卡片。');
    sign(chosen.value);
  });
  cancelButton.addEventListener('click', function () { reply(cancelled()); });
  // Closing the window counts as cancelling.
  function onLeave() { if (started && !done) reply(cancelled()); }
  window.addEventListener('beforeunload', onLeave);
  window.addEventListener('pagehide', onLeave);

  function start() {
    // GetUserCert / CheckEnvir answer with every card's certificates: nothing to pick.
    var needsCard = pkg && pkg.func === 'MakeSignature';
    if (!needsCard || pkg.cardSN || pkg.tokenLabel) return sign(null);
    say('正在讀取讀卡機中的憑證卡片…');
    fetch('/pkcs11info?withcert=true', { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (info) {
        var cards = [];
        (info.slots || []).forEach(function (s) {
          if (!s.token || s.token === 'unknown token' || !s.token.certs || !s.token.certs.length) return;
          var certs = s.token.certs;
          var cert = certs.filter(function (c) { return c.usage === 'digitalSignature'; })[0] || certs[0];
          cards.push({ serial: s.token.serialNumber, label: s.token.label, cn: cert.subjectCN, type: cert.type });
        });
        if (cards.length > 1) pickCard(cards);
        else sign(null);
      })
      .catch(function () { sign(null); });
  }

  window.addEventListener('message', function (e) {
    if (started || done || e.source !== opener) return;
    if (allowed.indexOf(e.origin) < 0) {
      // Never answer an unknown site: only say so here.
      refuse(e.origin);
      return;
    }
    var data = e.data;
    var text = typeof data === 'string' ? data : null;
    var parsed = null;
    if (text !== null) {
      try { parsed = JSON.parse(text.replace(/%2B/gi, '+')); } catch (err) { parsed = null; }
    } else if (data && typeof data === 'object') {
      parsed = data;
      try { text = JSON.stringify(data); } catch (err) { return; }
    } else return;
    // Our own question echoed back is not an answer.
    if (parsed && parsed.func === 'getTbs') return;
    started = true;
    requester = e.origin;
    raw = text;
    pkg = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
    showOrigin(requester);
    var purpose = describe(pkg, requester);
    purposeEl.textContent = purpose || '';
    purposeEl.hidden = !purpose;
    start();
  });

  askForTbs();
})();
