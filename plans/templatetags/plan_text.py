from django import template

from plans.richtext import bind_proper_names, render_richtext

register = template.Library()


@register.filter
def richtext(text, heading_level=3):
    return render_richtext(text, int(heading_level))


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
