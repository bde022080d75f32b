"""Business logic of plans shared by views, tasks, commands and the admin.

Plan content: every write to a plan goes through a function here that raises
`Plan.revision` in the same transaction (`plan_touch`). The page cache and the PDF are
keyed on that number, and editing, history and live sessions hang on it.

PDF exports: `plan_export_request` (a person asks for the PDF), `plan_export_render`
(what the Celery task runs), `plan_export_claim` (one worker, once), and helpers.
"""

import contextlib
import functools
import io
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from matrix.models import MatrixItem

from . import history
from .constraints import full_clean, validate_constraints
from .models import (
    Activity,
    Area,
    Card,
    CardKind,
    CardRows,
    FigureCitation,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    FrozenValue,
    Goal,
    GoalIndicator,
    Intervention,
    Milestone,
    Organisation,
    Plan,
    PlanExport,
    PlanStatusChange,
    PlanTemplate,
    PlanTheme,
    Section,
    SectionComment,
    SectionKind,
    SurveyAnswer,
    SurveyQuestion,
    TemplateSection,
    Theme,
    contributors_rows,
)
from .pdf import content_hash, plan_html, render_pdf
from .prepared import (
    Guard,
    Statement,
    fetch_prepared,
    reorder_rows,
    reorder_statement,
    run,
    update_row,
    update_statement,
)
from .selectors import plan_document

logger = logging.getLogger(__name__)


# --- plan content -------------------------------------------------------------------------


class StaleEdit(Exception):
    """The section changed since the editor loaded it; `section` is how it is now."""

    def __init__(self, section: Section):
        super().__init__(f"section {section.pk} is at revision {section.revision}")
        self.section = section


def plan_touch(
    *, plan: Plan, section: Section | None = None, what: str = "", changed: Iterable[Section] | None = None,
    own: bool | None = None,
) -> int:
    """Raise the plan's revision (and the section's): its content changed. Call inside the
    writing transaction. The plan goes into its history (plans.history) with `what` (or
    the section's heading) as the description.

    What the history stores: `section` and the sections in `changed` with everything in
    them, and the plan's own rows (themes, execution plans) when `own`; with none of these
    given, the whole plan (a service that does not say what it changed). Sections that
    are new are stored anyway, deleted ones drop out.

    One statement raises the plan's and the section's revision (`_bump_revision`).
    """
    now = timezone.now()
    revision, section_revision, stored = _bump_revision(plan.pk, now, section.pk if section is not None else None)
    if stored is not None and Plan.area.is_cached(plan):  # the history names the area (the plan's __str__)
        stored.area = plan.area
    return _touched(
        plan=plan, section=section, what=what, changed=changed, own=own, now=now,
        revisions=(revision, section_revision), stored=stored,
    )


def _touched(
    *, plan: Plan, section: Section | None, what: str, changed, own, now, revisions: tuple, stored=None,
    previous=history.UNREAD, recorded: bool = False,
) -> int:
    """What follows a revision bump (plan_touch's, or a pipelined save's): the new
    revisions on the instances, the history record (unless the save `recorded` it with
    its bump: history.store_statement), the PDF scheduled."""
    revision, section_revision = revisions
    plan.revision, plan.updated = revision, now
    if section is not None:
        section.revision = section_revision
        section.updated = now
    if not what and section is not None:
        what = _changed(section)
    if not recorded:
        if section is None and changed is None and own is None:
            history.record(plan, what, stored=stored, previous=previous)
        else:
            ids = {s.pk for s in changed or ()} | ({section.pk} if section is not None else set())
            history.record(plan, what, sections=ids, own=bool(own), stored=stored, previous=previous)
    if settings.PDF_PRERENDER:
        transaction.on_commit(partial(_schedule_prerender, plan.pk, plan.revision))
    return plan.revision


def _changed(section: Section) -> str:
    """The history's description of a save in `section`."""
    return _("Gewijzigd: %(heading)s") % {"heading": section.heading}


def _bump_revision(plan_pk: int, now, section_pk: int | None) -> tuple[int, int | None, Plan | None]:
    """Raise the plan's revision by one, and the section's if one is given; returns the
    new revisions (the section's None without one) and, where the history needs it (on
    SQLite), the plan's row as stored after the update. revision + 1 in SQL: two
    concurrent writers each get their own number, and a writer whose transaction rolls
    back takes its revision with it.

    On PostgreSQL one prepared statement (the section's UPDATE in a WITH clause); the
    history reads the plan's row itself when it writes the revision. Elsewhere an UPDATE …
    RETURNING per row."""
    stamp = Plan._meta.get_field("updated").get_db_prep_save(now, connection)
    if connection.vendor == "postgresql":
        params = {"now": stamp, "plan": plan_pk, "section": section_pk}
        rows = fetch_prepared("revision bump", _bump_sql(), params)
        if not rows:
            raise Plan.DoesNotExist(f"Plan {plan_pk} does not exist")
        revision, section_revision = rows[0]
        if section_pk is not None and section_revision is None:
            raise Section.DoesNotExist(f"Section {section_pk} does not exist")
        return revision, section_revision, None
    stored = _bump_row(Plan, plan_pk, stamp, whole_row=True)
    section_revision = _bump_row(Section, section_pk, stamp).revision if section_pk is not None else None
    return stored.revision, section_revision, stored


@functools.cache
def _bump_sql(guard: str = "") -> str:
    """The revision bump; with `guard` (SQL), only if that holds (both rows or neither)."""
    quote = connection.ops.quote_name
    plans, sections = quote(Plan._meta.db_table), quote(Section._meta.db_table)
    condition = f" AND {guard}" if guard else ""
    return (
        f"WITH bumped AS (UPDATE {sections} SET revision = revision + 1, updated = %(now)s "  # noqa: S608 - names from model meta
        f"WHERE id = %(section)s{condition} RETURNING revision) "
        f"UPDATE {plans} SET revision = revision + 1, updated = %(now)s WHERE id = %(plan)s{condition} "
        f"RETURNING revision, (SELECT revision FROM bumped)"
    )


def _bump_row(model, pk: int, stamp, *, whole_row: bool = False):
    """One row's revision raised (one UPDATE … RETURNING): the row as stored after it with
    `whole_row`, else its id and revision."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = (
        ", ".join(quote(f.column) for f in meta.concrete_fields)
        if whole_row
        else f"{quote(meta.pk.column)}, {quote('revision')}"
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('revision')} = {quote('revision')} + 1, "  # noqa: S608 - names from model meta
        f"{quote(meta.get_field('updated').column)} = %s WHERE {quote(meta.pk.column)} = %s RETURNING {columns}"
    )
    rows = list(model.objects.raw(sql, [stamp, pk]))
    if not rows:
        raise model.DoesNotExist(f"{meta.object_name} {pk} does not exist")
    return rows[0]


def _prerender_key(plan_id: int) -> str:
    # With the database's name: plan ids of two databases sharing a Redis (a test run
    # beside a development server) must not meet.
    return f"pdf-prerender-pending:{connection.settings_dict['NAME']}:{plan_id}"


def _schedule_prerender(plan_id: int, revision: int) -> None:
    """Ask the worker to render the plan's PDF once edits have settled. One task waits per
    plan, not one per edit: a cache key marks it, and an edit that finds the key leaves
    it to that task, which sees the edit's revision when it runs and waits again
    (plan_export_prerender). A save costs one Redis command instead of a Celery message
    (none while a task this process queued waits: `_queued_here`), and a morning of
    edits leaves one task in the worker, not hundreds. Only an
    optimisation: without a broker the download renders on request as before; with the
    cache down every edit queues its own task, as before."""
    key = _prerender_key(plan_id)
    if time.monotonic() < _queued_here.get(key, 0):
        return  # this process queued the plan's task, which has not started: it sees this edit
    timeout = settings.PDF_PRERENDER_SETTLE_SECONDS * 4  # a lost task blocks nothing for long
    if cache.add(key, revision, timeout):
        if _queue_prerender(plan_id, revision):
            _remember_queued(key)
    elif getattr(cache, "is_down", False):
        _queue_prerender(plan_id, revision)


# Per plan whose task this process queued: until when (time.monotonic()) that task has
# surely not started. A task runs no earlier than its countdown, and it reads the plan's
# revision when it starts, so an edit made before then needs no Redis command of its own:
# an editor's saves in quick succession skip it. A margin covers the clocks of the web
# and worker machines differing. The task, run in this process (tests), forgets its entry.
_queued_here: dict[str, float] = {}


def _remember_queued(key: str) -> None:
    settle = settings.PDF_PRERENDER_SETTLE_SECONDS
    now = time.monotonic()
    if len(_queued_here) > 1000:  # entries past their time: drop them
        for old in [k for k, until in _queued_here.items() if until <= now]:
            _queued_here.pop(old, None)
    _queued_here[key] = now + settle - min(5, settle / 2)


def _queue_prerender(plan_id: int, revision: int) -> bool:
    from .tasks import prerender_plan_pdf

    try:
        prerender_plan_pdf.apply_async((plan_id, revision), countdown=settings.PDF_PRERENDER_SETTLE_SECONDS)
    except (BrokerError, ConnectionError, TimeoutError) as exc:
        cache.delete(_prerender_key(plan_id))
        logger.warning("Could not schedule the PDF of plan %s: broker unavailable (%s)", plan_id, exc)
        return False
    return True


def plan_export_prerender(*, plan_id: int, revision: int) -> PlanExport | None:
    """The settled edit's PDF: rendered if the plan is still at `revision` (no edit for the
    settling time) unless a PDF of this content exists or is being made. Edited since: a
    task waits for the latest revision to settle in turn."""
    cache.delete(_prerender_key(plan_id))  # edits from here on queue their own task
    _queued_here.pop(_prerender_key(plan_id), None)
    plan = Plan.objects.select_related("area__organisation").filter(pk=plan_id).first()
    if plan is None:
        return None
    if plan.revision != revision:
        _schedule_prerender(plan_id, plan.revision)
        return None
    return plan_export_request(plan=plan, user=None)


ADOPTED_MESSAGE = _(
    "Dit plan is vastgesteld en kan niet meer worden gewijzigd. Maak een nieuwe versie om het aan te passen."
)


def _save_transaction():
    """The transaction of the saves an editor makes most (a section's text, an item, a
    drop): the caller's when there is one (a request's, opened by
    plans.middleware.RevisionMiddleware), else its own. Such a save first checks (with
    `_begin`: stale, adopted; then its input) and raises any refusal before it writes
    anything, so the caller's transaction stays usable for the answer (the conflict
    view) without a savepoint; its writes go in `_writing()`."""
    return contextlib.nullcontext() if connection.in_atomic_block else transaction.atomic()


def _writing():
    """A save's writes, inside its transaction without a savepoint (which costs two round
    trips on every save): an error from here on rolls the whole transaction back (the
    request answers with an error and nothing of it is kept), never half of it."""
    return transaction.atomic(savepoint=False)


def _begin(*, plan: Plan, section: Section | None = None, expected_revision: int | None = None) -> None:
    """What every write checks first: the plan may still change, and the section is as the
    person editing it saw it (its row is locked until the write commits)."""
    if section is not None and expected_revision is not None:
        # One query (a pipelined save sends it with its writes: _save_in_section): the
        # section's revision, its row locked, with its plan's status beside it; the whole
        # row only when it is stale (for the conflict view).
        _check_lock(fetch_prepared("section lock", _lock_sql(), {"section": section.pk}), section, expected_revision)
    elif Plan.objects.filter(pk=plan.pk, status=Plan.Status.ADOPTED).exists():
        raise ValidationError(str(ADOPTED_MESSAGE))


@functools.cache
def _lock_sql(plan_too: bool = False) -> str:
    """The section's revision and its plan's status, the section's row locked (and with
    `plan_too` the plan's, as strongly as its revision bump will)."""
    quote = connection.ops.quote_name
    sections, plans = quote(Section._meta.db_table), quote(Plan._meta.db_table)
    lock = ""
    if connection.features.has_select_for_update_of:
        lock = " FOR UPDATE OF s" + (" FOR NO KEY UPDATE OF p" if plan_too else "")
    return (
        f"SELECT s.revision, p.status FROM {sections} s JOIN {plans} p ON p.id = s.plan_id "  # noqa: S608 - names from model meta
        f"WHERE s.id = %(section)s" + lock
    )


