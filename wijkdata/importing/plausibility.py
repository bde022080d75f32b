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
        limits = _range_of(definition)
        if limits is not None:
            low, high = limits
            bad = mine & ((values < low - TOLERANCE) | (values > high + TOLERANCE))
            for k in np.flatnonzero(bad)[:MAX_REPORTED]:
                found.append(
                    (
                        int(rows[k]),
                        columns[k],
                        _(
                            "Rij %(row)s, kolom '%(column)s': %(value)s kan niet, want een "
                            "%(kind)s ligt tussen %(low)s en %(high)s. Staan de waarden van deze "
                            "rij in de verkeerde kolom?"
                        )
                        % {
                            "row": rows[k],
                            "column": columns[k],
                            "value": _number(values[k]),
                            "kind": _kind_name(definition.kind),
                            "low": _number(low),
                            "high": _number(high),
                        },
                    )
                )
        elif _is_count(definition):
            bad = mine & (values < 0)
            for k in np.flatnonzero(bad)[:MAX_REPORTED]:
                found.append(
                    (
                        int(rows[k]),
                        columns[k],
                        _(
                            "Rij %(row)s, kolom '%(column)s': %(value)s kan niet, want een aantal "
                            "is nooit negatief. Staan de waarden van deze rij in de verkeerde kolom?"
                        )
                        % {"row": rows[k], "column": columns[k], "value": _number(values[k])},
                    )
                )

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
                    _(
                        "Rij %(row)s, kolom '%(column)s': %(value)s is meer dan '%(whole)s' "
                        "(%(total)s) in dezelfde rij, en een deel kan niet groter zijn dan het "
                        "geheel. Staan de waarden van deze rij in de verkeerde kolom?"
                    )
                    % {
                        "row": r.row,
                        "column": r.column,
                        "value": _number(r.value),
                        "whole": labels[whole_index],
                        "total": _number(r.value_whole),
                    },
                )
            )

    found.sort(key=lambda item: item[0])
    for row, column, message in found[:MAX_REPORTED]:
        collector.add(message, row, column)
    if len(found) > MAX_REPORTED:
        collector.add(
            _("… en nog %(n)s onmogelijke waarden (niet allemaal getoond).")
            % {"n": len(found) - MAX_REPORTED}
        )


def _kind_name(kind: str) -> str:
    return {
        catalogue.PCT: _("percentage"),
        catalogue.SCORE: _("buurtscore"),
        catalogue.SCALE: _("schaalscore"),
        catalogue.GRADE: _("rapportcijfer"),
    }.get(kind, kind)
