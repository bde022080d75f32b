"""Proper names in plan texts, and the light markup of the demo fixtures.

Plan texts are stored as HTML (see plans/sanitize.py). The demo fixtures are written in a
small markup, converted to that HTML when they are loaded (`markup_to_html`): blank line:
new paragraph · "## " and "### ": subheadings (two levels) · "- ": bullet ·
"1. ": numbered item · **…**: bold · *…*: italic · [text](https://…): a link (http, https
and mailto only) · lines of "| a | b |": a simple table, the first line its header.
Everything is escaped first, so user text can never become markup.

Proper names are bound (`bind_proper_names`): a place name is never hyphenated and
"'s-Hertogenbosch" never breaks after its "'s-".
"""

import re

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)([^*]+?)(?<!\s)\*(?![*\w])")
# On escaped text: the address cannot hold a quote or a tag, and only these schemes count.
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|mailto:)[^\s()<>]+)\)")
_TABLE_ROW = re.compile(r"^\|.*\|$")
_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|$")
_NUMBERED = re.compile(r"^\d+\.\s+")

# HTML is split into tags and text; only text is looked at.
_TAG = re.compile(r"(<[^>]*>)")
_TOKEN = re.compile(r"(\s+)")
# "'s-Hertogenbosch", "'s-Gravenhage", also with a typographic apostrophe, raw or escaped.
_APOSTROPHE_S = re.compile(r"(?:'|&#x27;|&#39;|\u2019)s-\w", re.IGNORECASE)
# The first letter of a token, after opening punctuation or an escaped quote.
_FIRST_LETTER = re.compile(r"^(?:[(\[\"\u201c\u2018]|&quot;|&#x27;|&#39;)*(\w)")
_SENTENCE_END = re.compile(r"[.!?:;]\W*$")
_ENTITY = re.compile(r"&#?\w+;")
_OPEN = '<span class="proper-name">'


def _is_proper_name(token: str, sentence_start: bool) -> bool:
    if _APOSTROPHE_S.search(token):
        return True
    first = _FIRST_LETTER.match(token)
    # Dutch capitalises nouns only as names: a capital inside a sentence is a name
    # (Spoorzone, Paleiskwartier, Jongerenwerk073, GGD). The first word of a sentence
    # is left alone.
    return bool(first) and first.group(1).isupper() and not sentence_start


def bind_proper_names(html: str) -> SafeString:
    """Wrap each proper name of safe `html` in `<span class="proper-name">` (CSS: never
    hyphenated); a name with a hyphen ("'s-Hertogenbosch") also gets an inner
    `proper-name__whole` span that may not break at all. Works on the text between tags
    only, token by whitespace-separated token, so no markup can be broken or injected:
    the input must already be escaped; plain text goes through `conditional_escape`.

    The space before a name goes inside its span: with the space outside, WeasyPrint
    (70) breaks a line too early ("Sociale" alone on a line) whenever the span does not
    fit at the end of the line."""
    html = conditional_escape(html)
    out: list[str] = []
    sentence_start = True
    depth = 0  # inside a name bound before: applying this twice changes nothing
    for piece in _TAG.split(html):
        if piece.startswith("<") and piece.endswith(">"):
            if depth or piece == _OPEN:
                depth += 1 if piece.startswith("<span") else -1 if piece == "</span>" else 0
            out.append(piece)
            continue
        if depth:
            out.append(piece)
            sentence_start = False
            continue
        space = ""
        for token in _TOKEN.split(piece):
            if not token:
                continue
            if token.isspace():
                space = token
                continue
            if _is_proper_name(token, sentence_start):
                whole = _APOSTROPHE_S.search(token) or "-" in token
                inner = f'<span class="proper-name__whole">{token}</span>' if whole else token
                out.append(f"{_OPEN}{space}{inner}</span>")
            else:
                out.append(space + token)
            space = ""
            # "&amp;" ends in ";" but ends no sentence.
            sentence_start = bool(_SENTENCE_END.search(_ENTITY.sub("x", token)))
        out.append(space)
    return mark_safe("".join(out))  # noqa: S308 - only escaped text and our own spans


def _inline(text: str) -> str:
    html = _BOLD.sub(r"<strong>\1</strong>", escape(text))
    html = _ITALIC.sub(r"<em>\1</em>", html)
    return _LINK.sub(r'<a href="\2">\1</a>', html)


def _table(lines: list[str]) -> str:
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if not _TABLE_RULE.match(line)]
    head, body = rows[0], rows[1:]
    out = ["<table><thead><tr>"]
    out += [f"<th>{_inline(cell)}</th>" for cell in head]
    out.append("</tr></thead><tbody>")
    for row in body:
        out.append("<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _render_block(lines: list[str]) -> list[str]:
    if lines and all(_TABLE_ROW.match(line) for line in lines):
        return [_table(lines)]
    html: list[str] = []
    paragraph: list[str] = []
    list_tag = ""
    for line in lines + [""]:  # the empty sentinel flushes what is open
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


def markup_to_html(text: str) -> str:
    """The demo fixtures' light markup as the sanitised HTML the editor stores. The same
    conversion as the frozen one in migration plans 0015 (a test holds them equal), so a
    freshly loaded demo equals a migrated old one."""
    from plans.sanitize import clean_html, looks_like_html

    if looks_like_html(text):
        return clean_html(text)
    html: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        html.extend(_render_block(lines))
    return clean_html("".join(html))
