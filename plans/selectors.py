"""Read access to areas and plans: who may see what, and the whole plan in a fixed
number of queries, shared by the plan page and the PDF."""

import uuid
from functools import cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from .document import Cell, PlanDocument, SectionView, TableRow, TableView, plan_document
from .models import Area, Membership, Organisation, Plan, Section
from .prepared import Columns, fetch_prepared

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
    "get_section_for_user",
    "plan_document",
    "role_for_user",
]


def _staff_of(user, organisation_ref) -> Exists:
    """True where the user is staff of the organisation `organisation_ref` points at."""
    return Exists(
        Organisation.staff.through.objects.filter(organisation_id=organisation_ref, user_id=user.pk)
    )


def areas_for_user(user) -> QuerySet[Area]:
    """The areas a user has a role in, each with `user_role`.

    Superusers see every area; other staff see every area of the organisations they are
    staff of (as coordinator) and nothing of other organisations.
    """
    member_role = Subquery(Membership.objects.filter(area=OuterRef("pk"), user=user).values("role")[:1])
    areas = Area.objects.select_related("organisation")
    if user.is_superuser:
        return areas.annotate(user_role=Value(Membership.Role.COORDINATOR))
    if user.is_staff:
        staff_of = _staff_of(user, OuterRef("organisation_id"))
        return areas.annotate(
            user_role=Case(When(staff_of, then=Value(Membership.Role.COORDINATOR)), default=member_role)
        ).filter(Q(staff_of) | Q(memberships__user=user)).distinct()
    return areas.annotate(user_role=member_role).filter(memberships__user=user).distinct()


def get_area_for_user(user, code, *, roles: tuple[str, ...] | None = None) -> Area:
    """The area with this code for a user with a role in it: 404 without a role (codes
    cannot be probed), 403 with a role not in `roles`."""
    try:
        area = Area.objects.select_related("organisation").get(code=_uuid(code))
    except (Area.DoesNotExist, ValueError):
        raise Http404 from None
    role = role_for_user(user, area)
    if role is None:
        raise Http404
    if roles is not None and role not in roles:
        raise PermissionDenied
    area.user_role = role
    return area


def _is_staff_of(user, organisation_id: int) -> bool:
    if user.is_superuser:
        return True
    return user.is_staff and Organisation.staff.through.objects.filter(
        organisation_id=organisation_id, user_id=user.pk
    ).exists()


def role_for_user(user, area: Area) -> str | None:
    """The user's role in the area: staff of its organisation (and superusers) coordinate."""
    if _is_staff_of(user, area.organisation_id):
        return Membership.Role.COORDINATOR
    membership = Membership.objects.filter(user=user, area=area).only("role").first()
    return membership.role if membership else None


def get_plan_for_user(user, code, *, roles: tuple[str, ...] | None = None) -> Plan:
    """The plan with this code, if the user has a role (one of `roles`) in its area.

    An unknown code is a 404; a plan in an area the user has no role in is a 404 too, so
    that codes of other areas cannot be probed. A role too weak for the action is a 403.

    The plan, its area and organisation and the user's role come in one prepared query
    (`_plan_access_sql`): every edit request starts here, and the ORM spent longer
    compiling this query than the database spent answering it.
    """
    plan, _section = _plan_access(user, code, roles, None)
    return plan


def get_section_for_user(user, code, section_code, *, roles: tuple[str, ...] | None = None) -> tuple[Plan, Section]:
    """The plan as get_plan_for_user gives it (the same 404s and 403s) and its section
    with this code (404 if it has none), in the same one query: every save of a section's
    editor starts here."""
    try:
        db_section = Section._meta.get_field("code").get_db_prep_value(section_code, connection)
    except ValidationError:
        raise Http404 from None
    plan, section = _plan_access(user, code, roles, db_section)
    if section is None:
        raise Http404
    section.plan = plan
    return plan, section


def _plan_access(user, code, roles, db_section) -> tuple[Plan, Section | None]:
    try:
        db_code = Plan._meta.get_field("code").get_db_prep_value(code, connection)
    except ValidationError:
        raise Http404 from None
    with_section = db_section is not None
    sql, models = _plan_access_sql(with_section)
    params = {"user": user.pk, "code": db_code, **({"section": db_section} if with_section else {})}
    rows = fetch_prepared("get_section_for_user" if with_section else "get_plan_for_user", sql, params)
    if not rows:
        raise Http404
    row = rows[0]
    values, start = [], 0
    for columns in models:
        values.append(row[start:start + len(columns)])
        start += len(columns)
    member_role, staff_of = row[start:]
    staff = user.is_superuser or (user.is_staff and staff_of)
    role = Membership.Role.COORDINATOR if staff else member_role
    if role is None:
        raise Http404
    if roles is not None and role not in roles:
        raise PermissionDenied
    plan, area, organisation = (columns.instance(v) for columns, v in zip(models[:3], values[:3], strict=True))
    area.organisation = organisation
    plan.area = area
    plan.user_role = role
    section = None
    if with_section and values[3][0] is not None:  # the section's id: NULL when the plan has no such section
        section = models[3].instance(values[3])
    return plan, section


