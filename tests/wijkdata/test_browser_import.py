"""A coordinator uploads a CBS file, checks the preview, confirms and sees the chart."""

import pytest

from plans.demo import DEMO_PASSWORD
from tests.browser.conftest import axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_uploads_previews_confirms_and_charts(demo, page, live_server, tmp_path, kwb_den_bosch):
    path = tmp_path / "kwb-2024-den-bosch.csv"
    path.write_text(kwb_den_bosch, encoding="utf-8")
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("coordinator")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")

    area = demo.binnenstad.area
    page.goto(f"{live_server.url}/gebieden/{area.code}/cijfers/")
    page.get_by_role("link", name="Bestand inlezen").click()
    assert axe_violations(page) == []
    page.get_by_label("Bestand").set_input_files(str(path))
    page.get_by_label("Jaar").fill("2024")
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_selector("text=Voorbeeld: dit verandert er")
    assert page.get_by_text("Rijen gelezen").is_visible()
    page.get_by_role("button", name="Bevestigen en inlezen").click()
    page.wait_for_selector("text=De cijfers zijn ingelezen.")
    page.get_by_role("link", name="Naar de cijfers van het gebied").click()
    page.wait_for_selector("#figures-table")
    assert page.get_by_role("cell", name="13.895").first.is_visible()
    page.get_by_label("Indicator").select_option("inwoners")
    page.wait_for_selector("#charts .plotly-chart .main-svg")
    assert page.locator("#charts .plotly-chart .main-svg").first.is_visible()
    assert axe_violations(page) == []