def _check_lock(rows: list, section: Section, expected_revision) -> None:
    """Raise the refusal the section lock's answer calls for, if any."""
    if not rows:
        raise Section.DoesNotExist(f"Section {section.pk} does not exist")
    revision, plan_status = rows[0]
    if plan_status == Plan.Status.ADOPTED:
        raise ValidationError(str(ADOPTED_MESSAGE))
    if revision != int(expected_revision):
        raise StaleEdit(Section.objects.get(pk=section.pk))


# --- a save in one section, in one round trip (PostgreSQL) ---------------------------------
#
# The saves an editor makes most (an item, a section's text, a drop) send everything up
# to the history's record as one pipeline (plans.prepared.run): the section lock, the
# save's writes, the revision bump and the plan's last history state. The lock comes first
# and locks the section's and the plan's rows; every write after it carries a guard, the
# same check the lock's answer is held to (the revision the editor saw, a plan not
# adopted), so that a refused save writes nothing: the lock's rows cannot change before
# this transaction ends, and each later statement reads them afresh. The writes come
# before the bump (the guard reads the section's revision as the editor saw it), and the
# history state after the lock (no other save of the plan can commit in between).


def _pipelined(expected_revision) -> bool:
    return connection.vendor == "postgresql" and expected_revision is not None


def _section_guard(section: Section, expected_revision) -> Guard:
    """The check every write of a pipelined save carries."""
    return Guard(_guard_sql(), {
        "guard_section": section.pk, "guard_revision": int(expected_revision), "guard_adopted": Plan.Status.ADOPTED,
    })


@functools.cache
def _guard_sql() -> str:
    quote = connection.ops.quote_name
    sections, plans = quote(Section._meta.db_table), quote(Plan._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {sections} gs JOIN {plans} gp ON gp.id = gs.plan_id "  # noqa: S608 - names from model meta
        "WHERE gs.id = %(guard_section)s AND gs.revision = %(guard_revision)s AND gp.status <> %(guard_adopted)s)"
    )


@functools.cache
def _same_items_sql(model) -> str:
    """The guard of a drop: the ids `%(guard_ids)s` are exactly the section's items."""
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model._meta.get_field("section").column)
    return (
        f"(SELECT array_agg(gi.id ORDER BY gi.id) FROM {table} gi WHERE gi.{column} = %(guard_section)s) "  # noqa: S608 - names from model meta
        "IS NOT DISTINCT FROM (SELECT array_agg(n ORDER BY n) FROM unnest(%(guard_ids)s::bigint[]) n)"
    )


def _save_in_section(
    *, section: Section, expected_revision, writes: list[Statement], guard: Guard, refusal: str = ""
) -> list:
    """Check and write a save in one section in one round trip (see above): raises the
    refusal (StaleEdit, adopted) with nothing written, else returns the writes' results;
    the revisions are raised and the history records the section (as plan_touch does).
    A guard may check more than the section's (a drop: its list): when that does not
    hold, nothing is written either and `refusal` is raised (a ValidationError).
    Call inside the save's transaction, outside `_writing()` (a refusal is raised here)."""
    plan = section.plan
    now = timezone.now()
    stamp = Plan._meta.get_field("updated").get_db_prep_save(now, connection)
    params = {"now": stamp, "plan": plan.pk, "section": section.pk, **guard.params}
    lock = Statement("section lock", _lock_sql(plan_too=True), {"section": section.pk})
    what = _changed(section)
    with history.revision():
        # The first save of its revision writes its history in the same statement as the
        # revision bump (history.store_statement), unless its section holds rows where
        # its kind keeps none; a later one, or that one, is recorded as usual.
        store = history.store_statement(
            plan_id=plan.pk, section_id=section.pk, kind=section.kind, comment=what, bump=guard.sql, params=params
        )
        if store is not None:
            lock_rows, *results, stored = run(lock, *writes, store)
            _check_lock(lock_rows, section, expected_revision)
            revisions, recorded = history.stored_with_save(stored, plan_id=plan.pk, comment=what, user_id=store.params["user"])
            previous = history.UNREAD  # read by record if the statement left the save to it
        else:
            recorded = False
            bump = Statement("revision bump", _bump_sql(guard.sql), params)
            lock_rows, *results, bumped, previous = run(lock, *writes, bump, history.previous_state_statement(plan.pk))
            _check_lock(lock_rows, section, expected_revision)
            revisions = bumped[0] if bumped and bumped[0][1] is not None else None
        if revisions is None:  # the section's guard holds while the lock does: the rest of it did not
            if refusal:
                raise ValidationError(refusal)
            raise RuntimeError(f"the revision bump of section {section.pk} wrote nothing")
        with _writing():
            _touched(
                plan=plan, section=section, what=what, changed=None, own=None, now=now, revisions=revisions,
                previous=previous, recorded=recorded,
            )
    return results


def _section_of(item) -> Section:
    if isinstance(item, Section):
        return item
    if hasattr(item, "section"):
        return item.section
    for parent in ("table", "intervention", "activity", "goal", "question", "focus_point"):
        if hasattr(item, parent):
            return _section_of(getattr(item, parent))
    raise TypeError(f"{type(item).__name__} is not plan content")


def plans_touch_showing(
    *, neighbourhood_ids: Iterable[int] = (), indicator_ids: Iterable[int] = (), owner_id: int | None = None
) -> int:
    """Raise the revision of every plan whose figures show these neighbourhoods or
    indicators (an import changed their values or names). Returns how many plans.

    With `owner_id` the figures were that organisation's own: only its plans see them.
    Adopted plans are left alone: they show the figures frozen when they were adopted."""
    neighbourhood_ids, indicator_ids = list(neighbourhood_ids), list(indicator_ids)
    if not neighbourhood_ids and not indicator_ids:
        return 0
    tables = FigureTable.objects.filter(
        Q(neighbourhood_rows__neighbourhood_id__in=neighbourhood_ids)
        | Q(indicator_rows__indicator_id__in=indicator_ids)
    )
    citing = FigureCitation.objects.filter(
        Q(neighbourhood_id__in=neighbourhood_ids) | Q(indicator_id__in=indicator_ids)
    ).values("section__plan_id")
    plans = Plan.objects.filter(
        Q(sections__figure_tables__in=tables) | Q(pk__in=citing)
    ).exclude(status=Plan.Status.ADOPTED)
    if owner_id is not None:
        plans = plans.filter(area__organisation_id=owner_id)
    return Plan.objects.filter(pk__in=plans.values("pk")).update(revision=F("revision") + 1, updated=timezone.now())


def plan_freeze_figures(*, plan: Plan) -> int:
    """Store the figures the plan shows now, as it shows them; returns how many.
    The caller holds the transaction (adoption)."""
    from wijkdata.models import IndicatorValue
    from wijkdata.selectors import own_first, visible_values

    tables = list(
        FigureTable.objects.filter(section__plan=plan).prefetch_related("indicator_rows", "neighbourhood_rows")
    )
    organisation_id = Area.objects.filter(pk=plan.area_id).values_list("organisation_id", flat=True).get()
    FrozenValue.objects.filter(table__in=tables).delete()
    frozen = []
    for table in tables:
        wanted = {
            (nb.neighbourhood_id, ind.indicator_id, ind.year or table.year)
            for nb in table.neighbourhood_rows.all()
            for ind in table.indicator_rows.all()
        }
        if not wanted:
            continue
        values = visible_values(
            organisation_id,
            IndicatorValue.objects.filter(
                neighbourhood_id__in={w[0] for w in wanted},
                indicator_id__in={w[1] for w in wanted},
                year__in={w[2] for w in wanted},
            ),
        )
        frozen.extend(
            FrozenValue(
                table=table, neighbourhood_id=v.neighbourhood_id, indicator_id=v.indicator_id, year=v.year,
                value=v.value, missing_reason=v.missing_reason, source=v.source, own=v.owner_id is not None,
            )
            for key, v in own_first(values).items()
            if key in wanted
        )
    FrozenValue.objects.bulk_create(frozen)
    return len(frozen) + _freeze_citations(plan=plan)


def _freeze_citations(*, plan: Plan) -> int:
    """Store on each cited figure the value, reason and source the plan shows now."""
    from wijkdata.models import IndicatorValue
    from wijkdata.selectors import figure_lookup, visible_filter

    citations = list(FigureCitation.objects.filter(section__plan=plan))
    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in citations),
        values=IndicatorValue.objects.filter(visible_filter(plan.area.organisation_id)),
    )
    now = timezone.now()
    for citation in citations:
        figure = lookup[(citation.neighbourhood_id, citation.indicator_id, citation.year)].figure
        citation.frozen_at = now
        citation.frozen_value = figure.value if figure else None
        citation.frozen_missing_reason = figure.missing_reason if figure else "geen gegevens"
        citation.frozen_source = figure.source if figure else ""
    FigureCitation.objects.bulk_update(
        citations, ["frozen_at", "frozen_value", "frozen_missing_reason", "frozen_source"]
    )
    return len(citations)


# --- cited figures ------------------------------------------------------------------------


def _citation_owner_field(owner) -> str:
    for model, name in ((FocusPoint, "focus_point"), (Goal, "goal"), (GoalIndicator, "goal_indicator")):
        if isinstance(owner, model):
            return name
    raise TypeError(f"{type(owner).__name__} cannot cite figures")


