"""A coordinator writes a plan text in the rich-text editor: bold survives saving (in place,
with htmx) and a reload; the editor also starts on the form htmx swapped in."""

import pytest

from plans.models import Section
from plans.services import plan_create
from tests.browser.helpers import fill_rich_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bold_typed_in_the_editor_is_saved_and_shown_after_a_reload(demo, login, live_server):
    plan = plan_create(area=demo.binnenstad.area, period_start=2026)
    section = plan.sections.filter(kind="text").first()
    page = login("coordinator")
    url = f"{live_server.url}/plannen/{plan.code}/onderdelen/{section.code}/"
    page.goto(url)
    editor = page.locator("#editor .prose-editor .ProseMirror[contenteditable]")
    assert editor.count() == 1
    assert not page.locator("textarea[name=intro]").is_visible()  # the editor took its place
    assert page.get_by_role("textbox", name="Tekst").count() == 1  # labelled like the textarea

    fill_rich_text(page, page.get_by_label("Tekst"), "De wijk is ")
    page.keyboard.press("ControlOrMeta+b")
    page.keyboard.type("sterk")
    page.keyboard.press("ControlOrMeta+b")
    page.keyboard.type(" samen.")
    page.locator("#section-form").evaluate("el => el.dataset.old = '1'")  # gone once htmx swaps it
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Opslaan").first.click()
    # htmx swapped the section's form in place: the new form has a working editor again.
    page.locator("#section-form:not([data-old]) .prose-editor .ProseMirror[contenteditable] strong").wait_for()
    assert page.locator("#editor-notices").inner_text().strip() == "Het onderdeel is opgeslagen."
    assert Section.objects.get(pk=section.pk).intro == "<p>De wijk is <strong>sterk</strong> samen.</p>"

    page.reload()
    assert page.locator("#editor .ProseMirror strong").inner_text() == "sterk"
    page.goto(f"{live_server.url}/plannen/{plan.code}/")
    assert page.locator(".prose strong", has_text="sterk").count() == 1


def test_without_javascript_the_text_is_a_plain_textarea(demo, browser, live_server):
    plan = plan_create(area=demo.binnenstad.area, period_start=2026)
    section = plan.sections.filter(kind="text").first()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("coordinator")
    page.get_by_label("Wachtwoord").fill("gebiedsplan-demo")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{live_server.url}/plannen/{plan.code}/onderdelen/{section.code}/")
    fill_rich_text(page, "intro", "Eerste alinea & meer.\n\n<script>alert(1)</script>Tweede.")
    page.get_by_role("button", name="Opslaan").first.click()
    page.wait_for_load_state()
    assert Section.objects.get(pk=section.pk).intro == (
        "<p>Eerste alinea &amp; meer.</p><p>&lt;script&gt;alert(1)&lt;/script&gt;Tweede.</p>"
    )
    context.close()


def test_the_editor_speaks_the_interface_language(demo, login, live_server):
    """Its buttons are named in Dutch (the editor itself only knows English), its table
    dialog too, and a Dutch choice still does what it says: "Ja" gives a header row."""
    plan = plan_create(area=demo.binnenstad.area, period_start=2026)
    section = plan.sections.filter(kind="text").first()
    page = login("coordinator")
    page.goto(f"{live_server.url}/plannen/{plan.code}/onderdelen/{section.code}/")
    page.locator("#editor .prose-editor .ProseMirror[contenteditable]").wait_for()
    menubar = page.locator("#editor .prose-menubar")
    for name in ("Vet", "Schuin", "Opsomming", "Genummerde lijst", "Link invoegen", "Ongedaan maken"):
        assert menubar.get_by_role("button", name=name, exact=True).count() == 1, name
    assert menubar.get_by_role("button", name="bold").count() == 0
    # The icons are untouched: the tooltip changed, not the icon's ligature.
    assert menubar.get_by_role("button", name="Ongedaan maken").inner_text() == "undo"

    fill_rich_text(page, page.get_by_label("Tekst"), "Tabel hieronder.")
    menubar.get_by_role("button", name="Tabel invoegen").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Met een koprij").select_option(label="Ja")
    dialog.get_by_role("button", name="Tabel invoegen").click()
    page.locator("#editor .ProseMirror table th").first.wait_for()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.get_by_role("button", name="Opslaan").first.click()
    assert "<th" in Section.objects.get(pk=section.pk).intro

    # In English, in English: the words come from the interface's translations.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/plannen/{plan.code}/onderdelen/{section.code}/")
    page.locator("#editor .prose-menubar").wait_for()
    assert page.locator("#editor .prose-menubar").get_by_role("button", name="Bold", exact=True).count() == 1
