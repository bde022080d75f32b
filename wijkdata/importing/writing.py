"""Carrying out an import plan: bulk inserts and updates, inside the caller's transaction.

SQL here is built from model table and column names (quoted), never from file content;
every value travels as a parameter or through COPY. Hence the S608 exemptions.

PostgreSQL gets COPY (tens of thousands of rows per second); other databases get
executemany in batches. Either way the per-row ORM machinery is skipped for values,
which is where the volume is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import F
from django.utils import timezone

from wijkdata.models import Indicator, IndicatorValue, Neighbourhood, NeighbourhoodBoundary

from .planning import LEVEL_ORDER, ImportPlan, factorized

BATCH = 5000
# Above this many new rows, PostgreSQL checks the foreign keys once for the whole table
# instead of once per row (see _foreign_keys_checked_once).
BULK_FOREIGN_KEY_ROWS = 20000

Progress = Callable[[int, str], None]


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Repeated:
    """One value for every row of a column, without a list holding it once per row."""

    def __init__(self, value, length: int):
        self.value, self.length = value, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, key) -> Repeated:
        if isinstance(key, slice):
            return Repeated(self.value, len(range(*key.indices(self.length))))
        return Repeated(self.value, len(key))

    def tolist(self) -> list:
        return [self.value] * self.length


_NEEDS_QUOTES = re.compile(r'[,"\n\r]|^\\N$')


def _csv_field(text: str) -> str:
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_column(values) -> list[str]:
    """One column as CSV fields; None (or NaN in a float column) becomes \\N (NULL).

    Vectorised: integers and floats are formatted by map() in C; other columns are
    factorised, so each distinct text is escaped once and then spread with one take.
    """
    if isinstance(values, pd.Categorical):
        # Each category escaped once, spread by the codes (-1, a missing value: NULL).
        escaped = [_csv_field(str(u)) for u in values.categories] + ["\\N"]
        return np.asarray(escaped, dtype=object)[values.codes].tolist()
    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if array.dtype.kind in "iu":
        return list(map(str, array.tolist()))
    if array.dtype.kind == "f":
        # Shortest round-trip text; values carry at most three decimals, and PostgreSQL
        # reads it exactly into DECIMAL(14, 3).
        fields = np.asarray(list(map(repr, array.tolist())), dtype=object)
        fields[~np.isfinite(array)] = "\\N"
        return fields.tolist()
    if (
        len(array)
        and all(type(v) is int for v in array[:64])
        and all(type(v) is int for v in array)
    ):
        return list(map(str, array.tolist()))
    codes, uniques = pd.factorize(array, use_na_sentinel=True)
    escaped = np.asarray([_csv_field(str(u)) for u in uniques] + ["\\N"], dtype=object)
    return escaped[codes].tolist()


def _constant(values) -> tuple[bool, object]:
    """(True, value) when every value in the column is the same non-NULL value."""
    if not len(values):
        return False, None
    if isinstance(values, Repeated):
        return True, values.value
    if isinstance(values, pd.Categorical):
        codes = values.codes
        if not (codes == codes[0]).all():
            return False, None
        return True, (None if codes[0] < 0 else values.categories[codes[0]])
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        first = values[0]
        return bool((values == first).all()), int(first)
    if isinstance(values, np.ndarray) and values.dtype.kind != "O":
        return False, None
    first = values[0]
    if first is None:
        # NULL throughout (no owner): one "\\N" per line, not one formatted per row.
        if isinstance(values, np.ndarray):
            return all(v is None for v in values), None
        return values.count(None) == len(values), None
    if isinstance(first, float):
        return False, None
    if isinstance(first, str):
        # A text equals only texts; numpy and list.count compare in C.
        if isinstance(values, np.ndarray):
            return bool((values == first).all()), first
        return values.count(first) == len(values), first
    kind = type(first)
    return all(type(v) is kind and v == first for v in values), first


def _copy_payload(columns: list, line_end: str = "\n") -> str:
    """Column lists (or arrays) as COPY CSV text, NULL written as \\N so that '' stays ''.

    Joined with map/zip in C rather than by a CSV writer row by row. `line_end` ends every
    line (a constant tail of fields may precede the newline).
    """
    if not columns or not len(columns[0]):
        return ""
    fields = [_csv_column(values) for values in columns]
    lines = fields[0] if len(fields) == 1 else map(",".join, zip(*fields, strict=True))
    return line_end.join(lines) + line_end


# Rows per COPY chunk. The chunks go to the server from a writer thread while the next
# one is formatted: PostgreSQL's work on the rows (parsing, indexes) and ours overlap.
# Small enough that a chunk's texts (a str per field, then the lines) stay well under a
# megabyte: at 10,000 rows they were 3 MB, a quarter of a CBS file's whole import budget
# (issue 12: ten times the file), and the allocator kept the high-water mark. Large
# enough that its cost per call is nothing.
COPY_CHUNK = 2000
# Pieces (one chunk each, some 70 kB) waiting for the writer thread. psycopg's own queue
# holds 1024, which let a fast formatter queue the whole payload ahead of a slow server;
# a few are enough to keep both busy.
COPY_QUEUE = 4


def _bounded_writer(raw_cursor):
    """psycopg's queued COPY writer with a short queue: formatting waits for the server
    rather than holding everything it has formatted in memory."""
    from queue import Queue

    from psycopg.copy import QueuedLibpqWriter

    writer = QueuedLibpqWriter(raw_cursor)
    if isinstance(getattr(writer, "_queue", None), Queue):
        writer._queue = Queue(maxsize=COPY_QUEUE)
    return writer


def _constant_field(value) -> str:
    return "\\N" if value is None else _csv_field(str(value))


def _copy_rows(
    cursor, table: str, columns: Sequence[str], column_values: list, order=None
) -> None:
    """COPY columns into a table (PostgreSQL). Columns holding one value throughout (a
    source, a timestamp) are formatted once and appended to every line as one text.

    `order` (a permutation of the rows) is the order to write them in, taken a chunk at a
    time, so that no sorted copy of every column is made."""
    varying, constant = [], []
    for name, values in zip(columns, column_values, strict=True):
        same, value = _constant(values)
        (constant if same else varying).append((name, value if same else values))
    names = [name for name, _values in varying] + [name for name, _value in constant]
    cols = ", ".join(_quote(c) for c in names)
    rows = len(column_values[0])
    sql = f"COPY {_quote(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    raw = cursor.cursor
    writer = _bounded_writer(raw) if rows > COPY_CHUNK else None
    with raw.copy(sql, writer=writer) as copy:
        if not varying:
            line = ",".join(_constant_field(value) for _name, value in constant) + "\n"
            copy.write(line * rows)
            return
        tail = "".join("," + _constant_field(value) for _name, value in constant) + "\n"
        if order is not None:
            varying = [
                (name, values if isinstance(values, pd.Categorical) else np.asarray(values))
                for name, values in varying
            ]
        for start in range(0, rows, COPY_CHUNK):
            if order is None:
                chunk = [values[start : start + COPY_CHUNK] for _name, values in varying]
            else:
                taken = order[start : start + COPY_CHUNK]
                chunk = [values[taken] for _name, values in varying]
            copy.write(_copy_payload(chunk, tail))


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple] | None = None,
    *,
    column_values: list | None = None,
    order=None,
) -> None:
    """Insert many rows; pass them as row tuples or, faster, as one list or array per column
    (with `order`, a permutation of the rows, to write them in that order)."""
    if connection.vendor == "postgresql":
        if column_values is None:
            column_values = [list(c) for c in zip(*rows, strict=True)] if rows else []
        if not column_values or not len(column_values[0]):
            return
        with connection.cursor() as cursor:
            _copy_rows(cursor, table, columns, column_values, order=order)
        return
    if order is not None and column_values is not None:
        column_values = [_taken(values, order) for values in column_values]
    if rows is None:
        rows = (
            zip(*[_python_values(c) for c in column_values], strict=True) if column_values else []
        )
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        _quote(table), ", ".join(_quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _taken(values, order) -> np.ndarray:
    if isinstance(values, Repeated):
        return np.asarray(values.tolist(), dtype=object)
    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    return array[order]


def _python_values(values) -> list:
    if isinstance(values, np.ndarray | Repeated):
        return values.tolist()
    return list(values)


def update_rows(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Rows are (id, *columns). One statement per batch on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 100:
            temp = f"tmp_{table}_update"
            column_list = ", ".join(_quote(c) for c in columns)
            cursor.execute(
                f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT id, {column_list} FROM {_quote(table)} WITH NO DATA"
            )
            _copy_rows(cursor, temp, ["id", *columns], [list(c) for c in zip(*rows, strict=True)])
            assignments = ", ".join(f"{_quote(c)} = t.{_quote(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {_quote(table)} AS v SET {assignments} FROM {temp} AS t WHERE v.id = t.id"  # noqa: S608
            )
            cursor.execute(f"DROP TABLE {temp}")
            return
        sql = "UPDATE {} SET {} WHERE id = %s".format(  # noqa: S608
            _quote(table), ", ".join(f"{_quote(c)} = %s" for c in columns)
        )
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, [(*row[1:], row[0]) for row in rows[start : start + BATCH]])


@contextmanager
def _foreign_keys_checked_once(table: str, rows: int) -> Iterator[None]:
    """Drop the table's foreign keys for a bulk load and add them back, checked, afterwards.

    A row-by-row foreign-key check costs about as much as the COPY itself; re-adding the
    constraint checks all rows in one join. PostgreSQL's DDL is transactional, so a failed
    import leaves the constraints as they were. The table is locked until the import
    commits (seconds), which is acceptable for a national file.
    """
    if connection.vendor != "postgresql" or rows < BULK_FOREIGN_KEY_ROWS:
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while checks of earlier inserts (the regions') are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
    yield
    with connection.cursor() as cursor:
        for name, definition in constraints:
            cursor.execute(
                f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}"
            )


def _decimal_texts(values: np.ndarray) -> list:
    out = np.full(len(values), None, dtype=object)
    finite = np.isfinite(values)
    if finite.any():
        out[finite] = np.char.mod("%.3f", values[finite])
    return out.tolist()


def _region_owners(levels, owner_id: int | None) -> list:
    """A custom region made by an organisation's upload is its own; CBS regions are public."""
    return [owner_id if level == Neighbourhood.Level.CUSTOM else None for level in levels]


