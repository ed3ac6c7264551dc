// 服務使用起迄: a 「選擇日期」 button beside each ROC date field opens the browser's date
// picker; the chosen date is written into the field in ROC form (115/12/01).
(function () {
  function pad(n) { return String(n).padStart(2, '0'); }
  function toIso(text) {
    var m = /^(\d{2,3})[\/.-](\d{1,2})[\/.-](\d{1,2})$/.exec(text.trim());
    if (m) return (Number(m[1]) + 1911) + '-' + pad(m[2]) + '-' + pad(m[3]);
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    return m ? text.trim() : '';
  }
  ['periodFrom', 'periodTo'].forEach(function (id) {
    var field = document.getElementById(id);
    if (!field) return;
    var picker = document.createElement('input');
    picker.type = 'date';
    picker.className = 'date-picker';
    picker.setAttribute('aria-label', (id === 'periodFrom' ? '服務使用起日' : '服務使用迄日') + '日曆');
    picker.tabIndex = -1;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary date-button';
    button.textContent = '選擇日期';
    button.setAttribute('aria-label', (id === 'periodFrom' ? '服務使用起日' : '服務使用迄日') + '：選擇日期');
    button.addEventListener('click', function () {
      picker.value = toIso(field.value);
      if (typeof picker.showPicker === 'function') {
        try { picker.showPicker(); return; } catch (e) { /* fall back below */ }
      }
      picker.focus();
    });
    picker.addEventListener('change', function () {
      var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(picker.value);
      if (!m) return;
      field.value = (Number(m[1]) - 1911) + '/' + m[2] + '/' + m[3];
      field.focus();
    });
    field.insertAdjacentElement('afterend', picker);
    field.insertAdjacentElement('afterend', button);
  });
})();
