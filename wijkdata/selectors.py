"""Read-side of wijkdata: an area's figures next to its municipality, charts and a map.

Every function here runs a fixed number of queries, whatever the number of regions or
indicators.
"""

from __future__ import annotations

import math
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .formatting import format_figure
from .geometry import polygon_problem
from .models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary
from .palettes import ordered_colours

LEVEL_RANK = {"municipality": 0, "district": 1, "custom": 2, "neighbourhood": 3}

# How far from the municipality a figure must be to be marked, per kind of indicator.
NOTABLE = {
    Indicator.Kind.PERCENTAGE: Decimal("3"),  # percentage points
    Indicator.Kind.SCORE: Decimal("3"),  # points on 0–100
    Indicator.Kind.SCALE: Decimal("0.3"),
    Indicator.Kind.GRADE: Decimal("0.3"),
}
AGE_BANDS = [
    ("leeftijd-0-14", "0–14"),
    ("leeftijd-15-24", "15–24"),
    ("leeftijd-25-44", "25–44"),
    ("leeftijd-45-64", "45–64"),
    ("leeftijd-65-plus", "65+"),
]
# Sequential colours for the map, light to dark (colour-blind safe, from ColorBrewer "BuGn").
MAP_COLOURS = ["#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c"]


# --- whose figures: the one place that decides what an organisation sees ----------------
#
# Public figures (owner null: CBS, GGD, written by staff or a scheduled import) are seen by
# every organisation; an organisation's own figures (its coordinators' uploads) only by
# itself. Where both exist for one neighbourhood, indicator and year, the organisation's
# own figure wins: it uploaded it on purpose (a survey of its own, a later count), and the
# plan says it is its own. Every reader (the data pages, plans' tables, charts and map,
# the freezing on adoption, the PDF) goes through visible_values().


def _organisation_id(organisation) -> int | None:
    return getattr(organisation, "pk", organisation)


def visible_filter(organisation, prefix: str = "") -> Q:
    """Q for rows (values or indicators, or a relation to them via `prefix`) that an
    organisation sees: the public ones and its own."""
    organisation_id = _organisation_id(organisation)
    public = Q(**{f"{prefix}owner__isnull": True})
    if organisation_id is None:
        return public
    return public | Q(**{f"{prefix}owner_id": organisation_id})


def visible_values(organisation, queryset=None):
    """The figures an organisation sees, public ones first: a dict filled in this order
    keyed by (neighbourhood, indicator, year) ends with the organisation's own figure
    where it has one (own_first does exactly that)."""
    queryset = IndicatorValue.objects.all() if queryset is None else queryset
    return queryset.filter(visible_filter(organisation)).order_by(
        F("owner_id").asc(nulls_first=True)
    )


def visible_indicators(organisation, queryset=None):
    queryset = Indicator.objects.all() if queryset is None else queryset
    return queryset.filter(visible_filter(organisation))


def own_first(values) -> dict[tuple[int, int, int], IndicatorValue]:
    """One figure per (neighbourhood, indicator, year) from visible_values: the own one
    where there is one, else the public one."""
    chosen: dict[tuple[int, int, int], IndicatorValue] = {}
    for value in values:
        key = (value.neighbourhood_id, value.indicator_id, value.year)
        if key not in chosen or value.owner_id is not None:
            chosen[key] = value
    return chosen


def own_label(organisation_name: str) -> str:
    return _("eigen cijfers %(organisation)s") % {"organisation": organisation_name}


def source_label(source: str, *, own: bool, organisation_name: str = "") -> str:
    """How a figure's source reads on a page: "eigen cijfers Farent (Wijkpeiling 2024)" for
    the organisation's own figures, the source itself ("CBS") for public ones."""
    if not own:
        return source
    label = own_label(organisation_name)
    return f"{label} ({source})" if source else label


@dataclass
class Cell:
    value: Decimal | None
    missing_reason: str = ""
    mark: str = ""  # "better", "worse" or ""
    text: str = "–"
    source: str = ""  # where this figure comes from (figures of one row can differ)
    own: bool = False  # the organisation's own figure, not a public one


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[Cell]
    municipality: Cell | None
    sources: list[str]


