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

document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail;
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  const dom = editor.view.dom;
  dom.setAttribute("role", "textbox");
  dom.setAttribute("aria-multiline", "true");
  if (label) {
    if (!label.id) label.id = `${textarea.id}-label`;
    dom.setAttribute("aria-labelledby", label.id);
    label.addEventListener("click", (e) => {
      e.preventDefault();
      editor.commands.focus();
    });
  }
  const described = textarea.getAttribute("aria-describedby");
  if (described) dom.setAttribute("aria-describedby", described);
});

document.addEventListener("htmx:load", (event) => start(event.detail.elt));
