"""The whole plan as the page and the PDF show it, read in a fixed number of queries.

`plan_document` reads the plan's sections and, per section kind the plan uses, its content
with one query per table: the count depends on which kinds a plan has, never on how many
sections, cards or figures it holds. Sections that are empty are left out (a matrix with
items keeps "Geen" in an empty quadrant; a matrix without any is not printed at all).
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import Prefetch

from matrix.models import MatrixItem
from wijkdata.formatting import format_figure
from wijkdata.models import IndicatorValue
from wijkdata.selectors import (
    figure_lookup,
    own_first,
    region_label,
    source_label,
    visible_filter,
    visible_values,
)

from .models import (
    Activity,
    Card,
    CardKind,
    CardRows,
    CardTopic,
    FigureCitation,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    FrozenValue,
    Goal,
    GoalIndicator,
    Intervention,
    InterventionPartner,
    Milestone,
    Plan,
    PlanTheme,
    Section,
    SectionKind,
    SurveyAnswer,
    SurveyQuestion,
)


@dataclass
class Cell:
    value: Decimal | None
    missing_reason: str
    kind: str
    own: bool = False  # the organisation's own figure, not a public one


@dataclass
class TableRow:
    label: str
    cells: list[Cell]
    section: str = ""  # the row group this row opens, if any
    note: str = ""  # year and source, when the table's rows differ in them


@dataclass
class TableView:
    table: FigureTable
    columns: list[str]
    rows: list[TableRow]
    sources: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)

    @property
    def has_row_notes(self) -> bool:
        return any(row.note for row in self.rows)

    @property
    def source_line(self) -> str:
        """"Gemeente 's-Hertogenbosch, 2024" for the table as a whole."""
        years = ", ".join(str(y) for y in self.years)
        return ", ".join(filter(None, [", ".join(self.sources), years]))

    @property
    def marks_own(self) -> bool:
        """A table mixing the organisation's own figures with public ones marks its own
        figures one by one; a table of one kind says so in its source line alone."""
        cells = [cell for row in self.rows for cell in row.cells if cell.value is not None or cell.missing_reason != "geen gegevens"]
        return any(cell.own for cell in cells) and not all(cell.own for cell in cells)


@dataclass
class CitedFigure:
    """A figure a focus point or goal cites, as the plan shows it: live, or as it was
    frozen when the plan was adopted."""

    citation: FigureCitation
    value: Decimal | None
    missing_reason: str
    source: str
    newer_year: int | None = None  # a later year of this figure exists (live plans only)

    @property
    def indicator(self):
        return self.citation.indicator

    @property
    def region(self) -> str:
        return region_label(self.citation.neighbourhood)

    @property
    def year(self) -> int:
        return self.citation.year

    @property
    def shown(self) -> str:
        """"14%", "6.960", or "–" with the reason when the source has no figure."""
        if self.value is None:
            return f"– ({self.missing_reason})" if self.missing_reason else "–"
        return format_figure(self.value, self.citation.indicator.kind)

    @property
    def note(self) -> str:
        """"2024, Gemeente 's-Hertogenbosch"."""
        return ", ".join(filter(None, [str(self.year), self.source]))


@dataclass
class CardRow:
    """A theme or topic with its cards, one list per card kind (column)."""

    name: str
    is_focus: bool
    columns: list[list[Card]]
    kinds: list[CardKind] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(self.columns)

    @property
    def cells(self) -> list[tuple[CardKind, list[Card]]]:
        return list(zip(self.kinds, self.columns, strict=True))


@dataclass
class SectionView:
    section: Section
    number: str = ""  # "1", "2", … for numbered chapters; "Bijlage 1" for appendices
    anchor: str = ""
    children: list["SectionView"] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)
    card_kinds: list[CardKind] = field(default_factory=list)
    card_rows: list[CardRow] = field(default_factory=list)
    quadrants: dict[str, list[MatrixItem]] = field(default_factory=dict)
    focus_groups: list[tuple[str, list[FocusPoint]]] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    questions: list[SurveyQuestion] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.section.kind

    @property
    def heading(self) -> str:
        return self.section.heading

    @property
    def has_content(self) -> bool:
        kind = self.section.kind
        if kind == SectionKind.TEXT:
            return bool(self.section.intro.strip())
        if kind == SectionKind.FIGURES:
            return bool(self.section.intro.strip()) or any(t.rows for t in self.tables)
        if kind == SectionKind.CARDS:
            return any(not row.is_empty for row in self.card_rows)
        if kind == SectionKind.MATRIX:
            return any(self.quadrants.values())
        return bool(
            self.focus_groups or self.interventions or self.activities or self.goals
            or self.questions or self.milestones
        )

    @property
    def is_empty(self) -> bool:
        return not self.has_content and all(child.is_empty for child in self.children)


@dataclass
class PlanDocument:
    plan: Plan
    sections: list[SectionView]
    appendices: list[SectionView]
    themes: list[PlanTheme]
    # Parts other apps add after the sections (see register_part), by name.
    parts: dict = field(default_factory=dict)

    @property
    def all_sections(self) -> list[SectionView]:
        """Every section shown, children after their parent, appendices last."""
        found = []
        for view in self.sections + self.appendices:
            found.append(view)
            found.extend(view.children)
        return found

    def of_kind(self, kind: str) -> list[SectionView]:
        return [view for view in self.all_sections if view.kind == kind]

    @property
    def tables(self) -> list[TableView]:
        return [table for view in self.of_kind(SectionKind.FIGURES) for table in view.tables]

    @property
    def has_figures(self) -> bool:
        return any(table.rows for table in self.tables)


QUADRANTS = [f"{i}_{e}" for i in MatrixItem.Impact.values for e in MatrixItem.Effort.values]


# Other apps (execution) add a part to the plan page and PDF without plans importing them:
# name → function(plan) returning what the part's template shows (falsy: not shown). Each
# must read in a fixed number of queries, so the document's count stays constant.
PARTS: dict[str, Callable[[Plan], object]] = {}


def register_part(name: str, provider: Callable[[Plan], object]) -> None:
    PARTS[name] = provider


def plan_document(plan: Plan) -> PlanDocument:
    """Everything the plan page and the PDF show, in a constant number of queries."""
    sections = list(plan.sections.all())
    ids = [s.pk for s in sections]
    kinds = {s.kind for s in sections}
    themes = list(plan.themes.all())
    views = {s.pk: SectionView(section=s, anchor=f"s-{s.code.hex[:8]}") for s in sections}

    if SectionKind.FIGURES in kinds:
        _load_figures(ids, views, plan=plan, frozen=plan.status == Plan.Status.ADOPTED)
    if SectionKind.CARDS in kinds:
        _load_cards(ids, views, themes)
    if SectionKind.MATRIX in kinds:
        for view in views.values():
            if view.kind == SectionKind.MATRIX:
                view.quadrants = {q: [] for q in QUADRANTS}
        for item in MatrixItem.objects.filter(section_id__in=ids):
            views[item.section_id].quadrants[f"{item.impact}_{item.effort}"].append(item)
    cites: dict[str, dict[int, object]] = {"focus_point": {}, "goal": {}, "goal_indicator": {}}
    if SectionKind.FOCUS in kinds:
        by_section = _by_section(FocusPoint.objects.filter(section_id__in=ids))
        for points in by_section.values():
            cites["focus_point"].update((p.pk, p) for p in points)
        for pk, points in by_section.items():
            views[pk].focus_groups = [(g, list(p)) for g, p in groupby(points, key=lambda p: p.group)]
    if SectionKind.INTERVENTIONS in kinds:
        interventions = Intervention.objects.filter(section_id__in=ids).prefetch_related(
            Prefetch("partners", queryset=InterventionPartner.objects.all()), "themes"
        )
        for pk, items in _by_section(interventions).items():
            views[pk].interventions = items
    if SectionKind.ACTIVITIES in kinds:
        activities = Activity.objects.filter(section_id__in=ids).select_related("theme").prefetch_related("types")
        for pk, items in _by_section(activities).items():
            views[pk].activities = items
    if SectionKind.GOALS in kinds:
        goals = list(
            Goal.objects.filter(section_id__in=ids).prefetch_related(
                Prefetch("indicators", queryset=GoalIndicator.objects.select_related("indicator"))
            )
        )
        children = defaultdict(list)
        for goal in goals:
            children[goal.parent_id].append(goal)
            cites["goal"][goal.pk] = goal
            cites["goal_indicator"].update((gi.pk, gi) for gi in goal.indicators.all())
        for goal in goals:
            goal.children = children[goal.pk]
        for pk, items in _by_section(g for g in goals if g.parent_id is None).items():
            views[pk].goals = items
    if SectionKind.FOCUS in kinds or SectionKind.GOALS in kinds:
        _load_citations(ids, cites, frozen=plan.status == Plan.Status.ADOPTED, organisation_id=plan.area.organisation_id)
    if SectionKind.SURVEY in kinds:
        questions = SurveyQuestion.objects.filter(section_id__in=ids).prefetch_related(
            Prefetch("answers", queryset=SurveyAnswer.objects.all())
        )
        for pk, items in _by_section(questions).items():
            views[pk].questions = items
    if SectionKind.TIMELINE in kinds:
        for pk, items in _by_section(Milestone.objects.filter(section_id__in=ids)).items():
            views[pk].milestones = items

    top: list[SectionView] = []
    for section in sections:
        view = views[section.pk]
        if section.parent_id is None:
            top.append(view)
        elif section.parent_id in views:
            views[section.parent_id].children.append(view)
    shown = [view for view in top if not view.is_empty]
    for view in shown:
        view.children = [child for child in view.children if not child.is_empty]
    chapters = [view for view in shown if not view.section.appendix]
    appendices = [view for view in shown if view.section.appendix]
    number = 0
    for view in chapters:
        if view.section.numbered:
            number += 1
            view.number = str(number)
    for i, view in enumerate(appendices, start=1):
        view.number = f"Bijlage {i}"
    parts = {name: provider(plan) for name, provider in PARTS.items()}
    return PlanDocument(plan=plan, sections=chapters, appendices=appendices, themes=themes, parts=parts)


def _by_section(items) -> dict[int, list]:
    grouped = defaultdict(list)
    for item in items:
        grouped[item.section_id].append(item)
    return grouped


def _load_citations(ids: list[int], owners: dict[str, dict[int, object]], *, frozen: bool, organisation_id: int) -> None:
    """Every cited figure of the plan with its value: two queries (the citations with their
    indicators and regions, and the figures).

    Each focus point, goal and goal indicator gets `cited`, a list of `CitedFigure`. An
    adopted plan shows the values frozen on adoption (its coordinator hears about newer
    ones outside the cached article, `newer_figures`)."""
    for found in owners.values():
        for owner in found.values():
            owner.cited = []
    citations = list(
        FigureCitation.objects.filter(section_id__in=ids).select_related("indicator", "neighbourhood")
    )
    live = [c for c in citations if not (frozen and c.frozen_at)]
    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in live),
        codes={c.neighbourhood_id: c.neighbourhood.code for c in live},
        values=IndicatorValue.objects.filter(visible_filter(organisation_id)),
    )
    for citation in citations:
        owner = next(
            (owners[name].get(getattr(citation, f"{name}_id")) for name in owners if getattr(citation, f"{name}_id")),
            None,
        )
        if owner is None:
            continue
        if frozen and citation.frozen_at:
            shown = CitedFigure(
                citation, citation.frozen_value, citation.frozen_missing_reason, citation.frozen_source
            )
        else:
            found = lookup[(citation.neighbourhood_id, citation.indicator_id, citation.year)]
            figure = found.figure
            shown = CitedFigure(
                citation,
                figure.value if figure else None,
                figure.missing_reason if figure else "geen gegevens",
                figure.source if figure else "",
                newer_year=found.newest_year,
            )
        owner.cited.append(shown)


def _load_cards(ids: list[int], views: dict[int, SectionView], themes: list[PlanTheme]) -> None:
    kinds = _by_section(CardKind.objects.filter(section_id__in=ids))
    topics = _by_section(CardTopic.objects.filter(section_id__in=ids))
    placed = defaultdict(list)
    for card in Card.objects.filter(section_id__in=ids).order_by("order", "id"):
        placed[(card.section_id, card.theme_id, card.topic_id, card.kind_id)].append(card)
    for pk, view in views.items():
        if view.kind != SectionKind.CARDS:
            continue
        view.card_kinds = kinds.get(pk, [])
        if view.section.card_rows == CardRows.TOPICS:
            rows = [(t.name, False, None, t.pk) for t in topics.get(pk, [])]
        else:
            rows = [(t.name, t.is_focus, t.pk, None) for t in themes]
        view.card_rows = [
            CardRow(
                name=name,
                is_focus=is_focus,
                columns=[placed[(pk, theme_id, topic_id, kind.pk)] for kind in view.card_kinds],
                kinds=view.card_kinds,
            )
            for name, is_focus, theme_id, topic_id in rows
        ]


def _load_figures(ids: list[int], views: dict[int, SectionView], *, plan: Plan, frozen: bool) -> None:
    tables = list(
        FigureTable.objects.filter(section_id__in=ids).prefetch_related(
            Prefetch("indicator_rows", queryset=FigureTableIndicator.objects.select_related("indicator")),
            Prefetch("neighbourhood_rows", queryset=FigureTableNeighbourhood.objects.select_related("neighbourhood")),
        )
    )
    if frozen:
        # An adopted plan shows the figures as they were on the day it was adopted.
        by_table = defaultdict(dict)
        for v in FrozenValue.objects.filter(table__in=tables):
            by_table[v.table_id][(v.neighbourhood_id, v.indicator_id, v.year)] = v
        for table in tables:
            views[table.section_id].tables.append(_table_view(table, by_table[table.pk], plan=plan))
        return
    values = _values_for_tables(tables, organisation_id=plan.area.organisation_id)
    for table in tables:
        views[table.section_id].tables.append(_table_view(table, values, plan=plan))


def _values_for_tables(tables: list[FigureTable], *, organisation_id: int) -> dict:
    neighbourhood_ids, indicator_ids, years = set(), set(), set()
    for table in tables:
        years.add(table.year)
        neighbourhood_ids.update(row.neighbourhood_id for row in table.neighbourhood_rows.all())
        for row in table.indicator_rows.all():
            indicator_ids.add(row.indicator_id)
            if row.year:
                years.add(row.year)
    if not tables:
        return {}
    # The organisation's own figures and the public ones; its own wins (wijkdata.selectors).
    found = visible_values(
        organisation_id,
        IndicatorValue.objects.filter(
            neighbourhood_id__in=neighbourhood_ids, indicator_id__in=indicator_ids, year__in=years
        ).only("neighbourhood_id", "indicator_id", "year", "value", "missing_reason", "source", "owner_id"),
    )
    return own_first(found)


def _is_own(found) -> bool:
    # A live figure knows its owner; a frozen one whether it was the organisation's own.
    return found.own if isinstance(found, FrozenValue) else found.owner_id is not None


def _cell(values: dict, year: int, nb_row, ind_row, plan: Plan) -> tuple[Cell, str | None]:
    found = values.get((nb_row.neighbourhood_id, ind_row.indicator_id, year))
    kind = ind_row.indicator.kind
    if found is None:
        return Cell(None, "geen gegevens", kind), None
    own = _is_own(found)
    source = source_label(found.source, own=own, organisation_name=plan.area.organisation.name)
    return Cell(found.value, found.missing_reason, kind, own=own), source


def _table_view(table: FigureTable, values: dict, *, plan: Plan) -> TableView:
    indicator_rows = list(table.indicator_rows.all())
    neighbourhood_rows = list(table.neighbourhood_rows.all())
    sources: set[str] = set()
    years: set[int] = set()
    rows = []
    if table.layout == FigureTable.Layout.INDICATOR_ROWS:
        columns = [nb.display_label for nb in neighbourhood_rows]
        row_notes = []
        for ind_row in indicator_rows:
            year = ind_row.year or table.year
            cells, row_sources = [], set()
            for nb_row in neighbourhood_rows:
                cell, source = _cell(values, year, nb_row, ind_row, plan)
                cells.append(cell)
                if source:
                    row_sources.add(source)
            sources |= row_sources
            years.add(year)
            row_notes.append((year, tuple(sorted(row_sources))))
            rows.append(TableRow(label=str(ind_row), cells=cells, section=ind_row.group))
        # Where rows differ in year or source, every row says its own.
        if len(set(row_notes)) > 1:
            for row, (year, row_sources) in zip(rows, row_notes, strict=True):
                row.note = ", ".join([*row_sources, str(year)])
    else:
        columns = [str(ind_row) for ind_row in indicator_rows]
        for nb_row in neighbourhood_rows:
            cells = []
            for ind_row in indicator_rows:
                year = ind_row.year or table.year
                cell, source = _cell(values, year, nb_row, ind_row, plan)
                cells.append(cell)
                years.add(year)
                if source:
                    sources.add(source)
            rows.append(TableRow(label=nb_row.display_label, cells=cells))
    return TableView(
        table=table, columns=columns, rows=rows, sources=sorted(sources), years=sorted(years or {table.year})
    )


def newer_figures(plan: Plan) -> dict:
    """For an adopted plan: are there figures of a later year than it shows, or figures of
    the same year that were corrected since it was adopted? And which cited figures have
    a later year or a correction (`cited`: indicator, region, year, newest year). Four
    queries."""
    from django.db.models import Exists, OuterRef

    frozen = FrozenValue.objects.filter(table__section__plan=plan)
    same_figure = IndicatorValue.objects.filter(
        visible_filter(plan.area.organisation_id),
        neighbourhood_id=OuterRef("neighbourhood_id"),
        indicator_id=OuterRef("indicator_id"),
    )
    citations = list(
        FigureCitation.objects.filter(section__plan=plan, frozen_at__isnull=False).select_related(
            "indicator", "neighbourhood"
        )
    )
    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in citations),
        codes={c.neighbourhood_id: c.neighbourhood.code for c in citations},
        values=IndicatorValue.objects.filter(visible_filter(plan.area.organisation_id)),
    )
    cited = []
    for citation in citations:
        found = lookup[(citation.neighbourhood_id, citation.indicator_id, citation.year)]
        corrected = found.figure is not None and found.figure.value != citation.frozen_value
        if found.newest_year or corrected:
            cited.append(
                {
                    "indicator": citation.indicator.name,
                    "region": region_label(citation.neighbourhood),
                    "year": citation.year,
                    "newest_year": found.newest_year,
                    "corrected": corrected,
                }
            )
    return {
        "later_year": frozen.filter(Exists(same_figure.filter(year__gt=OuterRef("year")))).exists()
        or any(c["newest_year"] for c in cited),
        "corrected": frozen.filter(
            Exists(same_figure.filter(year=OuterRef("year")).exclude(value=OuterRef("value")))
        ).exists()
        or any(c["corrected"] for c in cited),
        "cited": cited,
    }
