// Django admin markup its own scripts write, made valid ARIA (templates/admin/base_site.html).
// Runs after the admin's `load` handlers (SelectFilter2 builds its boxes then).
window.addEventListener('load', function () {
  window.setTimeout(function () {
    // The filter boxes' help icons: a label on a plain span is not allowed; as an image it is.
    document.querySelectorAll('span.help-tooltip[aria-label]').forEach(function (icon) {
      icon.setAttribute('role', 'img')
    })
    // A tabular inline's "Delete?" box has a column heading but no label of its own.
    document.querySelectorAll('input[type=checkbox][name$="-DELETE"]').forEach(function (box) {
      if (!box.labels || box.labels.length === 0) {
        box.setAttribute('aria-label', 'Delete this row')
      }
    })
  }, 0)
})