@cache
def _plan_access_sql(with_section: bool = False) -> tuple[str, list]:
    """get_plan_for_user's query: every column of the plan, its area and organisation, the
    user's role in the area and whether the user is staff of its organisation; with it,
    the models' columns (plans.prepared.Columns), to make the instances. `with_section`:
    also every column of the plan's section `%(section)s` (NULLs if it has none)."""
    models = [Columns(Plan, "p"), Columns(Area, "a"), Columns(Organisation, "o")]
    join = ""
    if with_section:
        models.append(Columns(Section, "sec"))
        table = connection.ops.quote_name(Section._meta.db_table)
        join = f"LEFT JOIN {table} sec ON sec.plan_id = p.id AND sec.code = %(section)s"
    sql = f"SELECT {', '.join(c.sql for c in models)}, {_access_tail(join)}"  # noqa: S608 - names from model meta
    return sql, models


@cache
def _access_tail(join: str = "") -> str:
    """What the plan access queries end with: the user's role in the plan's area and
    whether the user is staff of its organisation, from the plan `p` (by `%(code)s`)
    joined with its area `a` and organisation `o` (and `join`)."""
    quote = connection.ops.quote_name
    t = {m.__name__: quote(m._meta.db_table) for m in (Plan, Area, Organisation, Membership)}
    staff = quote(Organisation.staff.through._meta.db_table)
    return (
        f"(SELECT m.role FROM {t['Membership']} m WHERE m.area_id = a.id AND m.user_id = %(user)s LIMIT 1), "  # noqa: S608 - names from model meta
        f"EXISTS (SELECT 1 FROM {staff} s WHERE s.organisation_id = a.organisation_id AND s.user_id = %(user)s) "
        f"FROM {t['Plan']} p JOIN {t['Area']} a ON a.id = p.area_id "
        f"JOIN {t['Organisation']} o ON o.id = a.organisation_id {join} WHERE p.code = %(code)s"
    )


@cache
def _plan_header_sql() -> str:
    plan = connection.ops.quote_name(Plan._meta.db_table)
    return (
        "SELECT p.id, p.code, p.title, p.document_type, p.period_start, p.period_end, "  # noqa: S608 - names from model meta
        "p.revision, p.status, p.updated, a.id, a.code, a.name, a.updated, "
        "a.organisation_id, o.updated, p.version, "
        f"(SELECT q.code FROM {plan} q WHERE q.id = p.previous_version_id), "
        f"(SELECT n.code FROM {plan} n WHERE n.previous_version_id = p.id), "
        f"{_access_tail()}"
    )


def get_plan_header_for_user(user, code) -> Plan:
    """The few fields the cached plan page needs, with the same access rule as
    get_plan_for_user (unknown plan or no role: 404), in one prepared query.

    The plan page is read far more often than it changes; the ORM version of this lookup
    cost more to compile than the whole rest of a cached page.
    """
    code_field = Plan._meta.get_field("code")
    params = {"user": user.pk, "code": code_field.get_db_prep_value(code, connection)}
    rows = fetch_prepared("get_plan_header_for_user", _plan_header_sql(), params)
    if not rows:
        raise Http404
    (pk, plan_code, title, document_type, period_start, period_end, revision, status, updated,
     area_id, area_code, area_name, area_updated, organisation_id, organisation_updated,
     version, previous_code, next_code, member_role, staff_of) = rows[0]
    staff = user.is_superuser or (user.is_staff and staff_of)
    role = Membership.Role.COORDINATOR if staff else member_role
    if role is None:
        raise Http404
    organisation = Organisation(id=organisation_id, updated=organisation_updated)
    area = Area(id=area_id, code=_uuid(area_code), name=area_name, updated=area_updated,
                organisation_id=organisation_id)
    area.organisation = organisation
    plan = Plan(
        id=pk, code=_uuid(plan_code), title=title, document_type=document_type,
        period_start=period_start, period_end=period_end, revision=revision, status=status, updated=updated,
        area_id=area_id, version=version,
    )
    # Codes of the version this one replaces and of the one replacing it, if any.
    plan.previous_version_code = _uuid(previous_code) if previous_code else None
    plan.next_version_code = _uuid(next_code) if next_code else None
    plan.area = area
    plan.user_role = role
    return plan


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def get_organisation_for_user(user, code, *, edit: bool = False) -> Organisation:
    """The organisation with this code, for a user with a role in one of its areas.

    No role in any of its areas is a 404 (codes cannot be probed); `edit` needs a
    coordinator of one of its areas (or staff), else a 403.
    """
    try:
        organisation = Organisation.objects.get(code=code)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if _is_staff_of(user, organisation.pk):
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
        FigureCitation.objects.filter(section__plan=plan, previous_year__isnull=False)
        .select_related("indicator", "neighbourhood")
        .order_by("section__order", "section_id", "order", "id")  # the default joins the plan and area too
    )
    from wijkdata.models import IndicatorValue
    from wijkdata.selectors import visible_filter

    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in citations),
        codes={c.neighbourhood_id: c.neighbourhood.code for c in citations},
        values=IndicatorValue.objects.filter(visible_filter(plan.area.organisation_id)),
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