@transaction.atomic
def citation_add(
    *, owner, indicator, neighbourhood, year: int, expected_revision: int | None = None
) -> FigureCitation:
    """Let a focus point, a goal or a goal's indicator cite one figure: `indicator` for
    `neighbourhood` (a region of the plan's area) in `year`. A goal's indicator always
    cites its own indicator. Refused, writing nothing, when there is no such figure."""
    from wijkdata.selectors import figure_lookup, region_label

    section = _section_of(owner)
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    name = _citation_owner_field(owner)
    if isinstance(owner, GoalIndicator):
        indicator = owner.indicator
    from wijkdata.models import IndicatorValue
    from wijkdata.selectors import visible_filter

    visible = IndicatorValue.objects.filter(visible_filter(section.plan.area.organisation_id))
    key = (neighbourhood.pk, indicator.pk, int(year))
    found = figure_lookup([key], values=visible)[key]
    if found.figure is None:
        raise ValidationError(
            _("Er is geen cijfer van %(indicator)s voor %(region)s in %(year)s. Kies een ander jaar of gebied.")
            % {"indicator": indicator.name, "region": region_label(neighbourhood), "year": year}
        )
    existing = FigureCitation.objects.filter(**{name: owner})
    if existing.filter(indicator=indicator, neighbourhood__code=neighbourhood.code, year=year).exists():
        raise ValidationError(_("Dit cijfer wordt hier al aangehaald."))
    citation = FigureCitation.objects.create(
        section=section, indicator=indicator, neighbourhood=neighbourhood, year=int(year),
        order=_next_order(existing), **{name: owner},
    )
    plan_touch(plan=section.plan, section=section)
    return citation


@transaction.atomic
def citation_delete(*, citation: FigureCitation, expected_revision: int | None = None) -> None:
    section = citation.section
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    citation.delete()
    plan_touch(plan=section.plan, section=section)


def _citations_to_newest(*, plan: Plan) -> int:
    """Move every cited figure of a (new) plan to the newest year that has a value; keep the
    year and value it had, to show how the figure moved. Returns how many moved."""
    from wijkdata.models import IndicatorValue
    from wijkdata.selectors import figure_lookup, visible_filter

    citations = list(FigureCitation.objects.filter(section__plan=plan))
    lookup = figure_lookup(
        ((c.neighbourhood_id, c.indicator_id, c.year) for c in citations),
        values=IndicatorValue.objects.filter(visible_filter(plan.area.organisation_id)),
    )
    moved = 0
    for citation in citations:
        found = lookup[(citation.neighbourhood_id, citation.indicator_id, citation.year)]
        # A copy of an adopted plan is a concept again: it reads live figures.
        citation.frozen_at, citation.frozen_value = None, None
        citation.frozen_missing_reason = citation.frozen_source = ""
        citation.previous_year = citation.previous_value = None
        if found.newest is not None:
            citation.previous_year = citation.year
            citation.previous_value = found.figure.value if found.figure else None
            citation.year = found.newest.year
            citation.neighbourhood_id = found.newest.neighbourhood_id
            moved += 1
    FigureCitation.objects.bulk_update(
        citations,
        ["frozen_at", "frozen_value", "frozen_missing_reason", "frozen_source", "previous_year", "previous_value",
         "year", "neighbourhood"],
    )
    return moved


def _next_order(queryset) -> int:
    top = queryset.aggregate(top=Max("order"))["top"]
    return 0 if top is None else top + 1


DEFAULT_TEMPLATE = object()


def _default_title(*, document_type: str, period: str, area: Area) -> str:
    return f"{document_type} {period} - {area.name}"


@transaction.atomic
def plan_create(
    *,
    area: Area,
    period_start: int,
    period_end: int | None = None,
    template: PlanTemplate | None | object = DEFAULT_TEMPLATE,
    themes: Iterable[Theme] | None = None,
    document_type: str | None = None,
    title: str = "",
    **fields,
) -> Plan:
    """A new plan for the area, with the template's sections and a copy of the themes.

    Without `template`, the organisation's first template; `template=None` starts empty.

    Without `themes`, the plan copies the organisation's current (not retired) themes.
    Whatever later happens to the organisation's themes, this plan keeps its copy.
    """
    organisation = area.organisation
    if template is DEFAULT_TEMPLATE:
        template = organisation.templates.order_by("order", "name").first()
    elif template is not None and template.organisation_id != organisation.pk:
        raise ValidationError(_("Dit sjabloon hoort bij een andere organisatie."))
    years = template.years if template else 1
    period_end = period_end if period_end is not None else period_start + years - 1
    if period_end < period_start:
        raise ValidationError(_("Het laatste jaar ligt voor het eerste jaar."))
    document_type = document_type or (template.document_type if template else "Gebiedsplan")
    if Plan.objects.filter(
        area=area, document_type=document_type, period_start=period_start, version=fields.get("version", 1)
    ).exists():
        raise ValidationError(
            _("Er bestaat al een %(type)s voor %(year)s in dit gebied.") % {"type": document_type.lower(), "year": period_start}
        )
    plan = Plan(
        area=area,
        template=template,
        document_type=document_type,
        period_start=period_start,
        period_end=period_end,
        **fields,
    )
    plan.title = title or _default_title(document_type=document_type, period=plan.period_label, area=area)
    plan.full_clean(exclude=["template"], validate_unique=True)
    plan.save()
    plan_build(plan=plan, template=template, themes=themes)
    history.record(plan, _("Plan gemaakt"))
    return plan


def plan_build(*, plan: Plan, template: PlanTemplate | None, themes: Iterable[Theme] | None = None) -> None:
    """Give a plan without sections the template's sections and a copy of the themes.

    Without `themes`, the plan copies the organisation's current (not retired) themes.
    The caller holds the transaction and raises the revision.
    """
    organisation = plan.area.organisation
    if themes is None:
        themes = organisation.themes.filter(retired=False).order_by("order", "name")
    for order, theme in enumerate(themes):
        if theme.organisation_id != organisation.pk:
            raise ValidationError(_("Een thema van een andere organisatie kan niet in dit plan."))
        PlanTheme.objects.create(
            plan=plan, origin=theme, name=theme.name, description=theme.description, order=order
        )
    if template is None:
        return
    created: dict[int, Section] = {}
    # Parents before their children: a template has one level of sub-sections.
    specs = sorted(template.sections.all(), key=lambda s: (s.parent_id is not None, s.order, s.pk))
    for spec in specs:
        section = Section.objects.create(
            plan=plan,
            parent=created.get(spec.parent_id),
            kind=spec.kind,
            heading=spec.heading,
            contents_label=spec.contents_label,
            numbered=spec.numbered,
            appendix=spec.appendix,
            intro=spec.intro,
            card_rows=spec.card_rows,
            order=spec.order,
        )
        created[spec.pk] = section
        CardKind.objects.bulk_create(
            CardKind(section=section, name=name, order=i) for i, name in enumerate(spec.card_kind_names)
        )


@transaction.atomic
def section_add(*, plan: Plan, kind: str, heading: str, parent: Section | None = None, **fields) -> Section:
    _begin(plan=plan)
    if kind not in SectionKind.values:
        raise ValidationError(_("Onbekende soort onderdeel."))
    if parent is not None and (parent.plan_id != plan.pk or parent.parent_id is not None):
        raise ValidationError(_("Een onderdeel kan alleen onder een hoofdstuk van hetzelfde plan staan."))
    siblings = plan.sections.filter(parent=parent)
    section = Section(plan=plan, parent=parent, kind=kind, heading=heading, order=_next_order(siblings), **fields)
    full_clean(section, exclude=["plan", "parent"])
    section.save()
    if kind == SectionKind.CARDS and fields.get("card_rows") != CardRows.TOPICS:
        CardKind.objects.bulk_create(
            [CardKind(section=section, name=_("Kracht"), order=0), CardKind(section=section, name=_("Kans"), order=1)]
        )
    plan_touch(plan=plan, changed=[section])
    return section


@transaction.atomic
def section_delete(*, section: Section, expected_revision: int | None = None) -> None:
    plan = section.plan
    _begin(plan=plan, section=section, expected_revision=expected_revision)
    section.delete()
    # Execution plans lose their focus point or intervention: the plan's own rows change.
    plan_touch(plan=plan, changed=[], own=True)


@transaction.atomic
def section_move(*, section: Section, position: int) -> None:
    """Put the section at `position` (0-based) among its siblings; the others close up."""
    _begin(plan=section.plan)
    siblings = list(section.plan.sections.filter(parent_id=section.parent_id).exclude(pk=section.pk))
    position = max(0, min(position, len(siblings)))
    siblings.insert(position, section)
    for order, sibling in enumerate(siblings):
        sibling.order = order
    Section.objects.bulk_update(siblings, ["order"])
    plan_touch(plan=section.plan, changed=siblings)


@transaction.atomic
def card_add(
    *, section: Section, kind: CardKind, text: str, theme: PlanTheme | None = None, topic=None,
    expected_revision: int | None = None,
) -> Card:
    """A card under one of the plan's own themes (or one of the section's topics)."""
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    if section.kind != SectionKind.CARDS or kind.section_id != section.pk:
        raise ValidationError(_("Deze soort kaart hoort niet bij dit onderdeel."))
    if (theme is None) == (topic is None):
        raise ValidationError(_("Kies een thema of een onderwerp."))
    if theme is not None and theme.plan_id != section.plan_id:
        raise ValidationError(_("Dit thema hoort niet bij dit plan."))
    if topic is not None and topic.section_id != section.pk:
        raise ValidationError(_("Dit onderwerp hoort niet bij dit onderdeel."))
    if not text.strip():
        raise ValidationError(_("Een kaart heeft tekst nodig."))
    siblings = section.cards.filter(kind=kind, theme=theme, topic=topic)
    card = Card.objects.create(
        plan_id=section.plan_id, section=section, kind=kind, theme=theme, topic=topic,
        text=text.strip(), order=_next_order(siblings),
    )
    plan_touch(plan=section.plan, section=section)
    return card


@transaction.atomic
def plan_theme_add(*, plan: Plan, name: str, is_focus: bool = False) -> PlanTheme:
    _begin(plan=plan)
    theme = PlanTheme(plan=plan, name=name.strip(), is_focus=is_focus, order=_next_order(plan.themes.all()))
    full_clean(theme, exclude=["plan", "origin"])
    theme.save()
    plan_touch(plan=plan, changed=[], own=True)
    return theme


@transaction.atomic
def figure_table_save(
    *,
    section: Section,
    heading: str,
    layout: str,
    year: int,
    indicator_ids: list[int],
    neighbourhood_ids: list[int],
    table: FigureTable | None = None,
    footnote: str = "",
) -> FigureTable:
    """Create or replace a figures table: which indicators and neighbourhoods, in order."""
    _begin(plan=section.plan)
    if section.kind != SectionKind.FIGURES:
        raise ValidationError(_("Tabellen met cijfers staan in een onderdeel met cijfers."))
    if table is None:
        table = FigureTable.objects.create(
            section=section, heading=heading, layout=layout, year=year, footnote=footnote,
            order=_next_order(section.figure_tables.all()),
        )
    else:
        if table.section_id != section.pk:
            raise ValidationError(_("Deze tabel hoort niet bij dit onderdeel."))
        table.heading, table.layout, table.year, table.footnote = heading, layout, year, footnote
        table.save()
        table.indicator_rows.all().delete()
        table.neighbourhood_rows.all().delete()
    FigureTableIndicator.objects.bulk_create(
        FigureTableIndicator(table=table, indicator_id=i, order=n) for n, i in enumerate(indicator_ids)
    )
    FigureTableNeighbourhood.objects.bulk_create(
        FigureTableNeighbourhood(table=table, neighbourhood_id=r, order=n) for n, r in enumerate(neighbourhood_ids)
    )
    plan_touch(plan=section.plan, section=section)
    return table


