"""A coordinator cites a figure on a focus point and sees its value, year and source."""

import pytest

from plans.models import FigureCitation, Plan
from wijkdata.models import Indicator, Neighbourhood

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_cites_a_figure_and_sees_its_value_and_year(demo, login, live_server):
    plan = demo.binnenstad
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.CONCEPT)
    section = plan.sections.get(kind="focus")
    point = section.focus_points.order_by("order").first()
    lonely = Indicator.objects.get(code="eenzaam")
    centre = Neighbourhood.objects.get(code="WK079601", year=2024)
    page = login("coordinator")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/plannen/{plan.code}/onderdelen/{section.code}/")
    editor = page.locator("li.item-editor").first
    editor.locator(f"select[name='c{point.pk}-indicator']").select_option(str(lonely.pk))
    editor.locator(f"select[name='c{point.pk}-neighbourhood']").select_option(str(centre.pk))
    editor.locator(f"select[name='c{point.pk}-year']").select_option("2024")
    editor.get_by_role("button", name="Cijfer aanhalen").click()
    page.locator("#editor").get_by_text("Eenzaam of alleen voelen · Binnenstad · 2024").wait_for()
    assert FigureCitation.objects.filter(focus_point=point, indicator=lonely, year=2024).exists()
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    cited = page.locator(".focus-point").first.locator(".cited-figure", has_text="Eenzaam of alleen voelen · Binnenstad")
    assert cited.inner_text() == "Eenzaam of alleen voelen · Binnenstad: 28,3 (2024, Gemeente 's-Hertogenbosch)"
