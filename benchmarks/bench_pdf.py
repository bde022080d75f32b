"""The PDF pipeline against PostgreSQL, Redis and a real Celery worker it starts itself.

    .venv/bin/python benchmarks/bench_pdf.py [--runs 5]
    .venv/bin/python benchmarks/bench_pdf.py --charts     # SVG drawn directly vs kaleido

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/gebiedsplan_bench_pdf,
created when missing) and REDIS_URL (default redis://127.0.0.1:6379/3). The script
migrates, loads the demo, and starts `celery worker --pool=prefork -c 1` on a queue of its
own. Measured, for the Binnenstad–Spoorzone plan:

- raw_s: WeasyPrint renders the plan's final HTML in this process (the baseline);
- e2e_s: POST to the PDF view → task queued on commit → worker claims, renders, stores
  the file → the export row says done (polled every 10 ms);
- cached_ms: POST (htmx) for the unchanged plan: the stored export comes back at once.

Raw and end-to-end runs alternate (load from elsewhere hits both alike); each figure is
the median of --runs runs after a warm-up run. It prints
`RESULT raw_s=… e2e_s=… ratio=… cached_ms=… pages=…`. Targets: ratio ≤ 1.3, cached ≤ 50 ms.

Also: after_edit_ms, from an edit of the concept Eemland plan until its new PDF is
downloadable with nobody asking (settle time included), and after_edit_download_ms, the
download request then.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gebiedsplan_bench_pdf"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-pdf-media-"))
    env["CELERY_QUEUE"] = f"bench-pdf-{os.getpid()}"
    env.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
    return env


def _create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def _setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    name = f"bench-pdf-{os.getpid()}@%h"
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "gebiedsplan",
            "worker",
            "--pool=prefork",
            "-c",
            "1",
            "-Q",
            env["CELERY_QUEUE"],
            "-n",
            name,
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    from gebiedsplan.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(
            destination=[name.replace("%h", os.uname().nodename)], timeout=0.5
        )
        if replies:
            return worker
        if worker.poll() is not None:
            raise SystemExit("the worker exited during start-up")
    worker.terminate()
    raise SystemExit("the worker did not answer a ping within 60 s")


def _stop_worker(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(worker.pid, signal.SIGKILL)


def _urlconf() -> str:
    """The project's URLs with the PDF views, whether or not plans/urls.py includes them yet."""
    from django.urls import include, path

    import gebiedsplan.urls as project_urls
    import plans.urls as plan_urls
    import plans.urls_pdf as pdf_urls

    names = {getattr(p, "name", None) for p in plan_urls.urlpatterns}
    extra = [] if "plan_pdf" in names else pdf_urls.urlpatterns
    module = types.ModuleType("bench_pdf_urls")
    module.urlpatterns = [
        path("", include((plan_urls.urlpatterns + extra, "plans"))),
        *[p for p in project_urls.urlpatterns if getattr(p, "app_name", None) != "plans"],
    ]
    sys.modules["bench_pdf_urls"] = module
    return "bench_pdf_urls"


def _wait_done(export_code, timeout: float = 120) -> object:
    from plans.models import PlanExport

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        export = PlanExport.objects.filter(code=export_code).only("status").first()
        if export and export.status in (PlanExport.Status.DONE, PlanExport.Status.FAILED):
            return PlanExport.objects.get(code=export_code)
        time.sleep(0.01)
    raise SystemExit(f"export {export_code} not done within {timeout} s")


