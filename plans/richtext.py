"""The light markup of plan texts, rendered to safe HTML.

Blank line: new paragraph · "## ": subheading · "- ": bullet · "1. ": numbered item ·
**…**: bold. Everything is escaped first, so user text can never become markup.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d+\.\s+")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


def _render_block(lines: list[str], heading_level: int) -> list[str]:
    html: list[str] = []
    paragraph: list[str] = []
    list_tag = ""
    for line in lines + [""]:  # the empty sentinel flushes what is open
        is_item = line.startswith("- ") or bool(_NUMBERED.match(line))
        if paragraph and (not line or is_item or line.startswith("## ")):
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph = []
        tag = ("ul" if line.startswith("- ") else "ol") if is_item else ""
        if list_tag and tag != list_tag:
            html.append(f"</{list_tag}>")
            list_tag = ""
        if line.startswith("## "):
            html.append(f"<h{heading_level}>{_inline(line[3:])}</h{heading_level}>")
        elif is_item:
            if not list_tag:
                html.append(f"<{tag}>")
                list_tag = tag
            item = line[2:] if tag == "ul" else _NUMBERED.sub("", line)
            html.append(f"<li>{_inline(item)}</li>")
        elif line:
            paragraph.append(line)
    return html


def render_richtext(text: str, heading_level: int = 3) -> SafeString:
    html: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        html.extend(_render_block(lines, heading_level))
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text above is escaped
