from django import template

from plans.richtext import render_richtext

register = template.Library()


@register.filter
def richtext(text, heading_level=3):
    return render_richtext(text, int(heading_level))


@register.filter
def letter(number):
    """1 → "a.", 2 → "b.": the lettering of grouped focus points in the seeds."""
    return f"{chr(ord('a') + int(number) - 1)}."
