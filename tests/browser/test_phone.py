"""On a 390-px phone the plan, its matrix and the data page fit the screen and pass axe.

Selectors are the ones that outlive a template restructure: main, .matrix, .table-scroll.
"""

import pytest
from django.urls import reverse

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page, login):
    page.set_viewport_size(PHONE)
    return login


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("plan", ["binnenstad", "stedelijk", "eemland"])
def test_the_plan_page_never_scrolls_sideways(demo, phone, live_server, plan):
    page = phone("manager")
    page.goto(live_server.url + getattr(demo, plan).get_absolute_url())
    page.wait_for_selector("main h1")
    page.wait_for_load_state("networkidle")  # the PDF control arrives by htmx
    assert page_width(page) <= PHONE["width"]
    for region in page.locator("main .table-scroll").all():
        box = region.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert axe_violations(page) == []


def test_the_matrix_is_a_readable_list_of_quadrants(demo, phone, live_server):
    page = phone("manager")
    page.goto(live_server.url + demo.binnenstad.get_absolute_url())
    matrix = page.locator("main .matrix")
    matrix.scroll_into_view_if_needed()
    texts = matrix.locator("p").all()
    assert len(texts) >= 9  # the nine actions of the demo, and "Geen" twice
    widths = [t.bounding_box()["width"] for t in texts]
    assert min(widths) > 200, widths  # not a letter per line
    # Every quadrant says which one it is, on the screen and to a screen reader.
    labels = matrix.evaluate(
        "m => [...m.querySelectorAll('[aria-label]')].map("
        "q => getComputedStyle(q, '::before').content)"
    )
    assert labels == [
        '"Hoge impact, weinig moeite"',
        '"Hoge impact, veel moeite"',
        '"Lage impact, weinig moeite"',
        '"Lage impact, veel moeite"',
    ]


def test_the_data_page_scrolls_its_table_not_the_page(demo, phone, live_server):
    page = phone("coordinator")
    page.goto(live_server.url + reverse("wijkdata:area_data", args=[demo.binnenstad.area.code]))
    region = page.locator("main .table-scroll").first
    region.wait_for()
    assert page_width(page) <= PHONE["width"]
    inner, shown = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert inner > shown  # the fifteen columns are there, to be scrolled to
    box = region.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert axe_violations(page) == []
