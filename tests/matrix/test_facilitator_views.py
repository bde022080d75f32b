"""The facilitator's pages: starting a session, the presenter screen, its controls, the record."""

import pytest
from django.urls import reverse

from matrix import services
from matrix.models import DesignSession, MatrixItem

pytestmark = pytest.mark.django_db


class TestSessionNew:
    def url(self, people):
        return reverse("matrix:session_new", args=[people.plan.code])

    def test_it_offers_the_plans_matrix_sections(self, client, people):
        client.force_login(people.facilitator)
        response = client.get(self.url(people))
        assert response.status_code == 200
        assert "matrix/session_new.html" in [t.name for t in response.templates]
        assert "Impact/effort matrix" in response.content.decode()

    def test_it_starts_a_session_and_opens_the_presenter(self, client, people, section):
        client.force_login(people.coordinator)
        response = client.post(self.url(people), {"section": section.code, "vote_limit": "5", "title": "Sessie"})
        session = DesignSession.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("matrix:presenter", args=[session.code])
        assert (session.vote_limit, session.title, session.started_by) == (5, "Sessie", people.coordinator)

    def test_it_requires_login(self, client, people):
        response = client.get(self.url(people))
        assert response.status_code == 302 and "/inloggen/" in response["Location"]

    def test_it_refuses_a_manager_and_hides_from_an_outsider(self, client, people, section):
        client.force_login(people.manager)
        assert client.post(self.url(people), {"section": section.code}).status_code == 403
        client.force_login(people.outsider)
        assert client.get(self.url(people)).status_code == 404
        assert not DesignSession.objects.exists()

    def test_it_rejects_the_wrong_method(self, client, people):
        client.force_login(people.facilitator)
        assert client.put(self.url(people)).status_code == 405

    def test_htmx_gets_the_session_list(self, client, people, session):
        client.force_login(people.facilitator)
        body = client.get(self.url(people), HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="session-list"' in body and "Verslag" in body


class TestPresenter:
    def url(self, session):
        return reverse("matrix:presenter", args=[session.code])

    def test_it_shows_the_matrix_code_qr_and_who_joined(self, client, people, session, join):
        join(session, "Anna", "GGD")
        join(session, "Bert", "MEE")
        join(session, "Cora", "GGD")
        client.force_login(people.facilitator)
        response = client.get(self.url(session))
        body = response.content.decode()
        assert response.status_code == 200
        assert session.join_code in body and "<svg" in body
        for label in ("Hoge impact", "Lage impact", "Weinig moeite", "Veel moeite"):
            assert label in body
        assert "3 deelnemers" in body
        assert "Anna, Cora" in body and "Bert" in body

    def test_it_requires_login_and_a_role(self, client, people, session):
        assert client.get(self.url(session)).status_code == 302
        client.force_login(people.manager)
        assert client.get(self.url(session)).status_code == 403
        client.force_login(people.outsider)
        assert client.get(self.url(session)).status_code == 404

    def test_it_rejects_the_wrong_method(self, client, people, session):
        client.force_login(people.facilitator)
        assert client.post(self.url(session)).status_code == 405

    def test_htmx_gets_the_board_only(self, client, people, session):
        client.force_login(people.facilitator)
        body = client.get(self.url(session), HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="board"' in body and "<svg" not in body


class TestControl:
    def url(self, session):
        return reverse("matrix:control", args=[session.code])

    def test_it_moves_the_phase_and_everyone_sees_it(self, client, people, session, join):
        phone, _anna = join(session)
        client.force_login(people.facilitator)
        response = client.post(self.url(session), {"action": "phase", "phase": "vote"})
        assert response.status_code == 302
        session.refresh_from_db()
        assert session.phase == "vote"
        assert "Nog 3 stippen" in phone.get(reverse("matrix:participant", args=[session.code])).content.decode()

    def test_it_closes_joining_and_removes_a_participant(self, client, people, session, join):
        phone, anna = join(session)
        client.force_login(people.facilitator)
        client.post(self.url(session), {"action": "joining", "open": "0"})
        client.post(self.url(session), {"action": "remove", "participant": anna.pk})
        anna.refresh_from_db()
        session.refresh_from_db()
        assert anna.removed and not session.joining_open
        response = phone.post(reverse("matrix:item_add", args=[session.code]), {"title": "We gaan"})
        assert response.status_code == 403

    def test_it_starts_a_timer_and_locks_the_board(self, client, people, session):
        client.force_login(people.facilitator)
        client.post(self.url(session), {"action": "timer", "minutes": "5"})
        client.post(self.url(session), {"action": "lock", "locked": "1"})
        session.refresh_from_db()
        assert session.timer_end is not None and session.locked
        body = client.get(reverse("matrix:presenter", args=[session.code])).content.decode()
        assert "Bord vergrendeld" in body and "data-ends=" in body

    def test_it_edits_merges_and_removes_items(self, client, people, session):
        a = services.item_add(session=session, title="We gaan kokn")
        b = services.item_add(session=session, title="We gaan samen koken")
        c = services.item_add(session=session, title="We gaan weg")
        client.force_login(people.facilitator)
        client.post(self.url(session), {"action": "item_update", "item": a.pk, "title": "We gaan koken", "text": ""})
        client.post(self.url(session), {"action": "merge", "item": a.pk, "into": b.pk})
        client.post(self.url(session), {"action": "item_remove", "item": c.pk})
        a.refresh_from_db()
        c.refresh_from_db()
        assert a.title == "We gaan koken" and a.merged_into == b and c.removed

    def test_closing_puts_the_items_in_the_plan_page(self, client, people, session, join, section):
        phone, anna = join(session, "Anna", "GGD")
        item = services.item_add(session=session, participant=anna, title="We gaan buurtkoks werven")
        services.item_move(session=session, participant=anna, item=item, impact="high", effort="little")
        services.phase_set(session=session, phase="vote")
        services.item_vote(session=session, participant=anna, item=item)
        services.item_vote(session=session, participant=anna, item=item)
        client.force_login(people.facilitator)
        response = client.post(self.url(session), {"action": "close"})
        assert response.status_code == 302
        assert response["Location"] == reverse("matrix:record", args=[session.code])
        assert MatrixItem.objects.filter(section=section).count() == 1
        body = client.get(people.plan.get_absolute_url()).content.decode()
        assert "We gaan buurtkoks werven" in body and "GGD · 2 stemmen" in body

    def test_a_refused_change_is_told_to_the_facilitator(self, client, people, session):
        services.session_close(session=session)
        client.force_login(people.facilitator)
        response = client.post(self.url(session), {"action": "lock", "locked": "1"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 409 and "gesloten" in response.content.decode()

    def test_it_requires_login_and_a_role(self, client, people, session):
        assert client.post(self.url(session), {"action": "lock", "locked": "1"}).status_code == 302
        client.force_login(people.manager)
        assert client.post(self.url(session), {"action": "lock", "locked": "1"}).status_code == 403
        client.force_login(people.outsider)
        assert client.post(self.url(session), {"action": "lock", "locked": "1"}).status_code == 404
        session.refresh_from_db()
        assert not session.locked

    def test_it_rejects_the_wrong_method_and_unknown_actions(self, client, people, session):
        client.force_login(people.facilitator)
        assert client.get(self.url(session)).status_code == 405
        assert client.post(self.url(session), {"action": "explode"}).status_code == 400

    def test_htmx_gets_the_board(self, client, people, session):
        client.force_login(people.facilitator)
        response = client.post(self.url(session), {"action": "phase", "phase": "place"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and 'data-phase="place"' in body


class TestRecord:
    def url(self, session):
        return reverse("matrix:record", args=[session.code])

    def test_it_shows_who_joined_and_what_happened_when(self, client, people, session, join):
        join(session, "Anna", "GGD")
        services.item_add(session=session, title="We gaan buurtkoks werven")
        services.session_close(session=session)
        for person in (people.facilitator, people.coordinator):
            client.force_login(person)
            body = client.get(self.url(session)).content.decode()
            assert "Anna (GGD) doet mee" in body
            assert "idee “We gaan buurtkoks werven” toegevoegd" in body
            assert "sessie gesloten" in body

    def test_it_requires_login_and_a_role(self, client, people, session):
        assert client.get(self.url(session)).status_code == 302
        client.force_login(people.manager)
        assert client.get(self.url(session)).status_code == 403
        client.force_login(people.outsider)
        assert client.get(self.url(session)).status_code == 404

    def test_it_rejects_the_wrong_method(self, client, people, session):
        client.force_login(people.facilitator)
        assert client.post(self.url(session)).status_code == 405

    def test_htmx_gets_the_events(self, client, people, session):
        client.force_login(people.facilitator)
        body = client.get(self.url(session), HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in body and 'id="events"' in body


class TestPlanPageLink:
    def test_facilitator_and_coordinator_see_the_link_manager_does_not(self, client, people):
        url = reverse("matrix:session_new", args=[people.plan.code])
        for person, expected in ((people.manager, False), (people.facilitator, True), (people.coordinator, True)):
            client.force_login(person)
            body = client.get(people.plan.get_absolute_url()).content.decode()
            assert (url in body) is expected, person


class TestItemFocus:
    @pytest.fixture
    def people(self, db):
        from tests.base import People

        return People.create(sections=[("matrix", "Impact/effort matrix"), ("focus", "Focus")])

    def closed(self, session, join):
        phone, anna = join(session, "Anna", "GGD")
        item = services.item_add(session=session, participant=anna, title="We gaan buurtkoks werven")
        services.item_move(session=session, item=item, impact="high", effort="little")
        services.phase_set(session=session, phase="vote")
        services.item_vote(session=session, participant=anna, item=item)
        services.session_close(session=session)
        return item

    def url(self, session, item):
        return reverse("matrix:item_focus", args=[session.code, item.pk])

    def test_the_coordinator_turns_an_idea_into_a_focus_point(self, client, people, session, join):
        from plans.models import FocusPoint

        item = self.closed(session, join)
        client.force_login(people.coordinator)
        assert "Focuspunt maken" in client.get(reverse("matrix:record", args=[session.code])).content.decode()
        response = client.post(self.url(session, item), follow=True)
        assert "is een focuspunt van het plan" in response.content.decode()
        point = FocusPoint.objects.get()
        assert point.title == "We gaan buurtkoks werven"
        assert "voorgesteld door GGD, 1 stem" in point.qualitative
        body = client.get(people.plan.get_absolute_url()).content.decode()
        assert body.count("We gaan buurtkoks werven") == 2  # in the matrix and as a focus point
        client.post(self.url(session, item))
        assert FocusPoint.objects.count() == 1

    def test_only_the_coordinator_may(self, client, people, session, join):
        from plans.models import FocusPoint

        item = self.closed(session, join)
        assert client.post(self.url(session, item)).status_code == 302  # login
        client.force_login(people.facilitator)
        assert "Focuspunt maken" not in client.get(reverse("matrix:record", args=[session.code])).content.decode()
        assert client.post(self.url(session, item)).status_code == 403
        client.force_login(people.outsider)
        assert client.post(self.url(session, item)).status_code == 404
        assert not FocusPoint.objects.exists()

    def test_it_rejects_the_wrong_method(self, client, people, session, join):
        item = self.closed(session, join)
        client.force_login(people.coordinator)
        assert client.get(self.url(session, item)).status_code == 405
