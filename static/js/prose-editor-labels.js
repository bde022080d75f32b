// The rich-text editor (django-prose-editor) speaks English: its buttons' tooltips are fixed
// English words and its dialogs pass their words through `window.gettext`. This classic
// script runs before the editor's modules load and gives both the interface's words, from
// the JSON that plans/sanitize.py (EDITOR_LABELS) renders beside it.
(function () {
  const source = document.getElementById("prose-editor-labels");
  const labels = source ? JSON.parse(source.textContent) : {};
  const word = (text) => (Object.prototype.hasOwnProperty.call(labels, text) ? labels[text] : text);
  if (!window.gettext) window.gettext = word;

  // Buttons and menu entries, as the editor adds them (it builds its menu bar after it
  // reports ready, and again for every editor htmx brings in later).
  function relabel(button) {
    for (const attr of ["title", "aria-label"]) {
      const value = button.getAttribute(attr);
      if (value && value in labels) button.setAttribute(attr, labels[value]);
    }
    // Block-type entries show their label as a sample ("<h3>Heading 3</h3>"); an icon
    // button's text is the icon's name and stays.
    if (button.classList.contains("material-icons")) return;
    const sample = button.firstElementChild || button;
    const text = sample.textContent.trim();
    if (sample.children.length === 0 && text in labels) sample.textContent = labels[text];
  }
  // A dialog's choices ("Yes", "No"): the label changes, the value the editor reads stays.
  function relabelOption(option) {
    const text = option.textContent.trim();
    if (!(text in labels)) return;
    option.value = option.value;
    option.textContent = labels[text];
  }
  const BUTTONS = ".prose-menubar button, .prose-menubar [role=menuitem]";
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        if (node.matches(BUTTONS)) relabel(node);
        for (const button of node.querySelectorAll(BUTTONS)) relabel(button);
        for (const option of node.querySelectorAll("dialog option")) relabelOption(option);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
