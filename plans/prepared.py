"""Hot read-only queries as statements PostgreSQL prepares once per connection."""

import time

from django.db import connection


def fetch_prepared(name: str, sql: str, params: dict) -> list[tuple]:
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
