"""Read access to areas and plans: who may see what, and the whole plan in a fixed
number of queries, shared by the plan page and the PDF."""

import time
import uuid
from functools import cache

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from .document import Cell, PlanDocument, SectionView, TableRow, TableView, plan_document
from .models import Area, Membership, Organisation, Plan

__all__ = [
    "Cell",
    "PlanDocument",
    "SectionView",
    "TableRow",
    "TableView",
    "areas_for_user",
    "get_plan_for_user",
    "get_organisation_for_user",
    "get_plan_header_for_user",
    "plan_document",
    "role_for_user",
]


def areas_for_user(user) -> QuerySet[Area]:
    """The areas a user has a role in, each with `user_role`; staff see every area."""
    areas = Area.objects.select_related("organisation").annotate(
        user_role=Subquery(Membership.objects.filter(area=OuterRef("pk"), user=user).values("role")[:1])
    )
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
        "SELECT p.id, p.code, p.title, p.document_type, p.period_start, p.period_end, "  # noqa: S608
        "p.revision, p.status, p.updated, a.id, a.code, a.name, a.updated, "
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
    (pk, plan_code, title, document_type, period_start, period_end, revision, status, updated,
     area_id, area_code, area_name, area_updated, organisation_id, organisation_updated,
     member_role) = rows[0]
    role = Membership.Role.COORDINATOR if user.is_staff else member_role
    if role is None:
        raise Http404
    organisation = Organisation(id=organisation_id, updated=organisation_updated)
    area = Area(id=area_id, code=_uuid(area_code), name=area_name, updated=area_updated,
                organisation_id=organisation_id)
    area.organisation = organisation
    plan = Plan(
        id=pk, code=_uuid(plan_code), title=title, document_type=document_type,
        period_start=period_start, period_end=period_end, revision=revision, status=status, updated=updated,
        area_id=area_id,
    )
    plan.area = area
    plan.user_role = role
    return plan


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


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


def get_organisation_for_user(user, code, *, edit: bool = False) -> Organisation:
    """The organisation with this code, for a user with a role in one of its areas.

    No role in any of its areas is a 404 (codes cannot be probed); `edit` needs a
    coordinator of one of its areas (or staff), else a 403.
    """
    try:
        organisation = Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if user.is_staff:
        return organisation
    roles = set(
        Membership.objects.filter(user=user, area__organisation=organisation).values_list("role", flat=True)
    )
    if not roles:
        raise Http404
    if edit and Membership.Role.COORDINATOR not in roles:
        raise PermissionDenied
    return organisation


def moved_citations(plan: Plan) -> list[dict]:
    """The cited figures a copy to this period moved to a newer year and that changed since:
    indicator, region, the old and new year and value, and whether that is better or worse
    (per the indicator's direction; higher/lower for a neutral one). Two queries."""
    from wijkdata.formatting import format_figure
    from wijkdata.models import Indicator
    from wijkdata.selectors import figure_lookup, region_label

    from .models import FigureCitation

    citations = list(
        FigureCitation.objects.filter(section__plan=plan, previous_year__isnull=False).select_related(
            "indicator", "neighbourhood"
        )
    )
    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in citations),
        codes={c.neighbourhood_id: c.neighbourhood.code for c in citations},
    )
    moved = []
    for c in citations:
        figure = lookup[(c.neighbourhood_id, c.indicator_id, c.year)].figure
        new, old = (figure.value if figure else None), c.previous_value
        if new is None or old is None or new == old:
            continue
        higher = new > old
        if c.indicator.direction == Indicator.Direction.NEUTRAL:
            verdict = "higher" if higher else "lower"
        else:
            verdict = "better" if higher == (c.indicator.direction == Indicator.Direction.HIGHER_IS_BETTER) else "worse"
        moved.append(
            {
                "indicator": c.indicator.name,
                "region": region_label(c.neighbourhood),
                "old_year": c.previous_year,
                "old": format_figure(old, c.indicator.kind),
                "year": c.year,
                "new": format_figure(new, c.indicator.kind),
                "verdict": verdict,
            }
        )
    return moved
