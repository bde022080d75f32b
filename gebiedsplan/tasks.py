from celery import shared_task
from django.db import connection

from plans.models import Plan


@shared_task(soft_time_limit=10, time_limit=20)
def services_check() -> dict:
    """Proves that a worker is alive and reaches the same database as the web process.

    Used by `manage.py check_services` (deployment smoke test) and by the test suite.
    """
    return {"database": connection.vendor, "plans": Plan.objects.count()}
