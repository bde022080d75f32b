"""Celery tasks of wijkdata: thin shells that fetch by id and call a service."""

import logging

from celery import shared_task

from gebiedsplan.tasks import CRASH_LIMIT, killed_its_worker_too_often

logger = logging.getLogger(__name__)

IMPORT_SOFT_TIME_LIMIT = 300
IMPORT_TIME_LIMIT = 360


def _refuse_after_crashes(task, batch_id: int) -> bool:
    """True (and the batch failed) when this message has killed its worker too often."""
    if not killed_its_worker_too_often(task):
        return False
    from .services import import_batch_fail_crashed

    logger.error(
        "Import batch %s: its task killed the worker %s times; not running it again",
        batch_id,
        CRASH_LIMIT,
    )
    import_batch_fail_crashed(batch_id=batch_id)
    return True


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
    ignore_result=True,
)
def check_import_batch(self, batch_id: int) -> None:
    """Read and compare an uploaded file (the preview). Writes no figures."""
    from .services import import_batch_check

    if _refuse_after_crashes(self, batch_id):
        return

    import_batch_check(batch_id=batch_id)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
    ignore_result=True,
)
def apply_import_batch(self, batch_id: int) -> None:
    """Import a confirmed file, all or nothing. Not retried: a second run would find it done."""
    from .services import import_batch_apply

    if _refuse_after_crashes(self, batch_id):
        return

    import_batch_apply(batch_id=batch_id)
