"""Load with crashes: readers and editors against uvicorn (two workers), PostgreSQL, Redis
and two Celery workers with beat, while one web worker and one Celery worker are killed.

    DATABASE_URL=postgres://…/NAME REDIS_URL=redis://…/N CELERY_QUEUE=NAME \\
        .venv/bin/python benchmarks/bench_load.py [--duration 60] [--readers 50] [--editors 5]

The database named by DATABASE_URL is migrated and gets the demo (load_demo). locust
(headless) runs the users of benchmarks/locustfile.py. A third of the way in, one uvicorn
worker is killed (SIGKILL; uvicorn starts a new one); half-way, one Celery worker is killed
as a whole (its process group, SIGKILL). Afterwards the run waits for the export sweep
(celery beat) to settle the exports the dead worker held, then prints

    RESULT requests=… errors=… p95_ms=… minimal_p95_ms=… ratio=… rss_growth_mb=… exports_stuck=…

minimal_p95_ms is the p95 of the login form (no database) measured alone in the same run
just before the load; ratio = p95_ms / minimal_p95_ms. rss_growth_mb compares the web
workers' total memory after warm-up with the end (the restarted worker included).
exports_stuck counts exports still "being made" after the sweep had its chance.
db_connections_max is the most connections to the database seen during the load (the run
stops above 60, as the PostgreSQL server may be shared).
Targets (issue 12): errors only from the killed worker's in-flight requests, 0 exports
stuck, memory flat. Servers listen on 127.0.0.1 only (default port 18123).
"""

import argparse
import contextlib
import csv
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
os.environ.setdefault("SECURE_COOKIES", "false")  # plain HTTP on 127.0.0.1
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-load-media-"))
os.environ.setdefault("LOG_LEVEL", "ERROR")

BIN = Path(sys.executable).parent


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def web_workers(pid: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    workers = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            workers.append(child)
    return workers


def start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 (loopback only)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


CONNECTION_CEILING = 60


def database_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        count = cursor.fetchone()[0]
    connection.close()
    return count


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--port", type=int, default=18123)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise SystemExit("bench_load needs DATABASE_URL (PostgreSQL) and REDIS_URL")

    import django

    django.setup()
    from django.core.management import call_command

    from plans.demo import load_demo
    from plans.models import Area, Plan, PlanExport

    call_command("migrate", verbosity=0)
    load_demo()
    plans = [str(code) for code in Plan.objects.values_list("code", flat=True)]
    areas = [str(a.code) for a in Area.objects.filter(plans__isnull=False).distinct()]
    binnenstad = Area.objects.filter(name__startswith="Binnenstad").first()
    areas.sort(key=lambda code: code != str(binnenstad.code))  # editors change this one
    first_export = PlanExport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = {**os.environ, "BENCH_PLANS": ",".join(plans), "BENCH_AREAS": ",".join(areas)}
    env.update(BENCH_READERS=str(args.readers), BENCH_EDITORS=str(args.editors))
    queue = os.environ.get("CELERY_QUEUE", "gebiedsplan")
    base = f"http://127.0.0.1:{args.port}"

    web = start(
        [str(BIN / "uvicorn"), "gebiedsplan.asgi:application", "--host", "127.0.0.1",
         "--port", str(args.port), "--workers", "2", "--no-access-log"],
        work / "web.log", env,
    )  # fmt: skip

    def worker(name: str) -> subprocess.Popen:
        return start(
            [str(BIN / "celery"), "-A", "gebiedsplan", "worker", "-Q", queue, "-c", "1",
             "-n", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
             "-l", "warning"],
            work / f"{name}.log", env,
        )  # fmt: skip

    workers = [worker("bench-a"), worker("bench-b")]
    beat = start(
        [str(BIN / "celery"), "-A", "gebiedsplan", "beat", "-l", "warning",
         "--schedule", str(work / "beat-schedule")],
        work / "beat.log", env,
    )  # fmt: skip
    processes = [web, *workers, beat]
    try:
        wait_http(f"{base}/inloggen/")
        # Minimal page, alone: the floor the loaded p95 is compared with.
        samples = []
        for _ in range(200):
            started = time.perf_counter()
            urllib.request.urlopen(f"{base}/inloggen/", timeout=10).read()  # noqa: S310
            samples.append((time.perf_counter() - started) * 1000)
        minimal = p95(samples)
        rss_before = rss_mb(web_workers(web.pid))

        locust = start(
            [str(BIN / "locust"), "-f", str(ROOT / "benchmarks/locustfile.py"), "--headless",
             "--users", str(args.readers + args.editors), "--spawn-rate", "20",
             "--run-time", f"{args.duration}s", "--host", base, "--csv", str(work / "load"),
             "--only-summary", "--stop-timeout", "10"],
            work / "locust.log", env,
        )  # fmt: skip
        started = time.monotonic()
        killed_web = killed_worker = False
        most_connections = 0
        while locust.poll() is None:
            elapsed = time.monotonic() - started
            # Other people use this PostgreSQL too: never take it over.
            connections = database_connections()
            most_connections = max(most_connections, connections)
            if connections > CONNECTION_CEILING:
                print(f"stopping: {connections} connections to the database")
                stop(locust)
                break
            if not killed_web and elapsed > args.duration / 3:
                victims = web_workers(web.pid)
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    killed_web = True
            if not killed_worker and elapsed > args.duration / 2:
                os.killpg(workers[0].pid, signal.SIGKILL)
                killed_worker = True
            time.sleep(0.2)
        rss_after = rss_mb(web_workers(web.pid))

        # The dead worker's claims expire after CLAIM_EXPIRES; beat sweeps every 30 s.
        from plans.services import CLAIM_EXPIRES

        deadline = time.monotonic() + CLAIM_EXPIRES.total_seconds() + 75
        active = PlanExport.objects.filter(pk__gt=first_export, status__in=PlanExport.ACTIVE)
        while active.exists() and time.monotonic() < deadline:
            time.sleep(2)
        stuck = active.count()

        with (work / "load_stats.csv").open() as handle:
            total = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
        requests, errors = int(total["Request Count"]), int(total["Failure Count"])
        loaded = float(total["95%"])
        with (work / "load_failures.csv").open() as handle:
            failures = list(csv.DictReader(handle))
        for failure in failures[:10]:
            print(
                f"failure: {failure['Method']} {failure['Name']} × {failure['Occurrences']}: {failure['Error'][:120]}"
            )
        print(f"logs and stats in {work}")
        print(
            f"RESULT requests={requests} errors={errors} p95_ms={loaded:.0f} "
            f"minimal_p95_ms={minimal:.1f} ratio={loaded / minimal:.1f} "
            f"rss_growth_mb={rss_after - rss_before:.0f} exports_stuck={stuck} "
            f"db_connections_max={most_connections} "
            f"killed_web_worker={killed_web} killed_celery_worker={killed_worker} "
            f"web_worker_restarted={'died' in (work / 'web.log').read_text(errors='replace')}"
        )
    finally:
        for process in reversed(processes):
            stop(process)


if __name__ == "__main__":
    main()
