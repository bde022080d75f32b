// The rich-text editor (django-prose-editor) on forms that htmx swaps in. Its own module
// starts every editor in the page once, at load; a section editor swapped in later by htmx
// brings new textareas, started here. Without JavaScript they stay plain textareas.
// Each editor is labelled by its field's <label>, and a click on that label focuses it.
import { createEditor } from "django-prose-editor/configurable";

const SELECTOR = "[data-django-prose-editor-configurable]";

function start(root) {
  if (!root.querySelectorAll) return;
  for (const textarea of root.querySelectorAll(SELECTOR)) createEditor(textarea);
}

// Label the editable area like the textarea it stands for (the editor does not).
function label(textarea) {
  const container = textarea.closest(".prose-editor");
  const dom = container && container.querySelector(".ProseMirror[contenteditable]");
  if (!dom || dom.dataset.labelled) return;
  dom.dataset.labelled = "1";
  dom.setAttribute("role", "textbox");
  dom.setAttribute("aria-multiline", "true");
  const described = textarea.getAttribute("aria-describedby");
  if (described) dom.setAttribute("aria-describedby", described);
  const text = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  if (!text) return;
  if (!text.id) text.id = `${textarea.id}-label`;
  dom.setAttribute("aria-labelledby", text.id);
  text.addEventListener("click", (e) => {
    e.preventDefault();
    dom.focus();
  });
}

// Editors started before this module ran, and every one started later.
for (const textarea of document.querySelectorAll(SELECTOR)) label(textarea);
document.addEventListener("prose-editor:ready", (event) => label(event.detail.textarea));
document.addEventListener("htmx:load", (event) => start(event.detail.elt));