@dataclass
class AreaFigures:
    year: int | None
    years: list[int]
    municipality: Neighbourhood | None
    regions: list[Neighbourhood]
    rows: list[IndicatorRow]
    categories: list[tuple[str, str]]
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def columns(self) -> list[Neighbourhood]:
        return self.regions + ([self.municipality] if self.municipality else [])


def area_codes(area) -> set[str]:
    return set(area.neighbourhoods.values_list("code", flat=True))


def region_filter(codes: set[str]) -> Q:
    """The area's own codes, the buurten of its wijken, and the wijken of a whole gemeente."""
    query = Q(code__in=codes)
    for code in codes:
        if code.startswith("WK"):
            query |= Q(code__startswith="BU" + code[2:], level=Neighbourhood.Level.NEIGHBOURHOOD)
        elif code.startswith("GM"):
            query |= Q(code__startswith="WK" + code[2:], level=Neighbourhood.Level.DISTRICT)
    return query


def area_years(area) -> list[int]:
    regions = Neighbourhood.objects.filter(
        region_filter(area_codes(area)) | Q(code=area.organisation.municipality_code)
    )
    years = (
        visible_values(area.organisation_id, IndicatorValue.objects.filter(neighbourhood__in=regions))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return list(years)


def mark(value, municipality, indicator: Indicator) -> str:
    if value is None or municipality is None or indicator.direction == Indicator.Direction.NEUTRAL:
        return ""
    threshold = NOTABLE.get(indicator.kind)
    if threshold is None:
        return ""
    diff = value - municipality
    if abs(diff) < threshold:
        return ""
    higher = diff > 0
    return (
        "better"
        if higher == (indicator.direction == Indicator.Direction.HIGHER_IS_BETTER)
        else "worse"
    )


def area_figures(area, *, year: int | None = None, category: str = "") -> AreaFigures:
    years = area_years(area)
    if year not in years:
        year = years[0] if years else None
    municipality_code = area.organisation.municipality_code
    codes = area_codes(area)
    regions: list[Neighbourhood] = []
    municipality = None
    if year is not None:
        found = list(
            Neighbourhood.objects.filter(year=year).filter(
                region_filter(codes) | Q(code=municipality_code)
            )
        )
        for region in found:
            if (
                region.code == municipality_code
                and region.level == Neighbourhood.Level.MUNICIPALITY
            ):
                municipality = region
            elif region.level != Neighbourhood.Level.MUNICIPALITY or region.code in codes:
                regions.append(region)
        regions.sort(key=lambda r: (r.parent_id or 0, LEVEL_RANK.get(r.level, 9), r.code))
        regions = tree_order(regions)
    columns = regions + ([municipality] if municipality else [])
    values = (
        list(
            visible_values(
                area.organisation_id,
                IndicatorValue.objects.filter(neighbourhood__in=columns, year=year),
            )
            .select_related("indicator")
            .only(
                "neighbourhood_id",
                "owner_id",
                "year",
                "value",
                "missing_reason",
                "source",
                "indicator__code",
                "indicator__name",
                "indicator__kind",
                "indicator__direction",
                "indicator__category",
                "indicator__unit",
                "indicator__order",
            )
        )
        if columns
        else []
    )
    by_indicator: dict[int, dict[int, IndicatorValue]] = defaultdict(dict)
    indicators: dict[int, Indicator] = {}
    for figure in own_first(values).values():
        by_indicator[figure.indicator_id][figure.neighbourhood_id] = figure
        indicators[figure.indicator_id] = figure.indicator
    present = sorted({i.category for i in indicators.values()})
    categories = [(value, label) for value, label in Indicator.Category.choices if value in present]
    ordered = sorted(
        indicators.values(),
        key=lambda i: (list(Indicator.Category.values).index(i.category), i.order, i.name),
    )
    organisation_name = area.organisation.name
    rows = []
    for indicator in ordered:
        if category and indicator.category != category:
            continue
        figures = by_indicator[indicator.id]
        muni_figure = figures.get(municipality.id) if municipality else None
        muni_value = muni_figure.value if muni_figure else None
        cells = []
        for region in regions:
            figure = figures.get(region.id)
            cells.append(_cell(figure, indicator, muni_value, organisation_name))
        rows.append(
            IndicatorRow(
                indicator=indicator,
                cells=cells,
                municipality=_cell(muni_figure, indicator, None, organisation_name)
                if municipality
                else None,
                sources=sorted(
                    {
                        source_label(
                            f.source,
                            own=f.owner_id is not None,
                            organisation_name=organisation_name,
                        )
                        for f in figures.values()
                    }
                ),
            )
        )
    return AreaFigures(year, years, municipality, regions, rows, categories, ordered)


def _cell(
    figure: IndicatorValue | None, indicator: Indicator, municipality_value, organisation_name: str
) -> Cell:
    if figure is None:
        return Cell(None, _("geen cijfer"), "", "–")
    own = figure.owner_id is not None
    return Cell(
        figure.value,
        figure.missing_reason,
        mark(figure.value, municipality_value, indicator),
        format_figure(figure.value, indicator.kind),
        source_label(figure.source, own=own, organisation_name=organisation_name),
        own,
    )


def tree_order(regions: list[Neighbourhood]) -> list[Neighbourhood]:
    """Each wijk followed by its own buurten; the rest after."""
    by_parent: dict[int | None, list[Neighbourhood]] = defaultdict(list)
    ids = {r.id for r in regions}
    for region in regions:
        by_parent[region.parent_id if region.parent_id in ids else None].append(region)
    ordered: list[Neighbourhood] = []

    def walk(parent_id):
        for region in sorted(
            by_parent.get(parent_id, []), key=lambda r: (LEVEL_RANK.get(r.level, 9), r.code)
        ):
            ordered.append(region)
            walk(region.id)

    walk(None)
    return ordered


def region_label(region: Neighbourhood) -> str:
    if region.level == Neighbourhood.Level.MUNICIPALITY:
        return _("Gemeente %(name)s") % {"name": region.name}
    if region.level == Neighbourhood.Level.NEIGHBOURHOOD and region.short_code:
        return f"{region.short_code} {region.name}"
    return region.name


# --- charts (plotly.js figures as plain data) -------------------------------------------


def _number(value) -> float | None:
    return float(value) if value is not None else None


def plot_text(text: str) -> str:
    """A name as plotly.js text: plotly reads <a href>, <b>, <br> … in labels, titles and
    legends as markup, so an imported name could become a link. Escaped, it is shown as
    written (plotly turns the entities back into characters)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chart_label(label: str, width: int = 26) -> str:
    """A long region name on two or more lines (plotly reads <br>): on a phone a single
    line of "Spoorzone (Boschveld, Paleiswartier, Willemspoort)" ran off the chart. Each
    line is escaped (plot_text); only our own <br> is markup."""
    lines = textwrap.wrap(label, width, break_on_hyphens=False)
    return "<br>".join(plot_text(line) for line in lines) or plot_text(label)


def chart_comparison(figures: AreaFigures, indicator: Indicator | None) -> dict | None:
    """Each region of the area next to the municipality, for one indicator."""
    if indicator is None:
        return None
    row = next((r for r in figures.rows if r.indicator.id == indicator.id), None)
    if row is None:
        return None
    labels = [_chart_label(region_label(r)) for r in figures.regions]
    values = [_number(c.value) for c in row.cells]
    colours = [
        "#0b6e4f" if c.mark == "better" else "#b23a48" if c.mark == "worse" else "#5b7f95"
        for c in row.cells
    ]
    if figures.municipality and row.municipality:
        labels.append(_chart_label(region_label(figures.municipality)))
        values.append(_number(row.municipality.value))
        colours.append("#222222")
    if len(labels) < 2:
        return None  # one bar compares nothing; the table shows the figure
    suffix = "%" if indicator.kind == Indicator.Kind.PERCENTAGE else ""
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "marker": {"color": colours},
                "hovertemplate": "%{y}: %{x}" + suffix + "<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": plot_text(f"{capfirst(indicator.name)} ({figures.year})")},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis": {"ticksuffix": suffix, "separatethousands": True},
            "margin": {"l": 10, "r": 20, "t": 50, "b": 40},
            "height": 120 + 28 * len(labels) + 14 * sum(label.count("<br>") for label in labels),
            "separators": ",.",
        },
    }


def chart_age_bands(figures: AreaFigures) -> dict | None:
    """Age bands as shares of each region's inhabitants (CBS counts)."""
    rows = {r.indicator.code: r for r in figures.rows}
    if not all(code in rows for code, _label in AGE_BANDS):
        return None
    columns = list(figures.regions) + ([figures.municipality] if figures.municipality else [])
    if len(columns) < 2:
        return None  # one region compares nothing; the table shows its bands
    labels = [_chart_label(region_label(r)) for r in columns]
    totals = []
    for i in range(len(columns)):
        total = Decimal(0)
        for code, _label in AGE_BANDS:
            cell = rows[code].cells[i] if i < len(figures.regions) else rows[code].municipality
            total += (cell.value or 0) if cell else 0
        totals.append(total)
    data = []
    for (code, label), colour in zip(AGE_BANDS, ordered_colours(len(AGE_BANDS)), strict=True):
        shares = []
        for i in range(len(columns)):
            cell = rows[code].cells[i] if i < len(figures.regions) else rows[code].municipality
            value = cell.value if cell else None
            shares.append(
                round(float(value / totals[i] * 100), 1)
                if value is not None and totals[i]
                else None
            )
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": plot_text(label),
                "y": labels,
                "x": shares,
                "marker": {"color": colour},
                "hovertemplate": "%{y}, " + plot_text(label) + ": %{x}%<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "barmode": "stack",
            "title": {"text": _("Leeftijdsopbouw (%(year)s)") % {"year": figures.year}},
            "xaxis": {"ticksuffix": "%", "range": [0, 100]},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "legend": {"orientation": "h"},
            "margin": {"l": 10, "r": 20, "t": 50, "b": 40},
            "height": 160 + 28 * len(labels) + 14 * sum(label.count("<br>") for label in labels),
            "separators": ",.",
        },
    }


