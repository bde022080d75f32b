"""Celery tasks of plans: thin shells that fetch by id and call a service."""

import logging

from celery import shared_task
from celery.signals import worker_process_init, worker_ready
from django.utils.translation import gettext as _

from gebiedsplan.tasks import killed_its_worker_too_often

from .models import PlanExport
from .services import (
    MAX_ATTEMPTS,
    PDF_SOFT_TIME_LIMIT,
    PDF_TIME_LIMIT,
    TransientExportError,
    plan_export_fail,
    plan_export_prerender,
    plan_export_render,
    plan_export_sweep,
)

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=PDF_SOFT_TIME_LIMIT,
    time_limit=PDF_TIME_LIMIT,
    max_retries=MAX_ATTEMPTS,
    ignore_result=True,
)
def render_plan_export(self, export_id: int) -> str | None:
    """Render one PDF export. Retried only when the database or storage hiccups."""
    if killed_its_worker_too_often(self):
        logger.error(
            "PDF export %s: its task killed the worker twice; not running it again", export_id
        )
        plan_export_fail(
            export_id=export_id,
            message=_(
                "De PDF kon niet worden gemaakt: de verwerking liep er twee keer op vast. "
                "Neem contact op met de beheerder."
            ),
        )
        return PlanExport.Status.FAILED
    try:
        export = plan_export_render(export_id=export_id, task_id=self.request.id)
    except TransientExportError as exc:
        if self.request.retries >= self.max_retries:
            logger.error(
                "PDF export %s: giving up after %s retries: %s",
                export_id,
                self.request.retries,
                exc,
            )
            plan_export_fail(
                export_id=export_id,
                message=_(
                    "De PDF kon niet worden gemaakt: de opslag of database was niet bereikbaar."
                ),
            )
            raise
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    return export.status if export else None


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def prerender_plan_pdf(plan_id: int, revision: int) -> str | None:
    """Queued with a countdown by a plan write (one waiting task per plan: see
    plans.services._schedule_prerender): if the plan is still at that revision when it
    runs, edits have settled, and its PDF is requested (rendered by render_plan_export,
    with all its recovery); if not, it waits for the latest revision to settle."""
    export = plan_export_prerender(plan_id=plan_id, revision=revision)
    return export.status if export else None


@shared_task(ignore_result=True, soft_time_limit=20, time_limit=30)
def sweep_plan_exports() -> dict:
    """Scheduled by celery beat (CELERY_BEAT_SCHEDULE): recover exports a dead worker left."""
    return plan_export_sweep()


_warm = False


def _warm_up() -> None:
    """Load WeasyPrint, fonts and stylesheets before the first job, not during it."""
    global _warm
    if _warm:
        return
    _warm = True
    try:
        from .pdf import warm_up

        warm_up()
    except Exception:  # a cold start is slower, not broken
        logger.exception("PDF renderer warm-up failed")


@worker_process_init.connect
def _warm_pool_process(**kwargs) -> None:
    _warm_up()


@worker_ready.connect
def _warm_solo_worker(sender=None, **kwargs) -> None:
    # A solo pool renders in the main process, which has no worker_process_init.
    pool = getattr(getattr(sender, "controller", None), "pool_cls", None) or getattr(
        sender, "pool_cls", None
    )
    if pool is not None and "solo" in getattr(pool, "__module__", str(pool)):
        _warm_up()
