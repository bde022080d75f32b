"""Two people save the same card at the same moment, each against the revision they
loaded: the second save waits for the first and is then refused as a conflict, with
nothing of it written. On PostgreSQL a save is checked and written in one round trip
(plans.services._save_in_section), so this is what holds its guard to its lock."""

import threading
import time

import pytest
from django.db import connection, connections

from plans import services
from plans.models import Card, PlanHistoryState, Section
from tests.base import People

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backend_waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_second_save_against_the_same_revision_waits_for_the_first_and_is_refused_with_nothing_written():
    from django.db import transaction

    people = People.create(sections=[("cards", "Krachten en kansen")], themes=["Gezond leven"])
    cards = people.plan.sections.get(kind="cards")
    card = services.card_add(section=cards, kind=cards.card_kinds.first(), theme=people.plan.themes.first(), text="Een.")
    loaded = Section.objects.get(pk=cards.pk).revision  # what both people's forms carry
    kept = PlanHistoryState.objects.filter(plan=people.plan).count()

    first_written, release = threading.Event(), threading.Event()
    outcome: dict = {}
    second_pid: dict = {}

    def save(name, text, hold):
        try:
            item = Card.objects.get(pk=card.pk)
            item.section = Section.objects.select_related("plan").get(pk=cards.pk)
            if name == "second":
                second_pid[name] = connections["default"].connection.info.backend_pid
            # As in a request: the refusal is answered (the conflict view) in the same
            # transaction, which then commits.
            with transaction.atomic():
                try:
                    services.content_update(item=item, expected_revision=loaded, text=text)
                except services.StaleEdit as stale:
                    outcome[name] = ("stale", stale.section.revision)
                    return
                if hold:
                    first_written.set()
                    release.wait(timeout=30)
            outcome[name] = "saved"
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            outcome[name] = error
        finally:
            connections.close_all()

    first = threading.Thread(target=save, args=("first", "<p>Van de eerste.</p>", True))
    first.start()
    assert first_written.wait(timeout=30), outcome
    second = threading.Thread(target=save, args=("second", "<p>Van de tweede.</p>", False))
    second.start()
    # The second save is sent and waits on the section's lock, held by the first.
    for _ in range(300):
        if "second" in second_pid and _backend_waits_for_a_lock(second_pid["second"]):
            break
        time.sleep(0.01)
    else:
        release.set()
        pytest.fail(f"the second save did not wait for the first: {outcome}")
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert outcome["first"] == "saved"
    assert outcome["second"] == ("stale", loaded + 1)  # it sees the first save's revision
    assert Card.objects.get(pk=card.pk).text == "<p>Van de eerste.</p>"
    assert Section.objects.get(pk=cards.pk).revision == loaded + 1
    assert PlanHistoryState.objects.filter(plan=people.plan).count() == kept + 1
