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
  /* Scan fields (<input data-scan-field> in a form with hx-post and hx-target): a keyboard-wedge
   * scanner types a code and presses Enter, and scans the next item before the answer to the
   * last one is in. Each code is queued and posted one at a time, with the form as it is when
   * it goes (the one-time token and the package of the answer before it), and what is typed
   * while an answer is swapped in is carried over to the new field: no scan is lost or sent
   * twice. Without this file the form posts as any form does. (The field is not `required`:
   * htmx checks a form's validity before it posts, and the field is empty by then.) */
  var scans = [];
  var scanning = false;
  var carried = null;

  function scanField() {
    return document.querySelector("[data-scan-field]");
  }

  function sendNextScan() {
    var field = scanField();
    if (scanning || !scans.length) return;
    if (!field || !window.htmx) {
      scans = [];  // the station is gone (the list is done): nothing left to scan into
      return;
    }
    scanning = true;
    var form = field.form;
    var target = form.getAttribute("hx-target");
    window.htmx.ajax("POST", form.getAttribute("hx-post"), {
      source: form,
      target: !target || target === "this" ? form : target,
      swap: "outerHTML",
      values: { code: scans.shift() },
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !window.htmx) return;
    var field = event.target.closest("[data-scan-field]");
    if (!field) return;
    event.preventDefault();
    var code = field.value.trim();
    field.value = "";
    if (!code) return;
    scans.push(code);
    sendNextScan();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var field = scanField();
    if (field && event.detail.target.contains(field)) carried = field.value;
  });

  // Right after the swap, in the same task: no keystroke can fall between the two fields.
  document.addEventListener("htmx:afterSwap", function () {
    var field = scanField();
    if (field && carried !== null) {
      field.value = carried + field.value;
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);
    }
    carried = null;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!scanning || !event.detail.requestConfig || event.detail.requestConfig.verb !== "post") return;
    scanning = false;
    // the next code goes once the answer is in place, with the form it brought
    window.setTimeout(sendNextScan, 0);
  });
})();