@transaction.atomic
def figure_table_delete(*, table: FigureTable) -> None:
    section = table.section
    _begin(plan=section.plan)
    table.delete()
    plan_touch(plan=section.plan, section=section)


def section_update(*, section: Section, expected_revision: int | None = None, **fields) -> Section:
    """Change a section's heading, intro, contents entry, numbering or appendix flag."""
    allowed = {"heading", "contents_label", "intro", "numbered", "appendix", "card_rows"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"section_update cannot change {', '.join(sorted(unknown))}")
    with _save_transaction():
        pipelined = _pipelined(expected_revision)
        if not pipelined:
            _begin(plan=section.plan, section=section, expected_revision=expected_revision)
        for name, value in fields.items():
            setattr(section, name, value)
        full_clean(section, exclude=["plan", "parent", "code"])  # its code never changes: no uniqueness query
        if pipelined:
            guard = _section_guard(section, expected_revision)
            writes = [update_statement(section, [*fields, "updated"], guard=guard)]
            _save_in_section(section=section, expected_revision=expected_revision, writes=writes, guard=guard)
            return section
        with _writing():
            update_row(section, [*fields, "updated"])
            plan_touch(plan=section.plan, section=section)
    return section


@transaction.atomic
def content_add(model, *, section: Section, expected_revision: int | None = None, **fields):
    """Add an item (matrix item, focus point, milestone, activity, goal, …) to a section.

    Cards have their own service (`card_add`), which checks theme and kind.
    """
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    if model is Card:
        raise TypeError("use card_add for cards")
    many = _pop_many(model, fields)
    item = model(section=section, order=fields.pop("order", None) or _next_order(model.objects.filter(section=section)), **fields)
    full_clean(item, exclude=["section"])
    item.save()
    for name, value in many.items():
        getattr(item, name).set(value)
    plan_touch(plan=section.plan, section=section)
    return item


def _pop_many(model, fields: dict) -> dict:
    """The many-to-many values among `fields` (e.g. an intervention's themes): they are set
    after the row is saved, and before the history records the section."""
    names = {f.name for f in model._meta.many_to_many}
    return {name: fields.pop(name) for name in list(fields) if name in names}


def content_update(*, item, expected_revision: int | None = None, **fields):
    """Change fields of any item of a plan (a card, a matrix item, a table row, …)."""
    section = _section_of(item)
    with _save_transaction():
        pipelined = _pipelined(expected_revision)
        if not pipelined:
            _begin(plan=section.plan, section=section, expected_revision=expected_revision)
        many = _pop_many(type(item), fields)
        for name, value in fields.items():
            setattr(item, name, value)
        if isinstance(item, Card) and item.theme_id is not None and item.theme.plan_id != item.plan_id:
            raise ValidationError(_("Dit thema hoort niet bij dit plan."))
        # Its fields, and every constraint (also those on its relations: a card's theme or
        # topic). The relations themselves are the caller's to choose from the plan's own.
        item.full_clean(exclude=[f.name for f in item._meta.fields if f.is_relation], validate_constraints=False)
        validate_constraints(item)
        if pipelined and not many:
            guard = _section_guard(section, expected_revision)
            (written,) = _save_in_section(
                section=section, expected_revision=expected_revision, writes=[update_statement(item, guard=guard)],
                guard=guard,
            )
            if not written:  # the lock held it (see _save_in_section): the item is gone
                raise type(item).DoesNotExist(f"{type(item).__name__} {item.pk} does not exist")
            return item
        if pipelined:  # several themes: their rows are set after the item's, before the history
            _begin(plan=section.plan, section=section, expected_revision=expected_revision)
        with _writing():
            update_row(item)
            for name, value in many.items():
                getattr(item, name).set(value)
            plan_touch(plan=section.plan, section=section)
    return item


@transaction.atomic
def survey_answer_add(
    *, question: SurveyQuestion, label: str, count: int, expected_revision: int | None = None
) -> SurveyAnswer:
    """An answer to a survey question with how many people gave it (drawn as a bar)."""
    section = question.section
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    label = label.strip()
    if not label:
        raise ValidationError(_("Vul het antwoord in."))
    if count is None or count < 0:
        raise ValidationError(_("Het aantal is een heel getal van 0 of meer."))
    if question.respondents is not None and count > question.respondents:
        raise ValidationError(
            _("Het aantal (%(count)s) is groter dan het aantal respondenten (%(respondents)s).")
            % {"count": count, "respondents": question.respondents}
        )
    answer = SurveyAnswer(question=question, label=label, count=count, order=_next_order(question.answers.all()))
    full_clean(answer, exclude=["question"])
    answer.save()
    plan_touch(plan=section.plan, section=section)
    return answer


@transaction.atomic
def content_delete(*, item, expected_revision: int | None = None) -> None:
    section = _section_of(item)
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    item.delete()
    # An execution plan may lose its focus point or intervention: own rows change too.
    plan_touch(plan=section.plan, section=section, own=True)


@transaction.atomic
def section_reorder(*, plan: Plan, parent_id: int | None, ordered_ids: list[int]) -> None:
    """Put a plan's chapters (or one chapter's sub-sections) in the order given (a drop)."""
    _begin(plan=plan)
    siblings = {s.pk: s for s in plan.sections.filter(parent_id=parent_id)}
    if set(ordered_ids) != set(siblings):
        raise ValidationError(_("De volgorde is intussen veranderd. Laad de pagina opnieuw."))
    for order, pk in enumerate(ordered_ids):
        siblings[pk].order = order
    Section.objects.bulk_update(siblings.values(), ["order"])
    plan_touch(plan=plan, what=_("Volgorde van de onderdelen gewijzigd"), changed=siblings.values())


def content_reorder(*, section: Section, model, ordered_ids: list[int], expected_revision: int | None = None) -> None:
    """Put the items of one section in the order given (a drop)."""
    changed = _("De volgorde is intussen veranderd. Laad de pagina opnieuw.")
    with _save_transaction():
        if _pipelined(expected_revision):
            # The drop and the bump both check, beside the section's guard, that the list
            # is exactly the section's items: else nothing is written.
            guard = _section_guard(section, expected_revision)
            guard = Guard(f"{guard.sql} AND {_same_items_sql(model)}", {**guard.params, "guard_ids": ordered_ids})
            _save_in_section(
                section=section, expected_revision=expected_revision, guard=guard, refusal=changed,
                writes=[reorder_statement(model, "section", section.pk, ordered_ids, guard=guard)],
            )
            return
        _begin(plan=section.plan, section=section, expected_revision=expected_revision)
        if connection.vendor == "postgresql":
            # One statement that writes all or, when the list is not exactly the
            # section's items, nothing: so that refusal too comes before any write.
            if not reorder_rows(model, "section", section.pk, ordered_ids):
                raise ValidationError(changed)
            with _writing():
                plan_touch(plan=section.plan, section=section)
            return
        # Only what a reorder writes; unordered (the default ordering joins section, plan and area).
        items = {i.pk: i for i in model.objects.filter(section=section).order_by().only("pk", "order")}
        if sorted(ordered_ids) != sorted(items):
            raise ValidationError(changed)
        for order, pk in enumerate(ordered_ids):
            items[pk].order = order
        with _writing():
            model.objects.bulk_update(items.values(), ["order"])
            plan_touch(plan=section.plan, section=section)


@transaction.atomic
def content_move(*, item, step: int, expected_revision: int | None = None) -> None:
    """Move an item one place up (step -1) or down (step 1) among its section's items."""
    section = _section_of(item)
    _begin(plan=section.plan, section=section, expected_revision=expected_revision)
    siblings = list(type(item).objects.filter(section=section).order_by("order", "id"))
    index = next(i for i, other in enumerate(siblings) if other.pk == item.pk)
    target = max(0, min(len(siblings) - 1, index + step))
    siblings.insert(target, siblings.pop(index))
    for order, other in enumerate(siblings):
        other.order = order
    type(item).objects.bulk_update(siblings, ["order"])
    plan_touch(plan=section.plan, section=section)


@transaction.atomic
def matrix_items_replace(*, section: Section, items: Iterable[dict]) -> int:
    """Replace every item of a matrix section (the result of a design session) as one
    revision of the plan. Each item is a dict of MatrixItem fields (title, text, impact,
    effort, proposed_by, votes). Returns the plan's new revision."""
    _begin(plan=section.plan, section=section)
    if section.kind != SectionKind.MATRIX:
        raise ValidationError(_("Dit onderdeel is geen impact/effort matrix."))
    new = [MatrixItem(section=section, order=order, **fields) for order, fields in enumerate(items)]
    for item in new:
        full_clean(item, exclude=["section"])
    MatrixItem.objects.filter(section=section).delete()
    MatrixItem.objects.bulk_create(new)
    return plan_touch(
        plan=section.plan, section=section,
        what=_("Ontwerpsessie: %(heading)s ingevuld") % {"heading": section.heading},
    )


@transaction.atomic
def plan_theme_update(*, theme: PlanTheme, **fields) -> PlanTheme:
    """Rename a plan's own theme or mark it as focus; the organisation's set is untouched."""
    _begin(plan=theme.plan)
    for name, value in fields.items():
        setattr(theme, name, value)
    full_clean(theme, exclude=["plan", "origin"])
    theme.save()
    plan_touch(plan=theme.plan, changed=[], own=True)
    return theme


@transaction.atomic
def plan_copy_sections(
    *, source: Plan, target: Plan, sections: Iterable[Section] | None = None, copied: dict | None = None
) -> list[Section]:
    """Copy sections of `source` with all their content to the end of `target`.

    Cards and activities keep their theme by name: the target plan's own theme of that
    name, created from the source's copy if the target lacks it. `copied`, when given, is
    filled with {FocusPoint: {old id: copy}, Intervention: {old id: copy}}: what other
    parts of a plan (execution plans) point at, so their copies can point at the copies.
    """
    copied = {} if copied is None else copied
    _begin(plan=target)
    sections = list(sections if sections is not None else source.sections.filter(parent=None))
    themes = {t.name: t for t in target.themes.all()}

    def theme_for(theme: PlanTheme | None) -> PlanTheme | None:
        if theme is None:
            return None
        if theme.name not in themes:
            themes[theme.name] = PlanTheme.objects.create(
                plan=target, origin=theme.origin, name=theme.name, description=theme.description,
                is_focus=theme.is_focus, order=len(themes),
            )
        return themes[theme.name]

    start = _next_order(target.sections.filter(parent=None))
    copies = []
    for offset, section in enumerate(sections):
        copies.append(_copy_section(section, target, None, start + offset, theme_for, copied))
    # The copies are new sections (stored as such); themes may have been added.
    plan_touch(plan=target, changed=[], own=True)
    return copies


