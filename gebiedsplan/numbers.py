"""Numbers as people in the Netherlands type them: "10,7", "1.234,5", "1.234", "-3".

One parser and two form fields (`DecimalCommaField`, `IntegerCommaField`) for every place
where a person types a number, so "10,7" is accepted everywhere and a value is shown back
with a comma. The widget is a text input with `inputmode="decimal"`: a phone shows its
number keyboard with a comma key, and the browser does not silently drop a comma (as
`type="number"` does in some locales).

Reading rules, so that nothing is guessed:
- a comma is the decimal sign; a dot groups thousands ("1.234,5", "1.234.567");
- "10.7" (a dot not followed by exactly three digits) can only be a decimal point;
- "1,234.5" (both signs, the dot last) is the English way and is read as such;
- "1.234" in a field with decimals is ambiguous (1234 or 1,234) and is refused with a
  question; in a whole-number field it can only be 1234.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID = _("Vul een getal in, bijvoorbeeld 10,7 of 1.234,5.")
AMBIGUOUS = _("Is %(text)s een getal met een punt voor duizendtallen of met decimalen? Schrijf decimalen met een komma (%(comma)s) of laat de punt weg (%(plain)s).")
NOT_WHOLE = _("Vul een geheel getal in, zonder decimalen.")

_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_DIGITS = re.compile(r"^\d+$")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")


class AmbiguousNumber(ValueError):
    pass


def parse_number(text: str, *, whole: bool = False) -> Decimal | None:
    """The number a person typed, or None for an empty field. Raises ValueError for
    something that is not a number, AmbiguousNumber for "1.234" where decimals are allowed."""
    text = (text or "").strip().translate(_SPACES).replace("\u2212", "-")
    if not text:
        return None
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            whole_part, _sep, decimals = text.rpartition(",")
            grouped = _GROUPED
        else:
            whole_part, _sep, decimals = text.rpartition(".")
            grouped = _GROUPED_COMMA
        if not grouped.match(whole_part) or not _DIGITS.match(decimals):
            raise ValueError(text)
        digits = whole_part.replace(".", "").replace(",", "") + "." + decimals
    elif "," in text:
        whole_part, _sep, decimals = text.partition(",")
        if whole_part and not _DIGITS.match(whole_part):
            raise ValueError(text)
        if not _DIGITS.match(decimals):
            raise ValueError(text)
        digits = (whole_part or "0") + "." + decimals
    elif "." in text:
        if _GROUPED.match(text):
            if text.count(".") == 1 and not whole:
                raise AmbiguousNumber(text)
            digits = text.replace(".", "")
        else:
            whole_part, _sep, decimals = text.partition(".")
            if not _DIGITS.match(decimals) or not (whole_part == "" or _DIGITS.match(whole_part)):
                raise ValueError(text)
            digits = (whole_part or "0") + "." + decimals
    else:
        if not _DIGITS.match(text):
            raise ValueError(text)
        digits = text
    try:
        return Decimal(sign + digits)
    except InvalidOperation:
        raise ValueError(text) from None


def format_number(value) -> str:
    """A value as it is typed back into a field: a comma for decimals, no grouping."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    text = format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", ",")


class NumberInput(forms.TextInput):
    """A text input with the phone's number keyboard; shows values with a comma."""

    def __init__(self, attrs=None):
        base = {"inputmode": "decimal", "autocomplete": "off", "class": "utrecht-textbox utrecht-textbox--html-input"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        return format_number(value) or None


def _clean_text(field, value, *, whole: bool):
    if value in field.empty_values:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    try:
        return parse_number(str(value), whole=whole)
    except AmbiguousNumber as error:
        text = str(error)
        raise ValidationError(
            AMBIGUOUS,
            code="ambiguous",
            params={"text": text, "comma": text.replace(".", ","), "plain": text.replace(".", "")},
        ) from None
    except ValueError:
        raise ValidationError(INVALID, code="invalid") from None


class DecimalCommaField(forms.DecimalField):
    widget = NumberInput
    default_error_messages = {"invalid": INVALID}

    def to_python(self, value):
        number = _clean_text(self, value, whole=False)
        if number is None:
            return None
        if not number.is_finite():
            raise ValidationError(INVALID, code="invalid")
        return number

    def widget_attrs(self, widget):
        # No min/max/step attributes: they belong to type="number", which this is not.
        return {}


class IntegerCommaField(forms.IntegerField):
    widget = NumberInput
    default_error_messages = {"invalid": INVALID}

    def to_python(self, value):
        number = _clean_text(self, value, whole=True)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValidationError(NOT_WHOLE, code="invalid")
        return int(number)

    def widget_attrs(self, widget):
        return {}


def number_from_post(text: str | None, *, default: int, whole: bool = True) -> int | Decimal:
    """A number from a plain POST field (no form), with the same reading rules; ValueError
    (with a Dutch message as its argument) when it cannot be read."""
    if text is None or not text.strip():
        return default
    try:
        number = parse_number(text, whole=whole)
    except ValueError:
        raise ValueError(str(INVALID)) from None
    if whole:
        if number != number.to_integral_value():
            raise ValueError(str(NOT_WHOLE))
        return int(number)
    return number