def bench_pipeline(runs: int) -> None:
    env = _environment()
    _setup(env)
    import weasyprint
    from django.core.files.storage import default_storage
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from plans.demo import load_demo
    from plans.models import PlanExport
    from plans.pdf import BASE_URL, SafeURLFetcher, plan_html
    from plans.pdf.render import PDF_OPTIONS

    # Loading is setup: its writes must not leave background PDFs queued for the worker
    # (they would render during the measured runs, and a waiting one would stand in for
    # the first measured edit's in after_edit_ms).
    with override_settings(PDF_PRERENDER=False):
        demo = load_demo()
    plan = demo.binnenstad
    user = plan.area.memberships.filter(role="manager").first().user

    def clear_exports() -> None:
        for export in PlanExport.objects.filter(plan=plan):
            if export.file:
                default_storage.delete(export.file.name)
        PlanExport.objects.filter(plan=plan).delete()

    html = plan_html(plan)

    def raw() -> float:
        start = time.perf_counter()
        weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=SafeURLFetcher()).write_pdf(
            **PDF_OPTIONS
        )
        return time.perf_counter() - start

    raw()  # warm-up: fonts and WeasyPrint's own stylesheets

    worker = _start_worker(env)
    try:
        with override_settings(ROOT_URLCONF=_urlconf()):
            client = Client()
            client.force_login(user)
            url = reverse("plans:plan_pdf", args=[plan.code])

            def end_to_end() -> tuple[float, object]:
                clear_exports()
                start = time.perf_counter()
                response = client.post(url)
                assert response.status_code == 302, response.status_code
                export_code = response["Location"].rstrip("/").split("/")[-1]
                export = _wait_done(export_code)
                elapsed = time.perf_counter() - start
                assert export.status == PlanExport.Status.DONE, export.error
                assert default_storage.exists(export.file.name)
                return elapsed, export

            first, _ = end_to_end()  # warm-up: the worker's first job, the broker connection
            # Interleaved, so that load from elsewhere on the machine hits both alike.
            raw_times, e2e = [], []
            for _ in range(runs):
                raw_times.append(raw())
                e2e.append(end_to_end())
            e2e_times = [t for t, _ in e2e]
            export = e2e[-1][1]
            queue_ms = [(e.started - e.created).total_seconds() * 1000 for _, e in e2e]
            worker_s = [(e.finished - e.started).total_seconds() for _, e in e2e]

            def cached() -> float:
                start = time.perf_counter()
                response = client.post(url, HTTP_HX_REQUEST="true")
                elapsed = time.perf_counter() - start
                assert response.status_code == 200
                assert f"{export.code}/download/" in response.content.decode()
                return elapsed

            cached()
            cached_times = [cached() for _ in range(max(runs, 20))]
            assert PlanExport.objects.filter(plan=plan).count() == 1, (
                "the unchanged plan was queued again"
            )
            after_edit, after_download = _after_edit(demo.eemland, runs)
    finally:
        _stop_worker(worker)

    raw_s = statistics.median(raw_times)
    e2e_s = statistics.median(e2e_times)
    cached_ms = statistics.median(cached_times) * 1000
    print(f"raw_s    {[round(t, 3) for t in raw_times]} (min {min(raw_times):.3f})")
    print(
        f"e2e_s    {[round(t, 3) for t in e2e_times]} (min {min(e2e_times):.3f}, first job {first:.3f})"
    )
    print(
        f"  of which queued→claimed ms {[round(q) for q in queue_ms]}, claimed→stored s {[round(w, 3) for w in worker_s]}"
    )
    print(f"cached_ms {[round(t * 1000, 1) for t in cached_times]}")
    print(
        f"pairwise ratio median {statistics.median(e / r for e, r in zip(e2e_times, raw_times, strict=True)):.2f}"
    )
    print(f"after_edit_ms {[round(t * 1000) for t in after_edit]} (settle {SETTLE_SECONDS} s included)")
    print(f"after_edit_download_ms {[round(t * 1000, 1) for t in after_download]}")
    print(
        f"RESULT raw_s={raw_s:.3f} e2e_s={e2e_s:.3f} ratio={e2e_s / raw_s:.2f} "
        f"cached_ms={cached_ms:.1f} pages={export.page_count} "
        f"after_edit_ms={statistics.median(after_edit) * 1000:.0f} settle_s={SETTLE_SECONDS} "
        f"after_edit_download_ms={statistics.median(after_download) * 1000:.1f}"
    )


SETTLE_SECONDS = 2


def _after_edit(plan, runs: int) -> tuple[list[float], list[float]]:
    """An edit of a plan in concept, then: how long until its new PDF is downloadable with
    nobody asking (edits settled for SETTLE_SECONDS, the worker rendered it), and how long
    the download request takes then (the stored file, no waiting)."""
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from plans.models import PlanExport, Section
    from plans.pdf.fingerprint import content_hash
    from plans.services import section_update

    user = plan.area.memberships.filter(role="coordinator").first().user
    client = Client()
    client.force_login(user)
    section = plan.sections.filter(kind="text").first()
    edit_times, download_times = [], []
    with override_settings(PDF_PRERENDER=True, PDF_PRERENDER_SETTLE_SECONDS=SETTLE_SECONDS):
        for n in range(runs):
            section = Section.objects.get(pk=section.pk)
            start = time.perf_counter()
            section_update(section=section, intro=f"{section.intro.split(' [')[0]} [bewerking {n}]")
            plan.refresh_from_db()
            digest = content_hash(plan)
            deadline = time.monotonic() + 120
            while not PlanExport.objects.filter(plan=plan, content_hash=digest, status="done").exists():
                if time.monotonic() > deadline:
                    raise SystemExit("the PDF after the edit was not rendered within 120 s")
                time.sleep(0.01)
            edit_times.append(time.perf_counter() - start)
            export = PlanExport.objects.get(plan=plan, content_hash=digest, status="done")
            url = reverse("plans:plan_pdf_download", args=[plan.code, export.code])
            start = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            download_times.append(time.perf_counter() - start)
            assert response.status_code == 200 and body[:5] == b"%PDF-", response.status_code
    return edit_times, download_times


