"""The session services: ordering, phases, limits, and closing into the plan."""

import pytest

from matrix import services
from matrix.models import JOIN_CODE_ALPHABET, DesignSession, MatrixItem, SessionEvent
from matrix.selectors import events_since, session_board
from plans.services import content_add

pytestmark = pytest.mark.django_db


def _join(session, name="Anna", organisation="GGD"):
    return services.session_join(session=session, name=name, organisation=organisation)


class TestSessionStart:
    def test_it_makes_a_short_unambiguous_join_code(self, session):
        assert len(session.join_code) == 6
        assert set(session.join_code) <= set(JOIN_CODE_ALPHABET)
        assert not set(session.join_code) & set("0O1lI")

    def test_it_puts_the_plans_current_items_on_the_board(self, people, section):
        content_add(MatrixItem, section=section, title="We gaan samen koken", impact="high", effort="little")
        session = services.session_start(section=section, user=people.facilitator)
        assert [(i.title, i.quadrant) for i in session.items.all()] == [("We gaan samen koken", "high_little")]

    def test_it_refuses_a_section_that_is_not_a_matrix(self, people):
        text = people.plan.sections.get(kind="text")
        with pytest.raises(services.SessionRefused):
            services.session_start(section=text, user=people.facilitator)


class TestEvents:
    def test_it_numbers_every_change_in_order(self, session):
        anna = _join(session)
        item = services.item_add(session=session, participant=anna, title="We gaan buurtkoks werven")
        services.item_move(session=session, participant=anna, item=item, impact="high", effort="little")
        services.phase_set(session=session, phase="vote")
        services.item_vote(session=session, participant=anna, item=item)
        events = list(SessionEvent.objects.filter(session=session).order_by("seq"))
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
        assert [e.kind for e in events] == ["started", "joined", "item_added", "item_moved", "phase", "vote"]
        session.refresh_from_db()
        assert session.last_event == 6

    def test_it_replays_exactly_what_came_after_an_id(self, session):
        anna = _join(session)
        for n in range(5):
            services.item_add(session=session, participant=anna, title=f"We gaan {n}")
        session.refresh_from_db()
        assert [e.seq for e in events_since(session, 4)] == [5, 6, 7]
        assert events_since(session, 7) == []

    def test_it_asks_a_screen_far_behind_to_reload_the_board(self, session, settings):
        from matrix import selectors

        anna = _join(session)
        for n in range(selectors.MAX_REPLAY + 1):
            services.item_add(session=session, participant=anna, title=f"We gaan {n}")
        session.refresh_from_db()
        assert events_since(session, 0) is None
        assert len(events_since(session, session.last_event - 3)) == 3

    def test_the_later_of_two_moves_of_one_item_is_where_it_ends(self, session):
        anna, bert = _join(session), _join(session, "Bert", "MEE")
        item = services.item_add(session=session, participant=anna, title="We gaan wandelen")
        services.item_move(session=session, participant=anna, item=item, impact="high", effort="much")
        stale = session.items.get(pk=item.pk)  # Bert's screen still shows it unplaced
        services.item_move(session=session, participant=bert, item=stale, impact="low", effort="little")
        item.refresh_from_db()
        assert item.quadrant == "low_little"
        last = SessionEvent.objects.filter(session=session).latest("seq")
        assert last.data["impact"] == "low" and last.data["effort"] == "little"


