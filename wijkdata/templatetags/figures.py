from django import template

from wijkdata.formatting import format_figure

register = template.Library()


@register.simple_tag
def figure(value, kind):
    """{% figure cell.value cell.kind %} → "76,1", "74%", "6.960" or "–"."""
    return format_figure(value, kind)
