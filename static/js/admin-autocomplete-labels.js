// The admin's autocomplete fields (select2) name their combobox only by the value chosen, so
// an empty one has no accessible name (axe: aria-input-field-name). Name each by its field's
// label (or, in a tabular inline, its column's heading), before the value.
(function () {
  function labelFor(select) {
    const label = document.querySelector(`label[for="${select.id}"]`);
    if (label) {
      if (!label.id) {
        label.id = `${select.id}_label`;
      }
      return label;
    }
    const cell = select.closest("td");
    const field = select.dataset.fieldName;
    const table = cell && cell.closest("table");
    return table && field ? table.querySelector(`th.column-${field}`) : null;
  }

  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const container = select.nextElementSibling;
      const combobox = container && container.querySelector(".select2-selection[role=combobox]");
      const rendered = container && container.querySelector(".select2-selection__rendered");
      const label = labelFor(select);
      if (!combobox || !rendered || !label) {
        return;
      }
      if (!label.id) {
        label.id = `${select.id}_heading`;
      }
      rendered.setAttribute("aria-labelledby", label.id);
      combobox.setAttribute("aria-labelledby", `${label.id} ${rendered.id}`);
    });
  }

  // select2 starts on jQuery's ready (autocomplete.js) and again for each new inline row,
  // and sets the combobox's name as it does: name them again whenever one appears.
  document.addEventListener("DOMContentLoaded", function () {
    nameAutocompletes();
    new MutationObserver(function (changes) {
      const added = changes.some(function (change) {
        return Array.from(change.addedNodes).some(function (node) {
          return node.nodeType === 1 && node.matches(".select2-container");
        });
      });
      if (added) {
        nameAutocompletes();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  window.addEventListener("load", nameAutocompletes);
})();