def _clone(obj, **changes):
    obj.pk = obj.id = None
    obj._state.adding = True
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def _copy_section(section: Section, target: Plan, parent, order: int, theme_for, copied: dict) -> Section:
    old_pk = section.pk
    source = Section.objects.get(pk=old_pk)
    copy = _clone(Section.objects.get(pk=old_pk), code=uuid.uuid4(), plan=target, parent=parent, order=order)
    # `source` keeps the original's id for its related managers; `copy` is the new row.
    kinds = {}
    for kind in source.card_kinds.all():
        old = kind.pk
        kinds[old] = _clone(kind, section=copy)
    topics = {}
    for topic in source.card_topics.all():
        old = topic.pk
        topics[old] = _clone(topic, section=copy)
    for card in source.cards.select_related("theme"):
        _clone(
            card, plan=target, section=copy, kind=kinds[card.kind_id],
            theme=theme_for(card.theme), topic=topics.get(card.topic_id),
        )
    for table in source.figure_tables.all():
        rows = list(table.indicator_rows.all()), list(table.neighbourhood_rows.all())
        new_table = _clone(table, section=copy)
        for row in rows[0] + rows[1]:
            _clone(row, table=new_table)
    owners = {"focus_point": {}, "goal": {}, "goal_indicator": {}}
    for model in (MatrixItem, FocusPoint, Milestone):
        for item in model.objects.filter(section_id=old_pk):
            old = item.pk
            new_item = _clone(item, section=copy)
            if model is FocusPoint:
                owners["focus_point"][old] = new_item
                copied.setdefault(FocusPoint, {})[old] = new_item
    for intervention in Intervention.objects.filter(section_id=old_pk).prefetch_related("themes", "partners"):
        themes, partners = list(intervention.themes.all()), list(intervention.partners.all())
        old = intervention.pk
        new = _clone(intervention, section=copy)
        copied.setdefault(Intervention, {})[old] = new
        new.themes.set([theme_for(t) for t in themes])
        for partner in partners:
            _clone(partner, intervention=new)
    for activity in Activity.objects.filter(section_id=old_pk).select_related("theme").prefetch_related("types"):
        types = list(activity.types.all())
        new = _clone(activity, section=copy, theme=theme_for(activity.theme))
        for t in types:
            _clone(t, activity=new)
    goals = {}
    for goal in Goal.objects.filter(section_id=old_pk).order_by("parent_id", "order").prefetch_related("indicators"):
        indicators = list(goal.indicators.all())
        old = goal.pk
        goals[old] = _clone(goal, section=copy, parent=goals.get(goal.parent_id))
        owners["goal"][old] = goals[old]
        for gi in indicators:
            old_gi = gi.pk
            owners["goal_indicator"][old_gi] = _clone(gi, goal=goals[old])
    for question in SurveyQuestion.objects.filter(section_id=old_pk).prefetch_related("answers"):
        answers = list(question.answers.all())
        new = _clone(question, section=copy)
        for answer in answers:
            _clone(answer, question=new)
    for citation in FigureCitation.objects.filter(section_id=old_pk):
        name = next(n for n in owners if getattr(citation, f"{n}_id"))
        owner = owners[name].get(getattr(citation, f"{name}_id"))
        if owner is not None:
            _clone(citation, section=copy, **{**dict.fromkeys(owners), name: owner})
    for n, child in enumerate(source.children.all()):
        _copy_section(child, target, copy, n, theme_for, copied)
    return copy


# --- colophon ----------------------------------------------------------------------------

CONTRIBUTORS_MAX = 60


class StaleContributors(Exception):
    """The list changed since the editor loaded it; `current` is the list as it is now."""

    def __init__(self, current: list[dict]):
        super().__init__("the contributing organisations changed")
        self.current = current


