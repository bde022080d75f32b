from decimal import Decimal

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def euro(value) -> str:
    """An amount as Dutch readers write it: € 12.500 or € 1.234,50."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return "€\u00a0" + text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


@register.filter
def line_paragraphs(value) -> str:
    """A plain text typed line by line ("Doelgroepen: …" / "Verwacht bereik: …") as one
    paragraph per line, escaped; a line is a thought of its own, not a wrapped sentence."""
    lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
    return format_html_join("", '<p class="fact-line">{}</p>', ((line,) for line in lines))
