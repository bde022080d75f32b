"""Celery tasks of wijkdata: thin shells that fetch by id and call a service."""

from celery import shared_task

IMPORT_SOFT_TIME_LIMIT = 300
IMPORT_TIME_LIMIT = 360


@shared_task(
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
    ignore_result=True,
)
def check_import_batch(batch_id: int) -> None:
    """Read and compare an uploaded file (the preview). Writes no figures."""
    from .services import import_batch_check

    import_batch_check(batch_id=batch_id)


@shared_task(
    acks_late=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
    ignore_result=True,
)
def apply_import_batch(batch_id: int) -> None:
    """Import a confirmed file, all or nothing. Not retried: a second run would find it done."""
    from .services import import_batch_apply

    import_batch_apply(batch_id=batch_id)
