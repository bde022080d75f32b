import re

from django import template
from django.utils.safestring import mark_safe

from plans.richtext import bind_proper_names
from plans.sanitize import clean_html, looks_like_html, plain_to_html

register = template.Library()

_HEADING = re.compile(r"<(/?)h([34])>")


@register.filter
def richtext(text, heading_level=3):
    """A plan text as safe HTML. Stored HTML is untrusted: it is sanitised again with nh3
    here, its subheadings (h3, h4 as stored) move to the depth `heading_level` of the
    section, and its proper names are bound. A text that is not HTML (a row written by the
    shell, or restored from a snapshot older than the editor) is plain text: escaped, with
    its paragraphs and line breaks."""
    html = clean_html(text if looks_like_html(text) else plain_to_html(text))
    shift = int(heading_level) - 3
    if shift:
        html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + shift, 6)}>", html)
    return bind_proper_names(mark_safe(html))  # noqa: S308 - nh3 output


@register.filter
def proper_names(text):
    """Plain text (escaped here) or safe HTML with its place names bound: never
    hyphenated, "'s-Hertogenbosch" never broken after "'s-"."""
    return bind_proper_names(text)


@register.filter
def letter(number):
    """1 → "a.", 2 → "b.": the lettering of grouped focus points in the seeds."""
    return f"{chr(ord('a') + int(number) - 1)}."


@register.filter
def answer_share(answer, question):
    """An answer's share of all answers to its question: bar width and a Dutch label."""
    from decimal import Decimal

    from wijkdata.formatting import format_figure

    total = sum(a.count for a in question.answers.all())
    share = (answer.count * 100 / total) if total else 0
    return {"width": f"{share:.1f}", "label": format_figure(Decimal(round(share)), "percentage")}