def contributors_digest(rows) -> str:
    """What an editor form carries to notice that someone else changed the list meanwhile."""
    import hashlib
    import json

    text = json.dumps(contributors_rows(rows), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def contributors_clean(rows: Iterable[dict]) -> list[dict]:
    """Rows as typed (name, role, url) into rows to store: blank rows are dropped, every
    problem is reported by row number in Dutch, all at once."""
    from django.core.validators import URLValidator

    validate_url = URLValidator(schemes=["http", "https"])
    clean, errors, seen = [], [], {}
    for number, row in enumerate(rows, start=1):
        name, role, url = (str(row.get(key) or "").strip() for key in ("name", "role", "url"))
        if not (name or role or url):
            continue
        if not name:
            errors.append(_("Rij %(row)s: vul de naam van de organisatie in.") % {"row": number})
        elif len(name) > 200:
            errors.append(_("Rij %(row)s: de naam is langer dan 200 tekens.") % {"row": number})
        elif name.casefold() in seen:
            errors.append(
                _("Rij %(row)s: %(name)s staat al op rij %(other)s.")
                % {"row": number, "name": name, "other": seen[name.casefold()]}
            )
        else:
            seen[name.casefold()] = number
        if len(role) > 200:
            errors.append(_("Rij %(row)s: de rol is langer dan 200 tekens.") % {"row": number})
        if url:
            if "://" not in url and " " not in url and "." in url:
                url = "https://" + url
            try:
                validate_url(url)
            except ValidationError:
                errors.append(
                    _("Rij %(row)s: %(url)s is geen webadres (bijvoorbeeld https://www.ggd.nl).")
                    % {"row": number, "url": url}
                )
        clean.append({"name": name, "role": role, "url": url})
    if len(clean) > CONTRIBUTORS_MAX:
        errors.append(_("Een plan noemt ten hoogste %(max)s organisaties.") % {"max": CONTRIBUTORS_MAX})
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def plan_contributors_update(*, plan: Plan, rows: Iterable[dict], expected_digest: str | None = None) -> list[dict]:
    """Replace the plan's contributing organisations (in the order given) after checking
    every row; against a list that changed since `expected_digest` raise StaleContributors."""
    _begin(plan=plan)
    locked = Plan.objects.select_for_update().only("pk", "contributing_organisations").get(pk=plan.pk)
    current = contributors_rows(locked.contributing_organisations)
    if expected_digest is not None and expected_digest != contributors_digest(current):
        raise StaleContributors(current)
    clean = contributors_clean(list(rows))
    Plan.objects.filter(pk=plan.pk).update(contributing_organisations=clean)
    plan.contributing_organisations = clean
    plan_touch(plan=plan, what=_("Bijdragende organisaties gewijzigd"))
    return clean


# The colophon's own fields, in the order its editor shows them (the contributing
# organisations have their own editor above).
COLOPHON_FIELDS = [
    "title", "tagline", "publication_date", "publisher", "publisher_address", "publisher_email",
    "publisher_phone", "authors", "design", "photography", "copyright", "colophon_text",
]


class StaleColophon(Exception):
    """The colophon changed since the editor loaded it; `plan` is the plan as it is now."""

    def __init__(self, plan: Plan):
        super().__init__(f"the colophon of plan {plan.pk} changed (revision {plan.revision})")
        self.plan = plan


def colophon_clean(fields: dict) -> dict:
    """The colophon as typed into what is stored: texts stripped, the rich text sanitised,
    a title required and an e-mail address that is one; every problem at once, in Dutch."""
    from django.core.validators import validate_email

    from .sanitize import to_clean_html

    unknown = set(fields) - set(COLOPHON_FIELDS)
    if unknown:
        raise TypeError(f"not colophon fields: {sorted(unknown)}")
    clean, errors = {}, []
    for name, value in fields.items():
        if name == "publication_date":
            clean[name] = value or None
        elif name == "colophon_text":
            clean[name] = to_clean_html(str(value or ""))
        else:
            clean[name] = str(value or "").strip()
    if "title" in clean and not clean["title"]:
        errors.append(_("Vul de titel van het plan in."))
    if clean.get("publisher_email"):
        try:
            validate_email(clean["publisher_email"])
        except ValidationError:
            errors.append(_("%(email)s is geen e-mailadres (bijvoorbeeld info@welzijn.nl).") % {"email": clean["publisher_email"]})
    for name, value in clean.items():
        limit = getattr(Plan._meta.get_field(name), "max_length", None)
        if limit and name != "colophon_text" and len(value) > limit:
            label = Plan._meta.get_field(name).verbose_name
            errors.append(_("%(field)s is langer dan %(max)s tekens.") % {"field": str(label).capitalize(), "max": limit})
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def plan_colophon_update(*, plan: Plan, expected_revision: int | None = None, **fields) -> Plan:
    """Change the colophon (title, publisher, makers, copyright, the text of thanks).

    `expected_revision` is the plan's revision the editor was loaded at. The plan's
    revision moves with every edit of any section, so a moved revision alone is no
    conflict: only when the colophon itself is no longer what it was at that revision
    (history.plan_row_at) is StaleColophon raised, and nothing is written.
    """
    _begin(plan=plan)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if expected_revision is not None and int(expected_revision) != locked.revision:
        seen = history.plan_row_at(plan, int(expected_revision))
        if seen is None or history.colophon_values(seen) != history.colophon_values(locked):
            raise StaleColophon(locked)
    clean = colophon_clean(fields)
    changed = {name: value for name, value in clean.items() if getattr(locked, name) != value}
    for name, value in clean.items():
        setattr(plan, name, value)
    if not changed:
        return plan  # saved as it was: no new revision, no empty line in the history
    Plan.objects.filter(pk=plan.pk).update(**changed)
    # Only the plan row changed: the history stores it (it is in every revision) and no section.
    plan_touch(plan=plan, what=_("Colofon gewijzigd"), changed=())
    return plan


# --- cover and document type --------------------------------------------------------------

# A cover photo is shown on the PDF's first page (plans/pdf/_cover.html); phone photos are a
# few MB, a 10 MB limit leaves room for a camera's JPEG without letting anyone fill the disk.
COVER_MAX_MB = 10
COVER_MAX_BYTES = COVER_MAX_MB * 1024 * 1024
# More pixels than any camera makes: a small file that unpacks into gigabytes is refused
# before it is decoded.
COVER_MAX_PIXELS = 60_000_000
# What Pillow calls the formats we take, with the extension the stored file gets.
COVER_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
COVER_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def document_type_choices(plan: Plan) -> list[str]:
    """What a plan of this area may call itself: the document types of its organisation's
    templates, "Gebiedsplan", and whatever the plan is called now (set by the admin, say)."""
    types = [plan.document_type, "Gebiedsplan", *plan.area.organisation.templates.order_by("order", "name")
             .values_list("document_type", flat=True)]
    return sorted(dict.fromkeys(t for t in types if t), key=str.lower)


def cover_image_check(upload) -> str:
    """The extension a cover upload is stored under, after making sure it is a whole photo
    of a format we take (its content decides, not its name); else a ValidationError in Dutch."""
    import warnings

    from PIL import Image

    refused = _(
        "%(name)s is geen foto die we kunnen gebruiken. Kies een JPEG-, PNG- of WebP-bestand van hoogstens %(max)s MB."
    ) % {"name": upload.name, "max": COVER_MAX_MB}
    if upload.size > COVER_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is groter dan %(max)s MB. Kies een kleinere foto (JPEG, PNG of WebP, hoogstens %(max)s MB).")
            % {"name": upload.name, "max": COVER_MAX_MB}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = image.format
                width, height = image.size
                if kind not in COVER_FORMATS:
                    raise ValidationError(refused)
                if width * height > COVER_MAX_PIXELS:
                    raise ValidationError(
                        _("%(name)s heeft meer dan %(max)s miljoen pixels. Verklein de foto en probeer het opnieuw.")
                        % {"name": upload.name, "max": COVER_MAX_PIXELS // 1_000_000}
                    )
                image.draft("RGB", (2000, 2000))  # a JPEG decodes at a fraction of its size
                image.load()  # decode it: a truncated or broken file fails here
    except ValidationError:
        raise
    except Exception as error:  # whatever Pillow raises for a file that is no such image
        raise ValidationError(refused) from error
    finally:
        upload.seek(0)
    return COVER_FORMATS[kind]


# A cover is at most an A4 page: 3000 pixels on the long side is above 300 dpi for it.
COVER_MAX_SIDE = 3000


def cover_image_clean(upload, extension: str) -> ContentFile:
    """The photo as it is stored: turned upright as the camera meant it, at most
    COVER_MAX_SIDE pixels on its long side, and written anew without its metadata. A phone
    photo's EXIF holds where it was taken (GPS) and with which device; a cover is printed
    in every PDF and public page, so none of that goes with it. The colour profile stays."""
    from PIL import Image, ImageOps

    upload.seek(0)
    with Image.open(upload) as original:
        icc_profile = original.info.get("icc_profile")
        if extension == "jpg":
            original.draft("RGB", (COVER_MAX_SIDE, COVER_MAX_SIDE))
        image = ImageOps.exif_transpose(original)
        image.thumbnail((COVER_MAX_SIDE, COVER_MAX_SIDE), Image.Resampling.LANCZOS)
        if extension == "jpg" and image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        options = {"icc_profile": icc_profile} if icc_profile else {}
        if extension == "jpg":
            options.update(quality=88, optimize=True)
        elif extension == "webp":
            options.update(quality=88)
        image.save(buffer, format={"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[extension], **options)
    upload.seek(0)
    return ContentFile(buffer.getvalue(), name=upload.name)


def cover_image_discard(name: str) -> bool:
    """Delete a cover file no plan shows and no stored revision names (a restore would
    bring it back). Runs after the change that let go of it has committed. True if deleted."""
    from reversion.models import Version

    if not name or Plan.objects.filter(cover_image=name).exists():
        return False
    plan_type = ContentType.objects.get_for_model(Plan)
    if Version.objects.filter(content_type=plan_type, serialized_data__contains=f'"{name}"').exists():
        return False
    default_storage.delete(name)
    return True


@transaction.atomic
def plan_cover_update(
    *, plan: Plan, document_type: str | None = None, cover=None, remove_cover: bool = False
) -> Plan:
    """Change what the cover shows: the kind of document ("Gebiedsplan", "Wijkplan Sociaal")
    and the photo (a new upload, or none). A title that is still the default for the old
    document type follows the new one.

    The upload is checked (cover_image_check) before anything is written and stored under a
    generated name. A photo let go of is deleted after the commit only if no plan and no
    revision in the history names it (cover_image_discard): restoring an earlier revision
    brings its photo back, so the history keeps its files.
    """
    _begin(plan=plan)
    locked = Plan.objects.select_for_update().select_related("area").get(pk=plan.pk)
    changed, errors = {}, []
    if document_type is not None:
        document_type = " ".join(str(document_type).split())
        if not document_type:
            errors.append(_("Kies het soort document."))
        elif len(document_type) > Plan._meta.get_field("document_type").max_length:
            errors.append(_("Het soort document is langer dan 100 tekens."))
        elif document_type != locked.document_type:
            taken = Plan.objects.filter(
                area_id=locked.area_id, document_type=document_type, period_start=locked.period_start,
                version=locked.version,
            ).exclude(pk=locked.pk)
            if taken.exists():
                errors.append(
                    _("Er bestaat al een %(type)s voor %(year)s in dit gebied.")
                    % {"type": document_type.lower(), "year": locked.period_start}
                )
            changed["document_type"] = document_type
            old_title = _default_title(document_type=locked.document_type, period=locked.period_label, area=locked.area)
            if locked.title == old_title:
                changed["title"] = _default_title(document_type=document_type, period=locked.period_label, area=locked.area)
    if cover is not None and remove_cover:
        errors.append(_("Kies een nieuwe foto of verwijder de foto, niet allebei."))
    elif cover is not None:
        try:
            extension = cover_image_check(cover)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    old = locked.cover_image.name or ""
    if remove_cover and old:
        changed["cover_image"] = ""
    what = []
    if "document_type" in changed:
        what.append(_("Soort document gewijzigd in %(type)s") % {"type": changed["document_type"]})
    if cover is not None:
        changed["cover_image"] = default_storage.save(
            f"covers/{uuid.uuid4().hex}.{extension}", cover_image_clean(cover, extension)
        )
        what.append(_("Omslagfoto gewijzigd: %(name)s") % {"name": cover.name})
    elif "cover_image" in changed:
        what.append(_("Omslagfoto verwijderd"))
    if not changed:
        return plan
    try:
        Plan.objects.filter(pk=plan.pk).update(**changed)
        for name, value in changed.items():
            setattr(plan, name, value)
        plan_touch(plan=plan, what="; ".join(str(w) for w in what), changed=())
    except BaseException:
        if cover is not None:  # the new photo goes with the change that failed
            default_storage.delete(changed["cover_image"])
        raise
    if old and "cover_image" in changed:
        transaction.on_commit(partial(cover_image_discard, old))
    return plan


# --- the next period -----------------------------------------------------------------------

COPIED_FIELDS = [
    "document_type", "tagline", "publisher", "publisher_address", "publisher_email", "publisher_phone",
    "authors", "design", "photography", "contributing_organisations", "colophon_text", "cover_image",
]


def _shift_years(text: str, years: int) -> str:
    import re

    return re.sub(r"\b(20\d\d)\b", lambda m: str(int(m.group(1)) + years), text)


@transaction.atomic
def plan_copy_to_next_period(*, plan: Plan) -> Plan:
    """Start the plan of the next period from this one: its themes, every section with what
    is in it, the colophon; milestones move on by the length of the period."""
    length = plan.period_end - plan.period_start + 1
    start, end = plan.period_start + length, plan.period_end + length
    if Plan.objects.filter(area=plan.area, document_type=plan.document_type, period_start=start).exists():
        raise ValidationError(
            _("Er bestaat al een %(type)s voor %(period)s in dit gebied.")
            % {"type": plan.document_type.lower(), "period": start if start == end else f"{start}–{end}"}
        )
    title = plan.title.replace(plan.period_label, f"{start}" if start == end else f"{start}–{end}")
    new = plan_create(
        area=plan.area, period_start=start, period_end=end, template=None, themes=[],
        title=title if title != plan.title else "", **{name: getattr(plan, name) for name in COPIED_FIELDS},
    )
    Plan.objects.filter(pk=new.pk).update(template=plan.template)
    PlanTheme.objects.bulk_create(
        PlanTheme(plan=new, origin=t.origin, name=t.name, description=t.description, is_focus=t.is_focus, order=t.order)
        for t in plan.themes.all()
    )
    plan_copy_sections(source=plan, target=new)
    for milestone in Milestone.objects.filter(section__plan=new):
        milestone.period_label = _shift_years(milestone.period_label, length)
        milestone.text = _shift_years(milestone.text, length)
        if milestone.date:
            milestone.date = milestone.date.replace(year=milestone.date.year + length)
        milestone.save()
    _citations_to_newest(plan=new)
    plan_touch(plan=new, what=_("Gekopieerd uit %(title)s") % {"title": plan.title})
    return new


# What other apps keep of a plan that a new version carries on: functions
# (source=, target=, copied=) called inside plan_new_version's transaction after the
# sections are copied (`copied`: see plan_copy_sections). The execution app registers its
# execution plans (execution.apps).
VERSION_COPIES: list = []


def register_version_copy(copy) -> None:
    if copy not in VERSION_COPIES:
        VERSION_COPIES.append(copy)


@transaction.atomic
def plan_new_version(*, plan: Plan, user) -> Plan:
    """Start changing an adopted plan: a copy of it in concept, the next version, which goes
    through review again. The adopted version stays as it is, readable and downloadable.

    An adopted plan has at most one next version: asking again is refused with a pointer.
    """
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != Plan.Status.ADOPTED:
        raise ValidationError(_("Alleen een vastgesteld plan krijgt een nieuwe versie; dit plan kun je gewoon bewerken."))
    if Plan.objects.filter(previous_version=locked).exists():
        raise ValidationError(_("Er bestaat al een nieuwe versie van dit plan."))
    new = plan_create(
        area=plan.area, period_start=plan.period_start, period_end=plan.period_end, template=None, themes=[],
        title=plan.title, version=locked.version + 1, previous_version=locked,
        **{name: getattr(plan, name) for name in COPIED_FIELDS},
    )
    Plan.objects.filter(pk=new.pk).update(template=plan.template)
    PlanTheme.objects.bulk_create(
        PlanTheme(plan=new, origin=t.origin, name=t.name, description=t.description, is_focus=t.is_focus, order=t.order)
        for t in plan.themes.all()
    )
    copied: dict = {}
    plan_copy_sections(source=plan, target=new, copied=copied)
    for copy in VERSION_COPIES:
        copy(source=locked, target=new, copied=copied)
    plan_touch(plan=new, what=_("Gekopieerd uit de vastgestelde versie %(number)s") % {"number": locked.version})
    PlanStatusChange.objects.create(
        plan=new, user=user, old_status=Plan.Status.ADOPTED, new_status=Plan.Status.CONCEPT,
        note=str(_("Nieuwe versie gestart op basis van de vastgestelde versie %(number)s.") % {"number": locked.version}),
    )
    return new


# --- history -----------------------------------------------------------------------------


def _after_restore(plan: Plan, *, status: str, revision: int) -> None:
    """A restore saved old rows: put the workflow status back and move every counter past
    anything it was before, so no cache key or open edit form can match an older state."""
    new = revision + 1
    Plan.objects.filter(pk=plan.pk).update(status=status, revision=new, updated=timezone.now())
    Section.objects.filter(plan=plan).update(revision=new)
    plan.revision, plan.status = new, status


def _revision_of(plan: Plan, revision_id):
    from reversion.models import Revision

    revision = Revision.objects.filter(
        pk=revision_id, version__object_id=str(plan.pk), version__content_type__model="plan"
    ).first()
    if revision is None:
        raise ValidationError(_("Deze versie hoort niet bij dit plan."))
    return revision


def _put_back(versions, current: dict) -> None:
    """Save the rows of `versions` (parents before children), then delete what `current`
    (model → queryset) holds that those versions did not (children before parents)."""
    rank = {model: i for i, (model, _lookup) in enumerate([(Plan, None), *history.CONTENT])}
    by_model: dict = {}
    for version in versions:
        by_model.setdefault(version.content_type.model_class(), []).append(version)
    for model in sorted(by_model, key=lambda m: rank.get(m, 99)):
        group = by_model[model]
        if model is Section:  # chapters before their sub-sections
            group.sort(key=lambda v: v.field_dict.get("parent_id") is not None)
        for version in group:
            version.revert()
    for model, queryset in sorted(current.items(), key=lambda item: -rank.get(item[0], 99)):
        kept = [int(v.object_id) for v in by_model.get(model, [])]
        queryset.exclude(pk__in=kept).delete()


@transaction.atomic
def plan_restore(*, plan: Plan, revision_id: int) -> None:
    """Bring the whole plan back to how it was in an earlier revision (itself a revision)."""
    _begin(plan=plan)
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    revision = _revision_of(plan, revision_id)
    versions = history.part_versions(plan, history.state_of(plan, revision))
    _put_back(versions, {model: model.objects.filter(**{lookup: plan}) for model, lookup in history.CONTENT})
    _after_restore(plan, status=current.status, revision=current.revision)
    history.record(plan, _("Hersteld naar de versie van %(date)s") % {"date": _local(revision.date_created)})


@transaction.atomic
def section_restore(*, plan: Plan, revision_id: int, section_id: int) -> None:
    """Bring one section (with what is in it) back to how it was in an earlier revision."""
    _begin(plan=plan)
    current = Plan.objects.select_for_update().get(pk=plan.pk)
    revision = _revision_of(plan, revision_id)
    state = history.state_of(plan, revision)
    versions = history.part_versions(plan, state, [str(section_id)]) if str(section_id) in state.parts else []
    own = [v for v in versions if v.content_type.model == "section" and int(v.object_id) == section_id]
    if not own:
        raise ValidationError(_("Dit onderdeel bestond in die versie niet."))
    parent_id = own[0].fields.get("parent")
    if parent_id and not Section.objects.filter(pk=parent_id, plan=plan).exists():
        raise ValidationError(_("Herstel eerst het hoofdstuk waar dit onderdeel onder stond."))
    rows = {}
    for model, rule in history.rules().items():
        if rule.part == "section" and model is not Section:
            rows[model] = model.objects.filter(**{f"{rule.hop}__section_id" if rule.hop else "section_id": section_id})
    _put_back(versions, rows)
    _after_restore(plan, status=current.status, revision=current.revision)
    history.record(
        plan, _("Onderdeel hersteld naar de versie van %(date)s") % {"date": _local(revision.date_created)},
        sections=[section_id], own=False,
    )


def _local(moment) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "j F Y H:i")


# --- workflow ---------------------------------------------------------------------------

# Which step the coordinator may take from each status.
TRANSITIONS = {
    Plan.Status.CONCEPT: {Plan.Status.REVIEW},
    Plan.Status.REVIEW: {Plan.Status.CONCEPT, Plan.Status.ADOPTED},
    Plan.Status.ADOPTED: set(),
}


@transaction.atomic
def plan_status_change(*, plan: Plan, new_status: str, user, note: str) -> PlanStatusChange:
    """Move the plan one step in its workflow, with a note on why.

    An adopted plan is read-only; its PDF is archived as the adopted version.
    """
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if new_status not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("Van %(old)s naar %(new)s kan niet.")
            % {"old": locked.get_status_display().lower(), "new": Plan.Status(new_status).label.lower()}
        )
    if not note.strip():
        raise ValidationError(_("Schrijf bij elke stap een korte toelichting."))
    change = PlanStatusChange.objects.create(
        plan=locked, old_status=locked.status, new_status=new_status, user=user, note=note.strip()
    )
    if new_status == Plan.Status.ADOPTED:
        plan_freeze_figures(plan=plan)
    Plan.objects.filter(pk=plan.pk).update(status=new_status)
    plan.status = new_status
    if new_status == Plan.Status.ADOPTED:
        plan_touch(plan=plan)  # the whole plan: adoption froze the cited figures
    else:
        plan_touch(plan=plan, changed=[])
    if new_status == Plan.Status.ADOPTED:
        transaction.on_commit(partial(_archive_adopted, plan.pk))
    return change


def _archive_adopted(plan_id: int) -> None:
    plan = Plan.objects.select_related("area__organisation").get(pk=plan_id)
    plan_export_request(plan=plan)


# --- the public page ----------------------------------------------------------------------


@transaction.atomic
def plan_publish(*, plan: Plan, public: bool) -> Plan:
    """Open or close the public, read-only page of an adopted plan."""
    if public and Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).get() != Plan.Status.ADOPTED:
        raise ValidationError(_("Alleen een vastgesteld plan kan openbaar worden gemaakt."))
    plan.public_code = uuid.uuid4() if public else None
    Plan.objects.filter(pk=plan.pk).update(public_code=plan.public_code)
    return plan


# --- review comments ----------------------------------------------------------------------


@transaction.atomic
def comment_add(*, section: Section, user, text: str) -> SectionComment:
    """A remark on a section; only while the plan is in review."""
    if Plan.objects.filter(pk=section.plan_id).values_list("status", flat=True).get() != Plan.Status.REVIEW:
        raise ValidationError(_("Opmerkingen plaatsen kan alleen zolang het plan ter review ligt."))
    if not text.strip():
        raise ValidationError(_("Schrijf een opmerking."))
    return SectionComment.objects.create(section=section, user=user, text=text.strip())


@transaction.atomic
def comment_resolve(*, comment: SectionComment, user) -> None:
    SectionComment.objects.filter(pk=comment.pk, resolved=None).update(resolved=timezone.now(), resolved_by=user)


# --- organisation settings: themes and plan templates ------------------------------------
#
# These shape plans that are still to be made; no existing plan changes with them.


@transaction.atomic
def theme_add(*, organisation: Organisation, name: str, description: str = "") -> Theme:
    theme = Theme(
        organisation=organisation, name=name.strip(), description=description,
        order=_next_order(organisation.themes.all()),
    )
    theme.full_clean(exclude=["organisation"])
    theme.save()
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, **fields) -> Theme:
    """Rename, describe, retire or bring back one of the organisation's themes."""
    allowed = {"name", "description", "retired"}
    if set(fields) - allowed:
        raise TypeError(f"theme_update cannot change {', '.join(sorted(set(fields) - allowed))}")
    for name, value in fields.items():
        setattr(theme, name, value.strip() if isinstance(value, str) else value)
    theme.full_clean(exclude=["organisation"])
    theme.save()
    return theme


