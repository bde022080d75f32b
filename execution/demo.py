"""Demo execution plans for the demo plans (fixtures/demo/execution.toml), added by
`load_demo` through `plans.demo.register_extra`. Idempotent: an execution plan keeps its
code (matched by plan and title), its actions, targets, budget and reviews are rebuilt."""

import tomllib
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from plans.demo import DEMO_DIR
from plans.models import FocusPoint, Intervention
from plans.services import plan_touch
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

from .models import Action, BudgetLine, ExecutionPlan, Review, Target
from .selectors import quarter_of
from .services import _snapshot


def _previous_quarter(today) -> tuple[int, int]:
    year, quarter = quarter_of(today)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _quarter_end(year: int, quarter: int):
    first_of_next = datetime(year + (quarter == 4), quarter % 4 * 3 + 1, 1)
    return timezone.make_aware(datetime.combine((first_of_next - timedelta(days=3)).date(), time(16, 0)))


def load(result) -> None:
    with (DEMO_DIR / "execution.toml").open("rb") as fh:
        specs = tomllib.load(fh)["plans"]
    plans = {p.area.name: p for p in result.plans + result.others}
    year, quarter = _previous_quarter(timezone.localdate())
    for spec in specs:
        plan = plans.get(spec["area"])
        if plan is not None:
            _load_one(plan, spec, year, quarter)


def _load_one(plan, spec: dict, year: int, quarter: int) -> None:
    fields = {name: spec.get(name, "").strip() for name in ("urgency", "reach", "feasibility", "lead", "work_group")}
    fields["focus_point"] = FocusPoint.objects.filter(section__plan=plan, title=spec.get("focus_point", "")).first()
    fields["intervention"] = Intervention.objects.filter(section__plan=plan, title=spec.get("intervention", "")).first()
    ep, _ = ExecutionPlan.objects.update_or_create(plan=plan, title=spec["title"], defaults=fields)
    ep.actions.all().delete()
    ep.targets.all().delete()
    ep.budget_lines.all().delete()
    ep.reviews.all().delete()
    ep.partner_links.all().delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(execution_plan=ep, year=y, amount=Decimal(amount), source=source, note=note)
        for y, amount, source, note in spec.get("budget", [])
    )
    actions = []
    for order, row in enumerate(spec.get("actions", [])):
        title, owner, contact, p_year, p_quarter, status_then, _now, kind, update_then, _update_now = row
        actions.append(Action.objects.create(
            execution_plan=ep, title=title, owner=owner, contact_email=contact, planned_year=p_year,
            planned_quarter=p_quarter, status=status_then, kind=kind, last_update=update_then,
            last_update_at=_quarter_end(year, quarter) - timedelta(days=7) if update_then else None, order=order,
        ))
    target = spec.get("target")
    if target:
        indicator = Indicator.objects.filter(code=target["indicator"], owner__isnull=True).first()
        region = Neighbourhood.objects.filter(code=target["neighbourhood"]).order_by("-year").first()
        baseline = (
            IndicatorValue.objects.filter(indicator=indicator, neighbourhood__code=target["neighbourhood"], value__isnull=False)
            .order_by("year").first()
        )
        Target.objects.create(
            execution_plan=ep, statement=target["statement"], indicator=indicator, neighbourhood=region,
            baseline=baseline.value if baseline else None, baseline_year=baseline.year if baseline else None,
            goal=Decimal(target["goal"]) if target.get("goal") else None,
        )
    # The previous quarter's review, completed with the state of then …
    ep.plan = plan
    Review.objects.create(
        execution_plan=ep, year=year, quarter=quarter, snapshot=_snapshot(ep),
        completed_at=_quarter_end(year, quarter), **spec.get("review", {}),
    )
    # … and since then some actions moved on.
    for action, row in zip(actions, spec.get("actions", []), strict=True):
        status_now, update_now = row[6], row[9]
        if (status_now, update_now) != (action.status, action.last_update):
            action.status, action.last_update = status_now, update_now
            action.last_update_at = timezone.now() - timedelta(days=2)
            action.save()
    plan_touch(plan=plan, what="Demo: uitvoeringsplan")
