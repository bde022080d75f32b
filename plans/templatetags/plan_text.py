from django import template
from django.utils.safestring import mark_safe

from plans.richtext import bind_proper_names, render_richtext
from plans.sanitize import clean_html, looks_like_html

register = template.Library()


@register.filter
def richtext(text, heading_level=3):
    """A plan text as safe HTML. Stored HTML is untrusted: it is sanitised again with nh3
    here, then its proper names are bound. Legacy light markup is converted first."""
    if looks_like_html(text):
        return bind_proper_names(mark_safe(clean_html(text)))  # noqa: S308 - nh3 output
    return bind_proper_names(mark_safe(clean_html(render_richtext(text, int(heading_level)))))  # noqa: S308


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
