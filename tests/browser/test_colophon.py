"""The coordinator edits the colophon in place: a refused field gets the focus, a save says
so beside its button, and a second person saving over the first sees both versions."""

import pytest
from playwright.sync_api import expect

from plans import services
from plans.models import Plan
from tests.browser.text import fill_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(demo):
    return services.plan_create(area=demo.binnenstad.area, period_start=2026)


def colophon_page(page, live_server, plan):
    page.goto(f"{live_server.url}/plannen/{plan.code}/colofon/")
    return page


def test_the_coordinator_edits_the_colophon_and_a_second_person_merges(plan, login, second_person, live_server):
    ellen = colophon_page(login("coordinator"), live_server, plan)
    saskia = colophon_page(second_person("coordinator"), live_server, plan)  # opened at the same time

    ellen.get_by_label("Titel").fill("")
    ellen.get_by_role("button", name="Opslaan").click()
    expect(ellen.get_by_text("Vul de titel van het plan in.")).to_be_visible()
    expect(ellen.get_by_label("Titel")).to_be_focused()  # the refused field, though the button is far below

    ellen.get_by_label("Titel").fill("Gebiedsplan 2026 Binnenstad")
    ellen.get_by_label("Vormgeving").fill("Studio Vorm")
    fill_text(ellen, ellen.get_by_label("Verantwoording"), "Met dank aan iedereen.")
    ellen.get_by_role("button", name="Opslaan").click()
    expect(ellen.get_by_text("Het colofon is opgeslagen.")).to_be_in_viewport()
    # Saved in place, and the tab and the breadcrumbs already say the new title.
    expect(ellen).to_have_title("Colofon · Gebiedsplan 2026 Binnenstad · Gebiedsplan")
    expect(ellen.locator("nav.breadcrumbs a").first).to_have_text("Gebiedsplan 2026 Binnenstad")
    stored = Plan.objects.get(pk=plan.pk)
    assert (stored.title, stored.design, stored.colophon_text) == (
        "Gebiedsplan 2026 Binnenstad", "Studio Vorm", "<p>Met dank aan iedereen.</p>",
    )

    saskia.get_by_label("Vormgeving").fill("Studio Saskia")
    saskia.get_by_role("button", name="Opslaan").click()
    conflict = saskia.locator("section.conflict")
    expect(conflict).to_be_in_viewport()
    expect(conflict.locator(".conflict__theirs del").first).to_be_visible()
    expect(conflict).to_contain_text("Studio Vorm")
    expect(conflict).to_contain_text("Studio Saskia")
    expect(saskia.get_by_label("Vormgeving")).to_have_value("Studio Saskia")  # nothing typed is lost
    assert Plan.objects.get(pk=plan.pk).design == "Studio Vorm"

    saskia.get_by_label("Titel").fill("Gebiedsplan 2026 Binnenstad")
    saskia.get_by_label("Vormgeving").fill("Studio Vorm en Studio Saskia")
    fill_text(saskia, saskia.get_by_label("Verantwoording"), "Met dank aan iedereen.")
    saskia.get_by_role("button", name="Opslaan").click()
    expect(saskia.get_by_text("Het colofon is opgeslagen.")).to_be_visible()
    assert Plan.objects.get(pk=plan.pk).design == "Studio Vorm en Studio Saskia"

    saskia.goto(f"{live_server.url}/plannen/{plan.code}/")
    colophon = saskia.locator("section.colophon")
    expect(colophon).to_contain_text("Studio Vorm en Studio Saskia")
    expect(colophon.get_by_role("link", name="Colofon bewerken")).to_be_visible()


def test_the_coordinator_puts_a_photo_on_the_cover_without_the_admin(plan, login, live_server, settings, tmp_path):
    import io

    from PIL import Image

    from plans.pdf.render import plan_html

    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 120, 170)).save(buffer, "JPEG")
    good = {"name": "wijk.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}
    bad = {"name": "wijk.jpg", "mimeType": "image/jpeg", "buffer": b"<html><script>alert(1)</script></html>"}

    page = colophon_page(login("coordinator"), live_server, plan)
    expect(page.get_by_text("Nog zonder omslagfoto.")).to_be_visible()
    page.get_by_role("link", name="Omslag en soort document wijzigen").click()
    expect(page.get_by_role("heading", name="Omslag en soort document")).to_be_visible()

    page.get_by_label("Omslagfoto", exact=True).set_input_files(bad)
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("wijk.jpg is geen foto die we kunnen gebruiken")
    assert not Plan.objects.get(pk=plan.pk).cover_image

    page.get_by_label("Omslagfoto", exact=True).set_input_files(good)
    page.get_by_label("Soort document").select_option("Gebiedsplan")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("De omslag is opgeslagen.")).to_be_visible()
    preview = page.get_by_role("img", name="Omslagfoto: Binnenstad")
    expect(preview).to_be_visible()
    # Served to the browser, not a broken image (visible is not yet loaded: wait for either).
    loaded = """img => img.complete ? img.naturalWidth : new Promise(done => {
        img.addEventListener("load", () => done(img.naturalWidth), {once: true});
        img.addEventListener("error", () => done(0), {once: true});
    })"""
    assert preview.evaluate(loaded) == 320
    stored = Plan.objects.select_related("area__organisation").get(pk=plan.pk)
    assert stored.cover_image.name.endswith(".jpg") and stored.cover_image.url in plan_html(stored)

    page.get_by_label("Omslagfoto verwijderen").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Nog geen omslagfoto.")).to_be_visible()
    assert not Plan.objects.get(pk=plan.pk).cover_image
