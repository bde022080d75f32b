"""Login throttling (django-axes) in front of Django's own authentication, and the
signed-in person read with a prepared statement."""

from functools import cache

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection


class PreparedUserLookup:
    """get_user, which every signed-in request runs (the session's user), as one prepared
    statement (plans.prepared): the ORM spent longer compiling that SELECT than the
    database spent answering it. The same rules as Django's ModelBackend: an unknown or
    inactive user is nobody."""

    def get_user(self, user_id):
        from plans.prepared import fetch_prepared

        sql, columns = _user_sql()
        try:
            rows = fetch_prepared("session user", sql, {"id": int(user_id)})
        except (TypeError, ValueError):
            return None
        if not rows:
            return None
        user = columns.instance(rows[0])
        return user if self.user_can_authenticate(user) else None


@cache
def _user_sql():
    from plans.prepared import Columns

    model = get_user_model()
    columns = Columns(model, "u")
    quote = connection.ops.quote_name
    sql = f"SELECT {columns.sql} FROM {quote(model._meta.db_table)} u WHERE u.{quote(model._meta.pk.column)} = %(id)s"  # noqa: S608 - names from model meta
    return sql, columns


class ModelBackend(PreparedUserLookup, DjangoModelBackend):
    """Django's ModelBackend (user name and password), with the session's user read by a
    prepared statement."""


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a login from a locked-out user or address; never logs anyone in itself.

    A login from a web request is always counted and checked. `authenticate()` without a
    request (a management command, the test client's `login()`) has no address and no
    attacker behind it: it is let through to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets: Dutch, with how long and what to do (429)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