def _move(item, siblings, step: int) -> None:
    """Swap an item with its neighbour in `siblings` (ordered), then renumber them all."""
    items = list(siblings)
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = max(0, min(len(items) - 1, index + step))
    items.insert(target, items.pop(index))
    for order, other in enumerate(items):
        other.order = order
    type(item).objects.bulk_update(items, ["order"])


@transaction.atomic
def theme_move(*, theme: Theme, step: int) -> None:
    _move(theme, theme.organisation.themes.order_by("order", "name"), step)


@transaction.atomic
def template_create(*, organisation: Organisation, name: str, document_type: str, years: int = 1) -> PlanTemplate:
    template = PlanTemplate(
        organisation=organisation, name=name.strip(), document_type=document_type.strip(), years=years,
        order=_next_order(organisation.templates.all()),
    )
    template.full_clean(exclude=["organisation"])
    template.save()
    return template


@transaction.atomic
def template_section_save(*, template: PlanTemplate, section: TemplateSection | None = None, **fields) -> TemplateSection:
    """Add a section to a template, or change one."""
    parent = fields.get("parent")
    if parent is not None and (parent.template_id != template.pk or parent.parent_id is not None):
        raise ValidationError(_("Een onderdeel kan alleen onder een hoofdstuk van hetzelfde sjabloon staan."))
    if section is None:
        siblings = template.sections.filter(parent=parent)
        section = TemplateSection(template=template, order=_next_order(siblings))
    elif section.template_id != template.pk:
        raise ValidationError(_("Dit onderdeel hoort bij een ander sjabloon."))
    for name, value in fields.items():
        setattr(section, name, value)
    if section.parent_id is not None and section.parent_id == section.pk:
        raise ValidationError(_("Een onderdeel kan niet onder zichzelf staan."))
    section.full_clean(exclude=["template", "parent"])
    section.save()
    return section


@transaction.atomic
def template_section_move(*, section: TemplateSection, step: int) -> None:
    _move(section, section.template.sections.filter(parent_id=section.parent_id).order_by("order", "id"), step)


@transaction.atomic
def template_section_delete(*, section: TemplateSection) -> None:
    section.delete()


# --- PDF exports --------------------------------------------------------------------------

# The Celery task's limits (see plans/tasks.py). A full plan renders in about 2 s.
PDF_SOFT_TIME_LIMIT = 30
PDF_TIME_LIMIT = 45
# A claim older than the hard limit belongs to a worker that is gone: it may be taken over.
# (Redis redelivers an unacknowledged message only after its visibility timeout, so a
# worker killed as a whole would leave its export "being made" for that long; the sweep
# below, run by celery beat every 30 s (CELERY_BEAT_SCHEDULE), queues such exports again.)
CLAIM_EXPIRES = timedelta(seconds=PDF_TIME_LIMIT + 15)
# A queued export that no worker picked up for this long is queued again (sweep, request).
REQUEUE_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 3


class TransientExportError(Exception):
    """A failure worth retrying (database or storage briefly unavailable)."""


def plan_export_current(*, plan: Plan) -> PlanExport | None:
    """The export to show on the plan page: the newest one (one query)."""
    return plan.exports.order_by("-created").first()


def _file_exists(export: PlanExport) -> bool:
    try:
        return bool(export.file) and default_storage.exists(export.file.name)
    except Exception:  # a storage we cannot ask counts as missing: render again
        return False


def broker_unreachable_message() -> str:
    return _(
        "De achtergrondverwerking is niet bereikbaar, dus de PDF kan nu niet worden gemaakt. "
        "Probeer het over een paar minuten opnieuw."
    )


def _enqueue(export_id: int, export: PlanExport | None = None) -> None:
    """Queue the render; if the broker cannot be reached, the export fails, visibly.

    `export`, when given, is the instance the caller shows: it gets the same state, so the
    person who pressed the button reads why nothing happens (not a queue that never moves).
    """
    from .tasks import render_plan_export

    try:
        render_plan_export.delay(export_id)
    except (BrokerError, ConnectionError, TimeoutError) as exc:
        logger.error("Could not queue PDF export %s: broker unavailable (%s)", export_id, exc)
        now = timezone.now()
        message = broker_unreachable_message()
        PlanExport.objects.filter(pk=export_id, status__in=PlanExport.ACTIVE).update(
            status=PlanExport.Status.FAILED, error=message, finished=now, updated=now
        )
        if export is not None:
            export.status, export.error, export.finished = PlanExport.Status.FAILED, message, now