class TestRules:
    def test_it_refuses_a_removed_participant(self, session):
        anna = _join(session)
        services.participant_remove(session=session, participant=anna)
        with pytest.raises(services.SessionRefused):
            services.item_add(session=session, participant=anna, title="We gaan toch iets doen")

    def test_it_refuses_joining_once_closed_for_joining(self, session):
        services.joining_set(session=session, open=False)
        with pytest.raises(services.SessionRefused):
            _join(session)

    def test_it_holds_the_vote_limit(self, session):
        services.vote_limit_set(session=session, vote_limit=2)
        anna = _join(session)
        item = services.item_add(session=session, participant=anna, title="We gaan stemmen")
        services.phase_set(session=session, phase="vote")
        assert services.item_vote(session=session, participant=anna, item=item) == 1
        assert services.item_vote(session=session, participant=anna, item=item) == 0
        with pytest.raises(services.SessionRefused):
            services.item_vote(session=session, participant=anna, item=item)
        assert services.item_vote(session=session, participant=anna, item=item, add=False) == 1

    def test_it_refuses_participants_on_a_locked_board(self, session):
        anna = _join(session)
        services.lock_set(session=session, locked=True)
        with pytest.raises(services.SessionRefused):
            services.item_add(session=session, participant=anna, title="We gaan")

    def test_hidden_ideas_are_seen_only_by_their_proposer_until_revealed(self, people, section):
        session = services.session_start(section=section, user=people.facilitator, hide_items=True)
        anna, bert = _join(session), _join(session, "Bert", "MEE")
        services.item_add(session=session, participant=anna, title="We gaan geheim plannen")
        assert [i.title for i in session_board(session, participant=anna).unplaced] == ["We gaan geheim plannen"]
        assert session_board(session, participant=bert).unplaced == []
        assert session_board(session, participant=bert).hidden_count == 1
        assert "geheim" not in str(SessionEvent.objects.filter(session=session).latest("seq").data)
        services.phase_set(session=session, phase="place")
        assert [i.title for i in session_board(session, participant=bert).unplaced] == ["We gaan geheim plannen"]

    def test_merging_moves_the_dots(self, session):
        anna = _join(session)
        a = services.item_add(session=session, participant=anna, title="We gaan koken")
        b = services.item_add(session=session, participant=anna, title="We gaan samen koken")
        services.phase_set(session=session, phase="vote")
        services.item_vote(session=session, participant=anna, item=a)
        services.items_merge(session=session, item=a, into=b)
        board = session_board(session)
        assert [(i.title, i.dots) for i in board.unplaced] == [("We gaan samen koken", 1)]


class TestClose:
    def test_it_writes_the_placed_items_into_the_plan_as_one_revision(self, people, session, section):
        anna, bert = _join(session), _join(session, "Bert", "MEE")
        a = services.item_add(session=session, participant=anna, title="We gaan buurtkoks werven")
        b = services.item_add(session=session, participant=bert, title="We gaan een loket openen")
        services.item_add(session=session, participant=bert, title="We gaan nergens heen")  # stays unplaced
        services.item_move(session=session, participant=anna, item=a, impact="high", effort="little")
        services.item_move(session=session, participant=bert, item=b, impact="high", effort="little")
        services.phase_set(session=session, phase="vote")
        services.item_vote(session=session, participant=anna, item=b)
        services.item_vote(session=session, participant=bert, item=b)
        services.item_vote(session=session, participant=bert, item=a)
        people.plan.refresh_from_db()
        before = people.plan.revision

        revision = services.session_close(session=session)

        people.plan.refresh_from_db()
        assert revision == people.plan.revision == before + 1
        items = list(MatrixItem.objects.filter(section=section).order_by("order"))
        assert [(i.title, i.proposed_by, i.votes, i.impact, i.effort) for i in items] == [
            ("We gaan een loket openen", "MEE", 2, "high", "little"),
            ("We gaan buurtkoks werven", "GGD", 1, "high", "little"),
        ]
        session.refresh_from_db()
        assert session.phase == DesignSession.Phase.CLOSED and session.plan_revision == revision
        with pytest.raises(services.SessionRefused):
            services.item_add(session=session, participant=anna, title="We gaan na afloop")


class TestAdoptedPlan:
    def test_an_adopted_plan_takes_no_session_and_no_result(self, people, session, section):
        from plans.models import Plan

        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        with pytest.raises(services.SessionRefused):
            services.session_start(section=section, user=people.facilitator)
        with pytest.raises(services.SessionRefused):
            services.session_close(session=session)
        session.refresh_from_db()
        assert session.phase != DesignSession.Phase.CLOSED

    def test_closing_is_one_entry_in_the_plans_history(self, people, session):
        from plans.history import plan_history

        before = len(plan_history(people.plan))
        services.item_add(session=session, title="We gaan")
        services.session_close(session=session)
        entries = plan_history(people.plan)
        assert len(entries) == before + 1