class RegionIds:
    """Region ids by (code, year), as arrays per year looked up with a pandas index.

    A dict of (code, year) tuples took 2.8 MB for a national file's 18,000 regions, a
    quarter of that file's whole import budget (issue 12); here they take a tenth of it.
    """

    def __init__(self):
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._index: dict[int, tuple[pd.Index, np.ndarray]] = {}

    def add(self, codes, years, ids) -> None:
        codes = np.asarray(codes, dtype=object)
        years = np.asarray(years).astype("int64")
        ids = np.asarray(ids).astype("int64")
        for year in np.unique(years).tolist():
            mine = years == year
            self._parts.setdefault(year, []).append((codes[mine], ids[mine]))
            self._index.pop(year, None)

    def _of(self, year: int) -> tuple[pd.Index, np.ndarray]:
        if year not in self._index:
            parts = self._parts.get(year, [])
            codes = np.concatenate([p[0] for p in parts]) if parts else np.array([], dtype=object)
            ids = np.concatenate([p[1] for p in parts]) if parts else np.array([], dtype="int64")
            index = pd.Index(codes, dtype=object)
            if not index.is_unique:  # read back after an insert: the later id wins
                keep = ~index.duplicated(keep="last")
                index, ids = index[keep], ids[keep]
            self._parts[year] = [(index.to_numpy(dtype=object), ids)]
            self._index[year] = (index, ids)
        return self._index[year]

    def lookup(self, codes, year: int) -> np.ndarray:
        """The id of each code in that year, -1 where there is none."""
        index, ids = self._of(int(year))
        if not len(ids):
            return np.full(len(codes), -1, dtype="int64")
        positions = index.get_indexer(np.asarray(codes, dtype=object))
        return np.where(positions >= 0, ids[positions], -1)

    def get(self, key: tuple[str, int], default=None):
        found = int(self.lookup([key[0]], key[1])[0])
        return default if found < 0 else found

    def __getitem__(self, key: tuple[str, int]) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def frame(self) -> pd.DataFrame:
        parts = []
        for year in list(self._parts):
            index, ids = self._of(year)
            parts.append(
                pd.DataFrame(
                    {"code": index.to_numpy(dtype=object), "year": year, "neighbourhood_id": ids}
                )
            )
        if not parts:
            return pd.DataFrame(columns=["code", "year", "neighbourhood_id"])
        return pd.concat(parts, ignore_index=True)


