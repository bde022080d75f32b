"""A coordinator reorders a plan's sections by dragging them; the order survives a reload."""

import pytest

from plans.models import Plan
from plans.services import plan_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dragging_a_section_reorders_the_plan_and_survives_reload(demo, login, live_server):
    plan = plan_create(area=demo.binnenstad.area, period_start=2026)  # a concept from the template
    page = login("coordinator")
    page.goto(f"{live_server.url}/plannen/{plan.code}/bewerken/")
    rows = page.locator("ol.settings-list[data-parent=''] > li.settings-group")
    first_before = rows.nth(0).locator("a").first.inner_text()
    handle = rows.nth(0).locator(".drag-handle")
    target = rows.nth(2)
    box = target.bounding_box()
    handle.hover()
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 2, steps=12)
    with page.expect_navigation():  # the drop is stored, then the page shows what was stored
        page.mouse.up()
    page.reload()
    order = [a.inner_text() for a in page.locator("ol.settings-list[data-parent=''] > li.settings-group > .settings-row a").all()]
    assert order[0] != first_before and first_before in order
    stored = list(Plan.objects.get(pk=plan.pk).sections.filter(parent=None).values_list("heading", flat=True))
    assert stored == order
