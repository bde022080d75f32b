"""Live design sessions under the ASGI server: how fast a change reaches every screen.

    DATABASE_URL=postgres://… REDIS_URL=redis://…/N .venv/bin/python benchmarks/bench_live.py [--port 18091]

Starts uvicorn with two worker processes (the application as in production: PostgreSQL,
Redis pub/sub with one subscription per process), then for each scenario
  streams=30  sessions=1   30 participants' event streams on one session
  streams=300 sessions=10  30 streams on each of ten sessions
has participants add, move and vote 300 times (one after another, each POST through the
server) and measures, per change, the delay from sending its POST to its arrival on every
stream of its session (the slowest stream counts). In the same run it measures a bare
Redis publish-to-subscriber round trip as the baseline. Prints

    RESULT streams=30 sessions=1 live_p50_ms=… live_p95_ms=… baseline_p95_ms=… lost=… out_of_order=… rss_kb_per_stream=…

`lost` counts events a stream never received, `out_of_order` events that arrived after a
higher number; `post_p95_ms` (last) is the POST's own round trip, the part of the delay that
is the write itself rather than its delivery. Target: p95 ≤ 100 ms at 30 streams, nothing lost or out of order at 300.
"""

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gebiedsplan.settings")
if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    sys.exit("bench_live needs DATABASE_URL (PostgreSQL) and REDIS_URL: it measures the production set-up")

import django  # noqa: E402

django.setup()

from django.core import signing  # noqa: E402
from django.db import connection  # noqa: E402

from matrix import services  # noqa: E402
from matrix.models import DesignSession  # noqa: E402
from matrix.selectors import cookie_name, cookie_salt  # noqa: E402
from plans.models import SectionKind  # noqa: E402

CSRF = secrets.token_hex(16)  # 32 characters: Django accepts the secret itself as the header


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gebiedsplan.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=os.environ.copy(),
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/doe-mee/", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    # Both workers should have booted: ask a few times.
                    for _ in range(6):
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/doe-mee/", timeout=10).read()  # noqa: S310
                    return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("uvicorn did not start")