def chart_trend(area, indicator: Indicator | None) -> dict | None:
    """The indicator over the years, when more than one year exists."""
    if indicator is None:
        return None
    codes = area_codes(area) | {area.organisation.municipality_code}
    series: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
    names: dict[str, str] = {}
    figures = visible_values(
        area.organisation_id,
        IndicatorValue.objects.filter(indicator=indicator, neighbourhood__code__in=codes),
    ).select_related("neighbourhood")
    years = set()
    for figure in sorted(own_first(figures).values(), key=lambda f: f.year):
        series[figure.neighbourhood.code].append((figure.year, _number(figure.value)))
        names[figure.neighbourhood.code] = plot_text(region_label(figure.neighbourhood))
        years.add(figure.year)
    if len(years) < 2:
        return None
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": names[code],
                "x": [y for y, _v in points],
                "y": [v for _y, v in points],
            }
            for code, points in sorted(series.items())
        ],
        "layout": {
            "title": {
                "text": plot_text(capfirst(_("%(name)s door de jaren") % {"name": indicator.name}))
            },
            "xaxis": {"dtick": 1},
            "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
            "height": 360,
            "separators": ",.",
        },
    }


# --- map -------------------------------------------------------------------------------


@dataclass
class MapShape:
    code: str
    name: str
    path: str
    colour: str
    text: str
    in_area: bool


