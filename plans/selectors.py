"""Read access to areas and plans: who may see what, and the whole plan in a fixed
number of queries, shared by the plan page and the PDF."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from matrix.models import MatrixItem
from wijkdata.models import Indicator, IndicatorValue

from .models import (
    Area,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    Membership,
    Plan,
    StrengthOpportunity,
)


def areas_for_user(user) -> QuerySet[Area]:
    """The areas a user has a role in; staff see every area."""
    areas = Area.objects.select_related("organisation")
    if user.is_staff:
        return areas
    return areas.filter(memberships__user=user).distinct()


def role_for_user(user, area: Area) -> str | None:
    if user.is_staff:
        return Membership.Role.COORDINATOR
    membership = Membership.objects.filter(user=user, area=area).only("role").first()
    return membership.role if membership else None


def get_plan_for_user(user, code, *, roles: tuple[str, ...] | None = None) -> Plan:
    """The plan with this code, if the user has a role (one of `roles`) in its area.

    An unknown code is a 404; a plan in an area the user has no role in is a 404 too, so
    that codes of other areas cannot be probed. A role too weak for the action is a 403.
    """
    try:
        plan = Plan.objects.select_related("area__organisation").get(code=code)
    except Plan.DoesNotExist:
        raise Http404 from None
    role = role_for_user(user, plan.area)
    if role is None:
        raise Http404
    if roles is not None and role not in roles:
        raise PermissionDenied
    plan.user_role = role
    return plan


@dataclass
class Cell:
    value: Decimal | None
    missing_reason: str
    kind: str


@dataclass
class TableRow:
    label: str
    cells: list[Cell]
    section: str = ""  # the indicator kind heading starting a group, if any


@dataclass
class TableView:
    table: FigureTable
    columns: list[str]
    rows: list[TableRow]
    sources: list[str] = field(default_factory=list)


@dataclass
class ThemeRow:
    theme: object
    strengths: list[StrengthOpportunity]
    opportunities: list[StrengthOpportunity]


@dataclass
class PlanDocument:
    plan: Plan
    tables: list[TableView]
    themes: list[ThemeRow]
    quadrants: dict[str, list[MatrixItem]]
    focus_groups: list[tuple[str, list]]
    milestones: list

    @property
    def has_figures(self) -> bool:
        return any(table.rows for table in self.tables)


# Section headings of the survey table, as the seeds print them.
KIND_SECTIONS = {
    Indicator.Kind.SCORE: "Buurtscore (nee/nooit = 0 ja/zeker = 100)",
    Indicator.Kind.SCALE: "Schaalscore",
    Indicator.Kind.GRADE: "Rapportcijfer",
    Indicator.Kind.PERCENTAGE: "Percentages",
    Indicator.Kind.COUNT: "Aantallen",
}


def plan_document(plan: Plan) -> PlanDocument:
    """Everything the plan page and the PDF show, in a constant number of queries."""
    tables = list(
        plan.figure_tables.prefetch_related(
            Prefetch(
                "indicator_rows",
                queryset=FigureTableIndicator.objects.select_related("indicator"),
            ),
            Prefetch(
                "neighbourhood_rows",
                queryset=FigureTableNeighbourhood.objects.select_related("neighbourhood"),
            ),
        )
    )
    values = _values_for_tables(tables)
    cards = list(plan.strengths_opportunities.order_by("order"))
    themes = _theme_rows(plan, cards)
    items = list(plan.matrix_items.all())
    quadrants = {f"{impact}_{effort}": [] for impact in MatrixItem.Impact.values for effort in MatrixItem.Effort.values}
    for item in items:
        quadrants[f"{item.impact}_{item.effort}"].append(item)
    focus = list(plan.focus_points.all())
    focus_groups = [(group, list(points)) for group, points in groupby(focus, key=lambda p: p.group)]
    return PlanDocument(
        plan=plan,
        tables=[_table_view(table, values) for table in tables],
        themes=themes,
        quadrants=quadrants,
        focus_groups=focus_groups,
        milestones=list(plan.milestones.all()),
    )


def _values_for_tables(tables: list[FigureTable]) -> dict:
    neighbourhood_ids, indicator_ids, years = set(), set(), set()
    for table in tables:
        years.add(table.year)
        neighbourhood_ids.update(row.neighbourhood_id for row in table.neighbourhood_rows.all())
        indicator_ids.update(row.indicator_id for row in table.indicator_rows.all())
    if not tables:
        return {}
    found = IndicatorValue.objects.filter(
        neighbourhood_id__in=neighbourhood_ids, indicator_id__in=indicator_ids, year__in=years
    ).only("neighbourhood_id", "indicator_id", "year", "value", "missing_reason", "source")
    return {(v.neighbourhood_id, v.indicator_id, v.year): v for v in found}


def _cell(values: dict, table: FigureTable, nb_row, ind_row) -> tuple[Cell, str | None]:
    found = values.get((nb_row.neighbourhood_id, ind_row.indicator_id, table.year))
    kind = ind_row.indicator.kind
    if found is None:
        return Cell(None, "geen gegevens", kind), None
    return Cell(found.value, found.missing_reason, kind), found.source


def _table_view(table: FigureTable, values: dict) -> TableView:
    indicator_rows = list(table.indicator_rows.all())
    neighbourhood_rows = list(table.neighbourhood_rows.all())
    sources: set[str] = set()
    rows = []
    if table.layout == FigureTable.Layout.INDICATOR_ROWS:
        columns = [nb.display_label for nb in neighbourhood_rows]
        previous_kind = None
        for ind_row in indicator_rows:
            cells = []
            for nb_row in neighbourhood_rows:
                cell, source = _cell(values, table, nb_row, ind_row)
                cells.append(cell)
                if source:
                    sources.add(source)
            kind = ind_row.indicator.kind
            section = KIND_SECTIONS[kind] if kind != previous_kind else ""
            previous_kind = kind
            rows.append(TableRow(label=str(ind_row), cells=cells, section=section))
    else:
        columns = [str(ind_row) for ind_row in indicator_rows]
        for nb_row in neighbourhood_rows:
            cells = []
            for ind_row in indicator_rows:
                cell, source = _cell(values, table, nb_row, ind_row)
                cells.append(cell)
                if source:
                    sources.add(source)
            rows.append(TableRow(label=nb_row.display_label, cells=cells))
    return TableView(table=table, columns=columns, rows=rows, sources=sorted(sources))


def _theme_rows(plan: Plan, cards: list[StrengthOpportunity]) -> list[ThemeRow]:
    """Every theme of the organisation, in its order, with the plan's cards under it."""
    grouped = defaultdict(list)
    for card in cards:
        grouped[(card.theme_id, card.kind)].append(card)
    return [
        ThemeRow(
            theme,
            strengths=grouped[(theme.pk, StrengthOpportunity.Kind.STRENGTH)],
            opportunities=grouped[(theme.pk, StrengthOpportunity.Kind.OPPORTUNITY)],
        )
        for theme in plan.area.organisation.themes.all()
    ]