def worker_rss_kb(server: subprocess.Popen) -> int:
    total = 0
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit():
            continue
        try:
            status = (pid / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server.pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


class Stream:
    """One participant's event stream, read with a bare HTTP/1.1 connection."""

    def __init__(self, port, session, cookie):
        self.port, self.session, self.cookie = port, session, cookie
        self.arrivals: dict[int, float] = {}
        self.order: list[int] = []
        self.ready = asyncio.Event()

    async def run(self):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        path = f"/sessies/{self.session.code}/stroom/?na={self.session.last_event}"
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCookie: {self.cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                text = line.decode().rstrip("\r\n")
                if text.startswith("retry:"):
                    self.ready.set()
                elif text.startswith("data: "):
                    now = time.perf_counter()
                    message = json.loads(text[6:])
                    self.arrivals.setdefault(message["id"], now)
                    self.order.append(message["id"])
        finally:
            writer.close()


async def post(port, path, cookie, fields) -> int:
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}; csrftoken={CSRF}\r\n"
         f"X-CSRFToken: {CSRF}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


def make_sessions(count, per_session):
    from plans.demo import load_demo

    load_demo()
    from plans.models import Area, Plan
    from plans.services import plan_create, section_add

    # A plan of its own (the demo plans are adopted, and adopted plans take no session).
    plan = Plan.objects.filter(title="Benchmark ontwerpsessies").first()
    if plan is None:
        plan = plan_create(area=Area.objects.order_by("id").first(), period_start=2099,
                           title="Benchmark ontwerpsessies", template=None, document_type="Benchmark")
    section = plan.sections.filter(kind=SectionKind.MATRIX).first() or section_add(
        plan=plan, kind=SectionKind.MATRIX, heading="Impact/effort matrix"
    )
    sessions = []
    for n in range(count):
        session = services.session_start(section=section, user=None, title=f"bench {n}", vote_limit=20)
        people = []
        for p in range(per_session):
            participant = services.session_join(session=session, name=f"P{p}", organisation=f"Org {p % 5}")
            value = signing.get_cookie_signer(salt=cookie_name(session) + cookie_salt(session)).sign(participant.token)
            people.append(f"{cookie_name(session)}={value}")
        session.refresh_from_db()
        sessions.append((session, people))
    return sessions


async def scenario(port, server, sessions_count, per_session, actions):
    sessions = await asyncio.to_thread(make_sessions, sessions_count, per_session)
    rss_before = worker_rss_kb(server)
    streams = [Stream(port, s, cookie) for s, cookies in sessions for cookie in cookies]
    tasks = [asyncio.create_task(st.run()) for st in streams]
    await asyncio.wait_for(asyncio.gather(*(st.ready.wait() for st in streams)), 60)
    await asyncio.sleep(1)
    rss_after = worker_rss_kb(server)

    sent: list[tuple[DesignSession, float, int]] = []  # session, time sent, expected event id
    items: dict[int, list[int]] = {s.pk: [] for s, _ in sessions}
    last = {s.pk: s.last_event for s, _ in sessions}
    plan = ["add"] * (actions // 3) + ["move"] * (actions // 3)
    plan += ["vote"] * (actions - len(plan))
    phase_switched = False
    answered: list[float] = []  # the POST's own round trip: what the write costs before any push
    for n, action in enumerate(plan):
        session, cookies = sessions[n % len(sessions)]
        cookie = cookies[(n // len(sessions)) % len(cookies)]
        if action == "vote" and not phase_switched:
            for s, _ in sessions:
                await asyncio.to_thread(services.phase_set, session=s, phase="vote")
                last[s.pk] += 1
            phase_switched = True
        base = f"/sessies/{session.code}/ideeen/"
        if action == "add":
            path, fields = base, {"title": f"We gaan {n}"}
        elif action == "move":
            item = items[session.pk][n % len(items[session.pk])]
            path, fields = f"{base}{item}/plaats/", {"place": ("high_little", "low_much")[n % 2]}
        else:
            item = items[session.pk][n % len(items[session.pk])]
            path, fields = f"{base}{item}/stip/", {"dot": "add"}
        started = time.perf_counter()
        status = await post(port, path, cookie, fields)
        answered.append((time.perf_counter() - started) * 1000)
        if status != 302:
            print(f"# {action} answered {status}", file=sys.stderr)
            continue
        last[session.pk] += 1
        sent.append((session, started, last[session.pk]))
        if action == "add":
            new = await asyncio.to_thread(
                lambda s=session: list(s.items.order_by("-id").values_list("id", flat=True)[:1])
            )
            items[session.pk].extend(new)
    await asyncio.sleep(2)  # let the last messages arrive
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    delays, lost = [], 0
    by_session: dict[int, list[Stream]] = {}
    for st in streams:
        by_session.setdefault(st.session.pk, []).append(st)
    for session, started, seq in sent:
        arrivals = [st.arrivals.get(seq) for st in by_session[session.pk]]
        got = [a for a in arrivals if a is not None]
        if got:
            delays.append((max(got) - started) * 1000)
    # Every event of the session after the stream's start must arrive, once and in order.
    out_of_order = 0
    for st in streams:
        expected = set(range(st.session.last_event + 1, last[st.session.pk] + 1))
        lost += len(expected - set(st.arrivals))
        out_of_order += sum(1 for a, b in zip(st.order, st.order[1:], strict=False) if b <= a)
    await asyncio.to_thread(lambda: DesignSession.objects.filter(title__startswith="bench ").delete())
    return {
        "live_p50_ms": statistics.median(delays) if delays else float("nan"),
        "live_p95_ms": percentile(delays, 95),
        "lost": lost,
        "out_of_order": out_of_order,
        "rss_kb_per_stream": (rss_after - rss_before) / max(len(streams), 1),
        "post_p95_ms": percentile(answered, 95),
    }


async def redis_baseline(rounds=300) -> float:
    import redis
    import redis.asyncio as aioredis

    url = os.environ["REDIS_URL"]
    channel = f"bench-baseline:{secrets.token_hex(4)}"
    sub_client = aioredis.Redis.from_url(url)
    pubsub = sub_client.pubsub()
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    pub = redis.Redis.from_url(url)
    delays = []
    for n in range(rounds):
        started = time.perf_counter()
        await asyncio.to_thread(pub.publish, channel, str(n))
        while True:
            message = await pubsub.get_message(timeout=5)
            if message and message["type"] == "message":
                break
        delays.append((time.perf_counter() - started) * 1000)
    await pubsub.aclose()
    await sub_client.aclose()
    return percentile(delays, 95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18091)
    parser.add_argument("--actions", type=int, default=300)
    args = parser.parse_args()
    connection.close()
    server = start_server(args.port)
    try:
        for streams, sessions in ((30, 1), (300, 10)):
            baseline = asyncio.run(redis_baseline())
            result = asyncio.run(scenario(args.port, server, sessions, streams // sessions, args.actions))
            connection.close()
            print(
                f"RESULT streams={streams} sessions={sessions} live_p50_ms={result['live_p50_ms']:.1f} "
                f"live_p95_ms={result['live_p95_ms']:.1f} baseline_p95_ms={baseline:.2f} "
                f"lost={result['lost']} out_of_order={result['out_of_order']} "
                f"rss_kb_per_stream={result['rss_kb_per_stream']:.0f} post_p95_ms={result['post_p95_ms']:.1f}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
