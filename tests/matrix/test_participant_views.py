"""Participants: joining with a code, no account; the cookie admits to one session only."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from matrix import services
from matrix.models import Participant, SessionItem, Vote
from matrix.selectors import cookie_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_window():
    """Rate limits count per clock-aligned window: keep a test inside one window, so a
    slow machine crossing a minute boundary cannot reset the count halfway."""
    with mock.patch("django_ratelimit.core._get_window", return_value=2_000_000_000):
        yield


def page(session):
    return reverse("matrix:participant", args=[session.code])


class TestJoin:
    url = reverse("matrix:join")

    def test_it_shows_the_form_with_the_code_from_the_qr_code(self, client, session):
        response = client.get(reverse("matrix:join_code", args=[session.join_code]))
        assert response.status_code == 200
        assert "matrix/join.html" in [t.name for t in response.templates]
        assert f'value="{session.join_code}"' in response.content.decode()

    def test_it_lets_a_person_in_with_a_cookie_for_this_session_only(self, client, session):
        typed = session.join_code.lower()[:3] + " " + session.join_code.lower()[3:]
        response = client.post(self.url, {"code": typed, "name": "Anna", "organisation": "GGD"})
        assert response.status_code == 302 and response["Location"] == page(session)
        participant = Participant.objects.get()
        assert (participant.name, participant.organisation) == ("Anna", "GGD")
        cookie = response.cookies[cookie_name(session)]
        assert cookie["httponly"] and cookie["path"] == f"/sessies/{session.code}/"
        assert "Anna · GGD" in client.get(page(session)).content.decode()

    def test_it_refuses_an_unknown_code_and_a_closed_session(self, client, session):
        response = client.post(self.url, {"code": "ABCDEF" if session.join_code != "ABCDEF" else "ABCDEG",
                                          "name": "Anna", "organisation": "GGD"})
        assert response.status_code == 404 and "Deze code kennen we niet" in response.content.decode()
        services.session_close(session=session)
        response = client.post(self.url, {"code": session.join_code, "name": "Anna", "organisation": "GGD"})
        assert response.status_code == 404
        assert not Participant.objects.exists()

    def test_it_refuses_when_the_facilitator_closed_joining(self, client, session):
        services.joining_set(session=session, open=False)
        response = client.post(self.url, {"code": session.join_code, "name": "Anna", "organisation": "GGD"})
        assert response.status_code == 409 and "gesloten" in response.content.decode()
        assert not Participant.objects.exists()

    def test_it_throttles_code_guessing(self, client, session, one_window):
        for n in range(10):
            response = client.post(self.url, {"code": f"ZZZZZ{n}", "name": "X", "organisation": "Y"})
            assert response.status_code == 404
        # Even the right code is refused while the address is throttled.
        response = client.post(self.url, {"code": session.join_code, "name": "X", "organisation": "Y"})
        assert response.status_code == 429 and "Te veel pogingen" in response.content.decode()
        assert not Participant.objects.exists()

    def test_a_whole_room_can_join_from_one_network(self, session):
        for n in range(30):
            response = Client().post(self.url, {"code": session.join_code, "name": f"P{n}", "organisation": "GGD"})
            assert response.status_code == 302
        assert session.participants.count() == 30

    def test_it_rejects_the_wrong_method(self, client):
        assert client.put(self.url).status_code == 405

    def test_htmx_gets_the_form_only(self, client):
        body = client.get(self.url, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="join-form"' in body


class TestParticipantPage:
    def test_it_shows_the_board_to_a_participant(self, session, join):
        phone, _ = join(session)
        services.item_add(session=session, title="We gaan buurtkoks werven")
        response = phone.get(page(session))
        assert response.status_code == 200
        assert "matrix/participant.html" in [t.name for t in response.templates]
        assert "We gaan buurtkoks werven" in response.content.decode()

    def test_without_a_cookie_it_sends_you_to_the_join_page(self, client, session):
        response = client.get(page(session))
        assert response.status_code == 302 and response["Location"] == reverse("matrix:join")

    def test_the_cookie_admits_to_no_other_session_and_no_plan_page(self, people, section, session, join):
        phone, _ = join(session)
        other = services.session_start(section=section, user=people.facilitator)
        # Copy the cookie under the other session's name: its signature is bound to the first session.
        phone.cookies[cookie_name(other)] = phone.cookies[cookie_name(session)].value
        assert phone.get(page(other)).status_code == 302
        assert phone.post(reverse("matrix:item_add", args=[other.code]), {"title": "We gaan"}).status_code == 403
        assert phone.get(people.plan.get_absolute_url()).status_code == 302  # to the login page
        assert phone.get(reverse("matrix:presenter", args=[session.code])).status_code == 302
        assert phone.post(reverse("matrix:control", args=[session.code]), {"action": "close"}).status_code == 302
        assert phone.get(reverse("plans:area_list")).status_code == 302
        assert not other.items.exists()

    def test_a_removed_participant_is_refused(self, session, join):
        phone, anna = join(session)
        services.participant_remove(session=session, participant=anna)
        assert phone.get(page(session)).status_code == 403
        assert phone.post(reverse("matrix:item_add", args=[session.code]), {"title": "We gaan"}).status_code == 403
        assert not session.items.exists()

    def test_it_rejects_the_wrong_method(self, session, join):
        phone, _ = join(session)
        assert phone.post(page(session)).status_code == 405

    def test_htmx_gets_the_board_only(self, session, join):
        phone, _ = join(session)
        body = phone.get(page(session), HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="board"' in body


class TestItemAdd:
    def url(self, session):
        return reverse("matrix:item_add", args=[session.code])

    def test_it_adds_an_idea_with_the_proposing_organisation(self, session, join):
        phone, anna = join(session)
        response = phone.post(self.url(session), {"title": "We gaan  buurtkoks werven", "text": "Met de GGD"})
        assert response.status_code == 302 and response["Location"] == page(session)
        item = SessionItem.objects.get()
        assert (item.title, item.text, item.proposer, item.proposed_by) == (
            "We gaan buurtkoks werven", "Met de GGD", anna, "GGD")

    def test_it_tells_why_an_empty_idea_is_refused(self, session, join):
        phone, _ = join(session)
        response = phone.post(self.url(session), {"title": "  "}, follow=True)
        assert "Schrijf op wat we gaan doen." in response.content.decode()
        response = phone.post(self.url(session), {"title": " "}, HTTP_HX_REQUEST="true")
        assert response.status_code == 409
        assert not SessionItem.objects.exists()

    def test_it_needs_a_participant_or_facilitator(self, client, people, session):
        assert client.post(self.url(session), {"title": "We gaan"}).status_code == 403
        client.force_login(people.manager)
        assert client.post(self.url(session), {"title": "We gaan"}).status_code == 403
        client.force_login(people.outsider)
        assert client.post(self.url(session), {"title": "We gaan"}).status_code == 404
        client.force_login(people.facilitator)
        assert client.post(self.url(session), {"title": "We gaan"}).status_code == 302
        assert SessionItem.objects.count() == 1

    def test_it_throttles_a_flood_of_writes(self, session, join, one_window):
        phone, _ = join(session)
        statuses = [phone.post(self.url(session), {"title": f"We gaan {n}"}).status_code for n in range(125)]
        assert statuses.count(302) == 120 and statuses[-1] == 429

    def test_it_rejects_the_wrong_method(self, session, join):
        phone, _ = join(session)
        assert phone.get(self.url(session)).status_code == 405

    def test_htmx_gets_the_board_with_the_new_idea(self, session, join):
        phone, _ = join(session)
        body = phone.post(self.url(session), {"title": "We gaan koken"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="board"' in body and "We gaan koken" in body


class TestItemMove:
    def url(self, session, item):
        return reverse("matrix:item_move", args=[session.code, item.pk])

    def test_a_tap_places_an_idea_in_a_quadrant(self, session, join):
        phone, anna = join(session)
        item = services.item_add(session=session, participant=anna, title="We gaan koken")
        assert phone.post(self.url(session, item), {"place": "low_much"}).status_code == 302
        item.refresh_from_db()
        assert item.quadrant == "low_much"
        assert phone.post(self.url(session, item), {"impact": "high"}).status_code == 302
        item.refresh_from_db()
        assert item.quadrant == "high_much"

    def test_it_refuses_moves_in_the_vote_phase_and_on_a_locked_board(self, session, join):
        phone, anna = join(session)
        item = services.item_add(session=session, participant=anna, title="We gaan koken")
        services.lock_set(session=session, locked=True)
        assert phone.post(self.url(session, item), {"place": "low_much"}, HTTP_HX_REQUEST="true").status_code == 409
        services.lock_set(session=session, locked=False)
        services.phase_set(session=session, phase="vote")
        assert phone.post(self.url(session, item), {"place": "low_much"}, HTTP_HX_REQUEST="true").status_code == 409
        item.refresh_from_db()
        assert not item.is_placed

    def test_an_item_of_another_session_is_not_found(self, people, section, session, join):
        phone, _ = join(session)
        other = services.session_start(section=section, user=people.facilitator)
        item = services.item_add(session=other, title="We gaan elders")
        assert phone.post(self.url(session, item), {"place": "low_much"}).status_code == 404

    def test_it_needs_a_participant(self, client, session):
        item = services.item_add(session=session, title="We gaan koken")
        assert client.post(self.url(session, item), {"place": "low_much"}).status_code == 403

    def test_it_rejects_the_wrong_method(self, session, join):
        phone, _ = join(session)
        item = services.item_add(session=session, title="We gaan koken")
        assert phone.get(self.url(session, item)).status_code == 405

    def test_htmx_gets_the_board(self, session, join):
        phone, _ = join(session)
        item = services.item_add(session=session, title="We gaan koken")
        body = phone.post(self.url(session, item), {"place": "high_little"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'aria-pressed="true"' in body


class TestItemVote:
    def url(self, session, item):
        return reverse("matrix:item_vote", args=[session.code, item.pk])

    def test_it_counts_dots_down_to_the_limit(self, session, join):
        phone, anna = join(session)
        item = services.item_add(session=session, title="We gaan koken")
        services.phase_set(session=session, phase="vote")
        for left in (2, 1, 0):
            body = phone.post(self.url(session, item), {"dot": "add"}, follow=True).content.decode()
            assert f"Nog {left} stip" in body
        assert phone.post(self.url(session, item), {"dot": "add"}, HTTP_HX_REQUEST="true").status_code == 409
        assert Vote.objects.filter(participant=anna).count() == 3
        phone.post(self.url(session, item), {"dot": "remove"})
        assert Vote.objects.filter(participant=anna).count() == 2

    def test_only_participants_vote(self, client, people, session):
        item = services.item_add(session=session, title="We gaan koken")
        services.phase_set(session=session, phase="vote")
        assert client.post(self.url(session, item)).status_code == 403
        client.force_login(people.facilitator)
        assert client.post(self.url(session, item)).status_code == 403
        assert not Vote.objects.exists()

    def test_it_rejects_the_wrong_method(self, session, join):
        phone, _ = join(session)
        item = services.item_add(session=session, title="We gaan koken")
        assert phone.get(self.url(session, item)).status_code == 405

    def test_htmx_gets_the_board(self, session, join):
        phone, _ = join(session)
        item = services.item_add(session=session, title="We gaan koken")
        services.phase_set(session=session, phase="vote")
        body = phone.post(self.url(session, item), {"dot": "add"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and "Nog 2 stippen" in body and "1 stip van jou" in body
