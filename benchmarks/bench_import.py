"""Import the national KWB 2024 CSV (18,310 regions) into a fresh PostgreSQL database.

    .venv/bin/python benchmarks/bench_import.py [--file PATH] [--server postgres://postgres@127.0.0.1:5432]

Creates a throw-away database on the server, migrates it, and in the same run times:

* parse_s  — pandas alone reading the same file and converting it to numbers in long
             format (read_csv with the right separator, decimal comma and '.' as missing;
             codes stripped; melt): the least any importer has to do;
* import_s — `indicators_import` from bytes on disk to committed rows (parse, checks,
             comparison with the database, COPY);
* second_s — importing the same file again, which must change nothing;
* copy_floor_s — the floor for any importer: the rows the import wrote (regions and
             values), COPYed bare into the same empty tables with their constraints and
             indexes, foreign keys checked (best of 3, rolled back). No parsing, no checks.

Prints `RESULT import_s=… parse_s=… ratio=…`, `RESULT second_import_s=… changed=…` and
`RESULT copy_floor_s=… import_over_floor=… floor_ratio=…` (floor_ratio = floor / parse_s:
the ratio no importer that writes these rows into PostgreSQL can beat).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = (
    ROOT.parent
    / "shared"
    / "data"
    / "cbs_kwb_2024"
    / "Kerncijfers_wijken_en_buurten_2024_geslachten.csv"
)


def pandas_baseline(path: Path) -> float:
    import pandas as pd

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        frame = pd.read_csv(
            path, sep=";", decimal=",", na_values=["."], encoding="utf-8-sig", dtype={3: str}
        )
        code_column = frame.columns[3]
        frame[code_column] = frame[code_column].str.strip()
        value_columns = list(frame.columns[5:])
        for column in value_columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        long = frame.melt(id_vars=[code_column], value_vars=value_columns)
        assert len(long) > 0
        best = min(best, time.perf_counter() - started)
    return best


def copy_floor(url: str) -> float:
    """Seconds to COPY the stored regions and values back into the same, emptied tables.

    Uses the cheapest valid way (values' foreign keys dropped and re-added, i.e. checked
    once), in a transaction that is rolled back, so the database is left as it was.
    """
    import io

    import psycopg

    tables = {
        "wijkdata_neighbourhood": "id, code, year, level, name, parent_id, created, updated",
        "wijkdata_indicatorvalue": (
            "neighbourhood_id, indicator_id, year, value, missing_reason, source, created, updated"
        ),
    }
    best = float("inf")
    with psycopg.connect(url) as conn:
        cur = conn.cursor()
        payloads = {}
        for table, columns in tables.items():
            buffer = io.BytesIO()
            with cur.copy(
                f"COPY (SELECT {columns} FROM {table} ORDER BY 1, 2) TO STDOUT (FORMAT csv)"  # noqa: S608 (constant names)
            ) as copy:
                for block in copy:
                    buffer.write(block)
            payloads[table] = buffer.getvalue()
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'wijkdata_indicatorvalue'::regclass AND contype = 'f'"
        )
        foreign_keys = cur.fetchall()
        conn.commit()
        for _ in range(3):
            with conn.transaction(force_rollback=True):
                cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
                started = time.perf_counter()
                for name, _definition in foreign_keys:
                    cur.execute(f'ALTER TABLE wijkdata_indicatorvalue DROP CONSTRAINT "{name}"')
                for table, columns in tables.items():
                    with cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                        copy.write(payloads[table])
                for name, definition in foreign_keys:
                    cur.execute(
                        f'ALTER TABLE wijkdata_indicatorvalue ADD CONSTRAINT "{name}" {definition}'
                    )
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the benchmark database afterwards."
    )
    args = parser.parse_args()
    if not args.file.exists():
        print(f"File not found: {args.file}", file=sys.stderr)
        return 2

    import psycopg

    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ["DATABASE_URL"] = f"{args.server}/{name}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from wijkdata.models import IndicatorValue
        from wijkdata.services import indicators_import

        call_command("migrate", verbosity=0)
        parse_s = pandas_baseline(args.file)

        started = time.perf_counter()
        first = indicators_import(path=args.file, year=2024)
        import_s = time.perf_counter() - started

        started = time.perf_counter()
        second = indicators_import(path=args.file, year=2024)
        second_s = time.perf_counter() - started

        counts = first.counts
        again = second.counts
        stored = IndicatorValue.objects.count()
        changed = (
            again["values_new"]
            + again["values_changed"]
            + again["regions_new"]
            + again["regions_changed"]
        )
        print(f"file: {args.file.name} ({args.file.stat().st_size / 1e6:.1f} MB), database: {name}")
        print(
            f"first import: {counts['regions_new']} regions, {counts['values_new']} values "
            f"(stages: parse {first.timings['parse']:.2f}s, plan {first.timings['plan']:.2f}s)"
        )
        print(f"stored values: {stored}")
        print(
            f"RESULT import_s={import_s:.2f} parse_s={parse_s:.3f} ratio={import_s / parse_s:.1f}"
        )
        print(
            f"RESULT second_import_s={second_s:.2f} changed={changed} "
            f"not_slower={'yes' if second_s <= import_s else 'no'}"
        )
        connection.close()
        floor_s = copy_floor(f"{args.server}/{name}")
        print(
            f"RESULT copy_floor_s={floor_s:.2f} import_over_floor={import_s / floor_s:.1f} "
            f"floor_ratio={floor_s / parse_s:.1f}"
        )
    finally:
        if not args.keep:
            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
