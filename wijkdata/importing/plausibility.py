"""Is a figure possible at all? Checks that catch shifted rows and wrong columns.

A row whose values slid one column against the header still parses: every cell is a
number. What gives it away is a figure that cannot be: a share outside 0–100, a negative
count, a part larger than its whole (men more than inhabitants). Each such cell is
reported by row and column; the caller refuses the file, so nothing is written.

Only what is knowable is checked. Rounding does not trigger it: CBS rounds counts to 5
each on its own, so parts need not add up to their whole, and a part may even exceed it
by one rounding step (a buurt of 0 inhabitants with 5 men: 2 people, 3 of them counted
once more elsewhere). A part more than that above its whole is impossible.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from . import catalogue
from .catalogue import IndicatorDef

# The range of each kind of figure (inclusive).
RANGES = {
    catalogue.PCT: (0.0, 100.0),
    catalogue.SCORE: (0.0, 100.0),
    catalogue.SCALE: (0.0, 10.0),
    catalogue.GRADE: (1.0, 10.0),
}
# A percentage change or balance can be negative or above 100: not a share.
_CHANGE_RE = re.compile(r"groei|verander|toename|afname|mutatie|saldo|ontwikkeling|verschil")
TOLERANCE = 0.0005
ROUNDING_STEP = 5.0  # counts at wijk and buurt level are rounded to 5
MAX_REPORTED = 1000


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _range_of(definition: IndicatorDef) -> tuple[float, float] | None:
    if _CHANGE_RE.search(definition.name.lower()) or _CHANGE_RE.search(definition.code):
        return None
    return RANGES.get(definition.kind)


def _is_count(definition: IndicatorDef) -> bool:
    return definition.kind == catalogue.COUNT and definition.unit.lower() == "aantal"


def _range_message(row, column, value: float, definition: IndicatorDef, low, high) -> str:
    return _(
        "Rij %(row)s, kolom '%(column)s': %(value)s kan niet, want een "
        "%(kind)s ligt tussen %(low)s en %(high)s. Staan de waarden van deze "
        "rij in de verkeerde kolom?"
    ) % {
        "row": row,
        "column": column,
        "value": _number(value),
        "kind": _kind_name(definition.kind),
        "low": _number(low),
        "high": _number(high),
    }


def _negative_message(row, column, value: float) -> str:
    return _(
        "Rij %(row)s, kolom '%(column)s': %(value)s kan niet, want een aantal "
        "is nooit negatief. Staan de waarden van deze rij in de verkeerde kolom?"
    ) % {"row": row, "column": column, "value": _number(value)}


def _part_message(row, column, value: float, whole: str, total: float) -> str:
    return _(
        "Rij %(row)s, kolom '%(column)s': %(value)s is meer dan '%(whole)s' "
        "(%(total)s) in dezelfde rij, en een deel kan niet groter zijn dan het "
        "geheel. Staan de waarden van deze rij in de verkeerde kolom?"
    ) % {
        "row": row,
        "column": column,
        "value": _number(value),
        "whole": whole,
        "total": _number(total),
    }


def _impossible(definition: IndicatorDef, values: np.ndarray, mine: np.ndarray):
    """(mask of impossible values, their message builder) for one indicator's values."""
    limits = _range_of(definition)
    if limits is not None:
        low, high = limits
        bad = mine & ((values < low - TOLERANCE) | (values > high + TOLERANCE))
        return bad, lambda row, column, value: _range_message(
            row, column, value, definition, low, high
        )
    if _is_count(definition):
        return mine & (values < 0), _negative_message
    return None, None


def _report(collector, found: list[tuple[int, str, str]]) -> None:
    found.sort(key=lambda item: item[0])
    for row, column, message in found[:MAX_REPORTED]:
        collector.add(message, row, column)
    if len(found) > MAX_REPORTED:
        collector.add(
            _("… en nog %(n)s onmogelijke waarden (niet allemaal getoond).")
            % {"n": len(found) - MAX_REPORTED}
        )


