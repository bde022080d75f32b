"""Every change to a plan is kept, in django-reversion's tables: the rows of the parts of a plan a
save changed, in one revision per save, with who and when; a `PlanHistoryState` per
revision says where every other part of the plan, unchanged, was stored last. A part is
either one section with everything in it, or the plan's own rows (its themes and the
execution plans registered by other apps); the plan row itself is in every revision.

`plan_touch` (plans.services) records the plan with the parts a service changed (all of
them when it does not say), so a save costs what it changed, not what the plan holds;
a request's revision (RevisionMiddleware) carries the user. This module also reads the
history: the revisions of a plan, what changed per section, and the stored rows of any
part at any revision (for restoring).
"""

import contextlib
import difflib
import functools
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from html.parser import HTMLParser

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import connection, router, transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from reversion.models import Revision, Version

from matrix.models import MatrixItem

from .models import (
    Activity,
    ActivityType,
    Card,
    CardKind,
    CardTopic,
    FigureCitation,
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    Goal,
    GoalIndicator,
    Intervention,
    InterventionPartner,
    Milestone,
    Plan,
    PlanHistoryState,
    PlanTheme,
    Section,
    SectionKind,
    SurveyAnswer,
    SurveyQuestion,
    contributors_rows,
)
from .prepared import Columns, Statement, fetch_prepared, run
from .sanitize import looks_like_html

# Everything a plan holds, in an order in which a restore can save it (parents first),
# with the lookup that finds a plan's rows.
CONTENT = [
    (PlanTheme, "plan"),
    (Section, "plan"),
    (CardKind, "section__plan"),
    (CardTopic, "section__plan"),
    (Card, "plan"),
    (FigureTable, "section__plan"),
    (FigureTableIndicator, "table__section__plan"),
    (FigureTableNeighbourhood, "table__section__plan"),
    (MatrixItem, "section__plan"),
    (FocusPoint, "section__plan"),
    (Milestone, "section__plan"),
    (Intervention, "section__plan"),
    (InterventionPartner, "intervention__section__plan"),
    (Activity, "section__plan"),
    (ActivityType, "activity__section__plan"),
    (Goal, "section__plan"),
    (GoalIndicator, "goal__section__plan"),
    (FigureCitation, "section__plan"),
    (SurveyQuestion, "section__plan"),
    (SurveyAnswer, "question__section__plan"),
]


def register_content(model, lookup: str) -> None:
    """Let another app (e.g. execution) keep its rows of a plan in the plan's history."""
    if (model, lookup) not in CONTENT:
        CONTENT.append((model, lookup))
        if not reversion.is_registered(model):
            reversion.register(model)


def register() -> None:
    """Register the plan and everything in it (called once, from the app config).

    Nothing is excluded: a restore saves whole rows, and the revision counters are set
    right again afterwards (plans.services), so they only ever go up. Relations are not
    followed one object at a time: `record` reads each table once.
    """
    if reversion.is_registered(Plan):
        return
    reversion.register(Plan)
    for model, _lookup in CONTENT:
        reversion.register(model)


STR_RELATED = {
    Card: ["kind"],
    FigureTableIndicator: ["indicator"],
    FigureTableNeighbourhood: ["neighbourhood"],
}


def _queryset(model, **lookup):
    queryset = model.objects.filter(**lookup).order_by()  # no ordering: no joins for it
    if model in STR_RELATED:  # what the row's __str__ reads (reversion stores it)
        queryset = queryset.select_related(*STR_RELATED[model])
    if model is Intervention:
        queryset = queryset.prefetch_related("themes")
    return queryset


def plan_rows(plan: Plan) -> list:
    """The plan and every row it holds, one query per table whatever the plan's size."""
    rows = [plan]
    for model, lookup in CONTENT:
        rows.extend(_queryset(model, **{lookup: plan}))
    return rows


@dataclass(frozen=True)
class _Rule:
    """Which part of a plan a model's rows belong to, and how to find them."""

    part: str  # "section" or "plan"
    hop: str | None  # the foreign key to the parent row that decides the part; None: own field
    parent: type | None


_rules: dict = {}


def rules() -> dict:
    """Per registered model: the part its rows belong to. A row with a `section` belongs to
    that section; a row under another row (a table's indicator, an action of an execution
    plan) to its parent's part; anything else of the plan to the plan's own rows."""
    if len(_rules) != len(CONTENT):
        _rules.clear()
        for model, lookup in CONTENT:
            names = {f.name for f in model._meta.get_fields()}
            if model is Section:
                continue
            if "section" in names:
                _rules[model] = _Rule("section", None, None)
            elif lookup == "plan":
                _rules[model] = _Rule("plan", None, None)
            else:
                hop = lookup.split("__")[0]
                _rules[model] = _Rule("", hop, model._meta.get_field(hop).related_model)
        for model, rule in list(_rules.items()):
            if rule.hop is not None:
                _rules[model] = _Rule(_rules[rule.parent].part, rule.hop, rule.parent)
        _rules[Section] = _Rule("section", None, None)
    return _rules


_holding: dict = {}