def bench_charts(runs: int) -> None:
    """Chapter 1's charts: SVG written here vs plotly figures exported by kaleido."""
    env = _environment()
    env["DATABASE_URL"] = ""
    env.setdefault(
        "SQLITE_PATH", str(Path(tempfile.mkdtemp(prefix="bench-charts-")) / "db.sqlite3")
    )
    os.environ.update({k: v for k, v in env.items() if v})
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from plans.demo import load_demo
    from plans.pdf.charts import charts_for_table
    from plans.selectors import plan_document

    doc = plan_document(load_demo().binnenstad)
    brand = "#00656b"
    start = time.perf_counter()
    for _ in range(runs):
        charts = [chart for view in doc.tables for chart in charts_for_table(view, brand)]
    svg_ms = (time.perf_counter() - start) * 1000 / (runs * len(charts))
    print(f"direct SVG: {len(charts)} charts, {svg_ms:.2f} ms per chart")

    try:
        import kaleido
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:
        print("kaleido is not installed: PYTHONPATH=/path/to/kaleido .venv/bin/python … --charts")
        print(f"CHARTS svg_ms_per_chart={svg_ms:.2f}")
        return

    import warnings

    warnings.filterwarnings("ignore", message="The kopts argument")
    figures = _plotly_figures(doc, brand, go, make_subplots)
    start = time.perf_counter()
    kaleido.start_sync_server(silence_warnings=True)
    figures[0].to_image(format="svg")
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(runs):
        for figure in figures:
            figure.to_image(format="svg")
    warm_ms = (time.perf_counter() - start) * 1000 / (runs * len(figures))
    kaleido.stop_sync_server(silence_warnings=True)
    print(
        f"kaleido: {len(figures)} figures, cold start + first {cold_s:.2f} s, warm {warm_ms:.0f} ms per figure"
    )
    print(
        f"CHARTS svg_ms_per_chart={svg_ms:.2f} kaleido_cold_s={cold_s:.2f} "
        f"kaleido_warm_ms_per_chart={warm_ms:.0f} per_plan_svg_ms={svg_ms * len(charts):.1f} "
        f"per_plan_kaleido_warm_ms={warm_ms * len(figures):.0f}"
    )


def _plotly_figures(doc, brand, go, make_subplots) -> list:
    """The same three charts as plans/pdf/charts.py draws, built with plotly."""
    from plans.models import FigureTable

    figures = []
    for view in doc.tables:
        labels = [row.label for row in view.rows]
        if view.table.layout == FigureTable.Layout.INDICATOR_ROWS:
            fig = go.Figure()
            for i, column in enumerate(view.columns):
                fig.add_bar(
                    y=labels,
                    x=[float(r.cells[i].value or 0) for r in view.rows],
                    name=column,
                    orientation="h",
                )
            fig.update_layout(barmode="group", width=640, height=520, colorway=[brand, "#80b2b5"])
            figures.append(fig)
        else:
            fig = go.Figure()
            for i, column in enumerate(view.columns[1:11], start=1):
                fig.add_bar(
                    y=labels,
                    x=[float(r.cells[i].value or 0) for r in view.rows],
                    name=column,
                    orientation="h",
                )
            fig.update_layout(barmode="stack", width=640, height=260)
            figures.append(fig)
            rest = [0, 11, 12, 13]
            fig = make_subplots(
                rows=1,
                cols=len(rest),
                shared_yaxes=True,
                subplot_titles=[view.columns[i] for i in rest],
            )
            for p, i in enumerate(rest, start=1):
                fig.add_bar(
                    y=labels,
                    x=[float(r.cells[i].value or 0) for r in view.rows],
                    orientation="h",
                    row=1,
                    col=p,
                    marker_color=brand,
                )
            fig.update_layout(width=640, height=220, showlegend=False)
            figures.append(fig)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--charts", action="store_true", help="compare chart rendering instead")
    args = parser.parse_args()
    if args.charts:
        bench_charts(args.runs)
    else:
        bench_pipeline(args.runs)


if __name__ == "__main__":
    main()
