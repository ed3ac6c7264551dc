// 環境檢測: asks the card bridge on this PC what it sees and says it in plain words.
(function () {
  const box = document.getElementById('envcheck');
  const button = document.getElementById('envcheck-start');
  if (!box || !button) return;
  const bridge = box.getAttribute('data-bridge');
  const TYPES = { moica: '自然人憑證', gca: '機關憑證', nhi: '健保卡', unknown: '其他憑證' };

  function item(list, text, problem) {
    const li = document.createElement('li');
    li.textContent = text;
    if (problem) li.className = 'error-message';
    list.appendChild(li);
  }
  function roc(iso) {
    const d = new Date(iso);
    return (d.getFullYear() - 1911) + '/' + String(d.getMonth() + 1).padStart(2, '0') + '/' + String(d.getDate()).padStart(2, '0');
  }

  button.addEventListener('click', function () {
    box.textContent = '檢測中…';
    fetch(bridge + '/pkcs11info?withcert=true', { mode: 'cors' })
      .then(function (r) { return r.json(); })
      .then(function (info) {
        box.textContent = '';
        const list = document.createElement('ul');
        box.appendChild(list);
        if (info.ret_code !== 0 && info.ret_code !== undefined && !info.slots) {
          item(list, '憑證元件回應錯誤（代碼 0x' + Number(info.ret_code).toString(16) + '）。' + (info.ret_code === 0x7600000f ? '此網站未被允許使用憑證元件，請確認元件設定。' : ''), true);
          return;
        }
        item(list, '憑證元件已啟動，版本 ' + (info.serverVersion || '不明') + '。');
        const slots = info.slots || [];
        if (slots.length === 0) return item(list, '找不到讀卡機：請確認讀卡機已連接，並已安裝驅動程式及 PKCS#11 模組。', true);
        item(list, '讀卡機 ' + slots.length + ' 台。');
        const cards = slots.filter(function (s) { return s.token; });
        if (cards.length === 0) return item(list, '讀卡機中沒有卡片：請插入自然人憑證、機關憑證或健保卡。', true);
        cards.forEach(function (s) {
          const certs = s.token.certs || [];
          if (certs.length === 0) item(list, '卡片「' + s.token.label + '」中沒有憑證，請洽發卡單位。', true);
          certs.forEach(function (c) {
            const now = Date.now();
            const expired = new Date(c.notAfter).getTime() < now;
            const notYet = new Date(c.notBefore).getTime() > now;
            const canSign = (c.keyUsage || []).indexOf('digitalSignature') >= 0;
            let text = (TYPES[c.type] || TYPES.unknown) + '：' + c.subject + '，有效期間 ' + roc(c.notBefore) + ' 至 ' + roc(c.notAfter);
            if (expired) text += '。憑證已過期，請向發卡單位申請換發。';
            else if (notYet) text += '。憑證尚未生效。';
            else if (!canSign) text += '。此憑證不可用於簽章登入。';
            else text += '，可以使用。';
            item(list, text, expired || notYet || !canSign || c.type === 'unknown');
          });
        });
      })
      .catch(function () {
        box.textContent = '';
        const list = document.createElement('ul');
        box.appendChild(list);
        item(list, '無法連線至憑證元件：請確認已安裝並啟動人事服務網憑證元件（本機 127.0.0.1:61161）。', true);
      });
  });
})();
