import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from matrix.models import MatrixItem
from plans.models import (
    FigureTable,
    FigureTableIndicator,
    FigureTableNeighbourhood,
    FocusPoint,
    Milestone,
    StrengthOpportunity,
)
from tests.base import People
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

pytestmark = pytest.mark.django_db

CHAPTERS = [
    "Kenmerken van het gebied/ de wijken: kwantitatief (data)",
    "Het verhaal van Binnenstad en Spoorzone &#x27;s-Hertogenbosch",
    "Krachten en kansen van Binnenstad en Spoorzone",
    "Impact/effort matrix",
    "Focus 2025 – een analyse",
    "Tenslotte",
]


@pytest.fixture
def binnenstad(demo):
    return People.create(area=demo.binnenstad.area)


def test_it_shows_all_six_chapters_in_the_seeds_order(client, binnenstad):
    client.force_login(binnenstad.manager)
    response = client.get(binnenstad.plan.get_absolute_url())
    assert response.status_code == 200
    assert "plans/plan_detail.html" in [t.name for t in response.templates]
    body = response.content.decode()
    headings = re.findall(r'<h2 class="utrecht-heading-2" id="h-[a-z]+">([^<]+)</h2>', body)
    assert headings == ["Inhoudsopgave", "Colofon", *CHAPTERS]


def test_it_formats_figures_the_dutch_way_with_year_and_source(client, binnenstad):
    client.force_login(binnenstad.manager)
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert ">76,1<" in body  # score
    assert ">74%<" in body  # percentage
    assert ">6.960<" in body  # count with a thousands separator
    assert "Bron: Gemeente &#x27;s-Hertogenbosch, 2024" in body
    assert "Gebiedsplan 2025" in body and "2.025" not in body


def test_it_prints_geen_in_empty_quadrants(client, binnenstad):
    client.force_login(binnenstad.manager)
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert body.count('class="matrix__empty">Geen<') == 2


