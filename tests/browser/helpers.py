"""Helpers for browser tests of the edit pages."""


def fill_rich_text(page, locator_or_name, text: str) -> None:
    """Replace the text of a rich-text field with `text`, as a person types it.

    `locator_or_name` is the field's textarea (a Locator, e.g. `page.get_by_label("Tekst")`)
    or its name ("intro", "i12-text", "new-text"). With JavaScript the textarea is hidden
    inside the django-prose-editor widget, so this types into the editor beside it (a
    newline in `text` starts a new paragraph); without JavaScript it fills the textarea."""
    if isinstance(locator_or_name, str):
        textarea = page.locator(f'textarea[name="{locator_or_name}"]').first
    else:
        # A label matches both the textarea and the editor it labels: take the textarea.
        textarea = locator_or_name.and_(page.locator("textarea"))
    editor = textarea.locator("xpath=ancestor::div[contains(@class, 'prose-editor')][1]//div[contains(@class, 'ProseMirror')][@contenteditable]")
    if editor.count() == 0:
        textarea.fill(text)
        return
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    for n, line in enumerate(text.split("\n")):
        if n:
            page.keyboard.press("Enter")
        page.keyboard.type(line)
