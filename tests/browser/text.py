"""Typing into the plan's text fields, in one place.

Rich-text fields may become an editor (django-prose-editor) rather than a textarea; the
browser tests type through this helper, so only this function needs to learn how.
"""


def fill_text(page, field, text: str) -> None:
    """Put `text` in a plan text field (`field`: the textarea's locator), as a person types it."""
    field.fill(text)


def text_of(field) -> str:
    """What a plan text field holds now."""
    return field.input_value()
