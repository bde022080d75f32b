from decimal import Decimal

from django import template

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