def _holding_sql() -> dict:
    """Per section content model: SQL that says whether a section (the outer query's
    row) holds rows of it. Plain SQL, written once: seventeen ORM subqueries cost more to
    compile than the query costs to run."""
    if len(_holding) != sum(1 for rule in rules().values() if rule.part == "section") - 1:
        _holding.clear()
        outer = connection.ops.quote_name(Section._meta.db_table)
        for model, rule in rules().items():
            if rule.part != "section" or model is Section:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            if rule.hop is None:
                column = connection.ops.quote_name(model._meta.get_field("section").column)
                sql = f"SELECT 1 FROM {table} WHERE {table}.{column} = {outer}.id"  # noqa: S608 - names from model meta
            else:
                parent = connection.ops.quote_name(rule.parent._meta.db_table)
                fk = connection.ops.quote_name(model._meta.get_field(rule.hop).column)
                column = connection.ops.quote_name(rule.parent._meta.get_field("section").column)
                join = f"{table} INNER JOIN {parent} ON {table}.{fk} = {parent}.id"
                sql = f"SELECT 1 FROM {join} WHERE {parent}.{column} = {outer}.id"  # noqa: S608 - names from model meta
            _holding[model] = f"EXISTS ({sql})"
    return _holding


_sections_sql_text: list = []


def _sections_sql() -> str:
    """SELECT every column of the sections `{ids}` with one flag per table that holds rows
    of them (`_holding_sql`), written once."""
    holding = _holding_sql()
    if not _sections_sql_text or _sections_sql_text[0][0] != len(holding):
        quote = connection.ops.quote_name
        table = quote(Section._meta.db_table)
        columns = ", ".join(f"{table}.{quote(f.column)}" for f in Section._meta.concrete_fields)
        flags = ", ".join(f"{sql} AS holds_{n}" for n, sql in enumerate(holding.values()))
        sql = f"SELECT {columns}, {flags} FROM {table} WHERE {table}.{quote('id')} IN ({{ids}})"  # noqa: S608 - names from model meta
        _sections_sql_text[:] = [(len(holding), sql)]
    return _sections_sql_text[0][1]


def section_rows(section_ids) -> list:
    """The sections and everything in them. The sections' query says which tables hold
    rows of them, so only those are read: a few queries, whatever their size or kind."""
    section_ids = list(section_ids)
    if not section_ids:
        return []
    holding = _holding_sql()
    flags = [f"holds_{n}" for n in range(len(holding))]
    placeholders = ", ".join(["%s"] * len(section_ids))
    # A raw query: the same SQL the ORM wrote with seventeen annotations, without
    # compiling them on every save.
    sections = list(Section.objects.raw(_sections_sql().replace("{ids}", placeholders), section_ids))
    rows = list(sections)
    for model, flag in zip(holding, flags, strict=True):
        pks = [row.pk for row in sections if getattr(row, flag)]
        if pks:
            rule = rules()[model]
            rows.extend(_queryset(model, **{f"{rule.hop}__section_id__in" if rule.hop else "section_id__in": pks}))
    return rows


def own_rows(plan: Plan) -> list:
    """The plan's own rows: its themes and what other apps keep of it (execution plans)."""
    lookups = dict(CONTENT)
    rows = []
    for model, rule in rules().items():
        if rule.part == "plan":
            rows.extend(_queryset(model, **{lookups[model]: plan}))
    return rows


# --- writing a revision ---------------------------------------------------------------------
#
# A revision is written here, into django-reversion's tables (Revision, Version) in its
# format, and read, diffed and reverted with reversion as its own. Reversion's own way of
# writing one serialises every stored row in Python (Django's JSON serialiser), asks per
# model which of them still exist, and saves the revision, the versions and the state as
# three more statements: most of what a save cost. Here the revision is opened by
# `revision()` (the request's, by plans.middleware.RevisionMiddleware, or a service's own),
# `record` notes which parts of which plans it stores, and when the outermost block ends,
# inside its transaction:
# - on PostgreSQL, one INSERT of the revision and one statement per plan in which the
#   database writes the plan row's version, the versions of every row of the stored parts
#   and the state: each version a list with one object of "model", "pk" and "fields",
#   each field under the name and in the form Django's serialiser gives it (a foreign key
#   as the related id, a decimal as text, a many-to-many field as a list of ids). Dates
#   and times keep their microseconds (the serialiser cuts them to milliseconds); a
#   version's label (object_repr, which no page here shows) is the model's name and id.
# - elsewhere (SQLite), the same rows through Django's serialiser.


def _json_fields(model, alias: str) -> str:
    """A JSON object of a row's fields as Django's serialiser writes them."""
    quote = connection.ops.quote_name
    pairs = []
    for f in model._meta.local_fields:
        if not f.serialize:  # the primary key (it is "pk")
            continue
        value = f"{alias}.{quote(f.column)}"
        if f.get_internal_type() == "DecimalField":
            value += "::text"
        pairs.append(f"'{f.name}', {value}")
    for f in model._meta.local_many_to_many:
        if f.serialize and f.remote_field.through._meta.auto_created:
            table = quote(f.m2m_db_table())
            source, target = quote(f.m2m_column_name()), quote(f.m2m_reverse_name())
            pairs.append(f"'{f.name}', ARRAY(SELECT m.{target} FROM {table} m WHERE m.{source} = {alias}.id)")  # noqa: S608 - names from model meta
    # A function takes at most 100 arguments: past 50 fields, objects are joined.
    chunks = [", ".join(pairs[i : i + 50]) for i in range(0, len(pairs), 50)] or [""]
    if len(chunks) == 1:
        return f"json_build_object({chunks[0]})"
    return "(" + " || ".join(f"jsonb_build_object({c})" for c in chunks) + ")::json"


