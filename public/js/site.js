// Progressive enhancement only: every form works without this file.
document.addEventListener('DOMContentLoaded', () => {
  const summary = document.querySelector('[data-autofocus]');
  if (summary) {
    summary.focus();
    // An entry of the error summary puts the cursor in its field, with the field's label in view.
    summary.addEventListener('click', (e) => {
      const link = e.target instanceof Element ? e.target.closest('a[href^="#"]') : null;
      const field = link && document.getElementById(decodeURIComponent(link.getAttribute('href').slice(1)));
      if (!field || typeof field.focus !== 'function') return;
      e.preventDefault();
      const label = (field.labels && field.labels[0]) || field.closest('fieldset')?.querySelector('legend') || field;
      label.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
});
