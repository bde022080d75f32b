"""Server time of the plan page against a minimal one-query page, in one run.

    .venv/bin/python benchmarks/bench_pages.py [--rounds 30]

Uses DATABASE_URL if set (PostgreSQL), else a temporary SQLite file. Builds its own
database (the demo plus a copy of Binnenstad–Spoorzone with ten times its sections, each
with all its content),
then times, interleaved so machine noise hits both alike:
  baseline  a view rendering a small template with one query
  plan      the demo plan page, and the ten-times plan page
Prints `RESULT page=… ratio=… queries=… cold_queries=…`: ratio is the median server time
over the median baseline time; the plan page is served from the revision-keyed cache
after its first render (cold_queries counts that first render).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

import gebiedsplan.urls  # noqa: E402


def baseline_view(request):
    from plans.models import Plan

    template = engines["django"].from_string("<html><body><h1>{{ plan.title }}</h1></body></html>")
    return HttpResponse(template.render({"plan": Plan.objects.first()}, request))


gebiedsplan.urls.urlpatterns.append(path("__bench_baseline/", baseline_view))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    setup_test_environment()
    from django.test.utils import get_runner  # noqa: F401

    old_name = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        run(args.rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        del test_db


def run(rounds: int) -> None:
    from django.contrib.auth import get_user_model

    from plans.demo import load_demo
    from plans.models import Area, Membership, Plan
    from plans.services import plan_copy_sections, plan_create
    from tests.plans.test_plan_detail import _grow

    demo = load_demo()
    load_demo_plan = demo.binnenstad
    # A copy of Binnenstad–Spoorzone in an area of its own, grown to ten times its sections.
    big_area = Area.objects.create(organisation=demo.organisation, name="Tien keer zo groot")
    big = plan_create(area=big_area, period_start=2025, template=None, themes=demo.organisation.themes.all())
    plan_copy_sections(source=load_demo_plan, target=big)
    _grow(big, 10)
    print(f"sections: demo={load_demo_plan.sections.count()} x10={big.sections.count()}")
    user = get_user_model().objects.create_user("bench", password="bench")
    for area in Area.objects.all():
        Membership.objects.create(area=area, user=user, role=Membership.Role.MANAGER)

    client = Client()
    client.force_login(user)
    cases = {
        "baseline": "/__bench_baseline/",
        "plan": load_demo_plan.get_absolute_url(),
        "plan_x10": Plan.objects.get(area=big_area).get_absolute_url(),
    }
    times = {name: [] for name in cases}
    queries, cold_queries = {}, {}
    for name, url in cases.items():  # first render (cold cache), then the steady state
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        cold_queries[name] = len(ctx)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        queries[name] = len(ctx)
    for _ in range(rounds):
        for name, url in cases.items():
            start = time.perf_counter()
            client.get(url)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["baseline"])
    print(f"database={connection.vendor} rounds={rounds} baseline_ms={base * 1000:.2f} baseline_queries={queries['baseline']}")
    for name in ("plan", "plan_x10"):
        median = statistics.median(times[name])
        print(
            f"RESULT page={name} ratio={median / base:.2f} queries={queries[name]} "
            f"cold_queries={cold_queries[name]} median_ms={median * 1000:.2f}"
        )


if __name__ == "__main__":
    main()