def _part_select(model, rule: "_Rule", lookup: str, plan_param: str = "own") -> str:
    """SELECT the version columns of `model`'s rows in the sections `%(sections)s` (a
    section part) or of the plan `%(<plan_param>)s` (the plan's own rows, or its row)."""
    quote = connection.ops.quote_name
    meta = model._meta
    alias, joins, current = "t", [], model
    hop_rule = rule
    while hop_rule.hop is not None:  # up to the row that says the part
        parent = hop_rule.parent
        column = quote(current._meta.get_field(hop_rule.hop).column)
        joins.append(f"JOIN {quote(parent._meta.db_table)} p{len(joins)} ON {alias}.{column} = p{len(joins)}.id")
        alias, current, hop_rule = f"p{len(joins) - 1}", parent, rules()[parent]
    if model is Section:
        where = "t.id = ANY(%(sections)s::bigint[])"
    elif rule.part == "section":
        where = f"{alias}.{quote(current._meta.get_field('section').column)} = ANY(%(sections)s::bigint[])"
    else:
        top = dict(CONTENT)[current] if current is not model else lookup
        where = f"{alias}.{quote(current._meta.get_field(top.split('__')[-1]).column)} = %({plan_param})s::bigint"
    content_type = (
        f"(SELECT id FROM {quote(ContentType._meta.db_table)} "  # noqa: S608 - names from model meta
        f"WHERE app_label = '{meta.app_label}' AND model = '{meta.model_name}')"
    )
    document = f"json_build_array(json_build_object('model', '{meta.label_lower}', 'pk', t.id, 'fields', {_json_fields(model, 't')}))"
    return (
        f"SELECT t.id::text AS object_id, {content_type} AS content_type_id, {document}::text AS serialized_data, "  # noqa: S608 - names from model meta
        f"'{meta.model_name} ' || t.id AS object_repr FROM {quote(meta.db_table)} t {' '.join(joins)} WHERE {where}"
    )


_store_sql_text: dict = {}


def _store_sql(with_revision: bool = False) -> str:
    """One statement per plan and revision: the state `%(parts)s` of the plan `%(plan)s`,
    and the versions of its row, of every row in the sections `%(sections)s` and, when
    `%(own)s` is the plan's id, of its own rows; written once. For the revision
    `%(revision)s`, or `with_revision`: the revision itself too (`%(date)s`, `%(user)s`,
    `%(comment)s`), its id returned."""
    key = (len(CONTENT), with_revision)
    if key not in _store_sql_text:
        quote = connection.ops.quote_name
        selects = _version_selects()
        states = quote(PlanHistoryState._meta.db_table)

        def versions_of(revision: str) -> str:
            return _versions_insert(selects, revision)

        if with_revision:
            sql = (
                f"WITH revision AS (INSERT INTO {quote(Revision._meta.db_table)} (date_created, user_id, comment) "  # noqa: S608 - names from model meta
                f"VALUES (%(date)s, %(user)s, %(comment)s) RETURNING id), "
                f"state AS (INSERT INTO {states} (revision_id, plan_id, parts) "
                f"SELECT id, %(plan)s, %(parts)s::jsonb FROM revision), "
                f"versions AS ({versions_of('(SELECT id FROM revision)')}) "
                f"SELECT id FROM revision"
            )
        else:
            sql = (
                f"WITH state AS (INSERT INTO {states} (revision_id, plan_id, parts) "  # noqa: S608 - names from model meta
                f"VALUES (%(revision)s, %(plan)s, %(parts)s::jsonb)) {versions_of('%(revision)s')}"
            )
        _store_sql_text[key] = sql
    return _store_sql_text[key]


def _version_selects(models=None) -> list[str]:
    """The SELECTs of the versions a revision stores of a plan: its row (`%(plan)s`), every
    row in the sections `%(sections)s`, its own rows when `%(own)s` is its id; with
    `models`, of those models' rows only (beside the plan's row)."""
    lookups = dict(CONTENT)
    plan_row = _part_select(Plan, _Rule("plan", None, None), "id", plan_param="plan")
    return [
        plan_row,
        *(_part_select(model, rule, lookups[model]) for model, rule in rules().items() if models is None or model in models),
    ]


def _versions_insert(selects: list[str], revision: str, condition: str = "") -> str:
    """INSERT the versions `selects` give, as revision `revision` (SQL)."""
    quote = connection.ops.quote_name
    columns = "revision_id, object_id, content_type_id, db, format, serialized_data, object_repr"
    return (
        f"INSERT INTO {quote(Version._meta.db_table)} ({columns}) "  # noqa: S608 - names from model meta
        f"SELECT {revision}, v.object_id, v.content_type_id, %(db)s, 'json', v.serialized_data, v.object_repr "
        f"FROM ({' UNION ALL '.join(selects)}) v{condition}"
    )


def _stores_in_database() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Opened:
    """A revision being made: when, by whom, why, and per plan the parts it stores (the
    state's `parts`, None for those stored in this one) and the plan's row."""

    date_created: object
    user_id: int | None = None
    comment: str = ""
    plans: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)
    # The request's person, read when a save stores the revision itself (store_statement).
    user: object = None
    # Stored with a save (store_statement): the revision's id, as which user and comment,
    # the plans stored so, and those of them recorded again since (stored anew at the end).
    revision_id: int | None = None
    stored_as: tuple = ()
    stored: set = field(default_factory=set)
    again: set = field(default_factory=set)


_opened: ContextVar = ContextVar("plan-history-revision", default=None)


@contextlib.contextmanager
def revision():
    """One revision for everything recorded inside (a block inside another joins it),
    saved when the outermost block ends without an error, in its transaction."""
    current = _opened.get()
    if current is not None:
        yield current
        return
    current = Opened(date_created=timezone.now())
    token = _opened.set(current)
    try:
        yield current
        if current.plans and not (connection.in_atomic_block and transaction.get_rollback()):
            with transaction.atomic(savepoint=False):  # no savepoint inside a transaction
                _save(current)
    finally:
        _opened.reset(token)


