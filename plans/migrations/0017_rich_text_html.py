"""Plan texts become HTML, the format the rich-text editor (django-prose-editor) saves.

Until now the texts the `richtext` filter rendered (section and template intros, the
colophon's text, a focus point's quantitative and qualitative arguments) held a small
markup: blank line = paragraph, "## " / "### " = subheadings, "- " bullets, "1. " numbered
items, **bold**, *italic*, [text](https://…) links and "| a | b |" tables. Card texts were
plain text, shown escaped. This migration stores all of them as sanitised HTML.

The converter and the allowlist below are FROZEN copies (of plans/richtext.py and
plans/sanitize.py as they were when this migration was written): a migration must give the
same result whatever the app's code later becomes, so nothing here imports app code.

Reverse: card texts go back to plain text (their paragraphs joined by blank lines). The
marked-up texts keep their HTML: the code before this migration already rendered stored
HTML (sanitised, through the same filter), so they still show the same; the markup itself
is not rebuilt.

History snapshots (django-reversion) keep the text as it was when they were taken; a
restore of a snapshot from before this migration brings back markup, which is then shown
as plain text with its paragraphs.
"""

import html as html_module
import re

import nh3
from django.db import migrations

# --- frozen copy of the light-markup converter (plans/richtext.py, 2026-12) ----------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)([^*]+?)(?<!\s)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|mailto:)[^\s()<>]+)\)")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")
_NUMBERED = re.compile(r"^\d+\.\s+")


def _escape(text):
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")
    )


def _inline(text):
    html = _BOLD.sub(r"<strong>\1</strong>", _escape(text))
    html = _ITALIC.sub(r"<em>\1</em>", html)
    return _LINK.sub(r'<a href="\2">\1</a>', html)


def _table(lines):
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if not _TABLE_RULE.match(line)]
    head, body = rows[0], rows[1:]
    out = ["<table><thead><tr>"]
    out += [f"<th>{_inline(cell)}</th>" for cell in head]
    out.append("</tr></thead><tbody>")
    for row in body:
        out.append("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _block(lines):
    if lines and all(_TABLE_ROW.match(line) for line in lines):
        return [_table(lines)]
    html, paragraph, list_tag = [], [], ""
    for line in lines + [""]:
        is_item = line.startswith("- ") or bool(_NUMBERED.match(line))
        if paragraph and (not line or is_item or line.startswith(("## ", "### "))):
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph = []
        tag = ("ul" if line.startswith("- ") else "ol") if is_item else ""
        if list_tag and tag != list_tag:
            html.append(f"</{list_tag}>")
            list_tag = ""
        if line.startswith("### "):
            html.append(f"<h4>{_inline(line[4:])}</h4>")
        elif line.startswith("## "):
            html.append(f"<h3>{_inline(line[3:])}</h3>")
        elif is_item:
            if not list_tag:
                html.append(f"<{tag}>")
                list_tag = tag
            item = line[2:] if tag == "ul" else _NUMBERED.sub("", line)
            html.append(f"<li>{_inline(item)}</li>")
        elif line:
            paragraph.append(line)
    return html


def markup_to_html(text):
    html = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        html.extend(_block(lines))
    return _clean("".join(html))


def plain_to_html(text):
    paragraphs = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return _clean(
        "".join(
            "<p>" + "<br>".join(_escape(line.strip()) for line in p.splitlines() if line.strip()) + "</p>"
            for p in paragraphs
            if p.strip()
        )
    )


# --- frozen copy of the allowlist (plans/sanitize.py, 2026-12) -------------------------------

_TAGS = {"p", "br", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start", "type", "data-type"}, "th": {"colspan", "rowspan"},
               "td": {"colspan", "rowspan"}}
_HTML_START = re.compile(r"\s*<(?:p|h[1-6]|ul|ol|table|div|blockquote)[\s>]", re.IGNORECASE)


def _clean(html):
    return nh3.clean(
        html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer", strip_comments=True,
    )


def convert(text, plain=False):
    """One stored text as HTML; a text that already is HTML is only sanitised."""
    if not text or not text.strip():
        return ""
    if _HTML_START.match(text):
        return _clean(text)
    return plain_to_html(text) if plain else markup_to_html(text)


# --- the migration -------------------------------------------------------------------------

MARKUP_FIELDS = {
    "Section": ["intro"],
    "TemplateSection": ["intro"],
    "Plan": ["colophon_text"],
    "FocusPoint": ["quantitative", "qualitative"],
}
PLAIN_FIELDS = {"Card": ["text"]}


def _convert_model(apps, model_name, fields, plain):
    model = apps.get_model("plans", model_name)
    changed = []
    for row in model.objects.only("pk", *fields).iterator(chunk_size=500):
        dirty = False
        for name in fields:
            old = getattr(row, name)
            new = convert(old, plain=plain)
            if new != old:
                setattr(row, name, new)
                dirty = True
        if dirty:
            changed.append(row)
    model.objects.bulk_update(changed, fields, batch_size=500)


def forwards(apps, schema_editor):
    for model_name, fields in MARKUP_FIELDS.items():
        _convert_model(apps, model_name, fields, plain=False)
    for model_name, fields in PLAIN_FIELDS.items():
        _convert_model(apps, model_name, fields, plain=True)


_TAG = re.compile(r"<[^>]+>")


def html_to_plain(text):
    """A card's HTML back to plain text: paragraphs by blank lines, line breaks kept."""
    if not _HTML_START.match(text or ""):
        return text
    text = re.sub(r"<br\s*/?>", "\n", text)
    text = re.sub(r"</(?:p|li|h[1-6])>\s*", "\n\n", text)
    return html_module.unescape(_TAG.sub("", text)).strip()


def backwards(apps, schema_editor):
    model = apps.get_model("plans", "Card")
    changed = []
    for card in model.objects.only("pk", "text").iterator(chunk_size=500):
        plain = html_to_plain(card.text)
        if plain != card.text:
            card.text = plain
            changed.append(card)
    model.objects.bulk_update(changed, ["text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0016_history_states_backfill"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
