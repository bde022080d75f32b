"""Plan texts as HTML: edited with django-prose-editor (ProseMirror), sanitised with nh3
(Ammonia). Never a hand-written sanitiser.

One list of editor extensions (`EXTENSIONS`) decides both what the editor offers and what
the sanitiser keeps (`django_prose_editor.config.allowlist_from_extensions`): paragraphs,
line breaks, subheadings (h3, h4), bullet and numbered lists, bold, italic, links (http,
https and mailto only) and simple tables. Everything else (scripts, event attributes,
styles, svg, data: and javascript: URLs, other headings) is dropped; unclosed tags are
closed. Used on save (forms, the section form) and again on render, because stored HTML is
treated as untrusted: a row written by the shell or a fixture never went through a form.
"""

import re

import nh3
from django import forms
from django.templatetags.static import static
from django.utils.html import escape, format_html, json_script
from django.utils.translation import gettext_lazy as _
from django_prose_editor.config import allowlist_from_extensions
from django_prose_editor.fields import ProseEditorFormField

# Subheadings of a plan text: "h3" is the first level under the section's own heading,
# "h4" the second; the `richtext` filter moves them to the section's depth.
HEADING_LEVELS = [3, 4]
URL_SCHEMES = ["http", "https", "mailto"]
EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "HardBreak": True,
    "Heading": {"levels": HEADING_LEVELS},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    # No target="_blank": a plan text's link opens like any other link.
    "Link": {"enableTarget": False, "protocols": URL_SCHEMES},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    # Collaborative editing is not a thing here; the editor's own undo/redo is.
    "History": True,
}


def _cleaner_options() -> dict:
    options = allowlist_from_extensions(EXTENSIONS)
    # The editor would keep whatever rel a pasted link had; we set our own on every link.
    options["attributes"]["a"] = {"href", "title"}
    options["link_rel"] = "noopener noreferrer"
    options["url_schemes"] = set(URL_SCHEMES)
    options["strip_comments"] = True
    return options


_CLEANER = nh3.Cleaner(**_cleaner_options())
_EMPTY = re.compile(r"^\s*(?:<(p|h[1-6])>\s*(?:<br>)?\s*</\1>\s*)*$")
_BLOCK = re.compile(r"\s*<(?:p|h[1-6]|ul|ol|table|div|blockquote)[\s>]", re.IGNORECASE)


def clean_html(html: str) -> str:
    """Sanitised HTML: safe to store and to render. An editor's empty paragraph is ""."""
    cleaned = _CLEANER.clean(html or "")
    return "" if _EMPTY.match(cleaned) else cleaned


def looks_like_html(text: str) -> bool:
    """Texts saved by the editor start with one of its block tags; plain text does not
    (a plain text that starts with "<script>" stays text and is escaped)."""
    return _BLOCK.match(text or "") is not None


def plain_to_html(text: str) -> str:
    """Plain text (typed without JavaScript, or from an old row) as HTML: escaped, a blank
    line begins a paragraph, a single newline is a line break."""
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + "<br>".join(escape(line.strip()) for line in p.splitlines() if line.strip()) + "</p>"
        for p in paragraphs
        if p.strip()
    )


def to_clean_html(text: str) -> str:
    """What a rich-text field stores: the editor's HTML sanitised, or plain text as HTML."""
    return clean_html(text if looks_like_html(text) else plain_to_html(text))


class RichTextField(ProseEditorFormField):
    """A plan text: the ProseMirror editor with `EXTENSIONS` where JavaScript runs, a plain
    textarea without it; either way sanitised with nh3 before it is saved."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("config", {"extensions": EXTENSIONS})
        kwargs.setdefault("sanitize", to_clean_html)
        kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)


class SanitisedTextField(forms.CharField):
    """A short plain text field (not rich): HTML pasted into it is sanitised before saving,
    anything else is kept as typed (it is escaped when rendered)."""

    def clean(self, value):
        value = super().clean(value)
        return clean_html(value) if looks_like_html(value) else value


# The editor's own words, by the English text it uses: its buttons' tooltips (which it does
# not translate) and its dialogs (which it passes through `window.gettext`). Shown in the
# interface's language; static/js/prose-editor-labels.js applies them.
EDITOR_LABELS = {
    "paragraph": _("Alinea of tussenkop"),
    "Paragraph": _("Alinea"),
    "Heading 3": _("Tussenkop"),
    "Heading 4": _("Kleine tussenkop"),
    "unordered list": _("Opsomming"),
    "ordered list": _("Genummerde lijst"),
    "List properties": _("Soort lijst"),
    "bold": _("Vet"),
    "italic": _("Schuin"),
    "insert link": _("Link invoegen"),
    "remove link": _("Link weghalen"),
    "Insert table": _("Tabel invoegen"),
    "Add column": _("Kolom invoegen"),
    "Delete column": _("Kolom weghalen"),
    "Add row": _("Rij invoegen"),
    "Delete row": _("Rij weghalen"),
    "Merge cells": _("Cellen samenvoegen"),
    "Split cell": _("Cel splitsen"),
    "Toggle header cell": _("Kopcel aan of uit"),
    "Delete table": _("Tabel weghalen"),
    "undo": _("Ongedaan maken"),
    "redo": _("Opnieuw doen"),
    "Toggle fullscreen": _("Volledig scherm"),
    # Dialogs
    "Cancel": _("Annuleren"),
    "Update": _("Toepassen"),
    "Insert": _("Invoegen"),
    "URL": _("Adres (URL)"),
    "Title": _("Titel"),
    "Edit Link": _("Link bewerken"),
    "Open in new window": _("In een nieuw venster openen"),
    "Insert Table": _("Tabel invoegen"),
    "Table Properties": _("Tabel"),
    "Rows": _("Rijen"),
    "Columns": _("Kolommen"),
    "Include header row": _("Met een koprij"),
    "Yes": _("Ja"),
    "No": _("Nee"),
    "List type": _("Soort lijst"),
    "Start at": _("Begint bij"),
    "Bullets": _("Opsommingstekens"),
    "Decimal numbers": _("Cijfers (1, 2, 3)"),
    "Lowercase letters": _("Kleine letters (a, b, c)"),
    "Uppercase letters": _("Hoofdletters (A, B, C)"),
    "Lowercase Roman numerals": _("Kleine Romeinse cijfers (i, ii, iii)"),
    "Uppercase Roman numerals": _("Romeinse cijfers (I, II, III)"),
}


class RichTextMedia:
    """The editor's script and styles, served from our own static files (no CDN), with the
    import map its modules need, and its words in the interface's language (read at render
    time, so the request's language). A classic script, it runs before the editor's
    modules do: they read `window.gettext` when they load."""

    def __init__(self, media):
        self.media = media

    def __str__(self):
        return format_html(
            '{}\n<script src="{}"></script>\n{}',
            json_script(EDITOR_LABELS, "prose-editor-labels"),
            static("js/prose-editor-labels.js"),
            self.media.render(),
        )

    __html__ = __str__


def rich_text_media():
    """Rendered in the page head once, also for the forms htmx swaps in later
    (static/js/rich-text.js starts the editor on those)."""
    return RichTextMedia(RichTextField().widget.media)