def _parent_ids(parents: np.ndarray, years: np.ndarray, ids: RegionIds) -> np.ndarray:
    """The id of each region's parent (None for none), looked up a year at a time."""
    out = np.full(len(parents), None, dtype=object)
    has = np.fromiter((isinstance(p, str) and bool(p) for p in parents), bool, len(parents))
    for year in np.unique(years[has]).tolist():
        mine = has & (years == year)
        found = ids.lookup(parents[mine], year)
        out[np.flatnonzero(mine)] = [int(f) if f >= 0 else None for f in found.tolist()]
    return out


def _insert_regions_at_once(
    table: str, new: pd.DataFrame, ids: RegionIds, now: str, owner_id: int | None = None
) -> None:
    """PostgreSQL: take ids for all new regions from the sequence in one query, then COPY
    them in one go with their parents' ids (instead of a COPY and a read-back per level).
    The parent foreign key is checked at commit, so the order of the rows does not matter."""
    with connection.cursor() as cursor:
        # One array of ids rather than a row (a tuple) per region.
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) "
            "FROM generate_series(1, %s)",
            [table, len(new)],
        )
        new_ids = np.asarray(cursor.fetchone()[0], dtype="int64")
    codes = new["code"].to_numpy(dtype=object)
    years = new["year"].to_numpy().astype("int64")
    ids.add(codes, years, new_ids)
    parents = _parent_ids(new["parent"].to_numpy(dtype=object), years, ids)
    names = new["name"].to_numpy(dtype=object)
    if any(len(name) > 200 for name in names):
        names = np.asarray([name[:200] for name in names], dtype=object)
    insert_rows(
        table,
        ["id", "code", "year", "level", "name", "parent_id", "owner_id", "created", "updated"],
        column_values=[
            new_ids,
            codes,
            years,
            new["level"].to_numpy(dtype=object),
            names,
            parents,
            np.asarray(_region_owners(new["level"].tolist(), owner_id), dtype=object),
            Repeated(now, len(new)),
            Repeated(now, len(new)),
        ],
    )


