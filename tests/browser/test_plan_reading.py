"""A manager logs in, opens the demo plan and reads it; the pages pass axe-core."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAPTER_IDS = ["h-kenmerken", "h-verhaal", "h-krachten", "h-matrix", "h-focus", "h-tenslotte"]


def test_it_lets_a_manager_open_the_demo_plan_and_see_all_six_chapters(demo, login):
    page = login("manager")
    page.get_by_role("link", name="Gebiedsplan 2025").first.click()
    page.wait_for_selector("#h-tenslotte")
    for heading_id in CHAPTER_IDS:
        assert page.locator(f"#{heading_id}").is_visible()
    assert page.locator("h1").inner_text().startswith("Gebiedsplan 2025")
    assert page.get_by_role("cell", name="76,1").first.is_visible()
    # The PDF control arrives by htmx after the page.
    assert page.get_by_role("button", name="PDF maken").is_visible()
    page.get_by_role("link", name="Tenslotte").click()
    assert page.evaluate("location.hash") == "#tenslotte"


def test_it_has_no_accessibility_violations(demo, login, live_server):
    page = login("manager")
    assert axe_violations(page) == []
    page.goto(live_server.url + demo.binnenstad.get_absolute_url())
    assert axe_violations(page) == []
    page.goto(live_server.url + demo.stedelijk.get_absolute_url())
    assert axe_violations(page) == []
    page.context.clear_cookies()
    page.goto(live_server.url + "/inloggen/")
    assert axe_violations(page) == []
