// 憑證登入: the HiPKI local sign server protocol (中華電信 跨平台網頁元件, port 61161).
// 1. ask the portal for a single-use tbs; 2. open the bridge's popupForm on this click;
// 3. the popup asks {"func":"getTbs"} and gets the tbsPackage with the PIN;
// 4. it answers {"func":"sign", ret_code, signature, certb64, cardSN, last_error}, which is
//    posted to the portal. Only the protocol's fields are read, so the real HiPKI component
//    works as well as the portal's own bridge.
// The PIN never leaves this page except to the bridge on 127.0.0.1.
(function () {

  // last_error with 0x76100006; 0x80000001/2 arrive as signed 32-bit integers.
  const LAST_ERROR = {
    0xa0: '憑證密碼（Pin Code）錯誤，連續錯誤 3 次將會鎖卡。',
    0xa2: '憑證密碼（Pin Code）長度不正確，請重新輸入。',
    [-2147483646]: '憑證密碼（Pin Code）錯誤，尚可嘗試 2 次，連續錯誤 3 次將會鎖卡。',
    [-2147483647]: '憑證密碼（Pin Code）錯誤，尚可嘗試 1 次，再錯誤將會鎖卡。',
    0xa4: '憑證已鎖卡，必須進行解卡方可再使用：自然人憑證請至 MOICA 內政部憑證管理中心網站（https://moica.nat.gov.tw/）進行解卡；機關憑證請至 GCA 政府憑證管理中心網站（https://gca.nat.gov.tw/）進行解卡。',
  };
  const RET_CODE = {
    0x76000006: '讀卡機中沒有憑證卡片，請插入自然人憑證、機關憑證或健保卡後再試。',
    0x76100003: '找不到讀卡機，請確認讀卡機已連接並安裝驅動程式。',
    0x76000998: '請輸入憑證密碼（Pin Code）。',
    0x76000999: '已取消憑證操作。',
    0x76000031: '此網站未被允許使用憑證元件（非信任網站），請確認元件設定。',
    0x7600000f: '憑證元件拒絕簽章：登入驗證資料不屬於本網站（禁止存取的網域），請重新操作。',
    0x76500001: '插入之憑證尚未生效，請確認所持憑證之有效性。',
    0x76500002: '插入之憑證已過期，請確認所持憑證之有效性。',
  };

  const USAGE_SIGN = 'digitalSignature';
  const USAGE_ENCRYPT = 'keyEncipherment|dataEncipherment';
  function flat(b64) { return String(b64 || '').replace(/\s+/g, ''); }

  // The encryption certificate (usage "keyEncipherment|dataEncipherment") on the card whose
  // signing certificate is `signCert`, from GET /pkcs11info?withcert=true; '' if none.
  function encryptionCertFrom(info, signCert) {
    const slots = (info && info.slots) || [];
    for (let i = 0; i < slots.length; i++) {
      const token = slots[i].token;
      if (!token || token === 'unknown token' || typeof token !== 'object') continue;
      const certs = token.certs || [];
      const mine = certs.some(function (c) { return c.usage === USAGE_SIGN && flat(c.certb64) === flat(signCert); });
      if (!mine) continue;
      const enc = certs.filter(function (c) { return c.usage === USAGE_ENCRYPT; })[0];
      return enc ? flat(enc.certb64) : '';
    }
    return '';
  }

  function wire(form) {
    const status = document.getElementById(form.getAttribute('data-status'));
    const bridge = form.getAttribute('data-bridge');
    const csrf = form.querySelector('input[name="_csrf"]').value;

    function show(message) {
      status.textContent = message;
      status.hidden = false;
      status.setAttribute('tabindex', '-1');
      status.focus();
    }

    function encryptionCertOf(signCert) {
      return fetch(bridge + '/pkcs11info?withcert=true', { credentials: 'omit', cache: 'no-store' })
        .then(function (r) { return r.json(); })
        .then(function (info) { return encryptionCertFrom(info, signCert); })
        .catch(function () { return ''; });
    }

    function explain(result) {
      if (result.ret_code === 0x76100006) return LAST_ERROR[Number(result.last_error) | 0] || LAST_ERROR[0xa0];
      return RET_CODE[result.ret_code] || '憑證元件發生錯誤（代碼 0x' + Number(result.ret_code).toString(16) + '），請重新操作。';
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      status.hidden = true;
      const pin = form.querySelector('.card-pin').value;
      if (!pin) return show(RET_CODE[0x76000998]);
      // Open the popup inside the click, or the browser blocks it.
      const popup = window.open(bridge + '/popupForm', '簽章中', 'width=480,height=360');
      if (!popup) return show('瀏覽器封鎖了憑證元件視窗，請允許本網站的彈出式視窗後，再按一次「登入」。');
      let tbsPackage = null;
      let answered = false;
      // Until the bridge's popup speaks, assume it may not be installed; once it asks
      // for the tbs the user may still be choosing a card, so allow a few minutes.
      function giveUp(message) {
        return function () {
          if (answered) return;
          window.removeEventListener('message', onMessage);
          try { popup.close(); } catch (e) { /* ignore */ }
          show(message);
        };
      }
      let timer = setTimeout(giveUp('無法連線至憑證元件，請確認已安裝並啟動人事服務網憑證元件（參閱元件下載區及環境檢測）。'), 15000);
      let bridgeSpoke = false;

      function onMessage(e) {
        if (e.origin !== bridge || e.source !== popup) return;
        let data;
        try { data = typeof e.data === 'string' ? JSON.parse(e.data) : e.data; } catch (err) { return; }
        if (data && data.func === 'getTbs') {
          if (!bridgeSpoke) {
            bridgeSpoke = true;
            clearTimeout(timer);
            timer = setTimeout(giveUp('憑證操作逾時，請重新操作。'), 180000);
          }
          if (!tbsPackage) return; // the challenge is still on its way; the popup asks again
          popup.postMessage(JSON.stringify(tbsPackage), bridge);
          return;
        }
        if (!data || data.func !== 'sign') return;
        answered = true;
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        if (data.ret_code !== 0) return show(explain(data));
        form.elements.tbs.value = tbsPackage.tbs;
        form.elements.signature.value = data.signature;
        form.elements.certb64.value = data.certb64;
        form.elements.cardSN.value = data.cardSN || '';
        if (!form.elements.enccertb64) return form.submit();
        // Data for the agency are encrypted to the same card's encryption certificate: read it
        // from the component's listing (the server refuses the form without it).
        encryptionCertOf(data.certb64).then(function (enc) {
          form.elements.enccertb64.value = enc;
          form.submit();
        });
      }
      window.addEventListener('message', onMessage);

      fetch(form.getAttribute('data-challenge'), { method: 'POST', headers: { 'x-csrf-token': csrf, accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (c) {
          tbsPackage = {
            func: 'MakeSignature',
            signatureType: 'PKCS1',
            tbs: c.tbs,
            tbsEncoding: 'NONE',
            hashAlgorithm: 'SHA256',
            withCardSN: 'true',
            pin: pin,
            nonce: String(Date.now()),
          };
          // If the popup asked before the challenge arrived, answer now.
          try { popup.postMessage(JSON.stringify(tbsPackage), bridge); } catch (err) { /* not loaded yet */ }
        })
        .catch(function () {
          clearTimeout(timer);
          window.removeEventListener('message', onMessage);
          try { popup.close(); } catch (e) { /* ignore */ }
          show('無法取得登入驗證資料，請稍後再試。');
        });
    });
  }

  document.querySelectorAll('form.card-login-form').forEach(wire);
})();