def _stored_here(parts: dict) -> tuple[list[int], bool]:
    """Of a plan's parts in the revision being saved: the sections it stores, and whether
    it stores the plan's own rows (None: stored in this revision)."""
    sections = sorted(int(part) for part, stored in parts.items() if stored is None and part != "plan")
    return sections, "plan" in parts and parts["plan"] is None


def _save(opened: Opened) -> None:
    db = router.db_for_write(Section)
    if _stores_in_database():
        # The revision with the first plan's versions and state, then one per other plan.
        revision_id = opened.revision_id
        if revision_id is not None and not _stored_before(opened):
            revision_id = None  # rolled back with its savepoint: everything is stored as usual
        for plan_id, parts in opened.plans.items():
            if plan_id in opened.stored and plan_id not in opened.again:
                continue
            sections, own = _stored_here(parts)
            params = {
                "db": db, "plan": plan_id, "parts": json.dumps(parts), "sections": sections,
                "own": plan_id if own else None,
            }
            if revision_id is None:
                params.update(date=opened.date_created, user=opened.user_id, comment=opened.comment)
                ((revision_id,),) = fetch_prepared("history revision and parts", _store_sql(with_revision=True), params)
            else:
                fetch_prepared("history parts", _store_sql(), {**params, "revision": revision_id}, fetch=False)
        return
    from django.core import serializers

    revision = Revision.objects.create(date_created=opened.date_created, user_id=opened.user_id, comment=opened.comment)
    versions = []
    for plan_id, parts in opened.plans.items():
        sections, own = _stored_here(parts)
        rows = [opened.rows[plan_id], *(own_rows(plan_id) if own else ()), *section_rows(sections)]
        versions.extend(
            Version(
                revision=revision, object_id=str(row.pk), content_type=_type(type(row)), db=db, format="json",
                serialized_data=serializers.serialize("json", [row]), object_repr=str(row),
            )
            for row in rows
        )
        PlanHistoryState.objects.create(revision=revision, plan_id=plan_id, parts=parts)
    Version.objects.bulk_create(versions)


def _stored_before(opened: Opened) -> bool:
    """A revision a save stored itself (store_statement), at the end of the block: a plan
    recorded again since is stored anew (its versions and state in the revision are
    dropped; only that save's plan was stored so, before any other), and the revision
    takes the block's user and comment if they changed. False if the revision is gone
    (a savepoint around the save was rolled back, and the save with it): the plans are
    then all stored as usual."""
    if not opened.again and len(opened.plans) == 1 and (opened.user_id, opened.comment) == opened.stored_as:
        return True  # what a request with one save leaves: nothing more to write
    if not Revision.objects.filter(pk=opened.revision_id).exists():
        opened.stored.clear()
        return False
    if opened.again:
        Version.objects.filter(revision_id=opened.revision_id).delete()
        PlanHistoryState.objects.filter(revision_id=opened.revision_id).delete()
    if (opened.user_id, opened.comment) != opened.stored_as:
        Revision.objects.filter(pk=opened.revision_id).update(user_id=opened.user_id, comment=opened.comment)
    return True


def store_statement(
    *, plan_id: int, section_id: int, kind: str, comment: str, bump: str, params: dict
) -> Statement | None:
    """PostgreSQL, for a save in one section (of `kind`) that is the first of its revision:
    one statement that raises the revisions (`bump`: the section's UPDATE condition, as
    the save's guard) and, if it did, writes the whole revision as `_save` would (the
    revision, the state with its parts worked out from the plan's last state as `record`
    does, the versions of the plan's row, of the section and what is in it), so that the
    save needs no round trip of its own for its history. It reads only the tables a
    section of its kind holds rows in (KIND_CONTENT), and stores the revision only when
    the section holds nothing elsewhere and nothing else is due (no section new since
    the last state, the plan's own rows stored before); else the save is recorded as
    usual. None when the revision being made already holds a plan (recorded as usual).
    Its result: the plan's and the section's new revisions (None when the bump's
    condition did not hold), and the revision's id and parts (None when it was not
    stored here); pass it to `stored_with_save`. Send it after the save's lock (the
    plan's row locked) and writes."""
    opened = _opened.get()
    if opened is None or opened.plans or not _stores_in_database():
        return None
    user = opened.user
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else opened.user_id
    values = {
        **params, "plan": plan_id, "section": section_id, "db": router.db_for_write(Section),
        "date": opened.date_created, "user": user_id, "comment": comment,
    }
    return Statement("history with the revision bump", _store_with_bump_sql(bump, kind), values)


def stored_with_save(rows: list, *, plan_id: int, comment: str, user_id) -> tuple[tuple | None, bool]:
    """Note in the revision being made what store_statement wrote; returns the new
    revisions (plan, section), None if it bumped nothing, and whether it stored the
    revision (else the save is to be recorded as usual)."""
    plan_revision, section_revision, revision_id, parts = rows[0]
    if plan_revision is None:
        return None, False
    if revision_id is None:
        return (plan_revision, section_revision), False
    opened = _opened.get()
    opened.revision_id = revision_id
    opened.plans[plan_id] = json.loads(parts)
    opened.stored.add(plan_id)
    opened.comment = comment
    opened.stored_as = (user_id, comment)
    return (plan_revision, section_revision), True


