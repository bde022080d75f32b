"""A coordinator sets up an execution plan with actions and a target; a partner updates an
action through a personal link; the coordinator completes the quarter's review and sees
what changed since the previous quarter."""

import pytest
from django.utils import timezone

from execution.models import Action, PartnerLinkUse
from execution.selectors import quarter_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_execution_plan_partner_update_and_quarterly_review(demo, login, live_server, browser):
    plan = demo.others[0]  # Wijkplan Sociaal Amersfoort Noord-Oost, a concept with an intervention
    year, quarter = quarter_of(timezone.localdate())
    before = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    page = login("coordinator")

    page.goto(f"{live_server.url}/plannen/{plan.code}/uitvoering/")
    new = page.locator("form", has=page.get_by_role("button", name="Uitvoeringsplan toevoegen"))
    new.get_by_label("Titel").fill("Buurtmaaltijd Kruiskamp")
    new.get_by_label("Interventie").select_option(label="Samen aan tafel")
    new.get_by_label("Kartrekker").fill("Welzijn Eemland")
    new.get_by_role("button", name="Uitvoeringsplan toevoegen").click()
    page.get_by_role("heading", name="Buurtmaaltijd Kruiskamp", level=1).wait_for()
    assert page.get_by_test_id("chain").get_by_text("Ouderen en nieuwe bewoners eten vaak alleen").first.is_visible()

    action_form = page.locator("#actie-toevoegen")
    for title, owner in (("Koken met bewoners", "Buurthuis De Kruiskamp"), ("Uitnodigen via de welkomstmap", "Welzijn Eemland")):
        action_form = page.locator("#actie-toevoegen")
        action_form.get_by_label("Titel").fill(title)
        action_form.get_by_label("Eigenaar (organisatie)").fill(owner)
        action_form.get_by_label("Gepland kwartaal").select_option(label=f"{plan.period_start}-K2")
        action_form.get_by_label("Status").select_option(label="Gepland")
        action_form.get_by_role("button", name="Actie toevoegen").click()
        page.get_by_test_id("action").filter(has_text=title).wait_for()
    target_form = page.locator("#doel-toevoegen")
    target_form.get_by_label("Doel", exact=True).fill("Meer 65-plussers aan tafel")
    target_form.get_by_label("Indicator", exact=True).select_option(label="% inwoners 65 jaar en ouder")
    target_form.get_by_label("Gebied van de indicator").select_option(label="Kruiskamp")
    target_form.get_by_label("Nulmeting", exact=True).fill("16")
    target_form.get_by_role("button", name="Doel toevoegen").click()
    page.get_by_test_id("target").filter(has_text="Meer 65-plussers aan tafel").wait_for()
    assert "gepland " + f"{plan.period_start}-K2" in page.get_by_test_id("action").first.inner_text()
    detail_url = page.url

    # Last quarter's review, completed as it was then.
    page.get_by_role("link", name=f"Kwartaalreview {year}-K{quarter}").click()
    page.get_by_role("link", name=f"‹ {before[0]}-K{before[1]}").click()
    page.get_by_label("Check: wat zien we?").fill("We beginnen net.")
    page.get_by_role("button", name="Review afronden en bevriezen").click()
    page.get_by_text("deze stand is bevroren").wait_for()

    # A personal link for the buurthuis.
    page.goto(detail_url)
    page.get_by_label("Organisatie", exact=True).select_option("Buurthuis De Kruiskamp")
    page.get_by_role("button", name="Link maken").click()
    link = page.get_by_test_id("new-link").input_value()
    assert "/partner/" in link

    partner = browser.new_context().new_page()  # no account, no session
    partner.goto(link)
    card = partner.get_by_test_id("partner-action")
    assert card.count() == 1 and "Koken met bewoners" in card.inner_text()
    card.get_by_label("Status").select_option(label="Loopt")
    card.get_by_label("Korte update").fill("Eerste maaltijd gekookt, 12 gasten.")
    card.get_by_role("button", name="Update opslaan").click()
    partner.get_by_role("status").filter(has_text="Dank je, je update is opgeslagen.").wait_for()
    assert partner.get_by_text("Dank je, je update is opgeslagen.").count() == 1
    assert PartnerLinkUse.objects.count() == 1
    assert Action.objects.get(title="Koken met bewoners").status == "running"

    # This quarter's review shows the partner's update; completing it shows the difference.
    page.goto(detail_url)
    page.get_by_role("link", name=f"Kwartaalreview {year}-K{quarter}").click()
    row = page.get_by_test_id("review-action").filter(has_text="Koken met bewoners")
    assert row.get_by_label("Korte update").input_value() == "Eerste maaltijd gekookt, 12 gasten."
    assert "Vorig kwartaal: Gepland" in row.inner_text()
    page.get_by_label("Act: wat doen we anders?").fill("Tweede kookgroep starten.")
    page.get_by_role("button", name="Review afronden en bevriezen").click()
    page.get_by_role("heading", name=f"Verschil met {before[0]}-K{before[1]}").wait_for()
    diff = page.get_by_test_id("review-diff")
    changed = diff.locator("tr.is-changed")
    assert changed.count() == 1
    assert "Koken met bewoners" in changed.inner_text() and "Loopt" in changed.inner_text()
    assert "Gepland" in changed.inner_text()  # the quarter before