def _neighbourhood_ids(
    code_index: np.ndarray, codes: np.ndarray, years, ids: RegionIds
) -> np.ndarray:
    """The region id of every figure, from its code's position in `codes` (a column's
    factorisation). One year throughout (the usual file): each distinct code is looked up
    once and spread with one take, instead of merging on text keys."""
    if len(years) and (years == years[0]).all():
        # A category no figure uses (a region left out by the scope) may have no id.
        per_code = ids.lookup(codes, int(years[0]))
        if len(per_code) and per_code.max() < 2**31:
            per_code = per_code.astype(np.int32)  # before spreading: 4 bytes a figure
        result = per_code[code_index]
        if (result < 0).any():
            raise KeyError("a figure's region has no id")
        return result
    keys = pd.DataFrame(
        {"code": codes[code_index], "year": np.asarray(years).astype("int64")}
    )
    merged = keys.merge(ids.frame(), on=["code", "year"], how="left")
    return merged["neighbourhood_id"].to_numpy().astype("int64")


def _column(series: pd.Series):
    """A frame's column for COPY: a categorical as it is (its texts formatted once), else
    an object array."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.array
    return series.to_numpy(dtype=object)


def apply_plan(plan: ImportPlan, progress: Progress | None = None) -> None:
    """Write everything the plan says. The caller holds the transaction."""
    report = progress or (lambda percent, message: None)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if not isinstance(now, str):
        now = now.isoformat()  # COPY reads ISO 8601; formatting once beats once per row

    report(5, "indicatoren")
    if plan.indicators_new:
        Indicator.objects.bulk_create(
            [
                Indicator(
                    code=d.code,
                    name=d.name,
                    kind=d.kind,
                    direction=d.direction,
                    category=d.category,
                    unit=d.unit,
                    source_column=d.column[:300],
                    order=d.order or 10000 + i,
                    # A column outside the catalogue, uploaded by an organisation, becomes
                    # its own indicator; the catalogue's indicators are public definitions.
                    owner_id=plan.owner_id if d.column else None,
                )
                for i, d in enumerate(plan.indicators_new)
            ]
        )
    from wijkdata.selectors import visible_indicators

    # Public first, so that the organisation's own indicator of a code wins (as planned).
    indicator_ids = dict(
        visible_indicators(
            plan.owner_id, Indicator.objects.filter(code__in=[d.code for d in plan.parsed.indicators])
        )
        .order_by(F("owner_id").asc(nulls_first=True))
        .values_list("code", "id")
    )

    report(10, "gebieden")
    regions = plan.regions
    ids = RegionIds()
    stored = regions["id"].notna().to_numpy()
    if stored.any():
        ids.add(
            regions["code"].to_numpy(dtype=object)[stored],
            regions["year"].to_numpy()[stored],
            regions["id"].to_numpy()[stored].astype("int64"),
        )
    new = plan.regions_new
    table = Neighbourhood._meta.db_table
    if connection.vendor == "postgresql" and len(new):
        _insert_regions_at_once(table, new, ids, now, plan.owner_id)
        new = new.iloc[0:0]
    for level in LEVEL_ORDER:
        part = new[new["level"] == level]
        if part.empty:
            continue
        rows = [
            (
                code,
                int(year),
                level,
                name[:200],
                ids.get((parent, int(year))) if parent else None,
                _region_owners([level], plan.owner_id)[0],
                now,
                now,
            )
            for code, year, name, parent in zip(
                part["code"].tolist(),
                part["year"].tolist(),
                part["name"].tolist(),
                part["parent"].tolist(),
                strict=True,
            )
        ]
        insert_rows(
            table,
            ["code", "year", "level", "name", "parent_id", "owner_id", "created", "updated"],
            rows,
        )
        years = sorted({int(y) for y in part["year"]})
        read_back = list(
            Neighbourhood.objects.filter(year__in=years, level=level).values_list(
                "id", "code", "year"
            )
        )
        if read_back:
            nids, codes, region_years = zip(*read_back, strict=True)
            ids.add(codes, region_years, nids)
    if plan.regions_changed:
        by_key = regions.set_index(["code", "year"])
        rows = []
        for change in plan.regions_changed:
            key = (change["code"], change["year"])
            region = by_key.loc[key]
            stored_name = change["fields"].get("name", [None, None])[1]
            name = stored_name if stored_name is not None else region["old_name"]
            parent = region["parent"]
            rows.append(
                (
                    change["id"],
                    name,
                    region["level"],
                    ids.get((parent, change["year"])) if parent else None,
                    now,
                )
            )
        update_rows(table, ["name", "level", "parent_id", "updated"], rows)

    report(30, "waarden")
    values_table = IndicatorValue._meta.db_table
    values = plan.values_new
    if len(values):
        years = values["year"].to_numpy()
        code_index, code_uniques = factorized(values["code"])
        neighbourhood_ids = _neighbourhood_ids(code_index, code_uniques, years, ids)
        # Each indicator's id looked up once, spread by the figures' index into them.
        indicator_index, indicator_codes = factorized(values["indicator_code"])
        per_indicator = np.asarray(
            [indicator_ids.get(c, -1) for c in indicator_codes], dtype="int64"
        )
        # 4 bytes a figure instead of 8 where the ids allow (they always do in practice),
        # narrowed before the ids are spread over the figures.
        if len(per_indicator) and per_indicator.max() < 2**31:
            per_indicator = per_indicator.astype(np.int32)
        indicator_col = per_indicator[indicator_index]
        if len(neighbourhood_ids) and neighbourhood_ids.max() < 2**31:
            neighbourhood_ids = neighbourhood_ids.astype(np.int32, copy=False)
        if (indicator_col < 0).any():
            raise KeyError("a figure's indicator has no id")
        numbers = values["value"].to_numpy(dtype=float)
        reasons = _column(values["reason"])
        sources = _column(values["source"])
        # In the order of the unique index (neighbourhood, indicator, year): the index grows
        # at its right edge instead of being written all over.
        order = np.lexsort((years, indicator_col, neighbourhood_ids))
        postgres = connection.vendor == "postgresql"
        columns = [
            "neighbourhood_id",
            "indicator_id",
            "year",
            "value",
            "missing_reason",
            "source",
            "owner_id",
        ]
        column_values = [
            neighbourhood_ids,
            indicator_col,
            years,
            numbers if postgres else _decimal_texts(numbers),
            reasons,
            sources,
            Repeated(plan.owner_id, len(values)),
        ]
        # PostgreSQL fills the timestamps itself (db_default now(), the transaction's time):
        # not sending them spares it parsing two per figure. Elsewhere they are sent.
        # Public figures (no owner): the column's default, NULL, rather than one per row.
        if postgres and plan.owner_id is None:
            columns, column_values = columns[:-1], column_values[:-1]
        if not postgres:
            columns += ["created", "updated"]
            column_values += [[now] * len(values), [now] * len(values)]
        with _foreign_keys_checked_once(values_table, len(values)):
            insert_rows(values_table, columns, column_values=column_values, order=order)
    report(80, "wijzigingen")
    changed = plan.values_changed
    if len(changed):
        rows = list(
            zip(
                changed["id"].astype(int).tolist(),
                _decimal_texts(changed["value"].to_numpy(dtype=float)),
                changed["reason"].tolist(),
                changed["source"].tolist(),
                [now] * len(changed),
                strict=True,
            )
        )
        update_rows(values_table, ["value", "missing_reason", "source", "updated"], rows)

    report(90, "grenzen")
    for code, year in plan.boundaries_new + plan.boundaries_changed:
        NeighbourhoodBoundary.objects.update_or_create(
            neighbourhood_id=ids[(code, year)],
            defaults={"geometry": plan.parsed.boundaries[(code, year)], "source": plan.source},
        )
    report(100, "klaar")