# The tables a section of each kind holds its rows in (with the rows under those: a
# table's indicators, a question's answers). A save in one section stores its history
# from these only (store_statement): a statement that reads every table of a plan costs
# twice as much. Only a shortcut, never trusted: the statement checks that the section
# holds no row elsewhere, and leaves a section that does to the general way.
KIND_CONTENT = {
    SectionKind.TEXT: (),
    SectionKind.FIGURES: (FigureTable,),
    SectionKind.CARDS: (CardKind, CardTopic, Card),
    SectionKind.MATRIX: (MatrixItem,),
    SectionKind.FOCUS: (FocusPoint, FigureCitation),
    SectionKind.INTERVENTIONS: (Intervention,),
    SectionKind.ACTIVITIES: (Activity,),
    SectionKind.GOALS: (Goal, FigureCitation),
    SectionKind.SURVEY: (SurveyQuestion,),
    SectionKind.TIMELINE: (Milestone,),
}


def _kind_tables(kind: str) -> tuple[set, list]:
    """For a section of `kind`: the models of its rows (KIND_CONTENT and the rows under
    them, its own row), and the other models a section's rows can be in directly (a
    section holding none of those holds no row under them either)."""
    direct = set(KIND_CONTENT.get(kind, ()))
    held, elsewhere = {Section}, []
    for model, rule in rules().items():
        if rule.part != "section" or model is Section:
            continue
        top, top_rule = model, rule
        while top_rule.hop is not None:
            top, top_rule = top_rule.parent, rules()[top_rule.parent]
        if top in direct:
            held.add(model)
        elif top is model:
            elsewhere.append(model)
    return held, elsewhere


_store_with_bump_text: dict = {}


def _store_with_bump_sql(bump: str, kind: str) -> str:
    """store_statement's SQL (see there), written once per condition and section kind."""
    key = (len(CONTENT), bump, kind)
    if key in _store_with_bump_text:
        return _store_with_bump_text[key]
    quote = connection.ops.quote_name
    tables = {m: quote(m._meta.db_table) for m in (Plan, Section, PlanHistoryState, Revision)}
    held, elsewhere = _kind_tables(kind)
    # The plan's and the section's rows as the bump left them (its RETURNING: the rest of
    # the statement reads the table as it was before), the other rows as they are.
    plan_row, *parts = _version_selects(held)
    selects = [plan_row.replace(f"FROM {tables[Plan]} t ", "FROM bumped_plan t ", 1)]
    for select in parts:
        select = select.replace(f"FROM {tables[Section]} t ", "FROM bumped_section t ", 1)
        selects.append(select.replace("%(sections)s::bigint[]", "ARRAY[%(section)s]::bigint[]"))
    # Stored here only if the section's rows are all in those tables and the revision
    # stores nothing else (a section new since the last state, or the plan's own rows).
    holding = _holding_sql()  # of the section row `tables[Section]` in the FROM of `here`
    nothing_elsewhere = "".join(f" AND NOT {holding[m]}" for m in elsewhere)
    stored_in = "COALESCE(NULLIF(p.parts -> {part}, 'null'::jsonb), to_jsonb(p.revision_id))"
    sql = (
        f"WITH bumped_section AS (UPDATE {tables[Section]} SET revision = revision + 1, updated = %(now)s "  # noqa: S608 - names from model meta
        f"WHERE id = %(section)s AND {bump} RETURNING *), "
        f"bumped_plan AS (UPDATE {tables[Plan]} SET revision = revision + 1, updated = %(now)s "
        f"WHERE id = %(plan)s AND EXISTS (SELECT 1 FROM bumped_section) RETURNING *), "
        # record's parts: where each part of the plan is stored (NULL: in this revision).
        f"prev AS (SELECT s.revision_id, s.parts FROM {tables[PlanHistoryState]} s WHERE s.plan_id = %(plan)s "
        "ORDER BY s.revision_id DESC LIMIT 1), "
        "kept AS ("
        "SELECT c.id::text AS part, CASE WHEN p.revision_id IS NULL OR c.id = %(section)s OR NOT (p.parts ? c.id::text) "
        f"THEN NULL ELSE {stored_in.format(part='c.id::text')} END AS rev "
        f"FROM {tables[Section]} c LEFT JOIN prev p ON true WHERE c.plan_id = %(plan)s "
        "UNION ALL SELECT 'plan', CASE WHEN p.revision_id IS NULL OR NOT (p.parts ? 'plan') "
        f"THEN NULL ELSE {stored_in.format(part=chr(39) + 'plan' + chr(39))} END FROM (SELECT 1) one LEFT JOIN prev p ON true), "
        "todo AS (SELECT jsonb_object_agg(part, rev) AS parts, "
        "COALESCE(array_agg(part::bigint) FILTER (WHERE rev IS NULL AND part <> 'plan'), '{}') AS sections, "
        "bool_or(part = 'plan' AND rev IS NULL) AS own FROM kept), "
        "here AS (SELECT t.sections = ARRAY[%(section)s]::bigint[] AND NOT t.own"
        f"{nothing_elsewhere} AS ok FROM todo t, {tables[Section]} WHERE {tables[Section]}.id = %(section)s), "
        f"revision AS (INSERT INTO {tables[Revision]} (date_created, user_id, comment) "
        "SELECT %(date)s, %(user)s, %(comment)s FROM bumped_plan WHERE (SELECT ok FROM here) RETURNING id), "
        f"state AS (INSERT INTO {tables[PlanHistoryState]} (revision_id, plan_id, parts) "
        "SELECT r.id, %(plan)s, t.parts FROM revision r, todo t), "
        f"versions AS ({_versions_insert(selects, '(SELECT id FROM revision)', ' WHERE EXISTS (SELECT 1 FROM revision)')}) "
        "SELECT (SELECT revision FROM bumped_plan), (SELECT revision FROM bumped_section), "
        "(SELECT id FROM revision), (SELECT parts::text FROM todo)"
    )
    _store_with_bump_text[key] = sql
    return sql


