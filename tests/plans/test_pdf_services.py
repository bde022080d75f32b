"""PDF exports: request, queue on commit, atomic claim, render, store, serve unchanged
plans from the stored file, failures and retries, archived exports of adopted plans."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from matrix.models import MatrixItem
from plans import services
from plans.models import Milestone, Plan, PlanExport, Theme
from plans.pdf import content_hash
from plans.services import (
    TransientExportError,
    plan_export_claim,
    plan_export_current,
    plan_export_render,
    plan_export_render_now,
    plan_export_request,
)
from plans.tasks import render_plan_export
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


SECTIONS = [("text", "Het verhaal", "Een verhaal."), ("cards", "Krachten en kansen"), ("matrix", "Matrix"), ("timeline", "Planning")]


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def change_story(plan: Plan, text: str) -> None:
    services.section_update(section=plan.sections.get(kind="text"), intro=text)


@pytest.fixture
def queued(people) -> PlanExport:
    return plan_export_request(plan=people.plan, user=people.manager, enqueue=False)


@pytest.fixture
def fast_render():
    """A stand-in for WeasyPrint where a test is about the pipeline, not the layout."""
    from plans.pdf.render import RenderedPdf

    def render(html, *, progress=None):
        assert "<html" in html
        if progress:
            progress(80)
            progress(95)
        return RenderedPdf(pdf=b"%PDF-1.7 test", pages=3)

    with mock.patch.object(services, "render_pdf", side_effect=render) as patched:
        yield patched


class TestRequest:
    def test_it_creates_a_queued_export_and_queues_the_task_on_commit(
        self, people, django_capture_on_commit_callbacks
    ):
        with (
            mock.patch.object(render_plan_export, "delay") as delay,
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            export = plan_export_request(plan=people.plan, user=people.manager)
            assert delay.call_count == 0  # not before the commit
        assert export.status == PlanExport.Status.QUEUED
        assert export.progress == 0
        assert export.requested_by == people.manager
        assert len(export.content_hash) == 64
        assert not export.file
        assert len(callbacks) == 1
        with mock.patch.object(render_plan_export, "delay") as delay:
            callbacks[0]()
        delay.assert_called_once_with(export.pk)

    def test_a_second_request_while_in_flight_gets_the_same_export(
        self, people, queued, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            again = plan_export_request(plan=people.plan, user=people.coordinator)
        assert again.pk == queued.pk
        assert callbacks == []  # not queued twice
        assert PlanExport.objects.count() == 1

    def test_a_concurrent_request_that_inserted_first_wins(self, people, queued):
        # The other request's row was not visible yet when this one looked; the partial
        # unique constraint stops the second insert and this request returns the first row.
        with mock.patch.object(PlanExport.objects, "select_for_update") as select:
            select.return_value.filter.return_value.first.return_value = None
            again = plan_export_request(plan=people.plan, enqueue=False)
        assert again.pk == queued.pk
        assert PlanExport.objects.count() == 1

    def test_the_database_allows_one_export_in_flight_per_content(self, people, queued):
        with pytest.raises(IntegrityError):
            PlanExport.objects.create(plan=people.plan, content_hash=queued.content_hash)

    def test_an_export_nobody_picked_up_is_queued_again(
        self, people, queued, django_capture_on_commit_callbacks
    ):
        PlanExport.objects.filter(pk=queued.pk).update(
            updated=timezone.now() - timedelta(minutes=10)
        )
        with django_capture_on_commit_callbacks() as callbacks:
            again = plan_export_request(plan=people.plan)
        assert again.pk == queued.pk
        assert len(callbacks) == 1

    def test_an_unchanged_plan_is_served_from_the_stored_file(
        self, people, queued, fast_render, django_capture_on_commit_callbacks
    ):
        done = plan_export_render(export_id=queued.pk, task_id="t1")
        with django_capture_on_commit_callbacks() as callbacks:
            again = plan_export_request(plan=people.plan, user=people.manager)
        assert again.pk == done.pk
        assert again.status == PlanExport.Status.DONE
        assert callbacks == []
        assert fast_render.call_count == 1
        assert PlanExport.objects.count() == 1

    def test_a_changed_plan_is_rendered_again(self, people, queued, fast_render):
        plan_export_render(export_id=queued.pk, task_id="t1")
        change_story(people.plan, "Een nieuw verhaal.")
        plan = Plan.objects.get(pk=people.plan.pk)
        again = plan_export_request(plan=plan, enqueue=False)
        assert again.pk != queued.pk
        assert again.status == PlanExport.Status.QUEUED

    def test_a_stored_file_that_went_missing_is_rendered_again(self, people, queued, fast_render):
        done = plan_export_render(export_id=queued.pk, task_id="t1")
        default_storage.delete(done.file.name)
        again = plan_export_request(plan=people.plan, enqueue=False)
        assert again.pk != done.pk
        assert again.status == PlanExport.Status.QUEUED

    def test_force_renders_an_unchanged_plan_again(self, people, queued, fast_render):
        done = plan_export_render(export_id=queued.pk, task_id="t1")
        again = plan_export_request(plan=people.plan, enqueue=False, force=True)
        assert again.pk != done.pk


class TestContentHash:
    def hash(self, plan_pk) -> str:
        plan = Plan.objects.select_related("area__organisation").get(pk=plan_pk)
        return content_hash(plan)

    def test_it_is_stable(self, people):
        assert self.hash(people.plan.pk) == self.hash(people.plan.pk)

    def test_it_ignores_a_save_that_changes_nothing(self, people):
        before = self.hash(people.plan.pk)
        Plan.objects.get(pk=people.plan.pk).save()
        assert self.hash(people.plan.pk) == before

    @pytest.mark.parametrize(
        "change",
        [
            lambda p: change_story(p.plan, "- **Urgentie:** nu"),
            lambda p: Plan.objects.filter(pk=p.plan.pk).update(publisher="Welzijn Nieuw"),
            lambda p: Plan.objects.filter(pk=p.plan.pk).update(cover_image="covers/nieuw.jpg"),
            lambda p: (
                type(p.organisation).objects.filter(pk=p.organisation.pk).update(colour="#aa0000")
            ),
            lambda p: (
                type(p.organisation).objects.filter(pk=p.organisation.pk).update(phone="010 123")
            ),
            lambda p: type(p.area).objects.filter(pk=p.area.pk).update(name="Nieuw gebied"),
            lambda p: services.plan_theme_add(plan=p.plan, name="Nieuw thema"),
            lambda p: services.content_add(
                MatrixItem, section=p.plan.sections.get(kind="matrix"), title="We gaan iets doen",
                impact="high", effort="little",
            ),
            lambda p: services.content_add(
                Milestone, section=p.plan.sections.get(kind="timeline"), period_label="Q1", text="Start"
            ),
        ],
    )
    def test_it_changes_with_anything_the_pdf_shows(self, people, change):
        before = self.hash(people.plan.pk)
        change(people)
        assert self.hash(people.plan.pk) != before

    def test_it_does_not_change_when_the_organisation_changes_its_themes(self, people):
        before = self.hash(people.plan.pk)
        Theme.objects.create(organisation=people.organisation, name="Nieuw thema")
        people.organisation.themes.filter(name="Gezond leven").update(name="Hernoemd", retired=True)
        assert self.hash(people.plan.pk) == before

    def test_it_changes_when_a_card_is_edited_or_deleted(self, people):
        cards = people.plan.sections.get(kind="cards")
        card = services.card_add(
            section=cards, kind=cards.card_kinds.first(), theme=people.plan.themes.get(), text="Een"
        )
        first = self.hash(people.plan.pk)
        services.content_update(item=card, text="Twee")
        second = self.hash(people.plan.pk)
        services.content_delete(item=card)
        third = self.hash(people.plan.pk)
        assert len({first, second, third}) == 3

    def test_it_changes_when_an_import_changes_the_figures(self, demo):
        from wijkdata.models import IndicatorValue, Neighbourhood
        from wijkdata.signals import figures_changed

        plan = demo.binnenstad
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CONCEPT)  # adopted plans are frozen
        before = self.hash(plan.pk)
        value = IndicatorValue.objects.get(
            indicator__code="sociale-cohesie", neighbourhood__code="WK079601"
        )
        IndicatorValue.objects.filter(pk=value.pk).update(value=value.value + 1)
        # What the importer sends in its transaction after writing (wijkdata.services).
        figures_changed.send(
            sender=None, neighbourhood_ids=[Neighbourhood.objects.get(code="WK079601").pk], indicator_ids=[]
        )
        assert self.hash(plan.pk) != before
        other = demo.others[0]
        assert self.hash(other.pk) == self.hash(other.pk)


class TestClaim:
    def test_a_queued_export_is_claimed_once(self, queued):
        assert plan_export_claim(export_id=queued.pk, task_id="worker-a") is True
        assert plan_export_claim(export_id=queued.pk, task_id="worker-b") is False
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.RENDERING
        assert queued.task_id == "worker-a"
        assert queued.attempts == 1
        assert queued.progress == 5
        assert queued.started is not None

    def test_a_redelivered_message_may_claim_again(self, queued):
        # acks_late: the worker died mid-render and the broker hands the message out again.
        assert plan_export_claim(export_id=queued.pk, task_id="task-1")
        assert plan_export_claim(export_id=queued.pk, task_id="task-1")
        queued.refresh_from_db()
        assert queued.attempts == 2

    def test_an_expired_claim_may_be_taken_over(self, queued):
        assert plan_export_claim(export_id=queued.pk, task_id="gone")
        PlanExport.objects.filter(pk=queued.pk).update(
            started=timezone.now() - timedelta(minutes=10)
        )
        assert plan_export_claim(export_id=queued.pk, task_id="new")

    def test_after_too_many_attempts_it_fails_instead_of_looping(self, queued):
        for _ in range(services.MAX_ATTEMPTS):
            assert plan_export_claim(export_id=queued.pk, task_id="same")
        assert plan_export_claim(export_id=queued.pk, task_id="same") is False
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.FAILED
        assert "meerdere pogingen" in queued.error

    def test_a_done_export_is_not_claimed(self, queued, fast_render):
        plan_export_render(export_id=queued.pk, task_id="t1")
        assert plan_export_claim(export_id=queued.pk, task_id="t1") is False
        assert plan_export_claim(export_id=queued.pk, task_id="t2") is False

    def test_a_claim_needs_a_task_id(self, queued):
        with pytest.raises(ValueError):
            plan_export_claim(export_id=queued.pk, task_id="")


class TestRender:
    def test_it_goes_through_the_progress_states_and_stores_the_file(self, queued):
        seen = []
        original = PlanExport.objects.filter

        def spy(value):
            export = original(pk=queued.pk).values("status", "progress").get()
            seen.append((export["status"], export["progress"], value))

        real_render = services.render_pdf

        def render(html, *, progress=None):
            def both(value):
                progress(value)
                spy(value)

            spy("before-layout")
            return real_render(html, progress=both)

        assert queued.status == PlanExport.Status.QUEUED and queued.progress == 0
        with mock.patch.object(services, "render_pdf", side_effect=render):
            export = plan_export_render(export_id=queued.pk, task_id="t1")
        assert seen[0] == ("rendering", 25, "before-layout")
        assert seen[1] == ("rendering", 80, 80)
        assert seen[2] == ("rendering", 95, 95)
        assert export.status == PlanExport.Status.DONE
        assert export.progress == 100
        assert export.page_count == 5  # cover, contents, colophon, the one chapter with text, back
        assert export.finished >= export.started
        with export.file.open("rb") as fh:
            assert fh.read(5) == b"%PDF-"
        assert export.file.name.startswith("exports/")
        assert str(export.code) in export.file.name

    def test_running_it_twice_renders_once(self, queued, fast_render):
        first = plan_export_render(export_id=queued.pk, task_id="t1")
        second = plan_export_render(export_id=queued.pk, task_id="t2")
        assert first.status == PlanExport.Status.DONE
        assert second is None
        assert fast_render.call_count == 1

    def test_the_stored_hash_matches_the_request(self, people, queued, fast_render):
        done = plan_export_render(export_id=queued.pk, task_id="t1")
        assert done.content_hash == queued.content_hash

    def test_an_unexpected_error_fails_with_a_message_and_logs_the_reason(self, queued, caplog):
        with (
            mock.patch.object(services, "render_pdf", side_effect=ValueError("layout exploded")),
            caplog.at_level(logging.ERROR, logger="plans.services"),
        ):
            export = plan_export_render(export_id=queued.pk, task_id="t1")
        assert export.status == PlanExport.Status.FAILED
        assert "De PDF kon niet worden gemaakt" in export.error
        assert "layout exploded" not in export.error  # the reason is for the log
        assert "layout exploded" in caplog.text
        assert export.finished is not None

    def test_a_soft_time_limit_fails_with_a_clear_message(self, queued):
        with mock.patch.object(services, "render_pdf", side_effect=SoftTimeLimitExceeded()):
            export = plan_export_render(export_id=queued.pk, task_id="t1")
        assert export.status == PlanExport.Status.FAILED
        assert "duurde te lang" in export.error

    def test_a_transient_error_gives_the_claim_back_for_a_retry(self, queued):
        with (
            mock.patch.object(
                services, "render_pdf", side_effect=OperationalError("connection lost")
            ),
            pytest.raises(TransientExportError),
        ):
            plan_export_render(export_id=queued.pk, task_id="t1")
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.QUEUED
        assert plan_export_claim(export_id=queued.pk, task_id="t1-retry")

    def test_a_render_that_lost_its_claim_keeps_nothing(self, queued, fast_render, media):
        def steal(html, *, progress=None):
            PlanExport.objects.filter(pk=queued.pk).update(task_id="someone-else")
            return fast_render.side_effect(html, progress=None)

        with mock.patch.object(services, "render_pdf", side_effect=steal):
            assert plan_export_render(export_id=queued.pk, task_id="t1") is None
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.RENDERING
        assert list(media.rglob("*.pdf")) == []

    def test_an_adopted_plan_keeps_its_pdf_as_an_archived_version(self, people, fast_render):
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        plan = Plan.objects.get(pk=people.plan.pk)
        first = plan_export_render_now(plan=plan)
        assert first.archived
        # An adopted plan no longer changes, so its PDF stays the adopted version.
        with pytest.raises(ValidationError, match="vastgesteld"):
            change_story(plan, "Na vaststelling aangepast.")
        again = plan_export_render_now(plan=Plan.objects.get(pk=plan.pk))
        assert again.pk == first.pk
        first.refresh_from_db()
        assert first.status == PlanExport.Status.DONE
        assert default_storage.exists(first.file.name)

    def test_older_exports_of_a_plan_in_progress_are_pruned(self, people, fast_render):
        first = plan_export_render_now(plan=people.plan)
        change_story(people.plan, "Nieuwe versie.")
        second = plan_export_render_now(plan=Plan.objects.get(pk=people.plan.pk))
        assert not PlanExport.objects.filter(pk=first.pk).exists()
        assert not default_storage.exists(first.file.name)
        assert default_storage.exists(second.file.name)
        assert plan_export_current(plan=people.plan) == second


class TestTask:
    def test_it_renders_by_id(self, queued, fast_render):
        result = render_plan_export.apply(args=[queued.pk])
        assert result.get() == PlanExport.Status.DONE
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.DONE

    def test_it_retries_transient_errors_with_backoff(self, queued):
        transient = TransientExportError("storage down")
        with (
            mock.patch("plans.tasks.plan_export_render", side_effect=transient),
            mock.patch.object(render_plan_export, "retry", side_effect=Retry()) as retry,
        ):
            result = render_plan_export.apply(args=[queued.pk], throw=False)
        retry.assert_called_once_with(exc=transient, countdown=2)
        assert result.state == "RETRY"

    def test_after_the_last_retry_it_gives_up_with_a_message(self, queued):
        with mock.patch(
            "plans.tasks.plan_export_render", side_effect=TransientExportError("storage down")
        ):
            result = render_plan_export.apply(
                args=[queued.pk], retries=services.MAX_ATTEMPTS, throw=False
            )
        assert result.failed()
        queued.refresh_from_db()
        assert queued.status == PlanExport.Status.FAILED
        assert "niet bereikbaar" in queued.error

    def test_it_does_not_retry_other_errors(self, queued):
        with (
            mock.patch("plans.tasks.plan_export_render", side_effect=ValueError("bug")) as render,
            mock.patch.object(render_plan_export, "retry") as retry,
        ):
            result = render_plan_export.apply(args=[queued.pk], throw=False)
        assert render.call_count == 1
        assert retry.call_count == 0
        assert result.failed()

    def test_it_has_time_limits_and_late_acknowledgement(self):
        assert render_plan_export.soft_time_limit == services.PDF_SOFT_TIME_LIMIT
        assert render_plan_export.time_limit == services.PDF_TIME_LIMIT
        assert render_plan_export.soft_time_limit < render_plan_export.time_limit
        assert render_plan_export.acks_late is True
        assert render_plan_export.reject_on_worker_lost is True

    def test_without_redis_the_request_renders_in_process(
        self, people, settings, django_capture_on_commit_callbacks
    ):
        from gebiedsplan.celery import app

        assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # as it is without REDIS_URL, whatever this run has
        try:
            with django_capture_on_commit_callbacks(execute=True):
                export = plan_export_request(plan=people.plan, user=people.manager)
        finally:
            app.conf.task_always_eager = eager
        export.refresh_from_db()
        assert export.status == PlanExport.Status.DONE


class TestPrerender:
    """After edits the worker renders the PDF once they settle: one waiting task per plan,
    however many edits (the real worker is in test_pdf_worker.py)."""

    @pytest.fixture
    def queue(self, settings, django_capture_on_commit_callbacks):
        from django.core.cache import cache

        from plans.tasks import prerender_plan_pdf

        settings.PDF_PRERENDER = True
        settings.PDF_PRERENDER_SETTLE_SECONDS = 30
        cache.clear()
        with mock.patch.object(prerender_plan_pdf, "apply_async") as apply_async:
            yield apply_async

    def test_a_burst_of_edits_queues_one_task_which_waits_for_the_last_edit(
        self, people, queue, django_capture_on_commit_callbacks
    ):
        plan = people.plan
        for n in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                change_story(plan, f"Versie {n}.")
        plan.refresh_from_db()
        assert [c.args[0] for c in queue.call_args_list] == [(plan.pk, plan.revision - 4)]
        assert queue.call_args.kwargs == {"countdown": 30}

        # It runs: the plan changed since its revision, so it waits for the latest to settle.
        assert services.plan_export_prerender(plan_id=plan.pk, revision=plan.revision - 4) is None
        assert queue.call_args.args[0] == (plan.pk, plan.revision)
        assert not PlanExport.objects.filter(plan=plan).exists()
        # No edit since: the PDF of the latest revision is requested, once.
        export = services.plan_export_prerender(plan_id=plan.pk, revision=plan.revision)
        assert export.content_hash == content_hash(plan) and export.requested_by is None
        assert queue.call_count == 2

    def test_an_edit_after_the_task_ran_queues_a_new_one(self, people, queue, django_capture_on_commit_callbacks):
        plan = people.plan
        with django_capture_on_commit_callbacks(execute=True):
            change_story(plan, "Eerste.")
        plan.refresh_from_db()
        services.plan_export_prerender(plan_id=plan.pk, revision=plan.revision)
        with django_capture_on_commit_callbacks(execute=True):
            change_story(plan, "Tweede.")
        plan.refresh_from_db()
        assert [c.args[0] for c in queue.call_args_list] == [(plan.pk, plan.revision - 1), (plan.pk, plan.revision)]
