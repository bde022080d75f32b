"""Comparing a parsed file with the database: what an import would add and change.

Nothing here writes. The plan is what the preview shows and what `writing` carries out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _

from wijkdata.models import Indicator, Neighbourhood, NeighbourhoodBoundary

from . import catalogue
from .catalogue import IndicatorDef
from .layouts import ParsedFile
from .problems import ImportRefused, Problem

LEVELS = {
    "GM": Neighbourhood.Level.MUNICIPALITY,
    "WK": Neighbourhood.Level.DISTRICT,
    "BU": Neighbourhood.Level.NEIGHBOURHOOD,
}
LEVEL_ORDER = [
    Neighbourhood.Level.MUNICIPALITY,
    Neighbourhood.Level.DISTRICT,
    Neighbourhood.Level.NEIGHBOURHOOD,
]
# Two values closer than this are the same figure (the column keeps three decimals).
TOLERANCE = 0.0005
EXAMPLES = 50
KIND_LABELS = dict(Indicator.Kind.choices)


def level_of(code: str) -> str:
    return LEVELS[code[:2]]


def parent_of(code: str) -> str | None:
    if code.startswith("WK"):
        return "GM" + code[2:6]
    if code.startswith("BU"):
        return "WK" + code[2:8]
    return None


@dataclass
class ImportPlan:
    parsed: ParsedFile
    source: str
    regions: (
        pd.DataFrame
    )  # every region to exist afterwards: code, year, name, level, parent, id, implied
    regions_new: pd.DataFrame
    regions_changed: list[dict]
    regions_unchanged: int
    indicators_new: list[IndicatorDef]
    indicator_ids: dict[str, int]
    values_new: pd.DataFrame
    values_changed: pd.DataFrame
    values_unchanged: int
    values_missing: int
    boundaries_new: list[tuple[str, int]] = field(default_factory=list)
    boundaries_changed: list[tuple[str, int]] = field(default_factory=list)
    plans_affected: list[dict] = field(default_factory=list)
    # Whose figures are written: an organisation's id, or None for public figures.
    owner_id: int | None = None

    @property
    def has_changes(self) -> bool:
        return bool(
            len(self.regions_new)
            or self.regions_changed
            or self.indicators_new
            or len(self.values_new)
            or len(self.values_changed)
            or self.boundaries_new
            or self.boundaries_changed
        )

    def counts(self) -> dict:
        parsed = self.parsed
        return {
            "rows_read": parsed.rows_read,
            "skipped": dict(parsed.skipped),
            "regions_in_file": int(len(parsed.regions)),
            "regions_new": int(len(self.regions_new)),
            "regions_provisional": int(self.regions_new["provisional"].sum())
            if len(self.regions_new)
            else 0,
            "regions_changed": len(self.regions_changed),
            "regions_unchanged": self.regions_unchanged,
            "indicators_new": len(self.indicators_new),
            "indicators_existing": len(parsed.indicators) - len(self.indicators_new),
            "values_new": int(len(self.values_new)),
            "values_changed": int(len(self.values_changed)),
            "values_unchanged": self.values_unchanged,
            "values_missing": self.values_missing,
            "boundaries_new": len(self.boundaries_new),
            "boundaries_changed": len(self.boundaries_changed),
        }

    def as_dict(self) -> dict:
        """What the preview page and the stored report show; JSON-safe and bounded in size."""
        parsed = self.parsed
        names = {d.code: d.name for d in parsed.indicators}
        changed_values = []
        for row in self.values_changed.head(EXAMPLES).itertuples(index=False):
            changed_values.append(
                {
                    "code": row.code,
                    "year": int(row.year),
                    "indicator": row.indicator_code,
                    "indicator_name": names.get(row.indicator_code, row.indicator_code),
                    "old": _shown(row.old_value, row.old_reason),
                    "new": _shown(row.value, row.reason),
                    "old_source": row.old_source,
                    "new_source": row.source,
                }
            )
        return {
            "format": parsed.format,
            "format_label": parsed.format_label,
            "description": parsed.description,
            "sheet": parsed.sheet,
            "years": parsed.years,
            "year_note": parsed.year_note,
            "source": self.source,
            "counts": self.counts(),
            "notes": list(parsed.notes),
            "indicators": [
                {
                    "code": d.code,
                    "name": d.name,
                    "kind": d.kind,
                    "kind_label": str(KIND_LABELS.get(d.kind, d.kind)),
                    "unit": d.unit,
                    "label": label,
                    "new": d.code not in self.indicator_ids,
                    # A new indicator whose kind neither its name nor its values settle.
                    "ask_kind": d.code not in self.indicator_ids and not d.kind_certain,
                }
                for d, label in zip(parsed.indicators, parsed.labels, strict=True)
            ],
            "kind_choices": [[k, str(v)] for k, v in Indicator.Kind.choices],
            "ask_kinds": [
                {"code": d.code, "label": label, "kind": d.kind}
                for d, label in zip(parsed.indicators, parsed.labels, strict=True)
                if d.code not in self.indicator_ids and not d.kind_certain
            ],
            "regions_new": [
                {
                    "code": r.code,
                    "year": int(r.year),
                    "name": r.name,
                    "level": r.level,
                    "provisional": bool(r.provisional),
                }
                for r in self.regions_new.head(EXAMPLES).itertuples(index=False)
            ],
            "regions_changed": self.regions_changed[:EXAMPLES],
            "values_changed": changed_values,
            "plans_affected": self.plans_affected,
            "has_changes": self.has_changes,
        }


def _shown(value, reason) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"– ({reason})"
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def build_plan(
    parsed: ParsedFile, *, source: str, compare_source: bool = False, owner_id: int | None = None
) -> ImportPlan:
    """Compare a parsed file with the database.

    A figure whose value and missing-reason are unchanged counts as unchanged even if another
    file brought it (the same CBS number from a boundary file is the same figure); only an
    explicitly given source (the user's choice) is compared and rewritten as well.
    """
    from wijkdata.selectors import visible_indicators

    regions = _regions(parsed)
    regions, regions_new, regions_changed, unchanged = _compare_regions(parsed, regions)
    if owner_id is not None:
        regions_changed = _own_regions_only(parsed, regions_changed, owner_id)
    codes = [d.code for d in parsed.indicators]
    # The public indicators and the organisation's own; its own wins for a code it has.
    stored = {
        code: (pk, name, column, kind)
        for code, pk, name, column, kind in visible_indicators(
            owner_id, Indicator.objects.filter(code__in=codes)
        )
        .order_by(F("owner_id").asc(nulls_first=True))
        .values_list("code", "id", "name", "source_column", "kind")
    }
    _refuse_other_columns(parsed, stored)
    indicator_ids = {code: pk for code, (pk, _name, _column, _kind) in stored.items()}
    indicators_new = [d for d in parsed.indicators if d.code not in indicator_ids]
    values = _file_values(parsed, regions, indicator_ids, source)
    # The file's figures live on in `values` (and the plan's frames) only: the parsed copy
    # is let go (bounds peak memory; nothing reads it after planning).
    # (A copy of no rows: a slice would be a view keeping every column alive.)
    parsed.values = parsed.values.iloc[0:0].copy()
    values_new, values_changed, values_unchanged = _compare_values(
        values, parsed.years, indicator_ids, compare_source=compare_source, owner_id=owner_id
    )
    plan = ImportPlan(
        parsed=parsed,
        source=source,
        regions=regions,
        regions_new=regions_new,
        regions_changed=regions_changed,
        regions_unchanged=unchanged,
        indicators_new=indicators_new,
        indicator_ids=indicator_ids,
        values_new=values_new,
        values_changed=values_changed,
        values_unchanged=values_unchanged,
        values_missing=int((values["reason"] != "").sum()),
        owner_id=owner_id,
    )
    if parsed.boundaries:
        _compare_boundaries(plan)
    plan.plans_affected = _plans_affected(values_new, values_changed, owner_id=owner_id)
    return plan


def _own_regions_only(parsed: ParsedFile, changed: list[dict], owner_id: int) -> list[dict]:
    """An organisation's upload renames or moves only its own (custom) regions: the names of
    CBS regions and of other organisations' regions are theirs. The rest is noted."""
    if not changed:
        return changed
    own = set(
        Neighbourhood.objects.filter(
            id__in=[c["id"] for c in changed], owner_id=owner_id
        ).values_list("id", flat=True)
    )
    kept = [c for c in changed if c["id"] in own]
    if len(kept) < len(changed):
        parsed.notes.append(
            _(
                "%(n)s gebieden hebben in dit bestand een andere naam of indeling dan bekend; "
                "die blijven zoals ze zijn (namen van CBS-gebieden en van andere organisaties "
                "worden alleen door een beheerder gewijzigd)."
            )
            % {"n": len(changed) - len(kept)}
        )
    return kept


def _plans_affected(
    values_new: pd.DataFrame, values_changed: pd.DataFrame, *, owner_id: int | None = None
) -> list[dict]:
    """The plans that would show a new or changed figure (only existing regions and
    indicators can be in a plan's table)."""
    from wijkdata.selectors import plans_showing_figures

    columns = ["neighbourhood_id", "indicator_id", "year"]
    parts = [
        frame.loc[frame["neighbourhood_id"].notna() & frame["indicator_id"].notna(), columns]
        for frame in (values_new, values_changed)
        if len(frame)
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return []
    return plans_showing_figures(figures=pd.concat(parts, ignore_index=True), owner_id=owner_id)


SCALED_KINDS = {
    Indicator.Kind.PERCENTAGE,
    Indicator.Kind.SCORE,
    Indicator.Kind.SCALE,
    Indicator.Kind.GRADE,
}


def _refuse_other_columns(parsed: ParsedFile, stored: dict) -> None:
    """An indicator made from one column never takes figures from a differently named one.

    Catalogue indicators have aliases (the same measure under other names); an indicator
    derived from a column the catalogue does not know is that column, nothing else.
    """
    problems = []
    kinds = dict(Indicator.Kind.choices)
    for definition, label in zip(parsed.indicators, parsed.labels, strict=True):
        if definition.code not in stored:
            continue
        _pk, name, column, kind = stored[definition.code]
        if (
            kind != definition.kind
            and {kind, definition.kind} <= SCALED_KINDS
            and definition.kind_certain
        ):
            # One series never mixes a GGD percentage with a survey's buurtscore.
            problems.append(
                Problem(
                    _(
                        "Kolom '%(column)s' bevat een %(file_kind)s, maar indicator '%(name)s' "
                        "is een %(kind)s. Er is niets opgeslagen: een reeks mengt nooit "
                        "verschillende soorten cijfers."
                    )
                    % {
                        "column": label,
                        "file_kind": str(kinds.get(definition.kind, definition.kind)).lower(),
                        "name": name,
                        "kind": str(kinds.get(kind, kind)).lower(),
                    },
                    column=label,
                )
            )
            continue
        if not definition.column:
            continue
        if column and catalogue.column_key(column) != catalogue.column_key(definition.column):
            problems.append(
                Problem(
                    _(
                        "Kolom '%(column)s' zou de cijfers van indicator '%(name)s' "
                        "overschrijven, maar die komen uit een andere kolom ('%(stored)s'). "
                        "Is het dezelfde maat, geef de kolom dan dezelfde naam; anders moet "
                        "een beheerder de indicator in de catalogus opnemen."
                    )
                    % {"column": definition.column, "name": name, "stored": column},
                    column=label,
                )
            )
    if problems:
        raise ImportRefused(problems, notes=list(parsed.notes))


def _regions(parsed: ParsedFile) -> pd.DataFrame:
    """The file's regions plus the parents they imply (a buurt's wijk and gemeente)."""
    frame = parsed.regions[["code", "year", "name", "municipality_name"]].copy()
    frame["name"] = frame["name"].where(frame["name"].notna() & (frame["name"] != ""), None)
    frame["implied"] = False
    known = set(zip(frame["code"].tolist(), frame["year"].tolist(), strict=True))
    extra = []
    muni_names = {}
    for code, year, muni in zip(
        frame["code"].tolist(),
        frame["year"].tolist(),
        frame["municipality_name"].tolist(),
        strict=True,
    ):
        if muni and isinstance(muni, str):
            muni_names[("GM" + code[2:6], year)] = muni
    for code, year in list(known):
        parent = parent_of(code)
        while parent and (parent, year) not in known:
            known.add((parent, year))
            extra.append(
                {
                    "code": parent,
                    "year": year,
                    "name": None,
                    "municipality_name": None,
                    "implied": True,
                }
            )
            parent = parent_of(parent)
    if extra:
        frame = pd.concat([frame, pd.DataFrame(extra)], ignore_index=True)
    # A gemeente named only through the municipality-name column of its wijken and buurten.
    missing = frame["name"].isna() & frame["code"].str.startswith("GM")
    if missing.any():
        frame.loc[missing, "name"] = [
            muni_names.get((c, y))
            for c, y in zip(
                frame.loc[missing, "code"].tolist(),
                frame.loc[missing, "year"].tolist(),
                strict=True,
            )
        ]
    codes = frame["code"].tolist()
    frame["level"] = [LEVELS[c[:2]] for c in codes]
    # A wijk is the parent of all its buurten: one text object per parent, not per region.
    parents: dict = {}
    frame["parent"] = pd.Series(
        [parents.setdefault(p, p) if p else p for p in map(parent_of, codes)],
        index=frame.index,
        dtype=object,
    )
    return frame.drop(columns=["municipality_name"])


def _is_text(values: np.ndarray) -> np.ndarray:
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


def _texts_or_none(values: np.ndarray) -> np.ndarray:
    """Texts kept, anything else (None, NaN) made None, so that None equals None."""
    out = np.full(len(values), None, dtype=object)
    texts = _is_text(values)
    out[texts] = values[texts]
    return out


def _compare_regions(parsed: ParsedFile, frame: pd.DataFrame):
    """The file's regions (and implied parents) matched to the stored ones by code and
    year: the frame with each one's stored id (and, for a changed one, its stored name),
    the new ones, the changes, and how many are unchanged.

    The stored regions are read a piece at a time, each with its parent's code (joined in
    the query), and compared at once: no frame of every stored region and its texts."""
    frame = frame.reset_index(drop=True)
    n = len(frame)
    codes = frame["code"].to_numpy(dtype=object)
    years = frame["year"].to_numpy().astype("int64")
    # Per year, the file's codes as an index (its hash table) and their rows.
    by_year = {}
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        by_year[int(year)] = (pd.Index(codes[rows], dtype=object), rows)
    name = frame["name"].to_numpy(dtype=object)
    level = frame["level"].to_numpy(dtype=object)
    parent = _texts_or_none(frame["parent"].to_numpy(dtype=object))
    has_name = _is_text(name)
    implied = frame["implied"].to_numpy(dtype=bool)
    ids = np.full(n, -1, dtype=np.int64)
    kept_names = np.full(n, None, dtype=object)
    found: list[tuple[int, dict]] = []  # (row, change)
    unchanged = 0
    table = connection.ops.quote_name(Neighbourhood._meta.db_table)
    wanted_years = sorted(by_year)
    params: list = list(wanted_years)
    # Only placeholders and a quoted table name are formatted in; the values are parameters.
    sql = (
        f"SELECT n.id, n.code, n.year, n.name, n.level, p.code FROM {table} n "  # noqa: S608
        f"LEFT JOIN {table} p ON p.id = n.parent_id "
        f"WHERE n.year IN ({', '.join(['%s'] * len(wanted_years))})"
    )
    if n < 2000:
        wanted_codes = sorted(set(codes.tolist()))
        sql += f" AND n.code IN ({', '.join(['%s'] * len(wanted_codes))})"
        params += wanted_codes
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while piece := cursor.fetchmany(REGION_CHUNK):
            columns = list(zip(*piece, strict=True))
            del piece
            stored_ids = np.asarray(columns[0], dtype=np.int64)
            stored_codes = np.asarray(columns[1], dtype=object)
            stored_years = np.asarray(columns[2], dtype=np.int64)
            stored_names = np.asarray(columns[3], dtype=object)
            stored_levels = np.asarray(columns[4], dtype=object)
            stored_parents = _texts_or_none(np.asarray(columns[5], dtype=object))
            del columns
            rows = np.full(len(stored_ids), -1, dtype=np.intp)
            for year in np.unique(stored_years):
                index, year_rows = by_year.get(int(year), (None, None))
                if index is None:
                    continue
                mine = np.flatnonzero(stored_years == year)
                at = index.get_indexer(stored_codes[mine])
                rows[mine[at >= 0]] = year_rows[at[at >= 0]]
            hit = np.flatnonzero(rows >= 0)
            rows = rows[hit]
            ids[rows] = stored_ids[hit]
            old_name, old_level = stored_names[hit], stored_levels[hit]
            old_parent = stored_parents[hit]
            name_changed = has_name[rows] & (name[rows] != old_name)
            level_changed = level[rows] != old_level
            parent_changed = parent[rows] != old_parent
            any_changed = name_changed | level_changed | parent_changed
            unchanged += int((~any_changed & ~implied[rows]).sum())
            for k in np.flatnonzero(any_changed):
                row = int(rows[k])
                fields = {}
                if name_changed[k]:
                    fields["name"] = [old_name[k], name[row]]
                if level_changed[k]:
                    fields["level"] = [old_level[k], level[row]]
                if parent_changed[k]:
                    fields["parent"] = [old_parent[k], parent[row]]
                kept_names[row] = old_name[k]
                found.append(
                    (
                        row,
                        {
                            "id": int(stored_ids[hit[k]]),
                            "code": codes[row],
                            "year": int(years[row]),
                            "fields": fields,
                        },
                    )
                )
    found.sort(key=lambda pair: pair[0])  # in the file's order
    changed = [change for _row, change in found]
    is_new = ids < 0
    merged = frame.copy(deep=False)
    merged["id"] = pd.arrays.IntegerArray(np.where(is_new, 0, ids), is_new)
    # Writing keeps a changed region's stored name where the file gives none.
    merged["old_name"] = kept_names
    # All new (a first import): the same rows, without a copy of every column.
    new = merged.copy(deep=False) if is_new.all() else merged[is_new].copy()
    new["provisional"] = new["name"].isna()
    new["name"] = new["name"].where(new["name"].notna(), new["code"])
    return merged, new, changed, unchanged


# Stored regions read and compared per piece of this many rows (see _compare_regions).
REGION_CHUNK = 2000


def factorized(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of a column: a categorical's own (nothing computed), else
    pd.factorize's. uniques[codes] is the column; a categorical may have unused ones."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories.to_numpy(dtype=object)
    return pd.factorize(column.to_numpy(dtype=object))


def _file_values(
    parsed: ParsedFile, regions: pd.DataFrame, indicator_ids: dict, source: str
) -> pd.DataFrame:
    """The file's figures with what the comparison and the writing need. Columns are
    shared with the parsed frame, not copied; the indicator's code and the source are
    categories (per figure a small integer, not a text)."""
    values = parsed.values
    codes = [d.code for d in parsed.indicators]
    n = len(values)
    indicator = values["indicator"].to_numpy()
    if n and len(set(codes)) == len(codes):
        indicator_code = pd.Categorical.from_codes(
            indicator, categories=pd.Index(codes, dtype=object)
        )
    else:
        indicator_code = (
            np.asarray(codes, dtype=object)[indicator.astype(int)]
            if n
            else np.array([], dtype=object)
        )
    frame = pd.DataFrame(
        {
            "code": values["code"],
            "year": values["year"],
            "indicator_code": indicator_code,
            "value": values["value"],
            "reason": values["reason"],
        },
        copy=False,
    )
    if "source" in values.columns:
        per_row = values["source"].to_numpy(dtype=object)
        frame["source"] = np.where(pd.isna(per_row), source, per_row)
    else:
        frame["source"] = pd.Categorical.from_codes(
            np.zeros(n, dtype=np.int8), categories=pd.Index([source], dtype=object)
        )
    frame["neighbourhood_id"] = _region_ids(frame, regions.dropna(subset=["id"]))
    # Each indicator's id looked up once, then spread by the figures' indicator index.
    per_indicator = pd.array(
        [indicator_ids.get(code) for code in codes],
        dtype="Int32" if max(indicator_ids.values(), default=0) < 2**31 else "Int64",
    )
    frame["indicator_id"] = (
        per_indicator.take(indicator.astype(np.intp))
        if n
        else pd.array([], dtype="Int64")
    )
    return frame


def _region_ids(frame: pd.DataFrame, known: pd.DataFrame) -> np.ndarray:
    """The stored id of each figure's region (NaN for a new region).

    With one year throughout (the usual file) each distinct code is looked up once and
    spread with one take; a join on (code, year) would hash every figure's key."""
    n = len(frame)
    if known.empty:
        # No region stored yet (a first import): every id missing, 5 bytes a figure.
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool))
    years = frame["year"].to_numpy()
    if n and (years == years[0]).all():
        index, uniques = factorized(frame["code"])
        mine = known[known["year"].to_numpy() == years[0]]
        by_code = dict(zip(mine["code"].tolist(), mine["id"].tolist(), strict=True))
        found = np.array([by_code.get(c, np.nan) for c in uniques], dtype=float)
        if not len(found) or np.nanmax(found, initial=0) < 2**31:
            # 4 bytes a figure (and a flag for a new region) instead of 8.
            missing = np.isnan(found)
            return pd.arrays.IntegerArray(
                np.where(missing, 0, found).astype(np.int32)[index], missing[index]
            )
        ids = found[index]
        return ids if np.isnan(ids).any() else ids.astype("int64")
    ids = known.set_index(["code", "year"])["id"]
    keys = pd.MultiIndex.from_arrays(
        [frame["code"].to_numpy(dtype=object), frame["year"].to_numpy().astype("int64")]
    )
    return ids.reindex(keys).to_numpy()


def _compare_values(
    frame: pd.DataFrame,
    years: list[int],
    indicator_ids: dict,
    *,
    compare_source: bool,
    owner_id: int | None = None,
):
    """The file's figures split into new, changed (with the stored figure beside each) and
    the number unchanged.

    The stored figures are never held whole: they arrive in pieces (see _stored_pieces),
    each piece is matched to the file's figures by key and compared at once, and only what
    differs is kept. What stays for the whole comparison is the file's keys, sorted, and a
    flag per figure."""
    known = (frame["neighbourhood_id"].notna() & frame["indicator_id"].notna()).to_numpy()
    # One year throughout (the query asked for it): the key is region and indicator.
    key_columns = ("neighbourhood_id", "indicator_id") + (("year",) if len(years) > 1 else ())
    index = _KeyIndex(frame, key_columns, known) if known.any() else None
    del known
    matched = np.zeros(len(frame), dtype=bool)
    unchanged = 0
    differing = []  # per piece: (file rows, stored ids, old values, old reasons, old sources)
    # Compared with the same owner's figures only: an organisation's upload adds its own
    # figure next to a public one, never changes it (nor the other way round).
    pieces = (
        _stored_pieces(index.values[0], years, sorted(set(indicator_ids.values())), owner_id)
        if index is not None
        else ()
    )
    for piece in pieces:
        stored_rows, file_rows = index.lookup([piece[column].to_numpy() for column in key_columns])
        if not len(file_rows):
            continue
        # A figure matched once (the first stored row with its key, should there be two).
        first = ~matched[file_rows]
        file_rows, first_at = np.unique(file_rows[first], return_index=True)
        stored_rows = stored_rows[first][first_at]
        matched[file_rows] = True
        old = piece["old_value"].to_numpy(dtype=float)[stored_rows]
        new = frame["value"].to_numpy(dtype=float)[file_rows]
        same = (np.isnan(new) & np.isnan(old)) | (np.abs(new - old) < TOLERANCE)
        old_reasons = piece["old_reason"].to_numpy(dtype=object)[stored_rows]
        same &= _texts(frame["reason"], file_rows) == old_reasons
        old_sources = piece["old_source"].to_numpy(dtype=object)[stored_rows]
        if compare_source:
            same &= _texts(frame["source"], file_rows) == old_sources
        unchanged += int(same.sum())
        differ = ~same
        if differ.any():
            differing.append(
                (
                    file_rows[differ],
                    piece["id"].to_numpy()[stored_rows[differ]].astype("int64"),
                    old[differ],
                    old_reasons[differ],
                    old_sources[differ],
                )
            )
    del index
    if not matched.any():
        # Nothing stored yet (a first import): every figure is new, without a copy.
        return frame, frame.iloc[0:0].assign(id=[], old_value=[], old_reason=[], old_source=[]), 0
    new = frame.iloc[np.flatnonzero(~matched)]
    del matched
    if differing:
        parts = [np.concatenate(part) for part in zip(*differing, strict=True)]
        order = np.argsort(parts[0], kind="stable")  # in the file's order
        file_rows, ids, old_values, old_reasons, old_sources = (part[order] for part in parts)
    else:
        file_rows = np.array([], dtype=np.intp)
        ids = np.array([], dtype="int64")
        old_values = np.array([], dtype=float)
        old_reasons = old_sources = np.array([], dtype=object)
    changed = frame.iloc[file_rows].copy()
    changed["id"] = ids
    changed["old_value"] = old_values
    changed["old_reason"] = old_reasons
    changed["old_source"] = old_sources
    return new, changed, unchanged


def _texts(column: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Those rows of a text column as an object array (a categorical's rows taken first)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.take(rows), dtype=object)
    return column.to_numpy(dtype=object)[rows]


def _distinct_sorted(column: np.ndarray) -> np.ndarray:
    """The distinct values of an integer column, ascending.

    Ids lie close together: then a flag per value between the smallest and the largest
    finds them (a byte per possible id). pd.unique's hash table is sized by the column's
    length (some 4 MB for a national file's 150,000 figures), np.unique sorts a copy."""
    if not len(column):
        return column[:0].copy()
    low, high = int(column.min()), int(column.max())
    if high - low < 4 * len(column) + 1024:
        seen = np.zeros(high - low + 1, dtype=bool)
        for start in range(0, len(column), 1 << 16):  # no shifted copy of the whole column
            seen[column[start : start + (1 << 16)] - low] = True
        return np.flatnonzero(seen).astype(column.dtype) + low
    return np.unique(column)


class _KeyIndex:
    """The file's figures by key, to look up the stored figures' keys a piece at a time.

    Each of the key's integer columns is ranked among the file's own values (those of the
    `known` rows) and the ranks are folded into one integer per figure (-1 for the rows
    not known), then sorted. A lookup ranks the other side's columns the same way (a value
    the file does not have matches nothing) and searches the sorted keys. No hash table of
    every key, nothing of the stored side kept; `values[k]` are the file's distinct values
    of the k-th column."""

    def __init__(self, frame: pd.DataFrame, columns, known: np.ndarray):
        # First each column's distinct values, then the ranks folded in, in 32 bits where
        # the key space allows.
        self.values = []
        for name in columns:
            column = frame[name].to_numpy(dtype="int64", na_value=-1)
            self.values.append(_distinct_sorted(column[known] if not known.all() else column))
            del column
        space = int(np.prod([max(1, len(values)) for values in self.values], dtype=object))
        dtype = np.int32 if space < 2**31 else np.int64
        key = None
        for name, values in zip(columns, self.values, strict=True):
            column = frame[name].to_numpy(dtype="int64", na_value=-1)
            rank = np.searchsorted(values, column)
            del column
            if key is None:
                key = rank.astype(dtype)
            else:
                key *= len(values)
                np.add(key, rank, out=key, casting="unsafe")
            del rank
        self.table = None
        if space <= 2 * len(key) + 1024 and len(key) < 2**31:
            # Dense (a file of every figure of every region): a table from key to row,
            # the unknown rows in a last slot of their own, unless the file holds a key twice.
            key[~known] = space
            table = np.full(space + 1, -1, dtype=np.int32)
            table[key] = np.arange(len(key), dtype=np.int32)
            table[space] = -1
            if np.count_nonzero(table >= 0) == np.count_nonzero(known):
                self.table = table
                return
            del table
        key[~known] = -1
        order = np.argsort(key)
        self.keys = key[order]
        del key
        self.order = order.astype(np.int32) if len(order) < 2**31 else order

    def lookup(self, columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(their rows, the file's rows) of every pair with the same key, their rows
        ascending; a key the file holds twice gives both."""
        key = None
        found = None
        for column, values in zip(columns, self.values, strict=True):
            column = np.asarray(column).astype(np.int64, copy=False)
            rank = np.minimum(np.searchsorted(values, column), len(values) - 1)
            hit = values[rank] == column
            found = hit if found is None else found & hit
            key = rank if key is None else key * len(values) + rank
        theirs = np.flatnonzero(found)
        key = key[theirs]
        if self.table is not None:
            mine = self.table[key]
            hit = mine >= 0
            return theirs[hit], mine[hit].astype(np.intp)
        start = np.searchsorted(self.keys, key, side="left")
        count = np.searchsorted(self.keys, key, side="right") - start
        if not len(count) or count.max() <= 1:
            hit = count == 1
            return theirs[hit], self.order[start[hit]].astype(np.intp)
        # The file holds a key more than once: each of its rows pairs with the stored one.
        theirs = np.repeat(theirs, count)
        first = np.repeat(start, count)
        offset = np.arange(len(theirs)) - np.repeat(np.cumsum(count) - count, count)
        return theirs, self.order[first + offset].astype(np.intp)


STORED_COLUMNS = [
    "id",
    "neighbourhood_id",
    "indicator_id",
    "year",
    "old_value",
    "old_reason",
    "old_source",
]
# Stored figures read and compared per piece of this many rows (see _stored_pieces).
EXISTING_CHUNK = 5000


def _stored_pieces(
    neighbourhood_ids: np.ndarray, years: list[int], indicator_ids: list[int], owner_id=None
):
    """The stored figures of these years and indicators (of this owner; of these regions,
    distinct and sorted, if they are few), as DataFrames of at most EXISTING_CHUNK rows
    with STORED_COLUMNS."""
    if not len(neighbourhood_ids) or not indicator_ids:
        return
    table = connection.ops.quote_name("wijkdata_indicatorvalue")
    params: list = [*years, *indicator_ids]
    # Only placeholders and a quoted table name are formatted in; the values are parameters.
    sql = (
        f"SELECT id, neighbourhood_id, indicator_id, year, CAST(value AS DOUBLE PRECISION), "  # noqa: S608
        f"missing_reason, source FROM {table} WHERE year IN ({', '.join(['%s'] * len(years))}) "
        f"AND indicator_id IN ({', '.join(['%s'] * len(indicator_ids))})"
    )
    if owner_id is None:
        sql += " AND owner_id IS NULL"
    else:
        sql += " AND owner_id = %s"
        params.append(int(owner_id))
    if len(neighbourhood_ids) < 2000:
        sql += f" AND neighbourhood_id IN ({', '.join(['%s'] * len(neighbourhood_ids))})"
        params += neighbourhood_ids.tolist()
    if connection.vendor == "postgresql":
        yield from _stored_pieces_copy(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(EXISTING_CHUNK):
            piece = pd.DataFrame(rows, columns=STORED_COLUMNS)
            piece["old_value"] = piece["old_value"].astype("float64")
            yield piece


def _stored_pieces_copy(sql: str, params: list):
    """The same query as one COPY … TO STDOUT, read by pandas' C parser a piece at a time
    as it arrives.

    Row by row, fetching and boxing a national file's figures costs more than the query.
    COPY takes no bind parameters; the parameters here are all integers (years and ids),
    formatted as such.
    """
    query = sql.replace("%s", "{}").format(*(int(p) for p in params))
    statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        stream = io.BufferedReader(_CopyStream(copy), buffer_size=1 << 16)
        try:
            reader = pd.read_csv(
                stream,
                header=None,
                names=STORED_COLUMNS,
                dtype={
                    "id": "int64",
                    "neighbourhood_id": "int64",
                    "indicator_id": "int64",
                    "year": "int64",
                    "old_value": "float64",
                    "old_reason": object,
                    "old_source": object,
                },
                na_values={"old_value": ["\\N"]},
                keep_default_na=False,
                encoding="utf-8",
                chunksize=EXISTING_CHUNK,
            )
        except pd.errors.EmptyDataError:  # no stored figures: no text at all
            reader = ()
        yield from reader
        for _block in copy:  # the parser stopped at the end; nothing is left
            pass


class _CopyStream(io.RawIOBase):
    """The blocks of a COPY … TO STDOUT as a readable binary file."""

    def __init__(self, blocks):
        self._blocks = iter(blocks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not len(self._pending):
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _compare_boundaries(plan: ImportPlan) -> None:
    regions = plan.regions.dropna(subset=["id"])
    ids = {
        (c, int(y)): int(i)
        for c, y, i in zip(regions["code"], regions["year"], regions["id"], strict=True)
    }
    stored = dict(
        NeighbourhoodBoundary.objects.filter(neighbourhood_id__in=ids.values()).values_list(
            "neighbourhood_id", "geometry"
        )
    )
    own_regions = None
    if plan.owner_id is not None:
        # An organisation redraws only its own regions: new custom ones, or those it owns.
        new_custom = {
            (c, int(y))
            for c, y, level in zip(
                plan.regions_new["code"], plan.regions_new["year"], plan.regions_new["level"],
                strict=True,
            )
            if level == Neighbourhood.Level.CUSTOM
        }
        own_regions = new_custom | {
            (c, y)
            for c, y in Neighbourhood.objects.filter(
                id__in=ids.values(), owner_id=plan.owner_id
            ).values_list("code", "year")
        }
    skipped = 0
    for key, geometry in plan.parsed.boundaries.items():
        nid = ids.get(key)
        if nid is None or nid not in stored:
            # A region without an outline gets one from anyone's file: nobody's map changes.
            plan.boundaries_new.append(key)
        elif stored[nid] != geometry:
            if own_regions is not None and key not in own_regions:
                skipped += 1  # redrawing a CBS region (or another's) changes others' maps
                continue
            plan.boundaries_changed.append(key)
    if skipped:
        plan.parsed.notes.append(
            _(
                "%(n)s gewijzigde grenzen van CBS-gebieden of van andere organisaties "
                "overgeslagen: die worden alleen door een beheerder gewijzigd."
            )
            % {"n": skipped}
        )


def describe_level(level: str) -> str:
    return str(dict(Neighbourhood.Level.choices).get(level, level))


def summary_lines(plan: ImportPlan, *, applied: bool, dry_run: bool) -> list[str]:
    """The command's and the page's summary, in Dutch."""
    c = plan.counts()
    parsed = plan.parsed
    lines = [
        _("Formaat: %(format)s (%(description)s)%(sheet)s")
        % {
            "format": parsed.format_label,
            "description": parsed.description,
            "sheet": _(", werkblad '%(s)s'") % {"s": parsed.sheet} if parsed.sheet else "",
        },
        _("Jaar: %(years)s (%(note)s)")
        % {"years": ", ".join(map(str, parsed.years)), "note": parsed.year_note},
        _("Bron: %(source)s") % {"source": plan.source},
        _("Rijen gelezen: %(n)s") % {"n": c["rows_read"]}
        + (
            ""
            if not c["skipped"]
            else _(" (overgeslagen: %(s)s)")
            % {"s": ", ".join(f"{n} {k}" for k, n in c["skipped"].items())}
        ),
        _(
            "Gebieden: %(new)s nieuw (waarvan %(prov)s met voorlopige naam = code), %(changed)s gewijzigd, "
            "%(same)s ongewijzigd"
        )
        % {
            "new": c["regions_new"],
            "prov": c["regions_provisional"],
            "changed": c["regions_changed"],
            "same": c["regions_unchanged"],
        },
        _("Indicatoren: %(new)s nieuw, %(old)s bestaand")
        % {"new": c["indicators_new"], "old": c["indicators_existing"]},
        _(
            "Waarden: %(new)s nieuw, %(changed)s gewijzigd, %(same)s ongewijzigd; %(missing)s ontbrekend "
            "(opgeslagen als ontbrekend, met reden)"
        )
        % {
            "new": c["values_new"],
            "changed": c["values_changed"],
            "same": c["values_unchanged"],
            "missing": c["values_missing"],
        },
    ]
    if parsed.boundaries:
        lines.append(
            _("Grenzen: %(new)s nieuw, %(changed)s gewijzigd")
            % {"new": c["boundaries_new"], "changed": c["boundaries_changed"]}
        )
    for note in parsed.notes:
        lines.append(_("Let op: %(note)s") % {"note": note})
    unsure = [
        (label, d)
        for d, label in zip(parsed.indicators, parsed.labels, strict=True)
        if not d.kind_certain and d.code not in plan.indicator_ids
    ]
    if unsure:
        lines.append(
            _(
                "Let op: de soort van %(columns)s volgt niet uit de naam of de waarden; "
                "gekozen is wat het meest waarschijnlijk is. Kies de soort in het voorbeeld "
                "bij het inlezen, of pas hem aan in het beheer."
            )
            % {
                "columns": ", ".join(
                    f"'{label}' ({str(KIND_LABELS.get(d.kind, d.kind)).lower()})"
                    for label, d in unsure
                )
            }
        )
    for affected in plan.plans_affected:
        if affected["adopted"]:
            lines.append(
                _(
                    "Plan '%(name)s' (%(area)s) is vastgesteld: de cijfers in dat plan "
                    "veranderen niet (ze zijn bij het vaststellen vastgelegd)."
                )
                % affected
            )
        else:
            lines.append(
                _("Plan '%(name)s' (%(area)s) toont hierna andere cijfers.") % affected
            )
    if dry_run:
        lines.append(_("Proefimport: er is niets opgeslagen."))
    elif applied:
        lines.append(_("Ingelezen."))
    else:
        lines.append(_("Niets te doen: alles in dit bestand staat er al precies zo in."))
    return lines
