"""A manager logs in, opens the demo plan and reads it; the pages pass axe-core."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAPTERS = [
    "Kenmerken van het gebied/ de wijken: kwantitatief (data)",
    "Het verhaal van Binnenstad en Spoorzone 's-Hertogenbosch",
    "Krachten en kansen van Binnenstad en Spoorzone",
    "Impact/effort matrix",
    "Focus 2025 – een analyse",
    "Tenslotte",
]


def test_it_lets_a_manager_open_the_demo_plan_and_see_all_six_chapters(demo, login):
    page = login("manager")
    page.get_by_role("link", name="Gebiedsplan 2025").first.click()
    page.wait_for_selector(".chapter--text h2")
    for heading in CHAPTERS:
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
    assert page.locator("h1").inner_text().startswith("Gebiedsplan 2025")
    assert page.get_by_role("cell", name="76,1").first.is_visible()
    # The PDF control arrives by htmx after the page.
    assert page.get_by_role("button", name="PDF maken").is_visible()
    page.get_by_role("link", name="Tenslotte").click()
    closing = demo.binnenstad.sections.get(heading="Tenslotte")
    assert page.evaluate("location.hash") == f"#s-{closing.code.hex[:8]}"


def test_it_has_no_accessibility_violations(demo, login, live_server):
    page = login("manager")
    assert axe_violations(page) == []
    page.goto(live_server.url + demo.binnenstad.get_absolute_url())
    assert axe_violations(page) == []
    page.goto(live_server.url + demo.stedelijk.get_absolute_url())
    assert axe_violations(page) == []
    page.goto(live_server.url + demo.eemland.get_absolute_url())
    assert axe_violations(page) == []
    page.context.clear_cookies()
    page = login("coordinator")
    organisation = demo.eemland.area.organisation
    page.goto(live_server.url + f"/organisaties/{organisation.code}/instellingen/")
    assert page.get_by_role("heading", name="Thema's en sjablonen van Welzijn Eemland").is_visible()
    assert axe_violations(page) == []
    page.context.clear_cookies()
    page.goto(live_server.url + "/inloggen/")
    assert axe_violations(page) == []