UNREAD = object()  # record's `previous` when the caller did not read it


def _previous_state(plan_id: int) -> PlanHistoryState | None:
    """The plan's last history state, with the ids of the plan's sections as they are now
    (`section_ids`) in the same query on PostgreSQL (previous_state_statement)."""
    if connection.vendor != "postgresql":
        return PlanHistoryState.objects.filter(plan_id=plan_id).order_by("-revision_id").first()
    return run(previous_state_statement(plan_id))[0]


def previous_state_statement(plan_id: int) -> Statement:
    """PostgreSQL: the plan's last history state and its sections' ids as a prepared
    statement (every save asks it, and the ORM took longer to compile it than the
    database to answer), to send with the save's other statements. Read it after the
    plan's row is locked (its revision bump, or a save's lock), so that no other save of
    the plan commits a state in between."""

    def state(rows):
        if not rows:
            return None
        *row, section_ids = rows[0]
        found = _state_columns().instance(row)
        found.section_ids = section_ids
        return found

    return Statement("history previous state", _previous_state_sql(), {"plan": plan_id}, state)


@functools.cache
def _state_columns() -> Columns:
    return Columns(PlanHistoryState, "s")


@functools.cache
def _previous_state_sql() -> str:
    quote = connection.ops.quote_name
    states, sections = quote(PlanHistoryState._meta.db_table), quote(Section._meta.db_table)
    return (
        f"SELECT {_state_columns().sql}, ARRAY(SELECT c.id FROM {sections} c WHERE c.plan_id = %(plan)s) "  # noqa: S608 - names from model meta
        f"FROM {states} s WHERE s.plan_id = %(plan)s ORDER BY s.revision_id DESC LIMIT 1"
    )


def record(
    plan: Plan, comment: str = "", *, sections=None, own: bool = True, stored: Plan | None = None, previous=UNREAD
) -> None:
    """Add the plan to the revision being made (one is opened if there is none).

    `sections`: the ids of the sections this save changed (None: it may have changed
    anything, the whole plan is stored); `own`: it changed the plan's own rows. Sections
    that are new since the last revision are stored too; deleted ones leave the state.
    Every part not stored here keeps pointing at the revision that stored it last. The
    rows are stored as they are when the revision is saved.
    `stored`: the plan's row as it is now in this transaction (plan_touch has it from its
    UPDATE … RETURNING); without it the row is read (SQLite stores it; PostgreSQL reads
    it again when it writes the revision).
    `previous`: the plan's last state as previous_state_statement read it, with the
    plan's row locked (a pipelined save sends it with its writes); else it is read here.
    """
    with revision() as opened:
        parts = opened.plans.get(plan.pk)
        if plan.pk in opened.stored:  # stored with a save (store_statement): stored anew at the end
            opened.again.add(plan.pk)
        current = None
        if parts is None:
            if previous is UNREAD:
                previous = _previous_state(plan.pk)
            if previous is None:
                sections = None
                parts = {}
            else:
                parts = {part: previous.stored_in(part) for part in previous.parts}
                current = getattr(previous, "section_ids", None)
        if current is None:
            current = Section.objects.filter(plan_id=plan.pk).order_by().values_list("pk", flat=True)
        current = set(current)
        for part in [p for p in parts if p != "plan" and int(p) not in current]:
            del parts[part]
        changed = current if sections is None else {int(pk) for pk in sections} & current
        changed |= {pk for pk in current if str(pk) not in parts}
        if own or sections is None or "plan" not in parts:
            parts["plan"] = None
        parts.update({str(pk): None for pk in changed})
        opened.plans[plan.pk] = parts
        if not _stores_in_database():
            opened.rows[plan.pk] = stored if stored is not None else Plan.objects.select_related("area").get(pk=plan.pk)
        if comment:
            opened.comment = comment


def state_of(plan: Plan, revision) -> PlanHistoryState:
    """What the plan held at `revision`. A revision from before per-part history (or any
    without a state) stored the whole plan: every part is in it."""
    state = PlanHistoryState.objects.filter(plan_id=plan.pk, revision_id=revision.pk).first()
    return state if state is not None else _whole(plan, revision.pk)


def _whole(plan: Plan, revision_id: int) -> PlanHistoryState:
    parts = {"plan": revision_id}
    for version in Version.objects.filter(revision_id=revision_id, content_type=_type(Section)):
        if _fields(version).get("plan") == plan.pk:
            parts[version.object_id] = revision_id
    return PlanHistoryState(revision_id=revision_id, plan_id=plan.pk, parts=parts)


def _type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _fields(version) -> dict:
    """A version's stored fields, read straight from its JSON (no model instance)."""
    return json.loads(version.serialized_data)[0]["fields"]


def _by_part(versions) -> dict[str, list]:
    """The versions of stored revisions by part: a section id, or "plan:<plan id>" for a
    plan's own rows (the plan row itself is left out), keyed per revision too."""
    by_rule = rules()
    owner: dict = {}
    parts: dict = {}
    nested = []
    for version in versions:
        model = ContentType.objects.get_for_id(version.content_type_id).model_class()
        rule = by_rule.get(model)
        if rule is None:
            continue
        version.fields = _fields(version)
        if rule.hop is not None:
            nested.append((version, model, rule))
            continue
        if model is Section:
            part = version.object_id
        elif rule.part == "section":
            part = str(version.fields.get("section"))
        else:
            part = f"plan:{version.fields.get('plan')}"
        owner[(version.revision_id, model, version.object_id)] = part
        parts.setdefault((version.revision_id, part), []).append(version)
    for version, _model, rule in nested:
        part = owner.get((version.revision_id, rule.parent, str(version.fields.get(rule.hop))))
        if part is not None:
            parts.setdefault((version.revision_id, part), []).append(version)
    return parts


