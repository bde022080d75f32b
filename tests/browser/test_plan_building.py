"""A coordinator builds a plan from a template through every kind of section and item,
and the plan page shows everything that was added."""

import pytest
from playwright.sync_api import expect

from plans.models import Plan, SectionKind
from tests.browser.text import fill_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Per kind: what the item form is filled with (label -> value; "select:" picks the option
# with that label, "pick" the first real option), and a text the plan page then shows.
ITEMS = {
    SectionKind.CARDS: ({"Soort": "select:Kracht", "Thema": "pick", "Tekst": "text:Veel vrijwilligers in de wijk."}, "Veel vrijwilligers in de wijk."),
    SectionKind.MATRIX: ({"Titel": "We gaan samen koken", "Impact": "select:Hoge impact", "Moeite": "pick"}, "We gaan samen koken"),
    SectionKind.FOCUS: ({"Titel": "Eenzaamheid onder ouderen", "Toelichting": "text:Een op de drie voelt zich eenzaam."}, "Eenzaamheid onder ouderen"),
    SectionKind.INTERVENTIONS: ({"Titel": "Buurtkamer", "Probleem": "text:Weinig ontmoeting."}, "Buurtkamer"),
    SectionKind.ACTIVITIES: ({"Activiteit": "Wandelclub", "Doelgroep": "Ouderen"}, "Wandelclub"),
    SectionKind.GOALS: ({"Doel": "Meer mensen doen mee", "Toelichting": "text:Gemeten met de buurtmonitor."}, "Meer mensen doen mee"),
    SectionKind.SURVEY: ({"Vraag": "Voelt u zich veilig in de buurt?", "Aantal respondenten": "120"}, "Voelt u zich veilig in de buurt?"),
    SectionKind.TIMELINE: ({"Periode": "maart 2026", "Tekst": "text:Ontwerpsessie met partners."}, "Ontwerpsessie met partners."),
}


def fill_form(page, form, values: dict) -> None:
    for label, value in values.items():
        field = form.get_by_label(label, exact=True)
        if value == "pick":
            options = field.locator("option").all()
            field.select_option(next(o.get_attribute("value") for o in options if o.get_attribute("value")))
        elif value.startswith("select:"):
            field.select_option(label=value.removeprefix("select:"))
        elif value.startswith("text:"):
            fill_text(page, field, value.removeprefix("text:"))
        else:
            field.fill(value)


def test_a_coordinator_builds_a_plan_with_every_kind_of_section(demo, login, live_server):
    page = login("coordinator")
    area = page.locator("section.area-card", has=page.get_by_role("heading", name="Binnenstad - Spoorzone"))
    area.get_by_role("link", name="Nieuw plan maken").click()
    page.get_by_label("Sjabloon").select_option(label="Gebiedsplan (Farent 2025) (Gebiedsplan, 1 jaar)")
    page.get_by_label("Eerste jaar").fill("2026")
    page.get_by_role("button", name="Plan maken").click()
    expect(page.get_by_role("heading", name="Plan bewerken")).to_be_visible()
    plan = Plan.objects.get(area=demo.binnenstad.area, period_start=2026)
    from_template = plan.sections.count()
    assert from_template > 0  # the template's chapters are there

    for kind, label in SectionKind.choices:
        form = page.locator("form.settings-add")
        form.get_by_label("Soort").select_option(kind)
        form.get_by_label("Kop").fill(f"Proef {label}")
        form.get_by_role("button", name="Toevoegen").click()
        expect(page.get_by_role("link", name=f"Proef {label}", exact=True)).to_be_visible()
    assert plan.sections.count() == from_template + len(SectionKind.choices)

    edit_url = page.url
    for kind, (values, _shown) in ITEMS.items():
        label = SectionKind(kind).label
        page.goto(edit_url)
        page.get_by_role("link", name=f"Proef {label}", exact=True).click()
        new = page.locator("form.item-editor--new")
        fill_form(page, new, values)
        new.get_by_role("button", name="Toevoegen").click()
        expect(page.locator(".item-list > li.item-editor[data-id]")).to_have_count(1)
        if kind == SectionKind.SURVEY:
            answers = page.locator(".survey-answers__add")
            answers.get_by_label("Antwoord").fill("Ja, meestal")
            answers.get_by_label("Aantal").fill("84")
            answers.get_by_role("button", name="Antwoord toevoegen").click()
            expect(page.locator(".survey-answers__list")).to_contain_text("Ja, meestal: 84")
        # The text section: its text is the section's own.
    page.goto(edit_url)
    page.get_by_role("link", name=f"Proef {SectionKind.TEXT.label}", exact=True).click()
    fill_text(page, page.get_by_label("Tekst", exact=True), "Het verhaal van een wijk in beweging.")
    page.get_by_role("button", name="Opslaan").first.click()
    expect(page.get_by_text("Het onderdeel is opgeslagen.")).to_be_visible()

    page.goto(f"{live_server.url}/plannen/{plan.code}/")
    article = page.locator("article").first
    for _values, shown in ITEMS.values():
        expect(article).to_contain_text(shown)
    expect(article).to_contain_text("Ja, meestal")
    expect(article).to_contain_text("Het verhaal van een wijk in beweging.")
