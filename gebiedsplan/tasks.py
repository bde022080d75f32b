from celery import shared_task
from django.db import connection

from plans.models import Plan


@shared_task(soft_time_limit=10, time_limit=20)
def services_check() -> dict:
    """Proves that a worker is alive and reaches the same database as the web process.

    Used by `manage.py check_services` (deployment smoke test) and by the test suite.
    """
    return {"database": connection.vendor, "plans": Plan.objects.count()}


# A message whose task kills its worker process (out of memory, a crash in a C library)
# is handed out again by the broker (acks_late + reject_on_worker_lost). Twice is
# bad luck; a third delivery means the message itself kills workers, so it is not run.
CRASH_LIMIT = 2
_DELIVERY_KEY = "celery-deliveries:{key}"


def delivery_count(task) -> int:
    """How often this message (task id, and retry number) has started running, this included.

    Counted in the cache (Redis, the broker's own server); when the cache cannot be
    reached the answer is 1, as the broker cannot hand out messages either then.
    """
    from django.core.cache import cache

    request = task.request
    if request.called_directly or not request.id:  # a plain function call: no message
        return 1
    key = _DELIVERY_KEY.format(key=f"{request.id}:{request.retries or 0}")
    cache.add(key, 0, timeout=24 * 3600)
    try:
        return cache.incr(key)
    except ValueError:
        return 1


def killed_its_worker_too_often(task) -> bool:
    return delivery_count(task) > CRASH_LIMIT
