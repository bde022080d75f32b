"""Plan texts as HTML, sanitised with nh3 (Ammonia): never a hand-written sanitiser.

Only the features plan texts need survive: paragraphs, two subheading levels, bullet and
numbered lists, bold, italic, links (http, https and mailto only) and simple tables.
Everything else (scripts, event attributes, styles, svg, data: and javascript: URLs) is
dropped; unclosed tags are closed. Used on save (forms/services) and again on render,
because stored HTML is treated as untrusted.
"""

import re

import nh3
from django import forms

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}
_EDITOR_BLOCK = re.compile(r"\s*<(?:p|h[2-6]|ul|ol|table)[\s>]", re.IGNORECASE)


def clean_html(html: str) -> str:
    """Sanitised HTML: safe to store and to render."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        allowed_classes={"table": {"text-table"}},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def looks_like_html(text: str) -> bool:
    """Texts saved by the editor start with one of its block tags; legacy light markup
    does not (a legacy text that starts with "<script>" stays text and is escaped)."""
    return _EDITOR_BLOCK.match(text or "") is not None


class SanitisedTextField(forms.CharField):
    """A plan text field: HTML from the editor is sanitised with nh3 before it is saved;
    legacy light markup is kept as typed (it is escaped when rendered)."""

    def clean(self, value):
        value = super().clean(value)
        return clean_html(value) if looks_like_html(value) else value
