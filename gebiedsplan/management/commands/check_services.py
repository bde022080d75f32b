from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gebiedsplan import live
from gebiedsplan.tasks import services_check


class Command(BaseCommand):
    help = "Check the database, Redis, the live channel and a Celery worker; exit 1 on failure."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args, timeout, **options):
        try:
            result = services_check.delay().get(timeout=timeout)
        except Exception as exc:
            raise CommandError(f"No Celery worker answered within {timeout:.0f} s: {exc}") from exc
        mode = "in-process (no REDIS_URL)" if settings.CELERY_TASK_ALWAYS_EAGER else "worker via Redis"
        self.stdout.write(f"tasks: {mode}; database seen by the task: {result['database']}")
        self.stdout.write(f"live channel: {live.get_channel().describe()}")