@dataclass
class AreaMap:
    shapes: list[MapShape]
    view_box: str
    legend: list[tuple[str, str]]
    boundary_year: int
    indicator: Indicator | None


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry.get("coordinates") or [])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry.get("coordinates") or [] for ring in polygon]
    return []


def area_map(area, figures: AreaFigures, indicator: Indicator | None) -> AreaMap | None:
    """The wijken of the area's municipality as SVG paths, coloured by one indicator."""
    digits = area.organisation.municipality_code[2:]
    boundaries = list(
        NeighbourhoodBoundary.objects.filter(
            neighbourhood__code__startswith=f"WK{digits}",
            neighbourhood__level=Neighbourhood.Level.DISTRICT,
        )
        .select_related("neighbourhood")
        .order_by("-neighbourhood__year")
    )
    # A shape that cannot be drawn (stored before the import checked them) is left out.
    boundaries = [b for b in boundaries if polygon_problem(b.geometry) is None]
    if not boundaries:
        return None
    # The figures' year when its boundaries exist, else the latest boundaries there are.
    years = {b.neighbourhood.year for b in boundaries}
    boundary_year = figures.year if figures.year in years else max(years)
    boundaries = [b for b in boundaries if b.neighbourhood.year == boundary_year]
    codes = area_codes(area)
    values: dict[str, Decimal | None] = {}
    if indicator is not None and figures.year is not None:
        # Public figures first, so that the organisation's own overwrite them in the dict.
        values = dict(
            visible_values(
                area.organisation_id,
                IndicatorValue.objects.filter(
                    indicator=indicator,
                    year=figures.year,
                    neighbourhood__code__in=[b.neighbourhood.code for b in boundaries],
                ),
            ).values_list("neighbourhood__code", "value")
        )
    # Equirectangular projection, x scaled by cos(latitude): fine at city scale.
    points = [p for b in boundaries for ring in _rings(b.geometry) for p in ring]
    if not points:
        return None
    min_x = min(p[0] for p in points)
    max_x = max(p[0] for p in points)
    min_y = min(p[1] for p in points)
    max_y = max(p[1] for p in points)
    scale_x = math.cos(math.radians((min_y + max_y) / 2))
    width = (max_x - min_x) * scale_x or 1e-6
    height = (max_y - min_y) or 1e-6
    size = 600 / max(width, height)

    def project(point):
        return ((point[0] - min_x) * scale_x * size, (max_y - point[1]) * size)

    known = sorted(v for v in values.values() if v is not None)
    breaks = (
        [known[min(len(known) - 1, int(len(known) * q / 5))] for q in range(1, 5)] if known else []
    )

    def colour(value) -> str:
        if value is None:
            return "#dddddd"
        return MAP_COLOURS[sum(1 for b in breaks if value >= b) if breaks else 2]

    shapes = []
    for boundary in sorted(boundaries, key=lambda b: b.neighbourhood.code):
        region = boundary.neighbourhood
        path = ""
        for ring in _rings(boundary.geometry):
            coords = [project(p) for p in ring]
            if coords:
                path += "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords) + " Z "
        value = values.get(region.code)
        text = format_figure(value, indicator.kind) if indicator is not None else ""
        shapes.append(
            MapShape(
                region.code,
                region.name,
                path.strip(),
                colour(value),
                text,
                region.code in codes or any(c.startswith("BU" + region.code[2:]) for c in codes),
            )
        )
    legend = []
    if breaks and indicator is not None:
        edges = [known[0], *breaks, known[-1]]
        for i, shade in enumerate(MAP_COLOURS):
            legend.append(
                (
                    shade,
                    f"{format_figure(edges[i], indicator.kind)} – {format_figure(edges[i + 1], indicator.kind)}",
                )
            )
    box_w = width * size
    box_h = height * size
    return AreaMap(
        shapes, f"-5 -5 {box_w + 10:.0f} {box_h + 10:.0f}", legend, boundary_year, indicator
    )


