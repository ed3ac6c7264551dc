// 選取: a filter box beside the 職稱 / 職系 code lists, to pick a code by typing part of its name.
(function () {
  document.querySelectorAll('.picker').forEach(function (box) {
    var select = box.querySelector('select');
    if (!select) return;
    var id = select.id + '-pick';
    var wrap = document.createElement('div');
    wrap.className = 'pick';
    var label = document.createElement('label');
    label.setAttribute('for', id);
    label.textContent = '選取（輸入名稱篩選' + (select.labels && select.labels[0] ? select.labels[0].textContent.replace(/\s*\(選填\)/, '') : '') + '）';
    var input = document.createElement('input');
    input.type = 'search';
    input.id = id;
    input.maxLength = 20;
    wrap.appendChild(label);
    wrap.appendChild(input);
    box.appendChild(wrap);
    input.addEventListener('input', function () {
      var term = input.value.trim();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var show = !o.value || !term || o.text.indexOf(term) >= 0;
        o.hidden = !show;
        if (show && o.value && !first) first = o;
      });
      if (term && first) select.value = first.value;
    });
  });
})();
