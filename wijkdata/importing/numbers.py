"""Turning cells into numbers or missing values, a whole column at a time.

Real files write numbers as "76,1", "1.234,5", "    46.4", "74%" or as Excel numbers, and
missing values as ".", "-", an empty cell or a CBS sentinel such as -99997. A missing value
is never 0: it is kept as missing, with the reason the source gave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

EMPTY_REASON = "leeg in de bron"

# Symbols the CBS and GGD tables use instead of a number (lower case).
MISSING_MARKERS = {
    ".": "onbekend, onvoldoende betrouwbaar of geheim (.)",
    "..": "onbekend (..)",
    "x": "geheim (x)",
    "-": "niet beschikbaar (-)",
    "\u2013": "niet beschikbaar (-)",
    "\u2014": "niet beschikbaar (-)",
    "?": "onbekend (?)",
    "n.v.t.": "niet van toepassing",
    "nvt": "niet van toepassing",
    "n.b.": "niet bekend",
    "nb": "niet bekend",
}

# CBS files (Wijk- en Buurtkaart, kwb tables) use large negative whole numbers for cells
# they do not publish. Any whole number at or below this is such a code, never a figure.
SENTINEL_LIMIT = -99990

# The value column is DECIMAL(14, 3).
MAX_ABS_VALUE = 1e11


@dataclass
class ParsedColumn:
    values: np.ndarray  # float64, NaN where missing or invalid
    reasons: np.ndarray  # object: "" where there is a value, else why it is missing
    bad: np.ndarray  # bool: the cell holds something that is not a number
    too_big: np.ndarray  # bool: a number too large to store
    numbers: int  # how many cells hold a number
    has_percent: bool  # some cell was written as "74%"


def cell_text(value) -> str:
    """A cell as the text a person would see (numbers without float noise)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "WAAR" if value else "ONWAAR"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


_THOUSANDS_RE = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _slow_cell(text) -> tuple[str, float, str, bool]:
    """(status, value, reason, comma_decimal) for a cell the fast path could not read."""
    if text is None or (isinstance(text, float) and text != text):
        return "missing", np.nan, EMPTY_REASON, False
    text = str(text).strip()
    if not text:
        return "missing", np.nan, EMPTY_REASON, False
    marker = MISSING_MARKERS.get(text.lower())
    if marker:
        return "missing", np.nan, marker, False
    cleaned = text.removesuffix("%").replace("\u2212", "-")
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", cleaned)
    commas, dots = cleaned.count(","), cleaned.count(".")
    comma_decimal = False
    if commas and dots:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
            comma_decimal = True
        else:
            cleaned = cleaned.replace(",", "")
    elif commas == 1:
        cleaned = cleaned.replace(",", ".")
        comma_decimal = True
    elif commas > 1:
        cleaned = cleaned.replace(",", "")
    elif dots > 1:
        cleaned = cleaned.replace(".", "")
    if not _NUMBER_RE.fullmatch(cleaned):
        return "bad", np.nan, "", False
    value = float(cleaned)
    if not np.isfinite(value):
        return "bad", np.nan, "", False
    return "ok", value, "", comma_decimal


# ASCII digits only: anything else keeps going through _slow_cell, one cell at a time.
_COMMA_DECIMAL_PATTERN = r"[+-]?[0-9]+,[0-9]+"


def _text_mask(cells: np.ndarray) -> np.ndarray:
    if len(cells) and pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return np.ones(len(cells), dtype=bool)  # every cell a text (a CSV): checked in C
    return np.fromiter((type(c) is str for c in cells), dtype=bool, count=len(cells))


