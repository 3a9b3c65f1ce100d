/* OMS dashboard behaviour. Loaded from a file so the Content Security Policy can forbid inline
 * script (script-src 'self'): templates carry data attributes and this file gives them meaning.
 * Handlers are delegated from the document, so content htmx swaps in later works the same. */
(function () {
  "use strict";

  /* <input type="checkbox" data-select-all="ids">: ticks or clears every checkbox named "ids"
   * in the same table (the orders list's bulk selection). */
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    if (!box) return;
    var scope = box.closest("table, form") || document;
    scope.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (other) {
      other.checked = box.checked;
    });
  });

  /* <input data-clear-on-escape="#search-results">: Escape empties the field and the element
   * the selector names (the global search and its results). */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var field = event.target.closest("[data-clear-on-escape]");
    if (!field) return;
    field.value = "";
    var results = document.querySelector(field.dataset.clearOnEscape);
    if (results) results.replaceChildren();
  });

  /* <button data-toggle-nav aria-controls="sidebar">: opens and closes the sidebar on narrow
   * screens, keeping aria-expanded true to what is shown. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle-nav]");
    if (!button) return;
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  /* Panels that fire their own orderChanged mark it with a source (the payments panel sends
   * {"source": "payments"}) so they do not reload on their own event. An htmx event filter
   * (orderChanged[!detail.source]) would need eval, which the policy forbids, so orderChanged
   * without a source is relayed here as orderChangedElsewhere for those panels to listen to. */
  document.addEventListener("orderChanged", function (event) {
    if (event.detail && event.detail.source) return;
    document.body.dispatchEvent(new CustomEvent("orderChangedElsewhere", { bubbles: true }));
  });
})();
