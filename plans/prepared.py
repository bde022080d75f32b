"""Hot queries as statements PostgreSQL prepares once per connection (the reads every
edit request makes, and the writes of a save and a drop), and model instances made from
their rows as the ORM would make them."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection


def fetch_prepared(name: str, sql: str, params: dict, *, fetch: bool = True) -> list[tuple]:
    """Run a hot query; on PostgreSQL as a statement prepared once per connection, because
    planning these costs more than executing them (Django's cursors bind client-side and
    cannot prepare). `fetch=False`: a statement that returns no rows (an INSERT)."""
    return fetch_prepared_many([(name, sql, params)], fetch=fetch)[0]


def fetch_prepared_many(statements: list[tuple[str, str, dict]], *, fetch: bool = True) -> list[list[tuple]]:
    """Several hot queries (name, sql, params) as fetch_prepared runs one, the rows of each;
    on PostgreSQL sent together in one round trip (psycopg's pipeline mode)."""
    if connection.vendor != "postgresql":
        results = []
        with connection.cursor() as cursor:
            for _name, sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall() if fetch else [])
        return results
    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    raw = connection.connection
    cursors = [psycopg.RawCursor(raw) for _ in statements]
    try:
        if len(statements) == 1:
            cursors[0].execute(*_native(statements[0][1], statements[0][2]), prepare=True)
        else:
            with raw.pipeline():
                for cursor, (_name, sql, params) in zip(cursors, statements, strict=True):
                    cursor.execute(*_native(sql, params), prepare=True)
        results = [cursor.fetchall() if fetch else [] for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
    if connection.queries_logged:  # keep query counts (tests, debug toolbar) honest
        elapsed = f"{time.monotonic() - started:.3f}"
        connection.queries_log.extend({"sql": f"-- {name} (prepared)", "time": elapsed} for name, _sql, _params in statements)
    return results


_native_sql: dict = {}


def _native(sql: str, params: dict) -> tuple[str, list]:
    """The statement with PostgreSQL's own placeholders ($1, $2, … one per name) and its
    parameters in their order, for a raw cursor. psycopg rewrites `%(name)s` placeholders
    on every execution of a statement longer than 4 kB (it caches only shorter ones), and
    the history's statements are 5 to 18 kB: here each is rewritten once per process."""
    if sql not in _native_sql:
        names: list[str] = []

        def placeholder(match) -> str:
            if match.group(1) is None:
                return "%"
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        _native_sql[sql] = (re.sub(r"%(?:\((\w+)\)s|%)", placeholder, sql), names)
    native, names = _native_sql[sql]
    return native, [params[name] for name in names]


class Columns:
    """Every concrete column of `model` under a table alias, to SELECT in a hand-written
    query; `instance` makes the model instance from those values, with the converters the
    ORM would apply (a JSON field's text becomes its value)."""

    def __init__(self, model, alias: str):
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.model = model
        self.sql = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
        self.attnames = [f.attname for f in fields]
        self.converters = []
        for index, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            if found:
                self.converters.append((index, col, found))

    def __len__(self) -> int:
        return len(self.attnames)

    def instance(self, values):
        values = list(values)
        for index, col, converters in self.converters:
            for converter in converters:
                values[index] = converter(values[index], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@dataclass(frozen=True)
class Statement:
    """A hot query to run prepared: its name (what query logs show), its SQL and
    parameters, and `result`, what its rows mean (by default the rows themselves).
    Several go to the database in one round trip with `run`."""

    name: str
    sql: str
    params: dict
    result: Callable[[list[tuple]], Any] = list


def run(*statements: Statement) -> list:
    """The result of each statement, all sent in one round trip (fetch_prepared_many),
    executed in order: each sees what the ones before it wrote."""
    results = fetch_prepared_many([(s.name, s.sql, s.params) for s in statements])
    return [s.result(rows) for s, rows in zip(statements, results, strict=True)]


@dataclass(frozen=True)
class Guard:
    """A condition (SQL with named parameters) a write statement checks in its WHERE
    clause: it writes nothing when the condition does not hold."""

    sql: str
    params: dict


_rows_sql: dict = {}


def rows_statement(model, parent: str, parent_id: int) -> Statement:
    """The rows of `model` under one parent row (its foreign key `parent` is
    `parent_id`), ordered by "order" and id, as model instances: the lists every edit
    form is validated against (a plan's themes, a section's kinds), which the ORM took
    longer to compile than the database to answer."""
    key = (model, parent)
    if key not in _rows_sql:
        quote = connection.ops.quote_name
        columns = Columns(model, "t")
        column = quote(model._meta.get_field(parent).column)
        sql = (
            f"SELECT {columns.sql} FROM {quote(model._meta.db_table)} t "  # noqa: S608 - names from model meta
            f"WHERE t.{column} = %(parent)s ORDER BY t.{quote('order')}, t.id"
        )
        _rows_sql[key] = (sql, columns)
    sql, columns = _rows_sql[key]
    return Statement(
        f"{model._meta.label_lower} of {parent}", sql, {"parent": parent_id},
        lambda rows: [columns.instance(row) for row in rows],
    )


def rows_of_many(lists: list[tuple]) -> list[list]:
    """For each (model, parent, parent_id): its rows (rows_statement), in one round trip."""
    return run(*(rows_statement(*wanted) for wanted in lists)) if lists else []


_item_sql: dict = {}


def item_statement(model, pk: int, section_id: int) -> Statement:
    """One item of a section (a card, a matrix item, …) as a model instance, or None if the
    section has no item `pk`; with `is_first` and `is_last`, whether it comes first or last
    in the section's order ("order", then id), for the ↑/↓ buttons of its row. Every save
    in a section's editor reads its item."""
    if model not in _item_sql:
        quote = connection.ops.quote_name
        columns = Columns(model, "t")
        table, section, order = quote(model._meta.db_table), quote(model._meta.get_field("section").column), quote("order")
        neighbour = f"SELECT 1 FROM {table} o WHERE o.{section} = t.{section} AND (o.{order}, o.id) %s (t.{order}, t.id)"  # noqa: S608 - names from model meta
        sql = (
            f"SELECT {columns.sql}, NOT EXISTS ({neighbour % '<'}), NOT EXISTS ({neighbour % '>'}) "  # noqa: S608 - names from model meta
            f"FROM {table} t WHERE t.id = %(pk)s AND t.{section} = %(section)s"
        )
        _item_sql[model] = (sql, columns)
    sql, columns = _item_sql[model]

    def item(rows):
        if not rows:
            return None
        *values, is_first, is_last = rows[0]
        found = columns.instance(values)
        found.is_first, found.is_last = bool(is_first), bool(is_last)
        return found

    return Statement(f"{model._meta.label_lower} in section", sql, {"pk": pk, "section": section_id}, item)


_update_sql: dict = {}


def update_statement(instance, fields: list[str] | None = None, *, guard: Guard | None = None) -> Statement:
    """Write `fields` of a row that exists (by default every concrete field but its key)
    with one prepared UPDATE: what `instance.save(update_fields=fields)` writes, each
    value prepared by its field as the ORM does (an auto_now field stamped), without the
    ORM compiling the same UPDATE on every save. No model here overrides save() or
    listens for its signals. Its result: whether the row was written (False: the row is
    gone, or the `guard` did not hold)."""
    model = type(instance)
    meta = model._meta
    if fields is None:
        concrete = [f for f in meta.concrete_fields if not f.primary_key]
    else:
        concrete = [meta.get_field(name) for name in fields]
    key = (model, tuple(f.name for f in concrete), guard.sql if guard else "")
    if key not in _update_sql:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(f.column)} = %(f{i})s" for i, f in enumerate(concrete))
        condition = f" AND {guard.sql}" if guard else ""
        _update_sql[key] = (
            f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608 - names from model meta
            f"WHERE {quote(meta.pk.column)} = %(pk)s{condition} RETURNING {quote(meta.pk.column)}"
        )
    params = {f"f{i}": f.get_db_prep_save(f.pre_save(instance, False), connection) for i, f in enumerate(concrete)}
    params["pk"] = instance.pk
    if guard:
        params.update(guard.params)
    return Statement(f"{meta.label_lower} update", _update_sql[key], params, bool)


def update_row(instance, fields: list[str] | None = None) -> None:
    """update_statement on its own; raises DoesNotExist if the row is gone (save() would
    have inserted it again)."""
    if not run(update_statement(instance, fields))[0]:
        meta = type(instance)._meta
        raise type(instance).DoesNotExist(f"{meta.object_name} {instance.pk} does not exist")


_reorder_sql: dict = {}


def reorder_statement(model, parent: str, parent_id: int, ordered_ids: list[int], *, guard: Guard | None = None) -> Statement:
    """PostgreSQL: give the rows of `model` under one parent (foreign key `parent`) the
    order of `ordered_ids`, in one prepared statement, if those are exactly its rows (and
    the `guard` holds). Its result: whether they are; when they are not (one was added or
    removed meanwhile), nothing is written, nor when the guard does not hold."""
    key = (model, parent, guard.sql if guard else "")
    if key not in _reorder_sql:
        quote = connection.ops.quote_name
        table, column, order = quote(model._meta.db_table), quote(model._meta.get_field(parent).column), quote("order")
        condition = f" AND {guard.sql}" if guard else ""
        _reorder_sql[key] = (
            "WITH new AS (SELECT n.id, n.place - 1 AS place "  # noqa: S608 - names from model meta
            "FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS n(id, place)), "
            f"same AS (SELECT (SELECT array_agg(id ORDER BY id) FROM {table} WHERE {column} = %(parent)s) "
            "IS NOT DISTINCT FROM (SELECT array_agg(id ORDER BY id) FROM new) AS ok), "
            f"moved AS (UPDATE {table} t SET {order} = new.place FROM new, same "
            f"WHERE same.ok AND t.id = new.id AND t.{column} = %(parent)s{condition} RETURNING 1) "
            "SELECT ok FROM same"
        )
    params = {"ids": ordered_ids, "parent": parent_id, **(guard.params if guard else {})}
    return Statement(f"{model._meta.label_lower} reorder", _reorder_sql[key], params, lambda rows: bool(rows[0][0]))


def reorder_rows(model, parent: str, parent_id: int, ordered_ids: list[int]) -> bool:
    """reorder_statement on its own."""
    return run(reorder_statement(model, parent, parent_id, ordered_ids))[0]