def plans_showing_figures(*, figures, owner_id: int | None = None) -> list[dict]:
    """The plans whose figure tables show any of these figures, by name: with an owner only
    that organisation's plans (no other sees its figures), else every plan.

    `figures` is a DataFrame of (neighbourhood_id, indicator_id, year): the figures an
    import would add or change. A table shows a figure when it lists both the indicator
    and the neighbourhood, for the row's own year or else the table's. Kept apart (and the
    only place wijkdata reads the plans' tables) so that it can follow the plans app.
    """
    import pandas as pd

    from plans.models import FigureTableIndicator, FigureTableNeighbourhood, Plan

    if figures is None or not len(figures):
        return []
    indicator_ids = sorted({int(i) for i in figures["indicator_id"].unique()})
    shown = pd.DataFrame(
        list(
            FigureTableIndicator.objects.filter(indicator_id__in=indicator_ids).values_list(
                "table_id", "indicator_id", "year", "table__year"
            )
        ),
        columns=["table_id", "indicator_id", "row_year", "table_year"],
    )
    if shown.empty:
        return []
    shown["year"] = shown["row_year"].fillna(shown["table_year"]).astype("int64")
    shown = shown[shown["year"].isin(set(figures["year"].astype("int64").tolist()))]
    if shown.empty:
        return []
    places = pd.DataFrame(
        list(
            FigureTableNeighbourhood.objects.filter(
                table_id__in=set(shown["table_id"].tolist())
            ).values_list("table_id", "neighbourhood_id")
        ),
        columns=["table_id", "neighbourhood_id"],
    )
    cells = shown[["table_id", "indicator_id", "year"]].merge(places, on="table_id")
    hits = cells.merge(
        figures[["neighbourhood_id", "indicator_id", "year"]].astype("int64").drop_duplicates(),
        on=["neighbourhood_id", "indicator_id", "year"],
    )
    affected = set(hits["table_id"].tolist())
    if not affected:
        return []
    plans = Plan.objects.filter(sections__figure_tables__in=affected)
    if owner_id is not None:
        plans = plans.filter(area__organisation_id=owner_id)
    plans = (
        plans.distinct()
        .select_related("area")
        .order_by("area__name", "-period_start")
    )
    return [
        {
            "name": plan.title,
            "area": plan.area.name,
            "adopted": plan.status == Plan.Status.ADOPTED,
        }
        for plan in plans
    ]


