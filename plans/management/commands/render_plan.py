"""Render a plan's PDF synchronously, through the same service the worker uses."""

import shutil
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans.models import Plan, PlanExport
from plans.services import plan_export_render_now


class Command(BaseCommand):
    help = "Render the designed PDF of a plan (PLAN_CODE is the plan's UUID) to a file."

    def add_arguments(self, parser):
        parser.add_argument("plan_code", help="the plan's code (UUID, as in its URL)")
        parser.add_argument("--out", required=True, help="where to write the PDF")
        parser.add_argument(
            "--force", action="store_true", help="render again even if the plan did not change"
        )

    def handle(self, *args, plan_code: str, out: str, force: bool, **options):
        try:
            plan = Plan.objects.select_related("area__organisation").get(code=uuid.UUID(plan_code))
        except (ValueError, Plan.DoesNotExist):
            raise CommandError(f"No plan with code {plan_code!r}") from None
        started = time.perf_counter()
        export = plan_export_render_now(plan=plan, force=force)
        if export.status != PlanExport.Status.DONE:
            raise CommandError(f"Rendering failed: {export.error or export.get_status_display()}")
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        with export.file.open("rb") as source, target.open("wb") as destination:
            shutil.copyfileobj(source, destination)
        self.stdout.write(
            f"{target} · {export.page_count} pages · {time.perf_counter() - started:.2f} s"
            f" · export {export.code}"
        )
