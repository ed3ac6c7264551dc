// 環境檢測: asks the card component on this PC what it sees, the way HiPKI pages do (the
// popup, {"func":"GetUserCert"}, the "pkcs11info" answer), and says it in plain words.
// Only the protocol's fields are read, so the real HiPKI component is checked as well as
// the portal's own bridge.
(function () {
  const box = document.getElementById('envcheck');
  const button = document.getElementById('envcheck-start');
  if (!box || !button) return;
  const versionLine = document.getElementById('envcheck-version');
  // The version this portal ships (one constant on the server).
  const current = box.getAttribute('data-version') || '';
  let bridge = box.getAttribute('data-bridge');
  const USAGE_SIGN = 'digitalSignature';
  const USAGE_ENCRYPT = 'keyEncipherment|dataEncipherment';

  function list() {
    box.textContent = '';
    const ul = document.createElement('ul');
    box.appendChild(ul);
    return ul;
  }
  function item(ul, text, problem) {
    const li = document.createElement('li');
    li.textContent = text;
    if (problem) li.className = 'error-message';
    ul.appendChild(li);
  }
  function roc(seconds) {
    const d = new Date(seconds * 1000);
    return (d.getFullYear() - 1911) + '/' + String(d.getMonth() + 1).padStart(2, '0') + '/' + String(d.getDate()).padStart(2, '0');
  }
  function cn(dn) {
    const m = /(?:^|[,/]\s*)CN=([^,/]+)/.exec(dn || '');
    return m ? m[1].trim() : (dn || '（無主體名稱）');
  }
  function notReachable() {
    item(list(), '無法連線至憑證元件：請確認已安裝並啟動憑證元件（人事服務網憑證元件或 HiPKI 跨平台網頁元件，本機 127.0.0.1:61161），並允許本網站的彈出式視窗。', true);
  }

  function show(info) {
    const ul = list();
    if (info.ret_code === 0x76000031 || info.ret_code === 0x7600000f) {
      item(ul, '憑證元件拒絕本網站（代碼 0x' + Number(info.ret_code).toString(16) + '）：請將本網站加入憑證元件的信任網站。', true);
      return;
    }
    item(ul, '憑證元件已啟動，版本 ' + (info.serverVersion || '不明') + '。');
    if (info.ret_code === 0x76100003) return item(ul, '找不到讀卡機：請確認讀卡機已連接，並已安裝驅動程式及 PKCS#11 模組。', true);
    const slots = info.slots || [];
    if (slots.length === 0) return item(ul, '找不到讀卡機：請確認讀卡機已連接，並已安裝驅動程式及 PKCS#11 模組。', true);
    item(ul, '讀卡機 ' + slots.length + ' 台。');
    const cards = slots.filter(function (s) { return s.token && s.token !== 'unknown token' && typeof s.token === 'object'; });
    if (cards.length === 0) return item(ul, '讀卡機中沒有卡片：請插入自然人憑證、機關憑證或健保卡。', true);
    cards.forEach(function (s) {
      const certs = s.token.certs || [];
      const card = '卡片（卡號 ' + (s.token.serialNumber || '不明') + '）';
      if (certs.length === 0) return item(ul, card + '中沒有憑證，請洽發卡單位。', true);
      if (!certs.some(function (c) { return c.usage === USAGE_SIGN; })) item(ul, card + '沒有簽章用憑證，不能用於憑證登入。', true);
      certs.forEach(function (c) {
        const now = Date.now() / 1000;
        const expired = c.notAfterT !== undefined && c.notAfterT < now;
        const notYet = c.notBeforeT !== undefined && c.notBeforeT > now;
        const use = c.usage === USAGE_SIGN ? '簽章用憑證' : c.usage === USAGE_ENCRYPT ? '加密用憑證' : '憑證（用途 ' + (c.usage || '不明') + '）';
        let text = card + ' ' + use + '：' + cn(c.subjectDN);
        if (c.notBeforeT !== undefined && c.notAfterT !== undefined) text += '，有效期間 ' + roc(c.notBeforeT) + ' 至 ' + roc(c.notAfterT);
        if (expired) text += '。憑證已過期，請向發卡單位申請換發。';
        else if (notYet) text += '。憑證尚未生效。';
        else text += '，可以使用。';
        item(ul, text, expired || notYet);
      });
    });
  }

  // Numeric comparison of dotted versions: < 0 when a is older than b.
  function compare(a, b) {
    const pa = a.split('.'), pb = b.split('.');
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (parseInt(pa[i], 10) || 0) - (parseInt(pb[i], 10) || 0);
      if (d !== 0) return d;
    }
    return 0;
  }

  // The component's version as IT departments read it: GET http://127.0.0.1:61161/ and its
  // `version:1.3.4.NNNNNN` line. A component that answers without letting this page read
  // the text (no CORS) is there, its version unknown.
  function readVersion() {
    return fetch(bridge + '/', { cache: 'no-store', credentials: 'omit' })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        const m = /version:\s*([0-9]+(?:\.[0-9]+)+)/.exec(text);
        return { reachable: true, version: m ? m[1] : null, ours: /人事服務網憑證元件|ecpa-card-bridge/.test(text) };
      })
      .catch(function () {
        return fetch(bridge + '/', { mode: 'no-cors', cache: 'no-store', credentials: 'omit' })
          .then(function () { return { reachable: true, version: null, ours: false }; }, function () { return { reachable: false }; });
      });
  }

  function showVersion(v) {
    if (!versionLine) return;
    let text;
    let problem = false;
    if (!v.reachable) {
      text = '未安裝：本機（127.0.0.1:61161）沒有執行中的憑證元件。請下載並安裝本頁的人事服務網憑證元件，或安裝 HiPKI 跨平台網頁元件；已安裝者請確認元件已啟動。';
      problem = true;
    } else if (!v.version) {
      text = '憑證元件已啟動，但無法讀取其版本。';
    } else if (!v.ours) {
      text = 'HiPKI 跨平台網頁元件版本 ' + v.version + '，不需再安裝其他元件。';
    } else if (current && compare(v.version, current) < 0) {
      text = '人事服務網憑證元件版本 ' + v.version + '，版本過舊，請更新：下載本頁的安裝檔（版本 ' + current + '）並重新安裝。';
      problem = true;
    } else {
      text = '人事服務網憑證元件版本 ' + v.version + '，已是最新版本。';
    }
    versionLine.textContent = text;
    versionLine.className = problem ? 'error-message' : '';
    versionLine.hidden = false;
  }

  button.addEventListener('click', function () {
    bridge = box.getAttribute('data-bridge');
    box.textContent = '檢測中…';
    if (versionLine) versionLine.hidden = true;
    // The version is asked once the popup has answered or given up (one thing at a time
    // for the component, which has 3.5 s to speak).
    function thenVersion() { readVersion().then(showVersion); }
    // Open the popup inside the click, or the browser blocks it.
    const popup = window.open(bridge + '/popupForm', '憑證讀取中', 'width=480,height=360');
    if (!popup) {
      item(list(), '瀏覽器封鎖了憑證元件視窗，請允許本網站的彈出式視窗後，再按一次「開始檢測」。', true);
      thenVersion();
      return;
    }
    let done = false;
    // As HiPKI pages do: the component has 3.5 s to ask for the request.
    let timer = setTimeout(giveUp, 3500);
    function giveUp() {
      if (done) return;
      done = true;
      window.removeEventListener('message', onMessage);
      try { popup.close(); } catch (e) { /* ignore */ }
      notReachable();
      thenVersion();
    }
    function onMessage(e) {
      if (e.origin !== bridge || e.source !== popup) return;
      let data;
      try { data = typeof e.data === 'string' ? JSON.parse(e.data) : e.data; } catch (err) { return; }
      if (!data) return;
      if (data.func === 'getTbs') {
        clearTimeout(timer);
        timer = setTimeout(giveUp, 60000);
        popup.postMessage(JSON.stringify({ func: 'GetUserCert' }), bridge);
        return;
      }
      if (data.func !== 'pkcs11info') return;
      done = true;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      show(data);
      thenVersion();
    }
    window.addEventListener('message', onMessage);
  });
})();
