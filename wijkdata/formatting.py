"""Figures as people in the Netherlands write them: 76,1 · 74% · 6.960."""

from decimal import Decimal

from django.utils.formats import number_format

from .models import Indicator

MISSING = "–"


def format_figure(value: Decimal | None, kind: str) -> str:
    """Format a value for its indicator kind, in the active language's number format."""
    if value is None:
        return MISSING
    if kind in {Indicator.Kind.COUNT, Indicator.Kind.NUMBER}:
        # Counts are whole; averages filed as counts (household size 1,9) keep their decimal.
        decimals = 0 if value == value.to_integral_value() else 1
        return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if kind == Indicator.Kind.PERCENTAGE:
        # The seeds print whole percentages; keep a decimal only where the source has one.
        decimals = 0 if value == value.to_integral_value() else 1
        return number_format(value, decimal_pos=decimals, use_l10n=True) + "%"
    if kind == Indicator.Kind.DISTANCE:
        return number_format(value, decimal_pos=1, use_l10n=True) + " km"
    return number_format(value, decimal_pos=1, use_l10n=True)
