"""Read access to areas and plans: who may see what, and the whole plan in a fixed
number of queries, shared by the plan page and the PDF."""

import hashlib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import groupby

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from matrix.models import MatrixItem
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

from .models import (
    Area,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    Membership,
    Milestone,
    Organisation,
    Plan,
    StrengthOpportunity,
    Theme,
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
    # The user's role comes with the plan in one query.
    plans = Plan.objects.select_related("area__organisation").annotate(
        member_role=Subquery(
            Membership.objects.filter(area=OuterRef("area"), user=user).values("role")[:1]
        )
    )
    try:
        plan = plans.get(code=code)
    except Plan.DoesNotExist:
        raise Http404 from None
    role = Membership.Role.COORDINATOR if user.is_staff else plan.member_role
    if role is None:
        raise Http404
    if roles is not None and role not in roles:
        raise PermissionDenied
    plan.user_role = role
    return plan


@cache
def _plan_header_sql() -> str:
    t = {m.__name__: m._meta.db_table for m in (Plan, Area, Organisation, Membership)}
    return (
        "SELECT p.id, p.code, p.title, p.year, p.updated, a.id, a.code, a.name, a.updated, "  # noqa: S608
        "a.organisation_id, o.updated, "
        f"(SELECT m.role FROM {t['Membership']} m WHERE m.area_id = a.id AND m.user_id = %(user)s) "
        f"FROM {t['Plan']} p JOIN {t['Area']} a ON a.id = p.area_id "
        f"JOIN {t['Organisation']} o ON o.id = a.organisation_id WHERE p.code = %(code)s"
    )


def get_plan_header_for_user(user, code) -> Plan:
    """The few fields the cached plan page needs, with the same access rule as
    get_plan_for_user (unknown plan or no role: 404), in one prepared query.

    The plan page is read far more often than it changes; the ORM version of this lookup
    cost more to compile than the whole rest of a cached page.
    """
    code_field = Plan._meta.get_field("code")
    params = {"user": user.pk, "code": code_field.get_db_prep_value(code, connection)}
    rows = _fetch_prepared("get_plan_header_for_user", _plan_header_sql(), params)
    if not rows:
        raise Http404
    (pk, plan_code, title, year, updated, area_id, area_code, area_name, area_updated,
     organisation_id, organisation_updated, member_role) = rows[0]
    role = Membership.Role.COORDINATOR if user.is_staff else member_role
    if role is None:
        raise Http404
    organisation = Organisation(id=organisation_id, updated=organisation_updated)
    area = Area(id=area_id, code=_uuid(area_code), name=area_name, updated=area_updated,
                organisation_id=organisation_id)
    area.organisation = organisation
    plan = Plan(id=pk, code=_uuid(plan_code), title=title, year=year, updated=updated, area_id=area_id)
    plan.area = area
    plan.user_role = role
    return plan


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


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



@cache
def _content_version_sql() -> str:
    """One UNION ALL of small aggregates (raw SQL: compiling ~30 ORM subqueries per
    request cost more than the rows they summarise).

    Only table names from model metadata are interpolated; values are query parameters.
    """
    t = {m.__name__: m._meta.db_table for m in (
        StrengthOpportunity, MatrixItem, FocusPoint, Milestone, FigureTable, Theme,
        FigureTableNeighbourhood, FigureTableIndicator, IndicatorValue, Indicator, Neighbourhood,
    )}
    nbs = (f"SELECT n.neighbourhood_id FROM {t['FigureTableNeighbourhood']} n "  # noqa: S608
           f"JOIN {t['FigureTable']} ft ON n.table_id = ft.id WHERE ft.plan_id = %(plan)s")
    inds = (f"SELECT i.indicator_id FROM {t['FigureTableIndicator']} i "  # noqa: S608
            f"JOIN {t['FigureTable']} ft ON i.table_id = ft.id WHERE ft.plan_id = %(plan)s")
    stamped = {
        "cards": f"{t['StrengthOpportunity']} WHERE plan_id = %(plan)s",
        "items": f"{t['MatrixItem']} WHERE plan_id = %(plan)s",
        "focus": f"{t['FocusPoint']} WHERE plan_id = %(plan)s",
        "milestones": f"{t['Milestone']} WHERE plan_id = %(plan)s",
        "tables": f"{t['FigureTable']} WHERE plan_id = %(plan)s",
        "themes": f"{t['Theme']} WHERE organisation_id = %(organisation)s",
        "values": f"{t['IndicatorValue']} WHERE neighbourhood_id IN ({nbs}) AND indicator_id IN ({inds})",
        "indicators": f"{t['Indicator']} WHERE id IN ({inds})",
        "neighbourhoods": f"{t['Neighbourhood']} WHERE id IN ({nbs})",
    }
    # MAX and COUNT alone miss a row that commits late with an older stamp (a long
    # import); the SUM of all stamps changes whenever any stamp does.
    stamp_sum = (
        "SUM(EXTRACT(EPOCH FROM updated))" if connection.vendor == "postgresql" else "SUM(julianday(updated))"
    )
    parts = [
        f"SELECT '{name}', CAST(MAX(updated) AS VARCHAR(40)), COUNT(*), {stamp_sum} FROM {source}"  # noqa: S608
        for name, source in stamped.items()
    ]
    # Table rows have no timestamp: count, ids and order catch additions, removals, moves.
    for name, model in (("nb_rows", "FigureTableNeighbourhood"), ("ind_rows", "FigureTableIndicator")):
        parts.append(
            f"SELECT '{name}', CAST(SUM(r.id) AS VARCHAR(40)), COUNT(*), "  # noqa: S608
            f"SUM(r.{connection.ops.quote_name('order')} * r.id) FROM {t[model]} r "
            f"JOIN {t['FigureTable']} ft ON r.table_id = ft.id WHERE ft.plan_id = %(plan)s"
        )
    return " UNION ALL ".join(parts)


def _fetch_prepared(name: str, sql: str, params: dict) -> list[tuple]:
    """Run a hot read-only query; on PostgreSQL as a statement prepared once per
    connection, because planning these costs more than executing them (Django's cursors
    bind client-side and cannot prepare)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:  # keep query counts (tests, debug toolbar) honest
        connection.queries_log.append(
            {"sql": f"-- {name} (prepared)", "time": f"{time.monotonic() - started:.3f}"}
        )
    return rows


def plan_content_version(plan: Plan) -> str:
    """A fingerprint of everything the plan page shows, in one query.

    Every row the page reads contributes its newest `updated` and its count (counts catch
    deletions). The figure-table rows have no timestamp and contribute count, id and
    order sums; a changed row label must touch its FigureTable (the admin does, by saving
    the parent). The plan, area and organisation rows are already loaded.
    """
    params = {"plan": plan.pk, "organisation": plan.area.organisation_id}
    rows = sorted(_fetch_prepared("plan_content_version", _content_version_sql(), params))
    own = (plan.updated, plan.area.updated, plan.area.organisation.updated)
    return hashlib.sha256(repr((own, rows)).encode()).hexdigest()[:32]
