"""A real Celery worker process renders the PDF, against the test database and Redis.

Run with DATABASE_URL (PostgreSQL) and REDIS_URL set; the worker listens on a queue of
its own, so other workers on the same Redis never see these jobs."""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from gebiedsplan.celery import app
from plans.models import PlanExport
from plans.services import plan_export_request
from plans.tasks import render_plan_export

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, env: dict, log: Path):
        self.name = f"pdf-test-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
        self.log = log
        self.process = subprocess.Popen(
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
                self.name,
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the worker did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_processes(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    queue = f"test-pdf-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        # The test database, by its real name: the worker is another process.
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_QUEUE": queue,
        "LOG_LEVEL": "INFO",
        # A prerender that finds later edits waits again, with the worker's own setting.
        "PDF_PRERENDER_SETTLE_SECONDS": "2",
    }
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # this process sends to the worker's queue
    started = Worker(env, tmp_path / "worker.log")
    yield started
    started.stop()
    app.conf.task_default_queue = default_queue


def wait_for(predicate, *, timeout: float, worker: Worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.output()[-4000:]}")


def test_a_real_worker_renders_the_pdf_once(demo, worker):
    plan = demo.binnenstad
    export = plan_export_request(plan=plan, user=None)  # queued on commit (autocommit here)
    render_plan_export.delay(export.pk)  # a duplicate message: the claim makes it a no-op

    def finished():
        export.refresh_from_db()
        return export.status in (PlanExport.Status.DONE, PlanExport.Status.FAILED)

    wait_for(finished, timeout=120, worker=worker, what="the export to finish")
    assert export.status == PlanExport.Status.DONE, export.error
    assert export.progress == 100
    assert export.page_count >= 12
    with default_storage.open(export.file.name, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    wait_for(
        lambda: f"PDF export {export.pk}: nothing to do" in worker.output(),
        timeout=30,
        worker=worker,
        what="the duplicate message",
    )
    export.refresh_from_db()
    assert export.attempts == 1
    assert len(list(Path(default_storage.location).rglob("*.pdf"))) == 1
    # The unchanged plan is now served from the stored file, without the worker.
    assert plan_export_request(plan=plan).pk == export.pk


def test_a_worker_killed_mid_render_does_not_lose_the_job(demo, worker):
    export = plan_export_request(plan=demo.binnenstad)

    def rendering():
        export.refresh_from_db()
        return export.status == PlanExport.Status.RENDERING

    wait_for(rendering, timeout=60, worker=worker, what="the render to start")
    for pid in worker.pool_processes():
        os.kill(pid, signal.SIGKILL)  # the pool process dies; acks_late keeps the message

    def finished():
        export.refresh_from_db()
        return export.status in (PlanExport.Status.DONE, PlanExport.Status.FAILED)

    wait_for(finished, timeout=120, worker=worker, what="the export to finish after the kill")
    assert export.status == PlanExport.Status.DONE, export.error
    assert export.attempts == 2  # the redelivered message claimed it again


def test_after_edits_settle_the_worker_renders_the_new_pdf_so_the_download_is_immediate(demo, worker, settings, client):
    from django.urls import reverse

    from plans.pdf.fingerprint import content_hash
    from plans.services import section_update
    from tests.base import People

    settings.PDF_PRERENDER = True
    settings.PDF_PRERENDER_SETTLE_SECONDS = 2
    plan = demo.eemland
    section = plan.sections.filter(kind="text").first()
    # Three quick edits: only the last revision is rendered, once.
    for n in range(3):
        section = type(section).objects.get(pk=section.pk)
        section_update(section=section, intro=f"Een nieuwe inleiding, versie {n}.")
    plan.refresh_from_db()
    digest = content_hash(plan)

    def rendered():
        return PlanExport.objects.filter(plan=plan, content_hash=digest, status=PlanExport.Status.DONE).first()

    export = wait_for(rendered, timeout=120, worker=worker, what="the background PDF of the last edit")
    assert PlanExport.objects.filter(plan=plan).count() == 1  # the earlier revisions were skipped
    people = People.create(area=plan.area)
    client.force_login(people.manager)
    body = client.get(reverse("plans:plan_pdf", args=[plan.code]), HTTP_HX_REQUEST="true").content.decode()
    assert "Download PDF" in body and "wordt gemaakt" not in body
    assert export.requested_by is None