def parse_numbers(raw, *, whole_numbers: bool = False) -> ParsedColumn:
    """Parse a column of cell texts into numbers and reasons.

    Plain numbers are read by pandas in C; empty cells, missing-value markers and plain
    decimal commas ("76,1") are recognised a column at a time with vectorised string
    operations. Only what is left (thousands separators with commas, percentages, text)
    goes through Python one cell at a time.
    """
    if isinstance(raw, pd.Series) and isinstance(raw.dtype, pd.CategoricalDtype):
        distinct = _parse_distinct(raw, whole_numbers)
        if distinct is not None:
            return distinct
    cells = (
        raw.to_numpy(dtype=object) if isinstance(raw, pd.Series) else np.asarray(raw, dtype=object)
    )
    n = len(cells)
    fast = np.asarray(pd.to_numeric(cells, errors="coerce"), dtype=float)
    ok = np.isfinite(fast)
    values = np.where(ok, fast, np.nan)
    reasons = np.full(n, "", dtype=object)
    bad = np.zeros(n, dtype=bool)
    too_big = np.zeros(n, dtype=bool)
    has_percent = False
    comma_decimal = False
    rest = np.flatnonzero(~ok)
    if len(rest):
        texts = cells[rest]
        is_text = _text_mask(texts)
        if is_text.any():
            where = rest[is_text]
            stripped = pd.Series(texts[is_text], dtype=object).str.strip()
            empty = (stripped == "").to_numpy()
            marker = stripped.str.lower().map(MISSING_MARKERS).to_numpy(dtype=object)
            is_marker = ~empty & pd.notna(marker)
            reasons[where[empty]] = EMPTY_REASON
            reasons[where[is_marker]] = marker[is_marker]
            plain_comma = ~empty & ~is_marker
            if plain_comma.any():  # only the rest can be "76,1" (often none: all missing)
                plain_comma[plain_comma] = (
                    stripped[plain_comma].str.fullmatch(_COMMA_DECIMAL_PATTERN).to_numpy()
                )
            if plain_comma.any():
                converted = np.array(
                    [float(t.replace(",", ".")) for t in stripped[plain_comma]], dtype=float
                )
                finite = np.isfinite(converted)
                values[where[plain_comma][finite]] = converted[finite]
                bad[where[plain_comma][~finite]] = True
                comma_decimal = bool(finite.any())
            handled = np.zeros(len(rest), dtype=bool)
            handled[np.flatnonzero(is_text)[empty | is_marker | plain_comma]] = True
            rest = rest[~handled]
        for i in rest:
            text = cells[i]
            status, value, reason, comma = _slow_cell(text)
            if status == "ok":
                values[i] = value
                comma_decimal = comma_decimal or comma
                has_percent = has_percent or str(text).strip().endswith("%")
            elif status == "missing":
                reasons[i] = reason
            else:
                bad[i] = True
    if comma_decimal or whole_numbers:
        # In a column written with decimal commas, or of whole counts ("aantal"), a dot
        # groups thousands: "1.234" is 1234.
        # Only text cells: a spreadsheet's own numbers (floats here) are never regrouped.
        candidates = np.flatnonzero(ok)
        texts = cells[candidates]
        is_text = _text_mask(texts)
        if is_text.any():
            # Only texts with a dot can be grouped; numpy finds them in C.
            dotted = np.strings.find(texts[is_text].astype(str), ".") >= 0
            where = candidates[is_text][dotted]
            for i in where:
                text = cells[i].strip()
                if _THOUSANDS_RE.fullmatch(text):
                    values[i] = float(text.replace(".", ""))
    finite = np.isfinite(values)
    sentinel = finite & (values <= SENTINEL_LIMIT) & (values == np.floor(values))
    if sentinel.any():
        for i in np.flatnonzero(sentinel):
            reasons[i] = f"niet gepubliceerd (CBS-code {int(values[i])})"
        values[sentinel] = np.nan
    big = np.isfinite(values) & (np.abs(values) >= MAX_ABS_VALUE)
    if big.any():
        too_big[big] = True
        values[big] = np.nan
    values = np.round(values, 3)
    numbers = int(np.isfinite(values).sum())
    return ParsedColumn(values, reasons, bad, too_big, numbers, has_percent)


def _parse_distinct(column: pd.Series, whole_numbers: bool) -> ParsedColumn | None:
    """parse_numbers of a categorical column (a CSV's): each distinct text that occurs is
    parsed once and the results are spread over the cells by their codes. The same result
    as cell by cell: a cell's figure depends on its text alone, and what holds for the
    column (a decimal comma, a percent sign) is judged on the texts that occur in it."""
    codes = np.asarray(column.cat.codes)
    if len(codes) and codes.min() < 0:
        return None  # a missing cell (NaN): the general path
    categories = np.asarray(column.cat.categories, dtype=object)
    used = np.flatnonzero(np.bincount(codes, minlength=len(categories)))
    parsed = parse_numbers(categories[used], whole_numbers=whole_numbers)
    position = np.zeros(len(categories), dtype=np.intp)
    position[used] = np.arange(len(used))
    at = position[codes]
    values = parsed.values[at]
    return ParsedColumn(
        values=values,
        reasons=parsed.reasons[at],
        bad=parsed.bad[at],
        too_big=parsed.too_big[at],
        numbers=int(np.isfinite(values).sum()),
        has_percent=parsed.has_percent,
    )
