"""Every change to a plan is kept with who and when; a section or the whole plan can be
put back to an earlier version, and that is a new version itself."""

import pytest
from django.urls import reverse

from matrix.models import MatrixItem
from plans import services
from plans.history import plan_history
from plans.models import Card, Plan
from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Versie een."), ("cards", "Krachten en kansen"), ("matrix", "Matrix")]


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def history_url(plan) -> str:
    return reverse("plans:plan_history", args=[plan.code])


def section_url(section) -> str:
    return reverse("plans:section_edit", args=[section.plan.code, section.code])


def save_story(client, story, text):
    story.refresh_from_db()
    return client.post(section_url(story), {"action": "section-save", "revision": story.revision, "heading": story.heading, "intro": text})


def test_every_save_is_kept_with_who_and_what_changed(client, people):
    client.force_login(people.coordinator)
    story = people.plan.sections.get(kind="text")
    save_story(client, story, "Versie twee.")
    newest = plan_history(people.plan)[0]
    assert newest.revision.user == people.coordinator
    assert [c.heading for c in newest.changes] == ["Het verhaal"]
    response = client.get(history_url(people.plan))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<del>een.</del>" in body and "<ins>twee.</ins>" in body


def test_only_the_coordinator_sees_and_restores(client, people):
    assert client.get(history_url(people.plan)).status_code == 302
    for person, status in [(people.manager, 403), (people.facilitator, 403), (people.outsider, 404)]:
        client.force_login(person)
        assert client.get(history_url(people.plan)).status_code == status
        assert client.post(history_url(people.plan), {"revision_id": "1"}).status_code == status


def test_restoring_the_whole_plan_round_trips_and_is_a_revision_itself(client, people):
    client.force_login(people.coordinator)
    plan, story = people.plan, people.plan.sections.get(kind="text")
    cards = plan.sections.get(kind="cards")
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Blijft")
    kept = plan_history(plan)[0].revision
    page_then = client.get(plan.get_absolute_url()).content.decode()
    save_story(client, story, "Versie twee.")
    services.content_delete(item=Card.objects.get(text="Blijft"))
    services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Later")
    services.section_add(plan=plan, kind="text", heading="Nieuw hoofdstuk", intro="Weg ermee.")
    revision_before = Plan.objects.get(pk=plan.pk).revision

    response = client.post(history_url(plan), {"revision_id": kept.pk})
    assert response.status_code == 302
    restored = Plan.objects.get(pk=plan.pk)
    assert restored.revision == revision_before + 1  # past everything it ever was
    assert list(Card.objects.filter(plan=plan).values_list("text", flat=True)) == ["Blijft"]
    assert not plan.sections.filter(heading="Nieuw hoofdstuk").exists()
    assert plan.sections.get(kind="text").intro == "Versie een."
    page_now = client.get(plan.get_absolute_url()).content.decode()
    assert page_now.split('<article class="plan"')[1] == page_then.split('<article class="plan"')[1]
    assert "Hersteld naar de versie van" in plan_history(plan)[0].revision.comment


def test_restoring_one_section_leaves_the_others_as_they_are(client, people):
    client.force_login(people.coordinator)
    plan = people.plan
    matrix, story = plan.sections.get(kind="matrix"), plan.sections.get(kind="text")
    services.content_add(MatrixItem, section=matrix, title="We gaan koken", impact="high", effort="little")
    kept = plan_history(plan)[0].revision
    services.content_update(item=MatrixItem.objects.get(), title="We gaan samen eten")
    services.content_add(MatrixItem, section=matrix, title="We gaan wandelen", impact="low", effort="much")
    save_story(client, story, "Later verhaal.")
    client.post(history_url(plan), {"revision_id": kept.pk, "section_id": matrix.pk})
    assert list(MatrixItem.objects.filter(section=matrix).values_list("title", flat=True)) == ["We gaan koken"]
    assert plan.sections.get(kind="text").intro == "<p>Later verhaal.</p>"
    # An edit form opened before the restore no longer matches: it cannot overwrite it.
    with pytest.raises(services.StaleEdit):
        services.content_update(item=MatrixItem.objects.get(), title="Oud formulier", expected_revision=matrix.revision)


def test_an_adopted_plan_cannot_be_restored(client, people):
    client.force_login(people.coordinator)
    first = plan_history(people.plan)[-1].revision
    save_story(client, people.plan.sections.get(kind="text"), "Versie twee.")
    Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
    response = client.post(history_url(people.plan), {"revision_id": first.pk}, follow=True)
    assert "vastgesteld" in response.content.decode()
    assert people.plan.sections.get(kind="text").intro == "<p>Versie twee.</p>"


def test_a_revision_of_another_plan_is_refused(client, people, demo):
    client.force_login(people.coordinator)
    other = plan_history(demo.binnenstad)[0].revision
    response = client.post(history_url(people.plan), {"revision_id": other.pk}, follow=True)
    assert "Deze versie hoort niet bij dit plan." in response.content.decode()


def test_the_history_compares_the_words_a_reader_sees_not_the_html(client, people):
    client.force_login(people.coordinator)
    story = people.plan.sections.get(kind="text")
    save_story(client, story, "<p>De wijk <strong>leeft</strong>.</p><ul><li>een</li></ul>")
    save_story(client, story, "<p>De wijk <em>leeft</em>.</p><ul><li>een</li><li>twee</li></ul>")
    newest = plan_history(people.plan)[0]
    (change,) = newest.changes
    # Bold became italic: the same words, so no line changed there; the new item is added.
    assert str(change.old) == "" and str(change.new) == "<ins>– twee</ins>"
    body = client.get(history_url(people.plan)).content.decode()
    assert "&lt;strong&gt;" not in body and "&lt;p&gt;" not in body and "<ins>– twee</ins>" in body
