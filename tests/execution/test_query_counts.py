"""Every execution page costs the same number of queries with 5 actions and 5 partner
organisations as with 100 actions and 150 partner organisations."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from execution import services
from execution.models import Action, BudgetLine, PartnerLink, PartnerLinkUse, Target
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

pytestmark = pytest.mark.django_db


def _fill(ep, *, actions: int, partners: int, wijk, indicator) -> str:
    """Actions spread over the partners, one link per partner (with a use), targets,
    budget lines, a completed review; returns a token for the first partner's link."""
    statuses = ["planned", "running", "done", "stopped", ""]
    Action.objects.bulk_create(
        Action(execution_plan=ep, title=f"Actie {i}", owner=f"Organisatie {i % partners}", status=statuses[i % 5],
               planned_year=2025, planned_quarter=i % 4 + 1, order=i, contact_email=f"a{i}@example.org")
        for i in range(actions)
    )
    ep.work_group = "\n".join(f"Organisatie {i}" for i in range(partners))
    ep.save()
    links = PartnerLink.objects.bulk_create(
        PartnerLink(execution_plan=ep, owner=f"Organisatie {i}", expires_at=timezone.now() + timedelta(days=30))
        for i in range(partners)
    )
    PartnerLinkUse.objects.bulk_create(PartnerLinkUse(link=link, status="running") for link in links)
    Target.objects.bulk_create(
        Target(execution_plan=ep, statement=f"Doel {i}", indicator=indicator, neighbourhood=wijk, baseline=30, goal=25)
        for i in range(max(2, actions // 20))
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(execution_plan=ep, year=2025 + i % 3, amount=1000, source=f"Bron {i}") for i in range(max(2, actions // 10))
    )
    services.review_save(execution_plan=ep, year=2026, quarter=1, complete=True)
    _link, token = services.partner_link_create(execution_plan=ep, owner="Organisatie 0")
    return token


def _counts(client, people, ep, token) -> dict[str, int]:
    code = people.plan.code
    urls = {
        "list": reverse("execution:execution_list", args=[code]),
        "overview": reverse("execution:execution_overview", args=[code]),
        "detail": reverse("execution:execution_detail", args=[code, ep.code]),
        "review open": reverse("execution:review_detail", args=[code, ep.code, 2026, 2]),
        "review done": reverse("execution:review_detail", args=[code, ep.code, 2026, 1]),
        "csv": reverse("execution:execution_export", args=[code, ep.code, "csv"]),
        "xlsx": reverse("execution:execution_export", args=[code, ep.code, "xlsx"]),
        "edit": reverse("execution:execution_edit", args=[code, ep.code]),
        "plan page": people.plan.get_absolute_url(),
    }
    counts = {}
    for name, url in urls.items():
        cache.clear()  # the plan page's first render, not its cached article
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, name
        counts[name] = len(ctx)
    client.logout()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("execution:partner_page", args=[token])).status_code == 200
    counts["partner page"] = len(ctx)
    client.force_login(people.coordinator)
    return counts


def test_it_reads_in_a_constant_number_of_queries(client, people):
    wijk = Neighbourhood.objects.create(code="WK999901", name="Testwijk", level="district", year=2024)
    people.area.neighbourhoods.add(wijk)
    indicator = Indicator.objects.create(code="eenzaam", name="Eenzaam", kind="percentage", direction="lower")
    IndicatorValue.objects.create(indicator=indicator, neighbourhood=wijk, year=2024, value=28)
    small_ep = services.execution_plan_create(plan=people.plan, title="Klein")
    small_token = _fill(small_ep, actions=5, partners=5, wijk=wijk, indicator=indicator)
    client.force_login(people.coordinator)
    small = _counts(client, people, small_ep, small_token)

    large_ep = services.execution_plan_create(plan=people.plan, title="Groot")
    large_token = _fill(large_ep, actions=100, partners=150, wijk=wijk, indicator=indicator)
    # The small plan's pages now also list the large one (list, overview, plan page).
    large = _counts(client, people, large_ep, large_token)
    assert large == small
    assert Action.objects.filter(execution_plan=large_ep).count() == 100
    assert PartnerLink.objects.filter(execution_plan=large_ep).count() == 151
