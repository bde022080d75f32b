"""Reads of execution plans in a fixed number of queries, the roll-up of progress, and
the current value of targets tied to an indicator."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from wijkdata.models import IndicatorValue
from wijkdata.selectors import visible_values

from .models import Action, BudgetLine, ExecutionPlan, Review, Target

# Progress rule (said on the page too): done counts 1, running 0.5, planned 0; stopped
# actions and actions without a status are left out, not counted as 0.
WEIGHTS = {Action.Status.DONE: 1.0, Action.Status.RUNNING: 0.5, Action.Status.PLANNED: 0.0}


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def progress(actions) -> float | None:
    """Mean weight of the actions that count; None when none counts."""
    weights = [WEIGHTS[a.status] for a in actions if a.status in WEIGHTS]
    return sum(weights) / len(weights) if weights else None


def rollup(parts: list[tuple[float | None, int]]) -> float | None:
    """Combine (progress, number of counted actions) pairs, weighted by the counts."""
    total = sum(n for p, n in parts if p is not None)
    if not total:
        return None
    return sum(p * n for p, n in parts if p is not None) / total


def counted(actions) -> int:
    return sum(1 for a in actions if a.status in WEIGHTS)


def execution_plans_for(plan) -> list[ExecutionPlan]:
    """Execution plans of a plan with actions, targets (with current values), budget lines
    and reviews, in seven queries whatever their number."""
    plans = list(
        ExecutionPlan.objects.filter(plan=plan)
        .select_related("focus_point", "intervention")
        .prefetch_related(
            Prefetch("actions", queryset=Action.objects.order_by("order", "id")),
            Prefetch("targets", queryset=Target.objects.select_related("indicator", "neighbourhood")),
            Prefetch("reviews", queryset=Review.objects.order_by("year", "quarter")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("year", "source", "id")),
        )
    )
    attach_current_values([t for p in plans for t in p.targets.all()], organisation_id=plan.area.organisation_id)
    for p in plans:
        p.progress = progress(p.actions.all())
        p.counted = counted(p.actions.all())
        p.budget_total = sum((b.amount for b in p.budget_lines.all() if b.amount is not None), start=0)
        p.budget_years = budget_by_year(p.budget_lines.all())
    return plans


def budget_by_year(lines) -> list[tuple[int, list[BudgetLine], object]]:
    """(year, its lines, the year's total) in year order."""
    years: dict[int, list[BudgetLine]] = {}
    for line in lines:
        years.setdefault(line.year, []).append(line)
    return [
        (year, rows, sum((r.amount for r in rows if r.amount is not None), start=0))
        for year, rows in sorted(years.items())
    ]


def attach_current_values(targets: list[Target], *, organisation_id: int | None) -> None:
    """Give each target tied to an indicator `current` (the newest imported value for its
    region) and `current_year`, and `on_track` (moving from the baseline towards the
    goal), in one query. Regions are matched by CBS code, because each year's import has
    its own region rows; only figures the organisation may see count (public and its own,
    its own first in a year that has both)."""
    tied = [t for t in targets if t.indicator_id and t.neighbourhood_id]
    for t in targets:
        t.current = t.current_year = t.on_track = None
    if not tied:
        return
    values = visible_values(
        organisation_id,
        IndicatorValue.objects.filter(
            indicator_id__in={t.indicator_id for t in tied},
            neighbourhood__code__in={t.neighbourhood.code for t in tied},
            value__isnull=False,
        ),
    ).order_by("year", F("owner_id").asc(nulls_first=True)).values_list("indicator_id", "neighbourhood__code", "year", "value")
    latest: dict[tuple, tuple] = {}
    for indicator_id, code, year, value in values:
        latest[(indicator_id, code)] = (year, value)
    for t in tied:
        key = (t.indicator_id, t.neighbourhood.code)
        if key not in latest:
            continue
        t.current_year, t.current = latest[key]
        if t.baseline is not None and t.goal is not None and t.goal != t.baseline:
            towards_goal = (t.goal - t.baseline) * (t.current - t.baseline)
            t.on_track = towards_goal > 0 if t.current != t.baseline else None


@dataclass
class Overview:
    by_status: dict = field(default_factory=dict)
    overdue: list = field(default_factory=list)
    not_reviewed: list = field(default_factory=list)
    plan_progress: float | None = None
    focus_points: list = field(default_factory=list)


def overview(plan, today: date) -> Overview:
    plans = execution_plans_for(plan)
    year, quarter = quarter_of(today)
    result = Overview()
    labels = dict(Action.Status.choices)
    result.by_status = dict.fromkeys(labels.values(), 0)
    without = str(_("Zonder status"))
    result.by_status[without] = 0
    by_focus: dict = {}
    for p in plans:
        for a in p.actions.all():
            result.by_status[labels.get(a.status, without)] += 1
            if a.due_date and a.due_date < today and a.status not in (Action.Status.DONE, Action.Status.STOPPED):
                result.overdue.append(a)
        if not any(r.year == year and r.quarter == quarter and r.completed_at for r in p.reviews.all()):
            result.not_reviewed.append(p)
        by_focus.setdefault(p.focus_point, []).append(p)
    for focus, members in by_focus.items():
        result.focus_points.append(
            (focus, rollup([(m.progress, m.counted) for m in members]), members)
        )
    result.plan_progress = rollup([(p.progress, p.counted) for p in plans])
    return result


def review_diff(review: Review, previous: Review | None) -> list[dict]:
    """Per action in the frozen snapshot: status and update now and the quarter before."""
    before = {a["id"]: a for a in (previous.snapshot.get("actions", []) if previous else [])}
    rows = []
    for a in review.snapshot.get("actions", []):
        old = before.get(a["id"])
        rows.append({
            "title": a["title"], "status": a["status_label"], "update": a["update"],
            "old_status": old["status_label"] if old else None, "old_update": old["update"] if old else None,
            "changed": old is None or old["status"] != a["status"] or old["update"] != a["update"],
        })
    return rows


def target_diff(review: Review, previous: Review | None) -> list[dict]:
    """Per target in the frozen snapshot: its value then and the quarter before."""
    before = {t["id"]: t for t in (previous.snapshot.get("targets", []) if previous else [])}
    rows = []
    for t in review.snapshot.get("targets", []):
        old = before.get(t["id"])
        rows.append({
            **t, "old_current": old.get("current") if old else None, "old_year": old.get("current_year") if old else None,
            "changed": old is None or old.get("current") != t.get("current"),
        })
    return rows
