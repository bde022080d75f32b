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

Then the editing cases, for a concept copy of the demo plan and the ten-times plan: the
edit page (edit_page: rendered afresh, as it follows the previous round's writes; and
edit_page_again: the same page once more, from the page cache) and three htmx fragments that write (card_save, reorder,
section_save), each a `RESULT page=… ratio=… queries=…` line. Target: ratio ≤ 3, query
counts equal for both sizes. The posts are urlencoded, as the browser sends them. A second
baseline, a minimal write (the same login, a POST, one UPDATE in a transaction that
commits, a small template), is printed as
`baseline_write_ms=`; each write case's line has `write_ratio=` against it too (`ratio=`
stays against the read baseline: that is the figure held against the target).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

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


def baseline_write_view(request):
    """The least a write costs: the same login and middleware, a POST, one UPDATE in a
    transaction that commits, a small template."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        get_user_model().objects.filter(pk=request.user.pk).update(last_login=timezone.now())
    template = engines["django"].from_string("<p>{{ user.username }}: opgeslagen</p>")
    return HttpResponse(template.render({"user": request.user}, request))


FORM = "application/x-www-form-urlencoded"

gebiedsplan.urls.urlpatterns.append(path("__bench_baseline/", baseline_view))
gebiedsplan.urls.urlpatterns.append(path("__bench_baseline_write/", baseline_write_view))


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
    run_edit(rounds, demo, big)


def run_edit(rounds: int, demo, big) -> None:
    """The coordinator's edit page and three htmx edit fragments (a card save, a reorder of
    the cards, a section save), for a concept copy of the demo plan and the ten-times plan,
    interleaved with the baseline. Every fragment is a real write (revision, history)."""
    from django.contrib.auth import get_user_model

    from plans.models import Area, Card, Membership, Section
    from plans.services import plan_copy_sections, plan_create
    from plans.views_edit import _item_form_class, _limit_choices

    area = Area.objects.create(organisation=demo.organisation, name="Bewerken")
    small = plan_create(area=area, period_start=2025, template=None, themes=demo.organisation.themes.all())
    plan_copy_sections(source=demo.binnenstad, target=small)
    user = get_user_model().objects.create_user("bench-editor", password="bench")
    for plan in (small, big):
        Membership.objects.create(area=plan.area, user=user, role=Membership.Role.COORDINATOR)
    client = Client()
    client.force_login(user)

    def edit_url(section) -> str:
        return f"/plannen/{section.plan.code}/onderdelen/{section.code}/"

    def card_save(plan):
        section = Section.objects.filter(plan=plan, kind="cards").order_by("order", "pk").first()
        card = Card.objects.filter(section=section).order_by("order", "pk").first()
        _, form_class = _item_form_class(section)
        form = form_class(instance=card, prefix=f"i{card.pk}")
        _limit_choices(form, section)
        data = {form.add_prefix(name): form.initial.get(name) or "" for name in form.fields}
        data[form.add_prefix("text")] = card.text.rstrip(".") + "."

        def request():
            revision = Section.objects.values_list("revision", flat=True).get(pk=section.pk)
            return edit_url(section), {"action": "item-save", "item": card.pk, "revision": revision, **data}
        return request

    def reorder(plan):
        section = Section.objects.filter(plan=plan, kind="cards").order_by("order", "pk").first()
        ids = list(Card.objects.filter(section=section).order_by("order", "pk").values_list("pk", flat=True))

        def request():
            revision = Section.objects.values_list("revision", flat=True).get(pk=section.pk)
            ids.reverse()
            return edit_url(section), {"action": "reorder", "order": ",".join(map(str, ids)), "revision": revision}
        return request

    def section_save(plan):
        section = Section.objects.filter(plan=plan, kind="text").order_by("order", "pk").first()

        def request():
            current = Section.objects.get(pk=section.pk)
            return edit_url(section), {
                "action": "section-save", "revision": current.revision, "heading": current.heading,
                "contents_label": current.contents_label, "intro": current.intro,
                "numbered": "on" if current.numbered else "",
            }
        return request

    cases = {}
    for suffix, plan in (("", small), ("_x10", big)):
        cases[f"edit_page{suffix}"] = ("get", f"/plannen/{plan.code}/bewerken/")
        # The same page again, with no write in between: from the page cache (edit_page
        # itself follows the previous round's writes, so it is always rendered afresh).
        cases[f"edit_page_again{suffix}"] = ("get", f"/plannen/{plan.code}/bewerken/")
        cases[f"card_save{suffix}"] = ("post", card_save(plan))
        cases[f"reorder{suffix}"] = ("post", reorder(plan))
        cases[f"section_save{suffix}"] = ("post", section_save(plan))
    cases["baseline"] = ("get", "/__bench_baseline/")
    cases["baseline_write"] = ("post", lambda: ("/__bench_baseline_write/", {"n": "1"}))

    def call(method, target):
        if method == "get":
            response = client.get(target)
        else:
            url, data = target()
            start = time.perf_counter()
            # Urlencoded, as the browser posts these forms (htmx) and a drop (sortable-lists.js).
            response = client.post(url, urlencode(data, doseq=True), content_type=FORM, HTTP_HX_REQUEST="true")
            return time.perf_counter() - start, response
        return None, response

    times = {name: [] for name in cases}
    queries = {}
    for method, target in cases.values():
        call(method, target)  # warm-up: one round
    # Queries per case in a round like the timed ones (edit_page after the writes).
    for name, (method, target) in cases.items():
        with CaptureQueriesContext(connection) as ctx:
            _, response = call(method, target)
        assert response.status_code == 200, (name, response.status_code)
        queries[name] = len(ctx)
    for _ in range(rounds):
        for name, (method, target) in cases.items():
            start = time.perf_counter()
            elapsed, response = call(method, target)
            times[name].append(elapsed if elapsed is not None else time.perf_counter() - start)
            assert response.status_code == 200, (name, response.status_code)
    base = statistics.median(times["baseline"])
    base_write = statistics.median(times["baseline_write"])
    print(
        f"baseline_ms={base * 1000:.2f} baseline_write_ms={base_write * 1000:.2f} "
        f"baseline_write_queries={queries['baseline_write']}"
    )
    for name, (method, _target) in cases.items():
        if name.startswith("baseline"):
            continue
        median = statistics.median(times[name])
        write = f" write_ratio={median / base_write:.2f}" if method == "post" else ""
        print(
            f"RESULT page={name} ratio={median / base:.2f}{write} queries={queries[name]} median_ms={median * 1000:.2f}"
        )


if __name__ == "__main__":
    main()
