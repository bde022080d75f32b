"""Typing into the plan's text fields, in one place.

Rich-text fields are a django-prose-editor (ProseMirror) with its textarea hidden; plain
fields are textareas and inputs. The browser tests type through these helpers only.
"""

from tests.browser.helpers import fill_rich_text

_EDITOR = "xpath=ancestor::div[contains(@class, 'prose-editor')][1]//div[contains(@class, 'ProseMirror')][@contenteditable]"


def _rich_editor(field):
    """The editor that stands for `field` (a textarea's locator), or None for a plain field."""
    textarea = field.and_(field.page.locator("textarea"))
    if textarea.count() == 0:
        return None
    editor = textarea.first.locator(_EDITOR)
    return editor if editor.count() else None


def fill_text(page, field, text: str) -> None:
    """Put `text` in a plan text field (`field`: its textarea's or input's locator), as a person types it."""
    if _rich_editor(field) is not None:
        fill_rich_text(page, field, text)
    else:
        field.fill(text)


def text_of(field) -> str:
    """What a plan text field holds now, as the person sees it."""
    editor = _rich_editor(field)
    if editor is not None:
        return editor.inner_text().strip()
    return field.input_value()