# --- one figure and its newest year (cited figures, execution-plan targets) ---------------


@dataclass
class FigureLookup:
    """What `figure_lookup` found for one (region, indicator, year)."""

    figure: IndicatorValue | None  # the figure of the year asked for; None if there is none
    newest: IndicatorValue | None  # the figure of the newest later year that has a value

    @property
    def newest_year(self) -> int | None:
        return self.newest.year if self.newest is not None else None


def figure_lookup(wanted, *, values=None, codes: dict[int, str] | None = None) -> dict[tuple[int, int, int], FigureLookup]:
    """The value of indicator X for region Y in year Z, and the newest year after Z.

    `wanted` holds `(neighbourhood_id, indicator_id, year)` triples; the answer has a
    `FigureLookup` for each. Regions are matched by their CBS code, because every year's
    import has its own region rows (`Neighbourhood` is keyed by code and year): the 2025
    figure of a buurt hangs on its 2025 row. Where one year has figures on several rows of
    the same code, the row asked for wins. A later year counts only if it has a value
    (not a missing figure). Two queries, whatever the number of triples.

    `values` is the IndicatorValue queryset to read from (default: all figures), so that a
    caller can pass only the figures visible to an organisation. `codes` maps neighbourhood
    ids to their CBS codes when the caller has the rows already (it saves the first query).
    """
    wanted = {(int(n), int(i), int(y)) for n, i, y in wanted}
    if not wanted:
        return {}
    if codes is None or not {w[0] for w in wanted} <= set(codes):
        codes = dict(Neighbourhood.objects.filter(pk__in={w[0] for w in wanted}).values_list("id", "code"))
    if values is None:
        values = IndicatorValue.objects.all()
    found = values.filter(
        neighbourhood__code__in=set(codes.values()),
        indicator_id__in={w[1] for w in wanted},
        year__gte=min(w[2] for w in wanted),
    ).annotate(region_code=models.F("neighbourhood__code"))
    by_series: dict[tuple[str, int], list[IndicatorValue]] = defaultdict(list)
    for value in found:
        by_series[(value.region_code, value.indicator_id)].append(value)
    answer = {}
    for neighbourhood_id, indicator_id, year in wanted:
        series = by_series.get((codes.get(neighbourhood_id), indicator_id), [])
        same_year = sorted(
            # The row asked for first; on it, an organisation's own figure before the public one.
            (v for v in series if v.year == year),
            key=lambda v: (v.neighbourhood_id != neighbourhood_id, v.owner_id is None),
        )
        later = [v for v in series if v.year > year and v.value is not None]
        answer[(neighbourhood_id, indicator_id, year)] = FigureLookup(
            figure=same_year[0] if same_year else None,
            newest=max(later, key=lambda v: (v.year, v.neighbourhood_id == neighbourhood_id)) if later else None,
        )
    return answer