def check(collector, *, defs: list[IndicatorDef], labels: list[str], frame: pd.DataFrame) -> None:
    """Add a problem for every impossible figure.

    `frame` has one row per figure: code, year, indicator (index into defs), value (NaN
    when missing), row (the row number a person sees) and column (the column's name).
    """
    if frame.empty:
        return
    found: list[tuple[int, str, str]] = []  # (row, column, message)
    indicator = frame["indicator"].to_numpy()
    values = frame["value"].to_numpy(dtype=float)
    rows = frame["row"].to_numpy()
    columns = frame["column"].to_numpy(dtype=object)
    present = ~np.isnan(values)

    for index, definition in enumerate(defs):
        mine = (indicator == index) & present
        if not mine.any():
            continue
        bad, message = _impossible(definition, values, mine)
        if bad is None:
            continue
        for k in np.flatnonzero(bad)[:MAX_REPORTED]:
            found.append((int(rows[k]), columns[k], message(rows[k], columns[k], values[k])))

    # Parts and their whole, where the catalogue knows both and the file has both.
    position = {d.code: i for i, d in enumerate(defs)}
    for index, definition in enumerate(defs):
        whole_index = position.get(catalogue.WHOLE_OF.get(definition.code, ""))
        if whole_index is None:
            continue
        part = frame[(indicator == index) & present][["code", "year", "value", "row", "column"]]
        whole = frame[(indicator == whole_index) & present][["code", "year", "value"]]
        if part.empty or whole.empty:
            continue
        both = part.merge(whole, on=["code", "year"], suffixes=("", "_whole"))
        bad = both["value"].to_numpy() > both["value_whole"].to_numpy() + ROUNDING_STEP
        for r in both[bad].head(MAX_REPORTED).itertuples(index=False):
            found.append(
                (
                    int(r.row),
                    r.column,
                    _part_message(r.row, r.column, r.value, labels[whole_index], r.value_whole),
                )
            )
    _report(collector, found)


def check_columns(
    collector,
    *,
    defs: list[IndicatorDef],
    labels: list[str],
    rows: np.ndarray,
    columns: list[tuple[int, np.ndarray]],
) -> None:
    """`check` for a table with one region per row: the same problems in the same order,
    read from the columns themselves (index into defs, one value per row) instead of a
    frame of every figure. A part and its whole are in the same row, so no join."""
    found: list[tuple[int, str, str]] = []
    by_index = dict(columns)
    for index, definition in enumerate(defs):
        values = by_index.get(index)
        if values is None:
            continue
        mine = ~np.isnan(values)
        if not mine.any():
            continue
        bad, message = _impossible(definition, values, mine)
        if bad is None:
            continue
        label = labels[index]
        for k in np.flatnonzero(bad)[:MAX_REPORTED]:
            found.append((int(rows[k]), label, message(rows[k], label, values[k])))
    position = {d.code: i for i, d in enumerate(defs)}
    for index, definition in enumerate(defs):
        whole_index = position.get(catalogue.WHOLE_OF.get(definition.code, ""))
        if whole_index is None or index not in by_index or whole_index not in by_index:
            continue
        part, whole = by_index[index], by_index[whole_index]
        both = ~np.isnan(part) & ~np.isnan(whole)
        bad = np.zeros(len(part), dtype=bool)
        bad[both] = part[both] > whole[both] + ROUNDING_STEP
        label = labels[index]
        for k in np.flatnonzero(bad)[:MAX_REPORTED]:
            found.append(
                (
                    int(rows[k]),
                    label,
                    _part_message(rows[k], label, part[k], labels[whole_index], whole[k]),
                )
            )
    _report(collector, found)


def _kind_name(kind: str) -> str:
    return {
        catalogue.PCT: _("percentage"),
        catalogue.SCORE: _("buurtscore"),
        catalogue.SCALE: _("schaalscore"),
        catalogue.GRADE: _("rapportcijfer"),
    }.get(kind, kind)
