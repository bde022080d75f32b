from django.core.management.base import BaseCommand, CommandError

from execution.models import Action, ExecutionPlan
from plans.models import Area


class Command(BaseCommand):
    help = "Per execution plan of an area: its actions by status and whether the quarter's review is complete."

    def add_arguments(self, parser):
        parser.add_argument("area_code")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])

    def handle(self, *args, area_code, year, quarter, **options):
        try:
            area = Area.objects.get(code=area_code)
        except (Area.DoesNotExist, ValueError, Exception) as error:
            raise CommandError(f"Unknown area: {area_code}") from error
        labels = dict(Action.Status.choices)
        plans = ExecutionPlan.objects.filter(plan__area=area).select_related("plan").prefetch_related("actions", "reviews")
        for ep in plans:
            counts: dict[str, int] = {}
            for action in ep.actions.all():
                label = str(labels.get(action.status, "Zonder status"))
                counts[label] = counts.get(label, 0) + 1
            complete = any(r.year == year and r.quarter == quarter and r.completed_at for r in ep.reviews.all())
            summary = ", ".join(f"{label}: {n}" for label, n in counts.items()) or "geen acties"
            review = "review complete" if complete else "review NOT complete"
            self.stdout.write(f"{ep.plan.title} / {ep.title}: {summary}; {year}-Q{quarter} {review}")