def test_it_switches_to_english(client, binnenstad):
    client.force_login(binnenstad.manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(binnenstad.plan.get_absolute_url()).content.decode()
    assert "Table of contents" in body
    assert ">76.1<" in body


def test_it_requires_login(client, binnenstad):
    response = client.get(binnenstad.plan.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/inloggen/")


def test_it_hides_the_plan_from_a_user_without_a_role(client, binnenstad):
    client.force_login(binnenstad.outsider)
    assert client.get(binnenstad.plan.get_absolute_url()).status_code == 404


def test_it_hides_a_plan_of_another_area_from_its_members(client, demo, binnenstad):
    client.force_login(binnenstad.manager)
    assert client.get(demo.stedelijk.get_absolute_url()).status_code == 404


def test_it_rejects_post(client, binnenstad):
    client.force_login(binnenstad.manager)
    assert client.post(binnenstad.plan.get_absolute_url()).status_code == 405


def test_it_returns_one_chapter_as_a_fragment_for_htmx(client, binnenstad):
    client.force_login(binnenstad.manager)
    response = client.get(
        binnenstad.plan.get_absolute_url() + "?chapter=matrix", HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="h-matrix"' in body and 'id="h-verhaal"' not in body


def test_it_escapes_user_text(client, binnenstad):
    plan = binnenstad.plan
    plan.story = "<script>alert('x')</script> **<img src=x onerror=alert(1)>**"
    plan.save()
    MatrixItem.objects.create(plan=plan, title="<b>vet</b>", text="<script>1</script>", impact="low", effort="much")
    client.force_login(binnenstad.manager)
    body = client.get(plan.get_absolute_url()).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<script>1" not in body
    assert "&lt;script&gt;alert" in body


def _grow(plan, factor: int) -> None:
    """Add (factor - 1) times the plan's content to it: cards, items, focus, tables."""
    theme = plan.area.organisation.themes.first()
    for i in range(factor - 1):
        StrengthOpportunity.objects.bulk_create(
            StrengthOpportunity(plan=plan, theme=card.theme, kind=card.kind, text=card.text, order=100 + i)
            for card in plan.strengths_opportunities.filter(order__lt=100)
        )
        MatrixItem.objects.bulk_create(
            MatrixItem(plan=plan, title=m.title, text=m.text, impact=m.impact, effort=m.effort, order=100 + i)
            for m in plan.matrix_items.filter(order__lt=100)
        )
        FocusPoint.objects.bulk_create(
            FocusPoint(plan=plan, title=f.title, quantitative=f.quantitative, order=100 + i)
            for f in plan.focus_points.filter(order__lt=100)
        )
        Milestone.objects.create(plan=plan, period_label=f"Q{i}", text="stap", order=100 + i)
        table = FigureTable.objects.create(plan=plan, heading=f"Extra {i}", layout="indicator_rows", year=2024, order=100 + i)
        for j, indicator in enumerate(Indicator.objects.all()[:10]):
            FigureTableIndicator.objects.create(table=table, indicator=indicator, order=j)
        for j, nb in enumerate(Neighbourhood.objects.all()[:5]):
            FigureTableNeighbourhood.objects.create(table=table, neighbourhood=nb, order=j)
            for indicator in Indicator.objects.all()[:10]:
                IndicatorValue.objects.get_or_create(
                    neighbourhood=nb, indicator=indicator, year=2024,
                    defaults={"value": None, "missing_reason": "geheim", "source": "test"},
                )
    assert theme is not None


def _article(response) -> bytes:
    return response.content.split(b'<article class="plan"')[1].split(b"</article>")[0]


def _count_queries(client, url) -> tuple[int, int]:
    """Queries of a first (rendering) and a second (cached) request for the page."""
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url)
    with CaptureQueriesContext(connection) as warm:
        # The same plan; only per-request parts around it (CSRF tokens) differ.
        assert _article(client.get(url)) == _article(response)
    return len(cold), len(warm)


def test_it_uses_the_same_number_of_queries_for_ten_times_the_content(client, binnenstad):
    client.force_login(binnenstad.manager)
    url = binnenstad.plan.get_absolute_url()
    client.get(url)  # the session's first use
    small = _count_queries(client, url)
    _grow(binnenstad.plan, 10)
    large = _count_queries(client, url)
    assert client.get(url).content.decode().count('class="matrix__item"') == 90
    assert small == large
    assert small[0] <= 15  # first render: user, plan with role, version, 10 for the plan
    assert small[1] <= 3  # cached: user, plan with role, version


@pytest.mark.parametrize(
    "change",
    [
        "edit a card", "delete a matrix item", "add a focus point", "rename a theme",
        "change a figure", "rename a neighbourhood", "remove a table row", "edit the story",
        "rename the area",
    ],
)
def test_it_shows_a_change_at_once_despite_the_cache(client, binnenstad, change):
    plan = binnenstad.plan
    client.force_login(binnenstad.manager)
    before = client.get(plan.get_absolute_url()).content.decode()
    marker = "Gewijzigd-XYZ"
    if change == "edit a card":
        card = plan.strengths_opportunities.first()
        card.text = marker
        card.save()
    elif change == "delete a matrix item":
        item = plan.matrix_items.first()
        marker = item.title
        item.delete()
    elif change == "add a focus point":
        FocusPoint.objects.create(plan=plan, title=marker, order=99)
    elif change == "rename a theme":
        theme = plan.area.organisation.themes.first()
        theme.name = marker
        theme.save()
    elif change == "change a figure":
        value = IndicatorValue.objects.get(neighbourhood__code="WK079601", indicator__code="sociale-contacten")
        value.value = 12.3
        value.save()
        marker = "12,3"
    elif change == "rename a neighbourhood":
        nb = Neighbourhood.objects.get(code="BU07960106")
        nb.name = marker
        nb.save()
    elif change == "remove a table row":
        row = FigureTableNeighbourhood.objects.get(table__plan=plan, neighbourhood__code="BU07960106")
        marker = row.display_label
        row.delete()
    elif change == "edit the story":
        plan.story = marker
        plan.save()
    elif change == "rename the area":
        plan.area.name = marker
        plan.area.save()
    after = client.get(plan.get_absolute_url()).content.decode()
    assert (escape(marker) in before) != (escape(marker) in after)


def test_it_shows_a_figure_that_commits_late_with_an_older_stamp(client, binnenstad):
    """A long import stamps its rows when it starts; another change may commit first."""
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(binnenstad.manager)
    url = binnenstad.plan.get_absolute_url()
    card = binnenstad.plan.strengths_opportunities.first()
    card.save()  # the newest stamp of the plan is now
    assert ">76,1<" in client.get(url).content.decode()
    earlier = timezone.now() - timedelta(minutes=5)
    IndicatorValue.objects.filter(neighbourhood__code="WK079601", indicator__code="sociale-contacten").update(
        value=55.5, updated=earlier
    )
    body = client.get(url).content.decode()
    assert ">55,5<" in body and ">76,1<" not in body


def test_the_cache_key_changes_with_the_code_that_shapes_the_article(settings, tmp_path):
    from plans import page_cache

    settings.BASE_DIR = tmp_path
    template = tmp_path / "templates/plans/plan_detail.html"
    template.parent.mkdir(parents=True)
    template.write_text("versie 1")
    page_cache.code_digest.cache_clear()
    first = page_cache.code_digest()
    template.write_text("versie 2")
    page_cache.code_digest.cache_clear()
    try:
        assert page_cache.code_digest() != first
    finally:
        page_cache.code_digest.cache_clear()


def test_staff_read_every_plan(client, binnenstad):
    client.force_login(binnenstad.admin)
    assert client.get(binnenstad.plan.get_absolute_url()).status_code == 200


def test_the_header_lookup_applies_the_same_access_rule_as_the_full_one(binnenstad, demo):
    import uuid

    from django.http import Http404

    from plans.selectors import get_plan_for_user, get_plan_header_for_user

    plan = binnenstad.plan
    for person in (binnenstad.coordinator, binnenstad.manager, binnenstad.facilitator, binnenstad.admin):
        header, full = get_plan_header_for_user(person, plan.code), get_plan_for_user(person, plan.code)
        assert (header.pk, header.code, header.title, header.area.code, header.user_role) == (
            full.pk, full.code, full.title, full.area.code, full.user_role,
        )
    for person, code in (
        (binnenstad.outsider, plan.code),
        (binnenstad.manager, demo.stedelijk.code),
        (binnenstad.manager, uuid.uuid4()),
    ):
        with pytest.raises(Http404):
            get_plan_header_for_user(person, code)