def part_versions(plan: Plan, state: PlanHistoryState, parts=None) -> list:
    """The stored rows of the plan's `parts` (default: all of them) as they were at the
    state's revision: the versions to put back, with the plan row when the whole plan is asked."""
    wanted = list(state.parts) if parts is None else list(parts)
    keys = {(state.stored_in(p), f"plan:{plan.pk}" if p == "plan" else str(p)) for p in wanted if p in state.parts}
    versions = Version.objects.filter(revision_id__in={k[0] for k in keys}).select_related("content_type")
    found = _by_part(versions)
    result = [v for key in sorted(keys) for v in found.get(key, [])]
    if parts is None:
        result.insert(0, Version.objects.get_for_object(plan).select_related("content_type").get(revision_id=state.revision_id))
    return result


# --- reading the history -------------------------------------------------------------------

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "table", "ul", "ol"}


class _VisibleText(HTMLParser):
    """The text of stored HTML as a reader sees it: one line per paragraph, heading, list
    item or table row; a list item starts with "– "; tags and attributes are not text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []

    def _end_line(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self._end_line()
        if tag == "li":
            self.current.append("– ")
        elif tag in {"td", "th"} and self.current:
            self.current.append(" | ")

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._end_line()

    def handle_data(self, data):
        self.current.append(data)


def visible_lines(text: str) -> list[str]:
    """The lines a reader sees of a plan text: HTML (what the editor stores) by its blocks,
    anything else (an old snapshot's markup, a plain field) by its lines."""
    if not looks_like_html(text):
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
    parser = _VisibleText()
    parser.feed(text)
    parser.close()
    parser._end_line()
    return parser.lines


def visible_text(text: str) -> str:
    """A plan text as one line of visible words (for an item's line in the history)."""
    return " ".join(visible_lines(str(text)))


# Which fields of each model say what a reader sees, in order.
TEXT_FIELDS = {
    "section": ["heading", "contents_label", "intro"],
    "card": ["text"],
    "matrixitem": ["title", "text", "impact", "effort"],
    "focuspoint": ["group", "title", "statement", "quantitative", "qualitative"],
    "milestone": ["period_label", "text"],
    "activity": ["title", "target_group", "aim", "partners"],
    "goal": ["title", "description"],
    "intervention": ["title", "problem", "target_groups", "approach", "direct_results", "medium_results", "long_term"],
    "surveyquestion": ["question", "respondents"],
    "figuretable": ["heading", "layout", "year", "footnote"],
    # Ids of the indicator and region: a changed citation shows as a changed line.
    "figurecitation": ["indicator_id", "neighbourhood_id", "year"],
}


# The key of the colophon's organisations among the section ids of a revision's texts.
COLOPHON = 0


@dataclass
class SectionChange:
    section_id: int
    heading: str
    old: SafeString
    new: SafeString
    kind: str  # "changed", "added", "removed"


@dataclass
class RevisionView:
    revision: object
    version: Version
    changes: list[SectionChange] = field(default_factory=list)



def _texts(versions) -> dict[str, tuple[str, list[str]]]:
    """Per section (its id as text): its heading and the lines a reader sees, from the
    versions of one stored part."""
    heading, lines, items = None, [], []
    for version in versions:
        name = version.content_type.model
        data = getattr(version, "fields", None) or _fields(version)
        if name == "surveyanswer":
            # An answer reads as a line of its section, after the questions (in their order).
            items.append((10**6 + int(data.get("order") or 0), int(version.object_id), name, f"{data.get('label', '')}: {data.get('count')}"))
            continue
        if name not in TEXT_FIELDS:
            continue
        if name == "section":
            heading = data.get("heading", "")
            lines = [heading, *visible_lines(data.get("intro") or "")]
            continue
        text = " · ".join(visible_text(data.get(f)) for f in TEXT_FIELDS[name] if data.get(f) not in (None, ""))
        if data.get("section") is not None:
            items.append((int(data.get("order") or 0), int(version.object_id), name, text))
    if heading is None:
        return None
    # In their order, and rows of the same order (cards in different cells of the grid)
    # by id: the order of the stored versions is the table's, which moves a row on update.
    return heading, lines + [item[-1] for item in sorted(items, key=lambda item: item[:3])]


def _colophon_lines(plan_version) -> list[str]:
    """The colophon's list of organisations in a stored plan row, one line per organisation."""
    rows = contributors_rows(_fields(plan_version).get("contributing_organisations"))
    return [" · ".join(v for v in (r["name"], r["role"], r["url"]) if v) for r in rows]


def colophon_values(row) -> dict[str, str]:
    """The colophon's own fields (plans.services.COLOPHON_FIELDS) of a plan, or of a plan
    row as the history stored it, as comparable texts (a date as YYYY-MM-DD)."""
    from .services import COLOPHON_FIELDS

    values = {}
    for name in COLOPHON_FIELDS:
        value = row.get(name) if isinstance(row, dict) else getattr(row, name)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    return values


def plan_row_at(plan: Plan, revision: int, *, limit: int = 500) -> dict | None:
    """The plan row's stored fields as they were when its revision counter was `revision`:
    the newest stored row at or below it (a counter raised without a history entry, as an
    import does for the figures a plan shows, changed none of the row's texts). None when
    the history does not reach back that far."""
    versions = Version.objects.get_for_object(plan).order_by("-pk").only("serialized_data")
    for version in versions[:limit]:
        fields = _fields(version)
        stored = fields.get("revision")
        if stored is None:
            return None
        if int(stored) <= revision:
            return fields
    return None


def _cover_lines(plan_version) -> list[str]:
    """What the cover shows in a stored plan row: the kind of document and the photo (by
    its stored file's name: an upload's own name is in the revision's description)."""
    fields = _fields(plan_version)
    lines = [f"{_('Soort document')}: {fields.get('document_type') or ''}"]
    if fields.get("cover_image"):
        lines.append(f"{_('Omslagfoto')}: {str(fields['cover_image']).rsplit('/', 1)[-1]}")
    return lines


def _colophon_field_lines(plan_version) -> list[str]:
    """The colophon's own fields in a stored plan row, one line per filled field: its label
    and what a reader sees (the text of thanks by its words, a date as a date)."""
    from datetime import date

    from django.utils import formats
    from django.utils.text import capfirst

    lines = []
    for name, value in colophon_values(_fields(plan_version)).items():
        if not value:
            continue
        if name == "publication_date":
            with contextlib.suppress(ValueError):
                value = formats.date_format(date.fromisoformat(value), "j F Y")
        elif name == "colophon_text":
            value = visible_text(value)
        lines.append(f"{capfirst(Plan._meta.get_field(name).verbose_name)}: {value}")
    return lines


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Both texts as HTML with the words that differ marked: <del> in the old, <ins> in the new."""
    a, b = old.split(" "), new.split(" ")
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_words, new_words = escape(" ".join(a[i1:i2])), escape(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old_words)
            right.append(new_words)
        else:
            if old_words:
                left.append(f"<del>{old_words}</del>")
            if new_words:
                right.append(f"<ins>{new_words}</ins>")
    return mark_safe(" ".join(left)), mark_safe(" ".join(right))  # noqa: S308 - escaped above


def _diff(old: list[str], new: list[str]) -> tuple[SafeString, SafeString]:
    """The lines that differ; a changed line shows which of its words changed."""
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                marked_old, marked_new = word_diff(a, b)
                left.append(marked_old)
                right.append(marked_new)
            continue
        left.extend(f"<del>{escape(line)}</del>" for line in old[i1:i2])
        right.extend(f"<ins>{escape(line)}</ins>" for line in new[j1:j2])
    return mark_safe("<br>".join(left)), mark_safe("<br>".join(right))  # noqa: S308 - escaped


def plan_history(plan: Plan, limit: int = 50) -> list[RevisionView]:
    """The plan's revisions, newest first, each with what changed per section. Reads only
    the stored parts that differ between one revision and the one before it."""
    versions = list(
        Version.objects.get_for_object(plan).select_related("revision__user").order_by("-revision__date_created")[: limit + 1]
    )
    views = [RevisionView(revision=v.revision, version=v) for v in versions]
    states = {s.revision_id: s for s in PlanHistoryState.objects.filter(plan_id=plan.pk, revision_id__in=[v.revision_id for v in versions])}
    chain = [states.get(v.revision_id) or _whole(plan, v.revision_id) for v in versions]
    pairs = []
    for i, view in enumerate(views[:limit]):
        now, before = chain[i], (chain[i + 1] if i + 1 < len(chain) else None)
        keys = [p for p in now.parts if p != "plan"]
        keys += [p for p in (before.parts if before else {}) if p != "plan" and p not in now.parts]
        for key in sorted(keys, key=int):
            old = before.stored_in(key) if before else None
            new = now.stored_in(key)
            if old != new:
                pairs.append((view, key, old, new))
    needed = {rev for _view, _key, old, new in pairs for rev in (old, new) if rev is not None}
    stored = _by_part(Version.objects.filter(revision_id__in=needed).select_related("content_type")) if needed else {}
    texts: dict = {}

    def text(revision_id, key):
        if revision_id is None:
            return None
        if (revision_id, key) not in texts:
            texts[(revision_id, key)] = _texts(stored.get((revision_id, key), []))
        return texts[(revision_id, key)]

    for view, key, old_rev, new_rev in pairs:
        old, new = text(old_rev, key), text(new_rev, key)
        if old == new:
            continue
        heading = (new or old)[0]
        left, right = _diff(old[1] if old else [], new[1] if new else [])
        kind = "added" if old is None else "removed" if new is None else "changed"
        view.changes.append(SectionChange(section_id=int(key), heading=heading, old=left, new=right, kind=kind))
    # The plan row is stored with every revision: its colophon (its own fields, and its
    # list of organisations) shows like a section, before the sections. It is restored
    # with the whole plan (section_id 0: no restore of its own).
    parts = [
        (_("Omslag"), _cover_lines), (_("Colofon"), _colophon_field_lines),
        (_("Bijdragende organisaties"), _colophon_lines),
    ]
    for i, view in enumerate(views[:limit]):
        first = []
        for heading, lines in parts:
            new = lines(view.version)
            old = lines(views[i + 1].version) if i + 1 < len(views) else []
            if old != new:
                left, right = _diff(old, new)
                kind = "added" if not old else "removed" if not new else "changed"
                first.append(SectionChange(section_id=COLOPHON, heading=str(heading), old=left, new=right, kind=kind))
        view.changes[:0] = first
    return views[:limit]
