"""The real services: a Celery worker process, Redis pub/sub, and the embedded default."""

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from gebiedsplan import live
from tests.conftest import REPO_ROOT


def run_async(coroutine_function):
    """asyncio.run in a thread of its own: Playwright's sync API may own this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_function())).result(timeout=30)


def _worker_env() -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    # The worker must see the test database, not the development one.
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env["REDIS_URL"] = settings.REDIS_URL
    return env


@pytest.fixture
def celery_worker_process():
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gebiedsplan", "worker", "--pool=solo",
         "--loglevel=warning", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=REPO_ROOT, env=_worker_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_in_a_real_worker_process(celery_worker_process, demo):
    from gebiedsplan.tasks import services_check

    assert not settings.CELERY_TASK_ALWAYS_EAGER
    result = services_check.delay()
    # The worker counts the plans in the test database: proof it shares our database.
    assert result.get(timeout=60) == {"database": "postgresql", "plans": 3}
    assert celery_worker_process.poll() is None


@pytest.mark.redis
def test_it_delivers_live_messages_between_processes_through_redis():
    channel = live.get_channel()
    assert isinstance(channel, live.RedisChannel)

    async def scenario():
        received = []

        async def listen():
            async for message in channel.subscribe("test-topic"):
                received.append(message)
                return

        task = asyncio.create_task(listen())
        for _ in range(50):  # wait until the subscription is in place
            await asyncio.sleep(0.05)
            if channel.publish("test-topic", {"item": "moved"}):
                break
        await asyncio.wait_for(task, timeout=5)
        return received

    assert run_async(scenario) == [{"item": "moved"}]


def test_the_in_process_channel_delivers_to_every_subscriber():
    channel = live.InProcessChannel()

    async def scenario():
        got = []

        async def listen():
            async for message in channel.subscribe("s"):
                got.append(message)
                return

        tasks = [asyncio.create_task(listen()) for _ in range(3)]
        await asyncio.sleep(0.01)
        assert channel.publish("s", {"n": 1}) == 3
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=2)
        return got

    assert run_async(scenario) == [{"n": 1}] * 3


def test_the_embedded_default_runs_without_postgres_or_redis(tmp_path):
    """With no DATABASE_URL and no REDIS_URL: SQLite, in-process tasks, demo loads, page renders."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME"}}
    env["SQLITE_PATH"] = str(tmp_path / "embedded.sqlite3")
    script = (
        "import django, os; django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', verbosity=0); call_command('load_demo', stdout=open(os.devnull, 'w'));"
        "from django.conf import settings; from django.db import connection;"
        "from gebiedsplan.tasks import services_check; from gebiedsplan import live;"
        "from django.test import Client; from plans.models import Plan;"
        "c = Client(); c.login(username='manager', password='gebiedsplan-demo');"
        "r = c.get(Plan.objects.get(period_start=2025, area__name='Stedelijk').get_absolute_url());"
        "print(connection.vendor, settings.CELERY_TASK_ALWAYS_EAGER, services_check.delay().get(),"
        " live.get_channel().describe(), r.status_code, b'81,8' in r.content)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "gebiedsplan.settings"},
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "sqlite True {'database': 'sqlite', 'plans': 3} in-process 200 True"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL must be a postgres:// URL"),
        ("REDIS_URL", "http://localhost", "REDIS_URL must be a redis:// URL"),
        ("CELERY_TASK_TIME_LIMIT", "soon", "CELERY_TASK_TIME_LIMIT must be an integer"),
    ],
)
def test_a_malformed_setting_stops_start_up(name, value, message):
    env = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "gebiedsplan.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and message in out.stderr

