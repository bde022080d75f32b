from celery import shared_task
from django.utils import timezone

from .selectors import quarter_of
from .services import reminders_send


@shared_task
def send_quarter_reminders() -> int:
    """Before a quarter ends (its last two weeks), remind owners without an update; once each."""
    today = timezone.localdate()
    year, quarter = quarter_of(today)
    last_month = quarter * 3
    if today.month != last_month or today.day < 15:
        return 0
    return reminders_send(year=year, quarter=quarter)
