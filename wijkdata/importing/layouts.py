"""Recognising a file's layout from its content and reading it into one shape.

Layouts (whichever fits the cells, never the file name):

* **region rows** — one region per row with a column of CBS codes: the StatLine CSV export
  (header hierarchies with '/', title lines, a "Bron:" line), the CBS kwb-YYYY.xlsx table
  with short codes (a_inw, p_huurw, …), StatLine/OData tables such as the
  Gezondheidsmonitor (Eenzaam_28, Perioden 2020JJ00), or any table like them;
* **wide** — one indicator per row and one region per column, the codes in the header
  ("WK079601 Binnenstad", "Gemeente 's-Hertogenbosch GM0796"), as in the plans' tables;
  rows without figures whose text is "Buurtscore", "Schaalscore", "Rapportcijfer",
  "Percentages" set the kind of the rows below them;
* **long** — one figure per row (code, year, indicator, value, …): the export's own format;
* **GeoJSON** — wijk or buurt boundaries with a few figures as properties.

Regions are matched on their code only (GM + 4, WK + 6, BU + 8 digits), never on a name.
Country, province and other non-municipal rows (NL00, PV20, …) are skipped and counted.

Indicators: a column known to `catalogue` gets its definition there. Any other column that
holds numbers becomes an indicator too, with the code derived from its full header path
without a unit in parentheses and without an OData "_N" suffix
("Huisartsenpraktijk/Binnen 1 km (aantal)" → "huisartsenpraktijk-binnen-1-km",
"ErvarenEenzaamheid_12" → "ervaren-eenzaamheid"); the column is stored with it, and a later
file's differently named column may not write into it. Its kind comes from its name, unit
and values (`catalogue.infer_kind`); where they leave it open the preview asks.
Identifying columns (numbers, codes, names) are never indicators; name columns name the
regions. Columns without any number are skipped and mentioned in the notes. Impossible
figures (shares outside 0–100, negative counts, parts above their whole) refuse the file
(`plausibility`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .. import geometry as geo
from ..geometry import POLYGON_TYPES, polygon_problem
from . import catalogue, plausibility
from .catalogue import IndicatorDef
from .numbers import EMPTY_REASON, cell_text, parse_numbers
from .problems import ImportRefused, Problem
from .reading import RawFile, Sheet

# Amsterdam's wijken and buurten carry letters: WK0363AA, BU0363AA01.
CODE_RE = re.compile(r"(?:GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})")
# Country, landsdeel, province and COROP rows: real regions, but not ours (skipped).
OTHER_REGION_RE = re.compile(r"(?:NL|LD|PV|CR)\d{2}")
REGION_RE = re.compile(rf"{CODE_RE.pattern}|{OTHER_REGION_RE.pattern}")
# Anything that starts like a code: from here on a row is data, valid or not.
CODE_START_RE = re.compile(r"(?:NL|LD|PV|CR|GM|WK|BU)\d")
CODE_IN_TEXT_RE = re.compile(r"\b(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})\b")
PERIOD_RE = re.compile(r"(\d{4})(?:JJ00)?")
KWB_SHEET_RE = re.compile(r"kwb[-_ ]?(\d{4})", re.IGNORECASE)

MIN_YEAR, MAX_YEAR = 1990, 2100

NAME_KEYS = {
    "wijkenenbuurten",
    "regio",
    "regionaam",
    "naam",
    "name",
    "wijknaam",
    "buurtnaam",
    "gebied",
    "gebiedsnaam",
    "regioaanduiding",
    "wijkbuurt",
    "gemeentewijkbuurt",
    "statnaam",
    "regios",
    "omschrijving",
}
MUNICIPALITY_KEYS = {"gemeentenaam", "gmnaam", "gemeente", "naamgemeente"}
# Columns that identify a region rather than measure it: numbers, codes, keys. Never
# indicators, even when every cell is a number ("gemnr" = 796 for every wijk).
IDENTIFIER_KEYS = {"id", "nr", "nummer", "code", "gemnr", "gemeentenummer", "volgnummer"}
IDENTIFIER_SUFFIXES = ("nr", "nummer", "code", "codering")
LEVEL_KEYS = {"soortregio", "recs", "niveau", "level", "regioniveau"}
PERIOD_KEYS = {"perioden", "periode", "jaar", "year", "peiljaar"}
NON_INDICATOR_UNITS = {"code", "naam", "omschrijving"}
UNIT_WORDS = {
    "aantal",
    "%",
    "abs",
    "absoluut",
    "km",
    "ha",
    "euro",
    "code",
    "naam",
    "omschrijving",
    "jaar",
    "kwh",
    "m3",
    "m³",
    "percentage",
    "gemiddelde",
    "per km2",
    "per km²",
}
REGION_KIND_NAMES = {"NL": "land", "LD": "landsdeel", "PV": "provincie", "CR": "COROP-gebied"}

SECTION_KINDS = {
    "buurtscore": catalogue.SCORE,
    "schaalscore": catalogue.SCALE,
    "rapportcijfer": catalogue.GRADE,
    "percentage": catalogue.PCT,
    "aantal": catalogue.COUNT,
}


@dataclass
class ParsedFile:
    """A file read and checked, in one shape whatever its layout. Nothing is written yet."""

    format: str
    format_label: str
    description: str
    sheet: str | None
    regions: pd.DataFrame  # code, year, name (or None), municipality_name (or None), row
    values: pd.DataFrame  # code, year, indicator (index into indicators), value, reason, source
    indicators: list[IndicatorDef]
    labels: list[str]  # how the file names each indicator
    source: str
    year_note: str
    rows_read: int
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    boundaries: dict[tuple[str, int], dict] = field(default_factory=dict)
    has_names: bool = True

    @property
    def years(self) -> list[int]:
        return sorted({int(y) for y in self.regions["year"].unique()}) if len(self.regions) else []


@dataclass
class Options:
    year: int | None = None
    sheet: str | None = None
    source: str | None = None
    file_name: str = ""
    kinds: dict[str, str] = field(default_factory=dict)  # indicator code → kind chosen


class Collector:
    """Gathers every problem; refuses at the end with all of them, not the first."""

    def __init__(self):
        self.problems: list[Problem] = []
        self.notes: list[str] = []

    def add(
        self,
        message: str,
        row: int | None = None,
        column: str | None = None,
        option: str | None = None,
    ):
        self.problems.append(Problem(message, row, column, option))

    def refuse_if_any(self):
        if self.problems:
            self.problems.sort(key=lambda p: (p.row is None, p.row or 0))
            raise ImportRefused(self.problems, notes=self.notes)


def refuse(message: str, row: int | None = None) -> ImportRefused:
    return ImportRefused([Problem(message, row)])


def no_codes_problem() -> ImportRefused:
    return refuse(
        _(
            "Dit bestand bevat geen regiocodes (GM/WK/BU). Gebieden worden alleen op hun CBS-code "
            "herkend, nooit op naam: zet de codes in een kolom (bijvoorbeeld GM0796, WK079601, "
            "BU07960101) of, bij een tabel met gebieden als kolommen, in de kopregel."
        )
    )


def parse_file(raw: RawFile, options: Options) -> ParsedFile:
    if raw.kind == "geojson":
        return parse_geojson(raw, options)
    sheet = _choose_sheet(raw, options)
    # A CSV comes as columns already (categorical: each distinct text once); a sheet of
    # Excel as rows, made into one frame of cells here.
    grid = sheet.grid if sheet.grid is not None else _grid(sheet.rows)
    # The grid holds the cells from here on: the rows (a list per row) are let go, which
    # parse_file's callers do not need (it consumes them), to bound peak memory.
    for each in raw.sheets:
        each.rows = []
        each.grid = None
    if grid.empty or grid.shape[1] == 0:
        raise refuse(_("Het bestand is leeg."))
    layout, detail = _detect(grid)
    if layout == "long":
        parsed = parse_long(raw, sheet, grid, detail, options)
    elif layout == "wide":
        parsed = parse_wide(raw, sheet, grid, detail, options)
    else:
        parsed = parse_region_rows(raw, sheet, grid, detail, options)
    if raw.kind == "csv" and not raw.ends_with_newline:
        parsed.notes.append(
            _("Het bestand eindigt zonder regeleinde. Controleer of de laatste rij compleet is.")
        )
    return parsed


@dataclass
class _Figures:
    """A column's figures as long_values needs them: the values and, per cell, why it is
    missing as a small code into a few texts (a parsed column keeps a reference per cell,
    and the cells' problems, which are reported by then)."""

    values: np.ndarray
    reasons: pd.Categorical

    @classmethod
    def of(cls, parsed, values: np.ndarray | None = None) -> _Figures:
        """`values`: where to keep the figures (a slice of the long frame's value column
        to be), instead of the parsed column's own array."""
        local, texts = pd.factorize(parsed.reasons)
        if values is not None:
            values[:] = parsed.values
        return cls(
            parsed.values if values is None else values,
            pd.Categorical.from_codes(local, categories=pd.Index(texts, dtype=object)),
        )


def long_values(
    codes: np.ndarray, years: np.ndarray, parts: list, value: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per figure from a table's columns (`parts`: (indicator index, ParsedColumn),
    one value per region in `codes`/`years`), column after column, in compact types.
    `value`: the figures already in place, part after part (nothing copied).

    The code and the missing-value reason are categories (a small integer per figure
    instead of a reference to a text, of which a file has few distinct ones), year and
    indicator small integers: a national file's figures take about 12 bytes each here
    instead of 40, and no text array is copied into a string column.
    """
    n, k = len(codes), len(parts)
    if not k or not n:
        return pd.DataFrame(
            {
                "code": pd.Categorical([]),
                "year": np.array([], dtype=np.int16),
                "indicator": np.array([], dtype=np.int32),
                "value": np.array([], dtype=float),
                "reason": pd.Categorical([]),
            }
        )
    region, uniques = pd.factorize(np.asarray(codes, dtype=object))
    code = pd.Categorical.from_codes(
        np.tile(region.astype(np.int32), k), categories=pd.Index(uniques, dtype=object)
    )
    in_place = value is not None
    if not in_place:
        value = np.empty(n * k, dtype=float)
    reason_codes = np.empty(n * k, dtype=np.int16)
    reasons: dict[str, int] = {"": 0}
    for i, (_index, column) in enumerate(parts):
        if not in_place:
            value[i * n : (i + 1) * n] = column.values
        if isinstance(column.reasons, pd.Categorical):
            local, texts = column.reasons.codes, column.reasons.categories
        else:
            local, texts = pd.factorize(np.asarray(column.reasons, dtype=object))
        mapping = np.asarray([reasons.setdefault(t, len(reasons)) for t in texts], dtype=np.int16)
        reason_codes[i * n : (i + 1) * n] = mapping[local] if len(mapping) else 0
    return pd.DataFrame(
        {
            "code": code,
            "year": np.tile(np.asarray(years).astype(np.int16), k),
            "indicator": np.repeat(np.asarray([p[0] for p in parts], dtype=np.int32), n),
            "value": value,
            "reason": pd.Categorical.from_codes(
                reason_codes, categories=pd.Index(list(reasons), dtype=object)
            ),
        },
        copy=False,
    )


def _grid(rows: list[list]) -> pd.DataFrame:
    """The rows as one frame of cells, short rows padded with "", missing cells "".

    Filled into one object array and wrapped without a copy: pandas building a frame from
    lists of lists, and fillna, each held another copy of every cell."""
    if not rows:
        return pd.DataFrame()
    width = max(len(row) for row in rows)
    cells = None
    if all(len(row) == width for row in rows):  # a sheet's rows (CSV rows are padded too)
        cells = np.array(rows, dtype=object)
        if cells.shape != (len(rows), width):
            cells = None
    if cells is None:
        cells = np.full((len(rows), width), "", dtype=object)
        for i, row in enumerate(rows):
            cells[i, : len(row)] = row
    missing = pd.isna(cells)
    if missing.any():
        cells[missing] = ""
    return pd.DataFrame(cells, copy=False)


def _has_codes(sheet: Sheet) -> bool:
    for row in sheet.rows[:400]:
        for cell in row:
            if cell and CODE_IN_TEXT_RE.search(cell.upper()):
                return True
    return False


def _choose_sheet(raw: RawFile, options: Options) -> Sheet:
    if len(raw.sheets) == 1:
        return raw.sheets[0]
    with_codes = [s for s in raw.sheets if _has_codes(s)]
    if not with_codes:
        raise no_codes_problem()
    chosen = with_codes[0]
    if len(with_codes) > 1:
        raw.notes.append(
            _(
                "Werkblad '%(sheet)s' is gelezen; ook %(others)s bevat regiocodes. Geef het "
                "werkblad op als u een ander blad bedoelt."
            )
            % {"sheet": chosen.name, "others": ", ".join(f"'{s.name}'" for s in with_codes[1:])}
        )
    return chosen


def _distinct_mapped(column: pd.Series, change) -> pd.Series:
    """A categorical column (a CSV's) with `change` applied to each distinct text once,
    as a column of texts: a text that `change` leaves as it is stays the same object, so
    the result holds no new copy per cell."""
    texts = column.cat.categories.to_numpy(dtype=object)
    done = np.empty(len(texts), dtype=object)
    for k, text in enumerate(texts):
        changed = change(str(text))
        done[k] = text if changed == text else changed
    return pd.Series(done[np.asarray(column.cat.codes)], index=column.index, dtype=str)


def _stripped(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _distinct_mapped(column, str.strip)
    return column.astype(str).str.strip()


def _upper_stripped(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _distinct_mapped(column, lambda text: text.strip().upper())
    return column.astype(str).str.strip().str.upper()


def _has_code_in_text(column: pd.Series) -> np.ndarray:
    """For each cell: a non-empty cell whose text (upper case) holds a region code."""
    cells = column.to_numpy(dtype=object)
    found = np.zeros(len(cells), dtype=bool)
    for k, cell in enumerate(cells):
        if cell and type(cell) is str:
            found[k] = CODE_IN_TEXT_RE.search(cell.upper()) is not None
    return found


def _detect(grid: pd.DataFrame) -> tuple[str, dict]:
    sample = grid.head(400)
    for i in range(min(30, len(sample))):
        keys = {catalogue.key_of(cell_text(c)) for c in sample.iloc[i] if cell_text(c).strip()}
        if {"code", "indicator"} <= keys and keys & {"value", "waarde"}:
            return "long", {"header": i}
    col_counts = {}
    distinct = {}
    # Per row, the cells that hold a code somewhere in their text: summed over the
    # columns, a column at a time (not a row of Python objects at a time).
    in_text = np.zeros(len(sample), dtype=np.int64)
    for j in sample.columns:
        texts = _upper_stripped(sample[j])
        matches = texts.str.fullmatch(CODE_RE.pattern)
        col_counts[j] = int(matches.sum())
        distinct[j] = int(texts[matches].nunique())
        in_text += _has_code_in_text(sample[j])
    # The region column is the one with the most codes and, of those, the most different
    # ones: a gemeentecode repeated on every wijk row names the wijk's municipality.
    best_col = max(col_counts, key=lambda j: (col_counts[j], distinct[j]))
    row_counts = in_text.tolist()
    best_row = int(np.argmax(row_counts)) if row_counts else 0
    if col_counts[best_col] >= 2:
        return "rows", {"code_col": best_col}
    if row_counts and row_counts[best_row] >= 2:
        return "wide", {"header": best_row}
    if col_counts[best_col] == 1:
        # A single code: a one-region table either way. Numbers below it mean a column.
        i = int(
            _upper_stripped(sample[best_col]).str.fullmatch(CODE_RE.pattern).to_numpy().argmax()
        )
        below = sample[best_col].iloc[i + 1 : i + 4].tolist()
        if any(parse_numbers(pd.Series([b])).numbers for b in below):
            return "wide", {"header": i}
        return "rows", {"code_col": best_col}
    if row_counts and row_counts[best_row] == 1:
        return "wide", {"header": best_row}
    raise no_codes_problem()


def _resolve_year(
    collector: Collector, found: set[int], found_where: str, options: Options
) -> tuple[int | None, str]:
    """One year for a file that states none per row. Never from the file name."""
    if found:
        if options.year and options.year not in found:
            collector.add(
                _(
                    "Het bestand gaat over %(found)s (%(where)s), maar als jaar is %(given)s opgegeven."
                )
                % {
                    "found": ", ".join(map(str, sorted(found))),
                    "where": found_where,
                    "given": options.year,
                }
            )
            return None, ""
        return None, _("uit het bestand (%(where)s)") % {"where": found_where}
    if options.year:
        if not MIN_YEAR <= options.year <= MAX_YEAR:
            collector.add(_("Jaar %(year)s is geen geldig jaar.") % {"year": options.year})
            return None, ""
        return options.year, _("opgegeven")
    collector.add(
        _(
            "Dit bestand noemt geen jaar. Geef op over welk jaar de cijfers gaan; het jaar wordt "
            "nooit uit de bestandsnaam afgeleid."
        ),
        option="year",
    )
    return None, ""


def _parse_periods(
    collector: Collector, texts: pd.Series, rows: np.ndarray, label: str
) -> np.ndarray:
    stripped = _upper_stripped(texts)
    match = stripped.str.extract(r"^(\d{4})(?:JJ00)?$")[0]
    years = pd.to_numeric(match, errors="coerce").to_numpy()
    bad = np.isnan(years) | (years < MIN_YEAR) | (years > MAX_YEAR)
    for i in np.flatnonzero(bad)[:1000]:
        collector.add(
            _(
                "Rij %(row)s, kolom '%(column)s': '%(value)s' is geen jaar (alleen jaarcijfers kunnen "
                "worden ingelezen)."
            )
            % {"row": rows[i], "column": label, "value": stripped.iloc[i]},
            rows[i],
            label,
        )
    return np.where(bad, 0, years).astype(int)


def _cell_problems(
    collector: Collector, column: str, rows: np.ndarray, texts: pd.Series, parsed
) -> None:
    for i in np.flatnonzero(parsed.bad):
        collector.add(
            _("Rij %(row)s, kolom '%(column)s': '%(value)s' is geen getal.")
            % {
                "row": rows[i],
                "column": column,
                "value": str(texts.iloc[i]).strip()[:60],
            },
            int(rows[i]),
            column,
        )
    for i in np.flatnonzero(parsed.too_big):
        collector.add(
            _("Rij %(row)s, kolom '%(column)s': '%(value)s' is te groot.")
            % {
                "row": rows[i],
                "column": column,
                "value": str(texts.iloc[i]).strip()[:60],
            },
            int(rows[i]),
            column,
        )


class IndicatorSet:
    """The indicators of one file, each code once; kinds the user chose applied."""

    def __init__(self, collector: Collector, kinds: dict[str, str] | None = None):
        self.collector = collector
        self.kinds = kinds or {}
        self.defs: list[IndicatorDef] = []
        self.labels: list[str] = []
        self.by_code: dict[str, int] = {}

    def add(self, definition: IndicatorDef, label: str, header: str, known: bool) -> int | None:
        chosen = self.kinds.get(definition.code)
        if chosen in catalogue.KINDS and not known:
            unit = definition.unit or {catalogue.PCT: "%", catalogue.DISTANCE: "km"}.get(chosen, "")
            definition = replace(definition, kind=chosen, unit=unit, kind_certain=True)
        if definition.code in self.by_code and not known:
            definition = catalogue.with_group_prefix(definition, header)
            base, n = definition.code, 2
            while definition.code in self.by_code:
                definition = replace(definition, code=f"{base}-{n}"[:80])
                n += 1
        if definition.code in self.by_code:
            other = self.labels[self.by_code[definition.code]]
            self.collector.add(
                _("De kolommen '%(a)s' en '%(b)s' bevatten allebei '%(name)s'. Laat er één staan.")
                % {"a": other, "b": label, "name": definition.name},
                column=label,
            )
            return None
        self.by_code[definition.code] = len(self.defs)
        self.defs.append(definition)
        self.labels.append(label)
        return len(self.defs) - 1


# --- one region per row --------------------------------------------------------------


# The first word of a unit as old StatLine exports print it in their units row
# ("Aantal", "x 1 000 euro", "1 000 kg", "%", "m3 per woning", "km", "per 1 000 inwoners").
UNIT_START_RE = re.compile(
    r"^(?:x\s|per\s|\(|%|\d[\d .,]*\s*(?:euro|kg|ton|m|km|inwoners|personen|woningen)\b|"
    r"(?:aantal|abs|absoluut|euro|km|km2|km²|m|m2|m²|m3|m³|ha|kg|ton|kwh|mwh|gj|jaar|jaren|"
    r"maanden|dagen|uren|minuten|personen|procent|percentage|promille|index|gemiddelde|code|"
    r"naam|omschrijving|rapportcijfer|score|buurtscore|schaalscore)(?:$|\s+per\s|\s*/))",
    re.IGNORECASE,
)


def _looks_like_unit(cell: str) -> bool:
    text = cell.strip().lower()
    return text in UNIT_WORDS or (len(text) <= 30 and bool(UNIT_START_RE.match(text)))


def _is_unit_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(_looks_like_unit(c) for c in filled)


SCALED_KINDS = {catalogue.PCT, catalogue.SCORE, catalogue.SCALE, catalogue.GRADE}


def _kinds_conflict(known_kind: str, file_kind: str | None) -> bool:
    return bool(file_kind) and file_kind != known_kind and {known_kind, file_kind} <= SCALED_KINDS


def _kind_conflict_message(row, label: str, definition: IndicatorDef, file_kind: str) -> str:
    from wijkdata.models import Indicator

    names = dict(Indicator.Kind.choices)
    where = (
        _("Rij %(row)s, '%(label)s'") % {"row": row, "label": label}
        if row is not None
        else _("Kolom '%(label)s'") % {"label": label}
    )
    return _(
        "%(where)s: dit bestand geeft een %(file_kind)s, maar indicator '%(name)s' is een "
        "%(kind)s. Er is niets opgeslagen: een reeks mengt nooit verschillende soorten cijfers."
    ) % {
        "where": where,
        "file_kind": str(names.get(file_kind, file_kind)).lower(),
        "name": definition.name,
        "kind": str(names.get(definition.kind, definition.kind)).lower(),
    }


def _is_identifier(key: str) -> bool:
    return key in IDENTIFIER_KEYS or (
        key.endswith(IDENTIFIER_SUFFIXES) and catalogue.INDEX.get(key) is None
    )


def _repeats_the_code(values: np.ndarray, codes: np.ndarray) -> bool:
    """True for a column of numbers that are the municipality digits of each row's code."""
    present = ~np.isnan(values)
    if not present.any():
        return False
    digits = pd.to_numeric(pd.Series(codes).str[2:6], errors="coerce").to_numpy()
    return bool(np.all(values[present] == digits[present]))


def _numeric_share(cells: list[str]) -> float:
    filled = [c for c in cells if c.strip()]
    if not filled:
        return 0.0
    return parse_numbers(pd.Series(filled)).numbers / len(filled)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_region_rows(
    raw: RawFile, sheet: Sheet, grid: pd.DataFrame, detail: dict, options: Options
) -> ParsedFile:
    collector = Collector()
    code_col = detail["code_col"]
    rows_total, width = grid.shape
    row_numbers = np.asarray(sheet.row_numbers)
    codes_all = _upper_stripped(grid[code_col])
    region_like = codes_all.str.fullmatch(REGION_RE.pattern).to_numpy()
    first = int(codes_all.str.match(CODE_START_RE.pattern).to_numpy().argmax())
    # A row with figures right above the first code is data with a wrong code, not a header.
    while first > 0:
        cells = [cell_text(c).strip() for c in grid.iloc[first - 1]]
        filled = [c for c in cells if c]
        if len(filled) < 2 or not parse_numbers(pd.Series(filled)).numbers:
            break
        first -= 1

    # The header: the rows right above the first region, up to a title line or blank row.
    block: list[int] = []
    i = first - 1
    while i >= 0:
        cells = [cell_text(c) for c in grid.iloc[i]]
        if sum(1 for c in cells if c.strip()) < 2:
            break
        block.insert(0, i)
        i -= 1
    # The preamble above the header: a title line names the table ("Kerncijfers wijken en
    # buurten 2016", "Nabijheid voorzieningen; afstand locatie, wijk- en buurtcijfers").
    title = ""
    for r in range(0, i + 1):
        filled = [cell_text(c).strip() for c in grid.iloc[r] if cell_text(c).strip()]
        if len(filled) == 1 and not filled[0].lower().startswith("bron"):
            title = filled[0][:150]
            break
    if (
        not block
        or any(
            CODE_START_RE.match(cell_text(c).strip().upper()) for r in block for c in grid.iloc[r]
        )
        or _numeric_share([cell_text(c) for c in grid.iloc[block[-1]]]) >= 0.5
    ):
        example = ", ".join(
            f"'{cell_text(c).strip()}'" for c in grid.iloc[first] if cell_text(c).strip()
        )[:120]
        raise refuse(
            _(
                "De kopregel ontbreekt: rij %(row)s bevat al gegevens (%(example)s). Zet de namen van "
                "de kolommen in de regel boven de eerste regio."
            )
            % {"row": row_numbers[first], "example": example},
            int(row_numbers[first]),
        )
    units = [""] * width
    label_rows = []
    for r in block:
        cells = [cell_text(c) for c in grid.iloc[r]]
        if _is_unit_row(cells) and label_rows:
            units = [c.strip() for c in cells] + [""] * (width - len(cells))
        else:
            label_rows.append(cells)
    headers = []
    for j in range(width):
        parts = []
        for depth, cells in enumerate(label_rows):
            text = cells[j].strip() if j < len(cells) else ""
            if not text and depth < len(label_rows) - 1:
                # Group rows name a group once, above its first column.
                k = j
                while k > 0 and not (cells[k].strip() if k < len(cells) else ""):
                    k -= 1
                text = cells[k].strip() if k < len(cells) and j > 0 else ""
            if text and text not in parts:
                parts.append(text)
        headers.append("/".join(parts))
    header_row = block[-1]
    header_len = int(raw.row_lengths[header_row]) if len(raw.row_lengths) else width

    def label_of(j: int) -> str:
        _group, label, _unit = catalogue.split_header(headers[j])
        return label or headers[j] or _("kolom %(letter)s") % {"letter": _column_letter(j)}

    # Which rows hold a region, which are notes, which are wrong.
    data = slice(first, rows_total)
    codes = codes_all.iloc[data]
    valid = codes.str.fullmatch(CODE_RE.pattern).to_numpy()
    other = region_like[data] & ~valid
    numbers = row_numbers[data]
    skipped: dict[str, int] = {}
    source_line = ""
    for k in np.flatnonzero(other):
        kind = REGION_KIND_NAMES.get(codes.iloc[k][:2], codes.iloc[k][:2])
        skipped[kind] = skipped.get(kind, 0) + 1
    problem_rows = 0
    code_label = label_of(code_col)
    for k in np.flatnonzero(~valid & ~other):
        cells = [cell_text(c).strip() for c in grid.iloc[first + k]]
        filled = [c for c in cells if c]
        if not filled:
            continue
        if len(filled) == 1:
            if filled[0].lower().startswith("bron"):
                source_line = filled[0].split(":", 1)[-1].strip() or source_line
            continue
        problem_rows += 1
        if not codes.iloc[k]:
            collector.add(
                _("Rij %(row)s: de regiocode in kolom '%(column)s' ontbreekt.")
                % {"row": numbers[k], "column": code_label},
                int(numbers[k]),
                code_label,
            )
        else:
            collector.add(
                _(
                    "Rij %(row)s, kolom '%(column)s': '%(value)s' is geen regiocode (GM, WK of BU met "
                    "4, 6 of 8 cijfers)."
                )
                % {"row": numbers[k], "column": code_label, "value": codes.iloc[k][:40]},
                int(numbers[k]),
                code_label,
            )
    if raw.kind == "csv":
        lengths = np.asarray(raw.row_lengths[first:], dtype=int)
        wrong = np.flatnonzero((valid | other) & (lengths != header_len))
        last = len(codes) - 1
        if raw.ends_mid_row and last not in wrong:
            wrong = np.append(wrong, last)
        for k in wrong[:1000]:
            if (
                k == last
                and (lengths[k] < header_len or raw.ends_mid_row)
                and not raw.ends_with_newline
            ):
                message = _(
                    "Rij %(row)s is onvolledig (%(n)s van de %(m)s kolommen): het bestand "
                    "lijkt afgekapt."
                )
            elif lengths[k] > header_len and raw.separator == ",":
                message = _(
                    "Rij %(row)s heeft %(n)s kolommen, de kopregel %(m)s. Staat er een "
                    "decimale komma in een bestand met de komma als scheidingsteken?"
                )
            else:
                message = _("Rij %(row)s heeft %(n)s kolommen, de kopregel %(m)s.")
            collector.add(
                message % {"row": numbers[k], "n": lengths[k], "m": header_len}, int(numbers[k])
            )
    rows_read = int(valid.sum() + other.sum()) + problem_rows

    if not valid.any():
        raise no_codes_problem()
    vidx = np.flatnonzero(valid)
    if vidx[-1] - vidx[0] + 1 == len(vidx):
        # One run of rows (the usual file): a view of the grid, not a copy of its cells.
        data_rows = grid.iloc[first + vidx[0] : first + vidx[-1] + 1]
    else:
        data_rows = grid.iloc[first:].iloc[vidx]
    region_rows = numbers[vidx]
    region_codes = codes.iloc[vidx].to_numpy()

    # Column roles.
    code_like = set()
    for j in range(width):
        if j == code_col:
            continue
        head = _upper_stripped(data_rows[j].head(200))
        if (
            head.str.fullmatch(CODE_RE.pattern).mean() >= 0.9
            and _upper_stripped(data_rows[j]).str.fullmatch(CODE_RE.pattern).mean() >= 0.9
        ):
            code_like.add(j)
    role: dict[str, int] = {}
    candidates: list[int] = []
    identifiers: list[str] = []
    for j in range(width):
        if j == code_col or j in code_like:
            continue
        header = headers[j]
        _group, label, unit = catalogue.split_header(header)
        key = catalogue.key_of(label)
        unit = units[j] or unit
        if not header:
            if (_stripped(data_rows[j]) != "").any():
                collector.notes.append(
                    _("Kolom %(letter)s heeft geen kop en is overgeslagen.")
                    % {"letter": _column_letter(j)}
                )
            continue
        is_name = key in NAME_KEYS or "naam" in key or key.endswith("name")
        is_municipality = key in MUNICIPALITY_KEYS or (
            is_name and key.startswith(("gemeente", "gm"))
        )
        if key in PERIOD_KEYS and "period" not in role:
            role["period"] = j
        elif key in LEVEL_KEYS and "level" not in role:
            role["level"] = j
        elif is_municipality and "municipality" not in role:
            role["municipality"] = j
        elif is_name and not is_municipality and "name" not in role:
            role["name"] = j
        elif (
            key in catalogue.METADATA_KEYS
            or unit.lower() in NON_INDICATOR_UNITS
            or is_name
            or _is_identifier(key)
        ):
            if _is_identifier(key) and key not in catalogue.METADATA_KEYS:
                identifiers.append(label_of(j))
            continue
        else:
            candidates.append(j)

    # Years.
    if "period" in role:
        period_label = label_of(role["period"])
        before = len(collector.problems)
        years = _parse_periods(collector, data_rows[role["period"]], region_rows, period_label)
        found = set(years[years > 0].tolist())
        year_note = ""
        if found or len(collector.problems) == before:
            _fixed, year_note = _resolve_year(
                collector, found, _("kolom '%(c)s'") % {"c": period_label}, options
            )
    else:
        found, where = set(), ""
        match = KWB_SHEET_RE.fullmatch(sheet.name or "")
        title_years = {int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", title)}
        if match:
            found, where = {int(match.group(1))}, _("werkbladnaam '%(s)s'") % {"s": sheet.name}
        elif len(title_years) == 1:
            found, where = title_years, _("titel '%(t)s'") % {"t": title}
        fixed, year_note = _resolve_year(collector, found, where, options)
        years = np.full(len(vidx), fixed or (next(iter(found)) if found else 0), dtype=int)

    # Duplicates: a code twice in the same year.
    keys = pd.DataFrame({"code": region_codes, "year": years})
    dupes = keys.duplicated(keep=False).to_numpy()
    if dupes.any():
        first_seen: dict[tuple[str, int], int] = {}
        for k in np.flatnonzero(dupes):
            key = (region_codes[k], int(years[k]))
            if key in first_seen:
                collector.add(
                    _("Rij %(row)s: regiocode %(code)s staat ook in rij %(other)s.")
                    % {"row": region_rows[k], "code": key[0], "other": first_seen[key]},
                    int(region_rows[k]),
                    code_label,
                )
            else:
                first_seen[key] = int(region_rows[k])
        for j in candidates:
            key = catalogue.key_of(label_of(j))
            if key in {"leeftijd", "marges", "geslacht", "geslachten"}:
                distinct = _stripped(data_rows[j]).nunique()
                if distinct > 1:
                    collector.add(
                        _(
                            "Kolom '%(column)s' heeft %(n)s verschillende waarden, dus staat elk gebied "
                            "er meer dan eens in. Exporteer één %(column)s per bestand."
                        )
                        % {"column": label_of(j), "n": distinct},
                        column=label_of(j),
                    )

    # Indicator columns. Their figures go straight to where the long frame keeps them.
    indicators = IndicatorSet(collector, options.kinds)
    parts = []
    n = len(vidx)
    figures = np.empty(n * len(candidates), dtype=float)
    empty_columns: list[str] = []
    text_columns: list[str] = []
    for j in candidates:
        header = headers[j]
        _group, label, header_unit = catalogue.split_header(header)
        unit = units[j] or header_unit
        texts = data_rows[j]
        definition = catalogue.lookup(header, unit=unit)
        known = definition is not None
        whole = (unit or (definition.unit if definition else "")).lower() == "aantal"
        parsed = parse_numbers(texts, whole_numbers=whole)
        file_kind = (
            catalogue.PCT if parsed.has_percent or catalogue.is_percent_unit(unit) else None
        )
        if known and _kinds_conflict(definition.kind, file_kind):
            collector.add(
                _kind_conflict_message(None, label_of(j), definition, file_kind), None, label_of(j)
            )
            continue
        if parsed.numbers == 0 and not (known and parsed.bad.any()):
            (text_columns if parsed.bad.any() else empty_columns).append(label_of(j))
            continue
        if not known and _repeats_the_code(parsed.values, region_codes):
            identifiers.append(label_of(j))
            continue
        if definition is None:
            definition = catalogue.derive(
                header, unit=unit, has_percent=parsed.has_percent, values=parsed.values
            )
        _cell_problems(collector, label_of(j), region_rows, texts, parsed)
        index = indicators.add(definition, label_of(j), header, known)
        if index is None:
            continue
        slot = len(parts)
        parts.append((index, _Figures.of(parsed, figures[slot * n : (slot + 1) * n])))
        parsed = texts = None
    if identifiers:
        collector.notes.append(
            _("Overgeslagen, want ze duiden een gebied aan en meten niets: %(columns)s.")
            % {"columns": ", ".join(f"'{c}'" for c in identifiers)}
        )
    if empty_columns:
        collector.notes.append(
            _("Overgeslagen, want helemaal leeg: %(columns)s.")
            % {"columns": ", ".join(f"'{c}'" for c in empty_columns)}
        )
    if text_columns:
        collector.notes.append(
            _("Overgeslagen, want zonder getallen: %(columns)s.")
            % {"columns": ", ".join(f"'{c}'" for c in text_columns)}
        )
    if not parts and not collector.problems:
        collector.add(_("Dit bestand bevat geen kolommen met cijfers."))
    collector.refuse_if_any()

    plausibility.check_columns(
        collector,
        defs=indicators.defs,
        labels=indicators.labels,
        rows=region_rows,
        columns=[(index, column.values) for index, column in parts],
    )
    collector.refuse_if_any()
    figures = figures[: len(parts) * n]
    if figures.base is not None and len(figures) < 0.75 * figures.base.size:
        figures = figures.copy()  # many columns skipped: not a mostly unused array kept
    values = long_values(region_codes, years, parts, value=figures)
    figures = None
    parts = None  # the columns live on in `values` only
    names = None
    if "name" in role:
        names = _stripped(data_rows[role["name"]]).to_numpy(dtype=object)
    municipality_names = None
    if "municipality" in role:
        municipality_names = _stripped(data_rows[role["municipality"]])
        # A few hundred names over every row: one text object per name, not per row.
        index, distinct = pd.factorize(municipality_names.to_numpy(dtype=object))
        municipality_names = distinct[index]
    if names is None and municipality_names is not None:
        # A table without region names still names the municipality of each row.
        names = np.where(
            np.char.startswith(region_codes.astype(str), "GM"), municipality_names, None
        )
    regions = pd.DataFrame(
        {
            "code": region_codes,
            "year": years,
            "name": names if names is not None else np.full(n, None, dtype=object),
            "municipality_name": municipality_names
            if municipality_names is not None
            else np.full(n, None, dtype=object),
            "row": region_rows,
        }
    )
    regions["name"] = regions["name"].where(regions["name"].astype(str).str.len() > 0, None)
    regions.loc[regions["name"] == regions["code"], "name"] = None

    format_key, format_label, default_source = _classify(headers, code_col, indicators.defs)
    source = _source_from_file(source_line, title) or default_source
    collector.notes.extend(raw.notes)
    return ParsedFile(
        format=format_key,
        format_label=format_label,
        description=raw.describe(),
        sheet=sheet.name,
        regions=regions,
        values=values,
        indicators=indicators.defs,
        labels=indicators.labels,
        source=source,
        year_note=year_note,
        rows_read=rows_read,
        skipped=skipped,
        notes=collector.notes,
        has_names="name" in role,
    )


def _source_from_file(source_line: str, title: str) -> str:
    """The source as the file states it: its "Bron:" line, with its title if it has one."""
    # "Bron: CBS" names the publisher only; the title then names the table.
    if source_line and title and "," not in source_line and title.lower() not in source_line.lower():
        return f"{source_line}, {title}"[:200]
    return (source_line or "")[:200]


def _classify(headers: list[str], code_col: int, defs: list[IndicatorDef]) -> tuple[str, str, str]:
    """The layout, and the source only where the content proves it.

    The health monitor and the kwb short-code table are recognised by their columns. A
    StatLine export is labelled "Kerncijfers wijken en buurten" only when every column is
    one of that table's (in the catalogue): StatLine publishes many other tables (Nabijheid
    voorzieningen, …) with the same header style, and other publishers use it too.
    """
    keys = {catalogue.key_of(catalogue.split_header(h)[1]) for h in headers}
    health = bool(defs) and all(d.health_monitor for d in defs)
    kwb_only = bool(defs) and all(not d.column and not d.health_monitor for d in defs)
    if health:
        return (
            "gezondheidsmonitor",
            _("Gezondheidsmonitor per wijk en buurt (GGD/CBS/RIVM)"),
            catalogue.SOURCE_HEALTH,
        )
    if "gwbcode" in keys or "gwbcode10" in keys:
        return (
            "cbs_kwb",
            _("CBS kerncijfers wijken en buurten (kwb-tabel met korte codes)"),
            catalogue.SOURCE_CBS,  # gwb_code with short codes: only CBS publishes it
        )
    if any("/" in h for h in headers) or "codering" in keys:
        return (
            "cbs_statline",
            _("CBS StatLine-export"),
            catalogue.SOURCE_CBS if kwb_only else "",
        )
    if any(re.search(r"_\d+$", h) for h in headers):
        return "cbs_statline", _("CBS StatLine-tabel (gecodeerde kolommen)"), ""
    return "region_rows", _("Tabel met één gebied per rij"), ""


# --- one indicator per row, regions as columns -----------------------------------------

WIDE_ATTRIBUTES = {
    "code": "code",
    "indicatorcode": "code",
    "eenheid": "unit",
    "unit": "unit",
    "soort": "kind",
    "kind": "kind",
    "richting": "direction",
    "direction": "direction",
    "jaar": "year",
    "year": "year",
    "perioden": "year",
    "bron": "source",
    "source": "source",
    "categorie": "category",
    "category": "category",
    "thema": "category",
}
KIND_WORDS = {
    "aantal": catalogue.COUNT,
    "count": catalogue.COUNT,
    "percentage": catalogue.PCT,
    "%": catalogue.PCT,
    "buurtscore": catalogue.SCORE,
    "score": catalogue.SCORE,
    "schaalscore": catalogue.SCALE,
    "scale": catalogue.SCALE,
    "rapportcijfer": catalogue.GRADE,
    "grade": catalogue.GRADE,
}
DIRECTION_WORDS = {
    "hoger is beter": catalogue.HIGHER,
    "higher": catalogue.HIGHER,
    "hoger": catalogue.HIGHER,
    "lager is beter": catalogue.LOWER,
    "lower": catalogue.LOWER,
    "lager": catalogue.LOWER,
    "neutraal": catalogue.NEUTRAL,
    "neutral": catalogue.NEUTRAL,
}
CATEGORY_WORDS = {
    "bevolking": catalogue.POPULATION,
    "population": catalogue.POPULATION,
    "gezondheid": catalogue.HEALTH,
    "health": catalogue.HEALTH,
    "sociaal": catalogue.SOCIAL,
    "social": catalogue.SOCIAL,
    "inkomen": catalogue.INCOME,
    "wonen": catalogue.INCOME,
    "inkomen en wonen": catalogue.INCOME,
    "income": catalogue.INCOME,
}
_TAG_RE = re.compile(r"<[^>]+>")


def _region_name_from_header(text: str, code: str) -> str | None:
    name = re.sub(re.escape(code), "", text, flags=re.IGNORECASE)
    name = re.sub(r"[()\[\]]", " ", name).strip(" -–:,\t")
    if code.startswith("GM"):
        name = re.sub(r"^gemeente\s+", "", name, flags=re.IGNORECASE)
    return " ".join(name.split()) or None


def parse_wide(
    raw: RawFile, sheet: Sheet, grid: pd.DataFrame, detail: dict, options: Options
) -> ParsedFile:
    collector = Collector()
    h = detail["header"]
    row_numbers = np.asarray(sheet.row_numbers).tolist()
    header = [cell_text(c).strip() for c in grid.iloc[h]]
    region_cols: dict[int, str] = {}
    region_names: dict[str, str | None] = {}
    attributes: dict[str, int] = {}
    label_col = None
    seen: dict[str, int] = {}
    for j, text in enumerate(header):
        match = CODE_IN_TEXT_RE.search(text.upper())
        if match:
            code = match.group(1)
            if code in seen:
                collector.add(
                    _("Regiocode %(code)s staat in twee kolommen (%(a)s en %(b)s).")
                    % {"code": code, "a": _column_letter(seen[code]), "b": _column_letter(j)},
                    row_numbers[h],
                )
                continue
            seen[code] = j
            region_cols[j] = code
            region_names[code] = _region_name_from_header(text, code)
            continue
        key = catalogue.key_of(text)
        if key in WIDE_ATTRIBUTES and WIDE_ATTRIBUTES[key] not in attributes:
            attributes[WIDE_ATTRIBUTES[key]] = j
        elif label_col is None and j < min(region_cols or {len(header): None}):
            label_col = j
    if label_col is None:
        label_col = next(
            (
                j
                for j in range(len(header))
                if j not in region_cols and j not in attributes.values()
            ),
            None,
        )
    if label_col is None:
        raise refuse(
            _("De kolom met de namen van de indicatoren ontbreekt (links van de regiocodes).")
        )

    kind_here = None
    category_here = None
    source_line = ""
    indicators = IndicatorSet(collector, options.kinds)
    records = []
    rows_read = 0
    years_found: set[int] = set()
    for i in range(h + 1, len(grid)):
        number = row_numbers[i]
        cells = [cell_text(c).strip() for c in grid.iloc[i]]
        filled = [c for c in cells if c]
        if not filled:
            continue
        label = _TAG_RE.sub("", cells[label_col]).strip() if label_col < len(cells) else ""
        region_cells = {
            code: (cells[j] if j < len(cells) else "") for j, code in region_cols.items()
        }
        if not any(region_cells.values()):
            text = " ".join(_TAG_RE.sub("", c) for c in filled).strip()
            lowered = text.lower()
            if lowered.startswith("bron"):
                source_line = text.split(":", 1)[-1].strip() or source_line
                continue
            for word, kind in SECTION_KINDS.items():
                if lowered.startswith(word):
                    kind_here = kind
                    break
            for word, category in CATEGORY_WORDS.items():
                if lowered == word:
                    category_here = category
            continue
        rows_read += 1
        if not label:
            collector.add(
                _("Rij %(row)s: de naam van de indicator ontbreekt.") % {"row": number}, number
            )
            continue

        def attribute(name: str, cells=cells) -> str:
            j = attributes.get(name)
            return cells[j] if j is not None and j < len(cells) else ""

        texts = pd.Series(list(region_cells.values()), dtype=object)
        parsed = parse_numbers(texts)
        for k, code in enumerate(region_cells):
            if parsed.bad[k]:
                column = header[[j for j, c in region_cols.items() if c == code][0]]
                collector.add(
                    _("Rij %(row)s, kolom '%(column)s': '%(value)s' is geen getal.")
                    % {"row": number, "column": column, "value": texts.iloc[k][:60]},
                    number,
                    column,
                )
        code_text = attribute("code")
        definition = catalogue.BY_CODE.get(code_text) if code_text else catalogue.lookup(label)
        known = definition is not None
        file_kind = (
            catalogue.PCT
            if parsed.has_percent or catalogue.is_percent_unit(attribute("unit"))
            else KIND_WORDS.get(attribute("kind").lower()) or kind_here
        )
        if known and _kinds_conflict(definition.kind, file_kind):
            collector.add(_kind_conflict_message(number, label, definition, file_kind), number, label)
            continue
        if definition is None:
            definition = catalogue.derive(
                label,
                unit=attribute("unit"),
                has_percent=parsed.has_percent,
                values=parsed.values,
            )
            if code_text:
                if slugify(code_text) != code_text or len(code_text) > 80:
                    collector.add(
                        _(
                            "Rij %(row)s: '%(code)s' is geen geldige indicatorcode (kleine "
                            "letters, cijfers en streepjes)."
                        )
                        % {"row": number, "code": code_text},
                        number,
                    )
                    continue
                # An explicit indicator code (our own export) says which indicator it is.
                definition = replace(definition, code=code_text, column="")
            kind = KIND_WORDS.get(attribute("kind").lower()) or (
                catalogue.PCT if parsed.has_percent else kind_here or definition.kind
            )
            definition = replace(
                definition,
                kind=kind,
                kind_certain=definition.kind_certain
                or bool(attribute("kind") or kind_here or parsed.has_percent),
                direction=DIRECTION_WORDS.get(attribute("direction").lower(), definition.direction),
                category=CATEGORY_WORDS.get(attribute("category").lower())
                or category_here
                or catalogue.SOCIAL,
                unit=attribute("unit") or ("%" if kind == catalogue.PCT else definition.unit),
            )
        if definition.code in indicators.by_code:
            other = indicators.labels[indicators.by_code[definition.code]]
            collector.add(
                _("Rij %(row)s: indicator '%(label)s' staat er al (als '%(other)s').")
                % {"row": number, "label": label, "other": other},
                number,
            )
            continue
        index = indicators.add(definition, label, label, known)
        row_year = None
        if attribute("year"):
            match = PERIOD_RE.fullmatch(attribute("year").upper())
            if not match or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
                collector.add(
                    _("Rij %(row)s: '%(value)s' is geen jaar.")
                    % {"row": number, "value": attribute("year")},
                    number,
                )
                continue
            row_year = int(match.group(1))
            years_found.add(row_year)
        for k, code in enumerate(region_cells):
            records.append((code, row_year, index, parsed.values[k], parsed.reasons[k], number))
    if not region_cols:
        raise no_codes_problem()
    if not records and not collector.problems:
        collector.add(_("Onder de kopregel staan geen indicatoren met cijfers."))
    fixed = None
    if years_found:
        _fixed, year_note = _resolve_year(
            collector, years_found, _("kolom '%(c)s'") % {"c": header[attributes["year"]]}, options
        )
        if any(r[1] is None for r in records):
            collector.add(
                _("Niet elke rij heeft een jaar in kolom '%(c)s'.")
                % {"c": header[attributes["year"]]}
            )
    else:
        fixed, year_note = _resolve_year(collector, set(), "", options)
    collector.refuse_if_any()
    values = pd.DataFrame(records, columns=["code", "year", "indicator", "value", "reason", "row"])
    values["year"] = values["year"].fillna(fixed or 0).astype(int)
    column_of = {code: header[j] for j, code in region_cols.items()}
    plausibility.check(
        collector,
        defs=indicators.defs,
        labels=indicators.labels,
        frame=values.assign(column=values["code"].map(column_of)),
    )
    collector.refuse_if_any()
    values = values.drop(columns=["row"])
    regions = values[["code", "year"]].drop_duplicates().reset_index(drop=True)
    regions["name"] = regions["code"].map(region_names)
    regions["municipality_name"] = None
    regions["row"] = row_numbers[h]
    collector.notes.extend(raw.notes)
    return ParsedFile(
        format="wide",
        format_label=_("Tabel met indicatoren als rijen en gebieden als kolommen"),
        description=raw.describe(),
        sheet=sheet.name,
        regions=regions,
        values=values,
        indicators=indicators.defs,
        labels=indicators.labels,
        source=source_line,
        year_note=year_note,
        rows_read=rows_read,
        notes=collector.notes,
        has_names=any(region_names.values()),
    )


# --- one figure per row (the export's own format) ------------------------------------------

LONG_COLUMNS = {
    "code": "code",
    "name": "name",
    "naam": "name",
    "year": "year",
    "jaar": "year",
    "indicator": "indicator",
    "indicatorname": "indicator_name",
    "indicatornaam": "indicator_name",
    "value": "value",
    "waarde": "value",
    "missingreason": "missing_reason",
    "redenontbreken": "missing_reason",
    "unit": "unit",
    "eenheid": "unit",
    "source": "source",
    "bron": "source",
}


def parse_long(
    raw: RawFile, sheet: Sheet, grid: pd.DataFrame, detail: dict, options: Options
) -> ParsedFile:
    collector = Collector()
    h = detail["header"]
    cols: dict[str, int] = {}
    for j, text in enumerate(grid.iloc[h]):
        role = LONG_COLUMNS.get(catalogue.key_of(str(text)))
        if role and role not in cols:
            cols[role] = j
    body = grid.iloc[h + 1 :]
    numbers = np.asarray(sheet.row_numbers[h + 1 :])
    keep = (body.astype(str).apply(lambda c: c.str.strip()) != "").any(axis=1).to_numpy()
    body, numbers = body[keep], numbers[keep]

    def column(role: str) -> pd.Series:
        if role not in cols:
            return pd.Series([""] * len(body), index=body.index, dtype=object)
        return body[cols[role]].astype(str).str.strip()

    codes = column("code").str.upper()
    valid = codes.str.fullmatch(CODE_RE.pattern).to_numpy()
    other = codes.str.fullmatch(REGION_RE.pattern).to_numpy() & ~valid
    for k in np.flatnonzero(~valid & ~other):
        collector.add(
            _("Rij %(row)s, kolom 'code': '%(value)s' is geen regiocode.")
            % {"row": numbers[k], "value": codes.iloc[k]},
            int(numbers[k]),
            "code",
        )
    if "year" in cols:
        years = _parse_periods(collector, column("year"), numbers, "year")
        found = set(years[valid & (years > 0)].tolist())
        _fixed, year_note = _resolve_year(collector, found, _("kolom 'year'"), options)
    else:
        fixed, year_note = _resolve_year(collector, set(), "", options)
        years = np.full(len(body), fixed or 0, dtype=int)
    indicator_codes = column("indicator")
    for k in np.flatnonzero(valid):
        code = indicator_codes.iloc[k]
        if not code or slugify(code) != code or len(code) > 80:
            collector.add(
                _("Rij %(row)s, kolom 'indicator': '%(value)s' is geen geldige indicatorcode.")
                % {"row": numbers[k], "value": code},
                int(numbers[k]),
                "indicator",
            )
    texts = column("value")
    parsed = parse_numbers(texts)
    _cell_problems(collector, "value", numbers, texts, parsed)
    reasons = np.where(
        parsed.reasons == EMPTY_REASON,
        column("missing_reason").replace("", EMPTY_REASON).to_numpy(dtype=object),
        parsed.reasons,
    )
    frame = pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "year": years,
            "indicator_code": indicator_codes.to_numpy(),
            "value": parsed.values,
            "reason": reasons,
            "row": numbers,
            "name": column("name").to_numpy(),
            "indicator_name": column("indicator_name").to_numpy(),
            "unit": column("unit").to_numpy(),
            "source": column("source").to_numpy(),
        }
    )[valid]
    dupes = frame.duplicated(["code", "year", "indicator_code"], keep="first").to_numpy()
    for k in np.flatnonzero(dupes):
        r = frame.iloc[k]
        collector.add(
            _("Rij %(row)s: %(code)s, %(year)s, %(indicator)s staat er al eerder in.")
            % {
                "row": r["row"],
                "code": r["code"],
                "year": r["year"],
                "indicator": r["indicator_code"],
            },
            int(r["row"]),
        )
    if frame.empty and not collector.problems:
        raise no_codes_problem()
    collector.refuse_if_any()
    indicators = IndicatorSet(collector, options.kinds)
    index_of: dict[str, int] = {}
    for code, group in frame.groupby("indicator_code", sort=False):
        definition = catalogue.BY_CODE.get(code)
        if definition is None:
            unit = group["unit"].iloc[0]
            name = group["indicator_name"].iloc[0] or code
            kind = catalogue.PCT if catalogue.is_percent_unit(unit) else catalogue.COUNT
            definition = IndicatorDef(
                code, name[:200], kind, catalogue.NEUTRAL, catalogue.SOCIAL, unit[:40]
            )
        index_of[code] = indicators.add(definition, code, code, True)
    values = pd.DataFrame(
        {
            "code": frame["code"].to_numpy(),
            "year": frame["year"].to_numpy(),
            "indicator": frame["indicator_code"].map(index_of).to_numpy(),
            "value": frame["value"].to_numpy(),
            "reason": frame["reason"].to_numpy(),
            "source": frame["source"].replace("", None).to_numpy(),
        }
    )
    plausibility.check(
        collector,
        defs=indicators.defs,
        labels=indicators.labels,
        frame=values.assign(row=frame["row"].to_numpy(), column="value"),
    )
    collector.refuse_if_any()
    regions = frame.drop_duplicates(["code", "year"])[["code", "year", "name", "row"]].copy()
    regions["name"] = regions["name"].where(regions["name"] != "", None)
    regions.loc[regions["name"] == regions["code"], "name"] = None
    regions["municipality_name"] = None
    skipped = {}
    for k in np.flatnonzero(other):
        kind = REGION_KIND_NAMES.get(codes.iloc[k][:2], codes.iloc[k][:2])
        skipped[kind] = skipped.get(kind, 0) + 1
    collector.notes.extend(raw.notes)
    return ParsedFile(
        format="long",
        format_label=_("Lange tabel (één waarde per rij, zoals de export)"),
        description=raw.describe(),
        sheet=sheet.name,
        regions=regions.reset_index(drop=True),
        values=values,
        indicators=indicators.defs,
        labels=indicators.labels,
        source="",
        year_note=year_note,
        rows_read=int(valid.sum() + other.sum()),
        skipped=skipped,
        notes=collector.notes,
        has_names="name" in cols,
    )


# --- GeoJSON boundaries --------------------------------------------------------------------

GEO_CODE_KEYS = [
    ("buurtcode", "buurtnaam"),
    ("BU_CODE", "BU_NAAM"),
    ("wijkcode", "wijknaam"),
    ("WK_CODE", "WK_NAAM"),
    ("gemeentecode", "gemeentenaam"),
    ("GM_CODE", "GM_NAAM"),
    ("statcode", "statnaam"),
    ("code", "naam"),
]
GEO_SKIP_KEYS = {k for pair in GEO_CODE_KEYS for k in pair} | {
    "jaar",
    "year",
    "jrstatcode",
    "naam",
    "name",
}


def _metadata_year(document: dict) -> int | None:
    stack = [document.get("metadata") or {}]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if (
                    key.lower() in {"year", "jaar"}
                    and str(value).isdigit()
                    and MIN_YEAR <= int(value) <= MAX_YEAR
                ):
                    return int(value)
                if isinstance(value, dict):
                    stack.append(value)
    return None


def parse_geojson(raw: RawFile, options: Options) -> ParsedFile:
    collector = Collector()
    document = raw.geojson or {}
    features = [f for f in document.get("features") or [] if isinstance(f, dict)]
    if not features:
        raise refuse(_("Het GeoJSON-bestand bevat geen objecten (features)."))
    try:
        crs = geo.crs_name(document)
        transformer = geo.transformer_for(crs)
    except geo.UnknownCrs as unknown:
        raise refuse(
            _(
                "Het GeoJSON-bestand gebruikt een onbekend coördinatenstelsel (%(crs)s). Gebruik "
                "WGS84 (EPSG:4326) of RD New (EPSG:28992), en noem het in het crs-lid."
            )
            % {"crs": str(unknown)}
        ) from None
    year_in_file = _metadata_year(document)
    fixed, year_note = _resolve_year(
        collector, {year_in_file} if year_in_file else set(), _("metadata van het bestand"), options
    )
    year = year_in_file or fixed or 0
    codes, names, munis, rows = [], [], [], []
    properties: list[dict] = []
    boundaries: dict[tuple[str, int], dict] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        code = name = None
        for code_key, name_key in GEO_CODE_KEYS:
            candidate = str(props.get(code_key) or "").strip().upper()
            if CODE_RE.fullmatch(candidate):
                code, name = candidate, props.get(name_key)
                break
        if code is None:
            collector.add(
                _("Object %(n)s heeft geen regiocode (wijkcode, buurtcode of gemeentecode).")
                % {"n": number},
                number,
            )
            continue
        codes.append(code)
        names.append(str(name).strip() if name else None)
        munis.append(str(props.get("gemeentenaam") or props.get("GM_NAAM") or "").strip() or None)
        rows.append(number)
        properties.append(props)
        geometry = feature.get("geometry")
        if isinstance(geometry, dict) and geometry.get("type") in POLYGON_TYPES:
            problem = polygon_problem(geometry)
            if problem:
                collector.add(
                    _("Object %(n)s (%(code)s): de grens is ongeldig, want %(problem)s.")
                    % {"n": number, "code": code, "problem": problem},
                    number,
                )
            else:
                if transformer is not None:
                    geometry = geo.reprojected(geometry, transformer)
                outside = geo.outside_netherlands(geometry)
                if outside is None:
                    boundaries[(code, year)] = geometry
                elif crs is None and max(abs(outside[0]), abs(outside[1])) > 180:
                    collector.add(
                        _(
                            "Object %(n)s (%(code)s): de coördinaten (%(x)s, %(y)s) zijn geen "
                            "graden. Staan ze in RD New (meters, EPSG:28992)? Dan moet het "
                            "bestand dat in zijn crs-lid zeggen; exporteer het opnieuw met het "
                            "coördinatenstelsel erbij, of in WGS84."
                        )
                        % {"n": number, "code": code, "x": outside[0], "y": outside[1]},
                        number,
                    )
                else:
                    collector.add(
                        _(
                            "Object %(n)s (%(code)s): de grens ligt buiten Nederland (punt "
                            "%(x).4f, %(y).4f in lengte- en breedtegraden). Klopt het "
                            "coördinatenstelsel%(crs)s?"
                        )
                        % {
                            "n": number,
                            "code": code,
                            "x": outside[0],
                            "y": outside[1],
                            "crs": f" ({crs})" if crs else "",
                        },
                        number,
                    )
    if not codes:
        raise no_codes_problem()
    seen: dict[str, int] = {}
    for code, number in zip(codes, rows, strict=True):
        if code in seen:
            collector.add(
                _("Object %(n)s: regiocode %(code)s staat ook in object %(other)s.")
                % {"n": number, "code": code, "other": seen[code]},
                number,
            )
        seen.setdefault(code, number)
    keys: list[str] = []
    for props in properties:
        for key in props:
            if (
                key not in keys
                and key not in GEO_SKIP_KEYS
                and catalogue.key_of(key) not in catalogue.METADATA_KEYS
            ):
                keys.append(key)
    indicators = IndicatorSet(collector, options.kinds)
    parts = []
    row_array = np.asarray(rows)
    for key in keys:
        texts = pd.Series([cell_text(p.get(key)) for p in properties], dtype=object)
        parsed = parse_numbers(texts)
        if parsed.numbers == 0:
            continue
        parsed.reasons[parsed.reasons == EMPTY_REASON] = _("ontbreekt in het bestand")
        for k in np.flatnonzero(parsed.bad):
            collector.add(
                _("Object %(n)s, eigenschap '%(key)s': '%(value)s' is geen getal.")
                % {"n": rows[k], "key": key, "value": texts.iloc[k][:60]},
                rows[k],
                key,
            )
        definition = catalogue.lookup(key) or catalogue.derive(
            key, has_percent=parsed.has_percent, values=parsed.values
        )
        index = indicators.add(definition, key, key, True)
        if index is not None:
            parts.append((index, parsed))
    collector.refuse_if_any()
    n = len(codes)
    code_array = np.asarray(codes, dtype=object)
    values = long_values(code_array, np.full(n, year, dtype=int), parts)
    regions = pd.DataFrame(
        {
            "code": code_array,
            "year": np.full(n, year, dtype=int),
            "name": names,
            "municipality_name": munis,
            "row": row_array,
        }
    )
    return ParsedFile(
        format="geojson",
        format_label=_("GeoJSON met wijk- of buurtgrenzen"),
        description=raw.describe(),
        sheet=None,
        regions=regions,
        values=values,
        indicators=indicators.defs,
        labels=indicators.labels,
        source=catalogue.SOURCE_BOUNDARIES,
        year_note=year_note,
        rows_read=len(features),
        notes=collector.notes,
        boundaries=boundaries,
        has_names=any(names),
    )
