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


def render_richtext(text: str, heading_level: int = 3) -> SafeString:
    html: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        paragraph: list[str] = []
        list_tag = ""

        def flush_paragraph():
            if paragraph:
                html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
                paragraph.clear()

        def close_list():
            nonlocal list_tag
            if list_tag:
                html.append(f"</{list_tag}>")
                list_tag = ""

        for line in lines:
            if line.startswith("## "):
                flush_paragraph()
                close_list()
                html.append(f"<h{heading_level}>{_inline(line[3:])}</h{heading_level}>")
            elif line.startswith("- ") or _NUMBERED.match(line):
                flush_paragraph()
                tag = "ul" if line.startswith("- ") else "ol"
                if list_tag != tag:
                    close_list()
                    html.append(f"<{tag}>")
                    list_tag = tag
                item = line[2:] if tag == "ul" else _NUMBERED.sub("", line)
                html.append(f"<li>{_inline(item)}</li>")
            else:
                close_list()
                paragraph.append(line)
        flush_paragraph()
        close_list()
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text above is escaped
