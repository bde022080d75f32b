"""load_demo gives every demo plan an execution plan a coordinator can show: actions with
planned quarters, a target on a demo indicator, a budget per year and source, and a
completed review of the previous quarter that differs from today's state."""

import pytest
from django.urls import reverse
from django.utils import timezone

from execution.models import ExecutionPlan
from execution.selectors import quarter_of
from plans.demo import load_demo

pytestmark = pytest.mark.django_db


def _previous_quarter():
    year, quarter = quarter_of(timezone.localdate())
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def test_demo_plans_have_an_execution_plan_with_a_review_of_last_quarter(client, demo):
    year, quarter = _previous_quarter()
    for plan in demo.plans + demo.others:
        ep = ExecutionPlan.objects.get(plan=plan)
        assert ep.actions.count() >= 2 and ep.budget_lines.exists()
        assert ep.focus_point is not None or ep.intervention is not None
        target = ep.targets.get()
        assert target.indicator is not None and target.baseline is not None
        review = ep.reviews.get()
        assert (review.year, review.quarter) == (year, quarter) and review.completed_at is not None
        then = {a["id"]: (a["status"], a["update"]) for a in review.snapshot["actions"]}
        now = {a.pk: (a.status, a.last_update) for a in ep.actions.all()}
        assert then.keys() == now.keys() and then != now
    client.login(username="coordinator", password="gebiedsplan-demo")
    ep = ExecutionPlan.objects.get(plan=demo.binnenstad)
    page = client.get(reverse("execution:execution_detail", args=[demo.binnenstad.code, ep.code])).content.decode()
    assert "Ontmoeten in de Spoorzone" in page and "SPUK/GALA" in page and "Voldoende sociale contacten" in page
    page = client.get(reverse("execution:review_detail", args=[demo.binnenstad.code, ep.code, year, quarter])).content.decode()
    assert "deze stand is bevroren" in page


def test_loading_the_demo_again_keeps_the_codes(demo):
    codes = set(ExecutionPlan.objects.values_list("code", flat=True))
    load_demo()
    assert set(ExecutionPlan.objects.values_list("code", flat=True)) == codes
    assert ExecutionPlan.objects.count() == 3
