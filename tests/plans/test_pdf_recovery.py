"""The PDF never hangs at "wordt gemaakt": a long area name, a failing final save, a
worker killed as a whole. Every failure after the claim is visible; no file is orphaned."""

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from gebiedsplan.celery import app
from plans import services
from plans.models import PlanExport
from plans.pdf.render import RenderedPdf
from plans.services import plan_export_render, plan_export_request, plan_export_sweep
from tests.base import People
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db

LONG_NAME = (
    "Binnenstad-Spoorzone, Boschveld, Paleiskwartier, Willemspoort, De Muntel, "
    "Vliert en Orthenpoort met de Vughterpoort en het Zuid"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fast_render():
    with mock.patch.object(
        services, "render_pdf", return_value=RenderedPdf(pdf=b"%PDF-1.7\n%test\n", pages=3)
    ) as patched:
        yield patched


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def people():
    people = People.create()
    people.area.name = LONG_NAME
    people.area.save()
    return people


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class TestLongAreaName:
    def test_the_pdf_of_an_area_with_a_long_name_is_made(self, client, people, media):
        assert len(LONG_NAME) > 100
        export = plan_export_request(plan=people.plan, enqueue=False)
        export = plan_export_render(export_id=export.pk, task_id="t1")
        assert export.status == PlanExport.Status.DONE
        assert len(export.file.name) <= export.file.field.max_length
        assert "gebiedsplan-2025-binnenstad" in export.file.name
        assert files_under(media) == [Path(media) / export.file.name]
        client.force_login(people.manager)
        download = client.get(
            reverse("plans:plan_pdf_download", args=[people.plan.code, export.code])
        )
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF")

    def test_a_name_too_long_for_the_field_is_shortened_by_the_storage(self, people, media):
        export = plan_export_request(plan=people.plan, enqueue=False)
        too_long = "exports/" + "x" * 150 + ".pdf"  # what the old naming produced
        with mock.patch.object(services, "_export_file_name", return_value=too_long):
            result = plan_export_render(export_id=export.pk, task_id="t1")
        assert result.status == PlanExport.Status.DONE
        assert len(result.file.name) <= result.file.field.max_length
        assert files_under(media) == [Path(media) / result.file.name]

    def test_a_final_save_that_fails_marks_the_export_failed_and_keeps_no_file(
        self, client, people, media
    ):
        export = plan_export_request(plan=people.plan, enqueue=False)
        real_filter = PlanExport.objects.filter

        def filter_with_failing_final_save(*args, **kwargs):
            rows = real_filter(*args, **kwargs)
            if kwargs.get("status") == PlanExport.Status.RENDERING:
                update = rows.update

                def failing_update(**values):
                    if "file" in values:  # the save that records the finished file
                        raise RuntimeError("value too long for type character varying(100)")
                    return update(**values)

                rows.update = failing_update
            return rows

        with mock.patch.object(
            PlanExport.objects, "filter", side_effect=filter_with_failing_final_save
        ):
            result = plan_export_render(export_id=export.pk, task_id="t1")
        assert result.status == PlanExport.Status.FAILED
        assert "De PDF kon niet worden gemaakt" in result.error
        assert files_under(media) == []  # the rendered file went with the failure
        client.force_login(people.manager)
        page = client.get(reverse("plans:plan_pdf", args=[people.plan.code])).content.decode()
        assert "De PDF kon niet worden gemaakt" in page
        assert "De PDF wordt gemaakt" not in page and "hx-trigger" not in page


def age(export: PlanExport, **fields_ago) -> None:
    now = timezone.now()
    PlanExport.objects.filter(pk=export.pk).update(
        **{name: now - delta for name, delta in fields_ago.items()}
    )


class TestWorkerKilledAsAWhole:
    def test_a_claim_of_a_dead_worker_is_queued_again_and_finished(self, people, eager):
        export = plan_export_request(plan=people.plan, enqueue=False)
        assert services.plan_export_claim(export_id=export.pk, task_id="killed-worker")
        age(export, started=timedelta(minutes=2), updated=timedelta(minutes=2))
        assert plan_export_sweep() == {"requeued": 1, "failed": 0}
        export.refresh_from_db()
        assert export.status == PlanExport.Status.DONE
        assert export.file

    def test_a_running_render_is_left_alone(self, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        assert services.plan_export_claim(export_id=export.pk, task_id="busy-worker")
        with mock.patch.object(services, "_enqueue") as enqueue:
            assert plan_export_sweep() == {"requeued": 0, "failed": 0}
        enqueue.assert_not_called()
        export.refresh_from_db()
        assert export.status == PlanExport.Status.RENDERING

    def test_a_queued_export_whose_message_was_lost_is_queued_again_once(self, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        age(export, updated=timedelta(minutes=2))
        with mock.patch.object(services, "_enqueue") as enqueue:
            assert plan_export_sweep()["requeued"] == 1
            assert plan_export_sweep()["requeued"] == 0  # not again until REQUEUE_AFTER
        enqueue.assert_called_once_with(export.pk)

    def test_an_export_that_used_up_its_attempts_fails_with_a_message(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        for _ in range(services.MAX_ATTEMPTS):
            assert services.plan_export_claim(export_id=export.pk, task_id="crashing")
        age(export, started=timedelta(minutes=5))
        with mock.patch.object(services, "_enqueue") as enqueue:
            assert plan_export_sweep() == {"requeued": 0, "failed": 1}
        enqueue.assert_not_called()
        client.force_login(people.manager)
        page = client.get(reverse("plans:plan_pdf", args=[people.plan.code])).content.decode()
        assert "na meerdere pogingen niet worden gemaakt" in page
        assert "Opnieuw proberen" in page

    def test_recovery_takes_at_most_two_minutes(self):
        sweep = django_settings.CELERY_BEAT_SCHEDULE["sweep-plan-exports"]
        assert sweep["task"] == "plans.tasks.sweep_plan_exports"
        assert services.CLAIM_EXPIRES.total_seconds() + sweep["schedule"] <= 120
        assert services.CLAIM_EXPIRES.total_seconds() > services.PDF_TIME_LIMIT
        compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
        assert "celery -A gebiedsplan beat" in compose["services"]["beat"]["command"]

    def test_the_page_says_what_happens_while_it_is_being_made(self, client, people):
        export = plan_export_request(plan=people.plan, enqueue=False)
        services.plan_export_claim(export_id=export.pk, task_id="t1")
        client.force_login(people.manager)
        page = client.get(
            reverse("plans:plan_pdf", args=[people.plan.code]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "De PDF wordt gemaakt" in page
        assert "binnen twee minuten vanzelf opnieuw" in page


def test_a_pdf_message_that_killed_its_worker_twice_is_marked_failed(people):
    import os

    from plans.tasks import render_plan_export

    export = plan_export_request(plan=people.plan, enqueue=False)
    task_id = f"pdf-killer-{export.pk}-{os.getpid()}"
    with mock.patch("plans.tasks.plan_export_render", return_value=None) as run:
        for _ in range(3):
            render_plan_export.apply(args=[export.pk], task_id=task_id)
    assert run.call_count == 2
    export.refresh_from_db()
    assert export.status == PlanExport.Status.FAILED
    assert "liep er twee keer op vast" in export.error
