import pytest
from django.core.cache import cache

from execution import services
from plans.models import Plan, SectionKind
from tests.base import People


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    return People.create(sections=[("focus", "Focus"), ("interventions", "Interventies")])


@pytest.fixture
def ep(people):
    return services.execution_plan_create(plan=people.plan, title="Samen tegen eenzaamheid", lead="Farent")


def adopt(plan) -> None:
    """Adopt without the whole workflow: only the status matters to these tests."""
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.ADOPTED)
    plan.status = Plan.Status.ADOPTED


def section(plan, kind):
    return plan.sections.get(kind=kind)


FOCUS, INTERVENTIONS = SectionKind.FOCUS, SectionKind.INTERVENTIONS
