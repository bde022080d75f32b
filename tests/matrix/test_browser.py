"""A design session with the mouse and phones: a presenter and three participants.

The test server is threaded WSGI, so the event stream runs as its polling variant
(matrix.streams.polling_stream); the numbering, replay and board refresh are the same
code as under uvicorn.
"""

import re

import pytest
from django.urls import reverse

from matrix.models import DesignSession, MatrixItem
from tests.base import PASSWORD
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture
def room(browser, live_server, people, section):
    """The facilitator's big screen with a fresh session, and a way to join phones."""
    contexts = []

    def context(**options):
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        return ctx.new_page()

    presenter = context(viewport={"width": 1920, "height": 1080})
    presenter.goto(f"{live_server.url}/inloggen/")
    presenter.get_by_label("Gebruikersnaam").fill(people.facilitator.username)
    presenter.get_by_label("Wachtwoord").fill(PASSWORD)
    presenter.get_by_role("button", name="Inloggen").click()
    presenter.wait_for_url(f"{live_server.url}/")
    presenter.goto(live_server.url + people.plan.get_absolute_url())
    presenter.get_by_role("link", name="Ontwerpsessie starten").click()
    assert axe_violations(presenter) == []
    presenter.get_by_role("button", name="Sessie starten").click()
    presenter.wait_for_url(re.compile(r".*/presentatie/$"))
    code = presenter.locator(".join__code-big").inner_text().strip()

    def phone(name, organisation):
        page = context(**PHONE)
        page.goto(live_server.url + reverse("matrix:join_code", args=[code]))
        if not contexts[2:]:  # the first phone checks the join page
            assert axe_violations(page) == []
        page.get_by_label("Je naam").fill(name)
        page.get_by_label("Je organisatie").fill(organisation)
        page.get_by_role("button", name="Meedoen").click()
        page.wait_for_url(re.compile(r".*/deelnemer/$"))
        return page

    yield presenter, phone, DesignSession.objects.get(join_code=code)
    for ctx in contexts:
        ctx.close()


def add(page, title):
    page.get_by_label("We gaan …").fill(title)
    page.get_by_role("button", name="Toevoegen").click()
    page.locator(".card", has_text=title).wait_for()  # on one's own screen first


def quadrant(page, label):
    return page.get_by_role("region", name=label)


def test_everyone_sees_an_idea_and_its_move_without_reloading(room):
    presenter, phone, session = room
    anna, bert, cora = phone("Anna", "GGD"), phone("Bert", "MEE"), phone("Cora", "Gemeente")
    presenter.get_by_text("3 deelnemers").wait_for()
    assert "Anna" in presenter.locator(".joined").inner_text()

    add(anna, "We gaan een buurtkookcafé starten")
    for page in (bert, cora, presenter):
        page.locator(".card", has_text="We gaan een buurtkookcafé starten").wait_for()

    # Bert drags it onto "high impact, little effort".
    card = bert.locator(".unplaced .card", has_text="buurtkookcafé")
    card.drag_to(quadrant(bert, "Hoge impact, weinig moeite").locator(".dropzone"), source_position={"x": 30, "y": 12})
    for page in (anna, cora, presenter):
        quadrant(page, "Hoge impact, weinig moeite").locator(".card", has_text="buurtkookcafé").wait_for()

    # Cora taps it somewhere else instead.
    cora_card = cora.locator(".card", has_text="buurtkookcafé")
    cora_card.get_by_text("Verplaatsen").click()
    cora_card.get_by_role("button", name="Lage impact, veel moeite").click()
    for page in (anna, bert, presenter):
        quadrant(page, "Lage impact, veel moeite").locator(".card", has_text="buurtkookcafé").wait_for()

    assert presenter.evaluate("document.documentElement.scrollWidth") <= 1920
    for page in (anna, bert):
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(presenter) == []
    assert axe_violations(anna) == []


def test_two_people_moving_one_idea_at_once_end_on_the_same_square(room):
    presenter, phone, session = room
    anna, bert = phone("Anna", "GGD"), phone("Bert", "MEE")
    add(anna, "We gaan samen wandelen")
    bert.locator(".card", has_text="samen wandelen").wait_for()
    # Both tap at the same moment, without waiting for each other.
    anna.locator(".card", has_text="samen wandelen").get_by_role("button", name="Hoge impact, veel moeite").click(no_wait_after=True)
    bert.locator(".card", has_text="samen wandelen").get_by_role("button", name="Lage impact, weinig moeite").click(no_wait_after=True)

    def settled():
        item = session.items.get(title="We gaan samen wandelen")
        session.refresh_from_db()
        return item, session.last_event

    # Wait until every screen has seen the last event, then they must agree with the server.
    item, last = settled()
    while not item.is_placed or session.events.filter(kind="item_moved").count() < 2:
        presenter.wait_for_timeout(100)
        item, last = settled()
    label = {"high_much": "Hoge impact, veel moeite", "low_little": "Lage impact, weinig moeite"}[item.quadrant]
    for page in (anna, bert, presenter):
        page.wait_for_function(f"document.body.dataset.lastEvent >= {last}")
        quadrant(page, label).locator(".card", has_text="samen wandelen").wait_for()
        assert page.locator(".card", has_text="samen wandelen").count() == 1


def test_a_phone_that_was_offline_catches_up(room):
    presenter, phone, session = room
    anna, bert = phone("Anna", "GGD"), phone("Bert", "MEE")
    anna.wait_for_function("document.body.dataset.live === 'open'")
    anna.context.set_offline(True)
    add(bert, "We gaan de bibliotheek vragen")
    add(bert, "We gaan een wijkkrant maken")
    presenter.locator(".card", has_text="wijkkrant").wait_for()
    anna.wait_for_timeout(10_000)  # ten seconds away, as on a train
    anna.context.set_offline(False)
    anna.locator(".card", has_text="bibliotheek").wait_for(timeout=15_000)
    anna.locator(".card", has_text="wijkkrant").wait_for()


def test_dots_run_out_and_closing_puts_the_result_in_the_plan(room, live_server, people, section):
    presenter, phone, session = room
    anna = phone("Anna", "GGD")
    add(anna, "We gaan buurtkoks werven")
    card = anna.locator(".card", has_text="buurtkoks")
    card.get_by_role("button", name="Hoge impact, weinig moeite").click()
    quadrant(presenter, "Hoge impact, weinig moeite").locator(".card", has_text="buurtkoks").wait_for()

    presenter.get_by_role("button", name="3 Stemmen").click()
    anna.get_by_text("Nog 3 stippen").wait_for()
    for left in (2, 1, 0):
        anna.locator(".card", has_text="buurtkoks").get_by_role("button", name="Stip zetten").click()
        anna.get_by_text(f"Nog {left} stip").wait_for()
    assert anna.locator(".card", has_text="buurtkoks").get_by_role("button", name="Stip zetten").is_disabled()
    presenter.locator(".card", has_text="buurtkoks").get_by_text("3 stippen").wait_for()

    presenter.get_by_role("button", name="Sessie sluiten en in het plan zetten").click()
    presenter.wait_for_url(re.compile(r".*/verslag/$"))
    assert "Anna (GGD) doet mee" in presenter.content()
    assert axe_violations(presenter) == []
    anna.get_by_text("De sessie is gesloten").wait_for()

    presenter.goto(live_server.url + people.plan.get_absolute_url())
    region = presenter.get_by_role("region", name="Hoge impact, weinig moeite")
    assert "We gaan buurtkoks werven" in region.inner_text()
    assert "GGD · 3 stemmen" in region.inner_text()
    assert MatrixItem.objects.filter(section=section, votes=3).count() == 1