def plan_export_request(
    *, plan: Plan, user=None, enqueue: bool = True, force: bool = False
) -> PlanExport:
    """The PDF of the plan as it is now: stored, in flight, or queued here.

    Idempotent: an unchanged plan gets its stored file back at once, and while a render of
    this content is queued or running every request gets that same export. The task is
    queued only after the transaction commits, with the export's id. `force` skips the
    stored file (not an export in flight).
    """
    digest = content_hash(plan)
    done = (
        None
        if force
        else (
            PlanExport.objects.filter(plan=plan, content_hash=digest, status=PlanExport.Status.DONE)
            .exclude(file="")
            .order_by("-finished")
            .first()
        )
    )
    if done is not None and _file_exists(done):
        if plan.status == Plan.Status.ADOPTED and not done.archived:
            PlanExport.objects.filter(pk=done.pk).update(archived=True)
            done.archived = True
        return done

    with transaction.atomic():
        active = (
            PlanExport.objects.select_for_update()
            .filter(plan=plan, content_hash=digest, status__in=PlanExport.ACTIVE)
            .first()
        )
        if active is not None:
            if _needs_requeue(active) and enqueue:
                transaction.on_commit(partial(_enqueue, active.pk, active))
            return active
        try:
            # A savepoint: a concurrent request for the same content may insert first.
            with transaction.atomic():
                export = PlanExport.objects.create(
                    plan=plan,
                    requested_by=user if getattr(user, "is_authenticated", False) else None,
                    content_hash=digest,
                    archived=plan.status == Plan.Status.ADOPTED,
                )
        except IntegrityError:
            return PlanExport.objects.get(
                plan=plan, content_hash=digest, status__in=PlanExport.ACTIVE
            )
        if enqueue:
            transaction.on_commit(partial(_enqueue, export.pk, export))
    return export


def _needs_requeue(export: PlanExport) -> bool:
    now = timezone.now()
    if export.status == PlanExport.Status.QUEUED:
        return export.updated < now - REQUEUE_AFTER
    return export.started is not None and export.started < now - CLAIM_EXPIRES


def plan_export_claim(*, export_id: int, task_id: str) -> bool:
    """Take the export for rendering, atomically. False: someone else has it, or it is done.

    A queued export can be claimed once. The same task id may claim again (the message
    was redelivered after its worker died: acks_late), and an expired claim may be taken
    over; after MAX_ATTEMPTS claims the export fails instead of looping.
    """
    if not task_id:
        raise ValueError("a claim needs the id of the task that holds it")
    now = timezone.now()
    claimable = (
        Q(status=PlanExport.Status.QUEUED)
        | Q(status=PlanExport.Status.RENDERING, task_id=task_id)
        | Q(status=PlanExport.Status.RENDERING, started__lt=now - CLAIM_EXPIRES)
    )
    claimed = PlanExport.objects.filter(claimable, pk=export_id, attempts__lt=MAX_ATTEMPTS).update(
        status=PlanExport.Status.RENDERING,
        task_id=task_id,
        progress=5,
        attempts=F("attempts") + 1,
        started=now,
        error="",
        updated=now,
    )
    if claimed:
        return True
    gave_up = PlanExport.objects.filter(claimable, pk=export_id, attempts__gte=MAX_ATTEMPTS).update(
        status=PlanExport.Status.FAILED,
        error=_("De PDF kon na meerdere pogingen niet worden gemaakt. Probeer het later opnieuw."),
        finished=now,
        updated=now,
    )
    if gave_up:
        logger.error("PDF export %s failed: gave up after %s attempts", export_id, MAX_ATTEMPTS)
    return False


def plan_export_fail(*, export_id: int, message: str, task_id: str | None = None) -> None:
    """Mark the export failed with a message for people (the reason goes to the log)."""
    exports = PlanExport.objects.filter(pk=export_id, status__in=PlanExport.ACTIVE)
    if task_id is not None:
        exports = exports.filter(task_id=task_id)
    now = timezone.now()
    exports.update(status=PlanExport.Status.FAILED, error=message, finished=now, updated=now)


def plan_export_render(*, export_id: int, task_id: str = "") -> PlanExport | None:
    """Claim, render and store one export. Safe to run twice: the second run does nothing.

    Returns the export when this call finished it (done or failed), None when it had
    nothing to do. Raises TransientExportError after giving the claim back, for a retry.
    """
    task_id = task_id or f"inline-{uuid.uuid4()}"
    if not plan_export_claim(export_id=export_id, task_id=task_id):
        logger.info("PDF export %s: nothing to do (claimed elsewhere, done or gone)", export_id)
        return None
    owned = PlanExport.objects.filter(
        pk=export_id, status=PlanExport.Status.RENDERING, task_id=task_id
    )

    def progress(value: int) -> None:
        owned.update(progress=value, updated=timezone.now())

    stored = None
    try:
        export = PlanExport.objects.select_related("plan__area__organisation").get(pk=export_id)
        plan = export.plan
        document = plan_document(plan)
        digest = content_hash(plan)
        html = plan_html(plan, document)
        progress(25)
        rendered = render_pdf(html, progress=progress)
        if rendered.refused:
            logger.warning("PDF export %s: refused to fetch %s", export_id, rendered.refused)
        stored = default_storage.save(
            _export_file_name(export, plan),
            ContentFile(rendered.pdf),
            max_length=export.file.field.max_length,
        )
        now = timezone.now()
        finished = owned.update(
            status=PlanExport.Status.DONE,
            progress=100,
            file=stored,
            content_hash=digest,
            page_count=rendered.pages,
            archived=export.archived or plan.status == Plan.Status.ADOPTED,
            finished=now,
            updated=now,
        )
    except SoftTimeLimitExceeded:
        _discard(stored)
        logger.error("PDF export %s: soft time limit reached", export_id)
        plan_export_fail(
            export_id=export_id,
            task_id=task_id,
            message=_("Het maken van de PDF duurde te lang. Probeer het later opnieuw."),
        )
        return PlanExport.objects.filter(pk=export_id).first()
    except (OperationalError, InterfaceError, OSError) as exc:
        _discard(stored)
        logger.warning("PDF export %s: transient failure, will retry: %r", export_id, exc)
        # Give the claim back; if even that fails, the same task id may claim it again.
        with contextlib.suppress(DatabaseError):
            owned.update(status=PlanExport.Status.QUEUED, progress=0, updated=timezone.now())
        raise TransientExportError(str(exc)) from exc
    except PlanExport.DoesNotExist:
        _discard(stored)
        return None
    except Exception:
        # Anything after the claim, the final save included: the export fails, visibly,
        # and no file is left behind without a row.
        _discard(stored)
        logger.exception("PDF export %s failed", export_id)
        plan_export_fail(
            export_id=export_id,
            task_id=task_id,
            message=_(
                "De PDF kon niet worden gemaakt. Probeer het later opnieuw of neem contact op met de beheerder."
            ),
        )
        return PlanExport.objects.filter(pk=export_id).first()

    if not finished:
        # The claim expired and another worker took over: its file wins, ours goes.
        _discard(stored)
        return None
    try:
        _prune(plan=plan, keep=export_id)
    except Exception:  # the export is done; old files are tidied on the next one
        logger.exception("PDF export %s: pruning older exports failed", export_id)
    return PlanExport.objects.filter(pk=export_id).first()


def _export_file_name(export: PlanExport, plan: Plan) -> str:
    """The stored name, within the file field's max_length whatever the area is called."""
    field = export.file.field
    prefix = field.generate_filename(export, "x.pdf")[: -len("x.pdf")]  # exports/YYYY/MM/
    # The code makes the name unique; the document type, period and area name are for
    # people. Room is kept for the suffix a storage adds when a name is taken.
    document = slugify(plan.document_type)[:30].strip("-") or "plan"
    fixed = f"{document}-{plan.period_start}--{export.code}.pdf"
    room = max(field.max_length - len(prefix) - len(fixed) - 8, 0)
    slug = slugify(plan.area.name)[: min(room, 40)].strip("-") or "plan"
    return field.generate_filename(
        export, f"{document}-{plan.period_start}-{slug}-{export.code}.pdf"
    )


def _discard(name: str | None) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:
        logger.warning("Could not delete %s", name)


def _prune(*, plan: Plan, keep: int) -> None:
    """Older finished exports of the plan go, with their files; archived ones stay."""
    old = list(
        plan.exports.filter(
            status__in=[PlanExport.Status.DONE, PlanExport.Status.FAILED], archived=False
        )
        .exclude(pk=keep)
        .filter(created__lt=PlanExport.objects.filter(pk=keep).values("created")[:1])
    )
    for export in old:
        if export.file:
            try:
                default_storage.delete(export.file.name)
            except OSError:
                logger.warning("Could not delete %s", export.file.name)
    PlanExport.objects.filter(pk__in=[e.pk for e in old]).delete()


def plan_export_sweep() -> dict[str, int]:
    """Queue again the exports a worker dropped; fail those that used up their attempts.

    Run by celery beat every 30 seconds. A claim past CLAIM_EXPIRES belongs to a worker
    that was killed as a whole (its message would come back only after the broker's
    visibility timeout); a queued export nobody took for REQUEUE_AFTER lost its message.
    Both go back to the queue with a new message; the claim makes a duplicate harmless.
    """
    now = timezone.now()
    stale = Q(status=PlanExport.Status.RENDERING, started__lt=now - CLAIM_EXPIRES) | Q(
        status=PlanExport.Status.QUEUED, updated__lt=now - REQUEUE_AFTER
    )
    gave_up = PlanExport.objects.filter(stale, attempts__gte=MAX_ATTEMPTS).update(
        status=PlanExport.Status.FAILED,
        error=_("De PDF kon na meerdere pogingen niet worden gemaakt. Probeer het later opnieuw."),
        finished=now,
        updated=now,
    )
    requeued = 0
    for export_id in PlanExport.objects.filter(stale).values_list("pk", flat=True):
        # Queued again: the next request or sweep waits REQUEUE_AFTER before another message.
        if PlanExport.objects.filter(stale, pk=export_id).update(
            status=PlanExport.Status.QUEUED, progress=0, updated=now
        ):
            _enqueue(export_id)
            requeued += 1
    if gave_up or requeued:
        logger.warning("PDF export sweep: %s queued again, %s failed", requeued, gave_up)
    return {"requeued": requeued, "failed": gave_up}


def plan_export_render_now(*, plan: Plan, user=None, force: bool = False) -> PlanExport:
    """Render synchronously in this process, through the same claim and storage path.

    For scripts and checks (`manage.py render_plan`). Without `force`, an unchanged plan
    returns its stored export.
    """
    export = plan_export_request(plan=plan, user=user, enqueue=False, force=force)
    if export.is_active:
        plan_export_render(export_id=export.pk, task_id=f"render_plan-{uuid.uuid4()}")
        export.refresh_from_db()
    return export
