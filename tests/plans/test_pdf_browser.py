"""A manager asks for the PDF with the mouse: the button becomes a progress bar that htmx
polls, then a download link; the file that arrives is the plan's PDF."""

from unittest import mock

import pytest
from django.urls import reverse

from plans import services
from plans.demo import DEMO_PASSWORD
from plans.models import PlanExport
from tests.browser.conftest import axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_shows_progress_then_offers_the_download(demo, page, live_server, tmp_path):
    plan = demo.binnenstad
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("manager")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(live_server.url + reverse("plans:plan_pdf", args=[plan.code]))
    assert axe_violations(page) == []
    # No worker in this test: the job waits in the queue until the test renders it.
    with mock.patch.object(services, "_enqueue"):
        page.get_by_role("button", name="PDF maken").click()
        progress = page.locator("progress.pdf-export__progress")
        progress.wait_for()
    assert page.get_by_role("status").inner_text().startswith("De PDF staat in de wachtrij")
    assert axe_violations(page) == []

    export = PlanExport.objects.get(plan=plan)
    services.plan_export_render(export_id=export.pk, task_id="browser-test")

    download_link = page.get_by_role("link", name="Download PDF")
    download_link.wait_for(timeout=10_000)  # the next poll brings it
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == f"{plan.title}.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    assert axe_violations(page) == []
