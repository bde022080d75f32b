"""Changing an adopted plan starts a new version that goes through review again; the
adopted version stays readable and downloadable, unchanged."""

import pytest
from django.urls import reverse

from plans.models import Card, Plan
from plans.services import content_update, plan_status_change
from tests.base import People

pytestmark = pytest.mark.django_db


def edit_url(plan) -> str:
    return reverse("plans:plan_edit", args=[plan.code])


def test_a_new_version_of_the_adopted_demo_plan_is_a_concept_copy_and_the_adopted_one_stays(client, demo):
    adopted = demo.binnenstad
    revision = adopted.revision
    people = People.create(area=adopted.area)
    client.force_login(people.coordinator)
    page = client.get(edit_url(adopted)).content.decode()
    assert "Nieuwe versie maken" in page

    response = client.post(edit_url(adopted), {"action": "new-version"})
    new = Plan.objects.get(previous_version=adopted)
    assert response["Location"] == edit_url(new)
    assert (new.status, new.version, new.heading, new.title) == ("concept", 2, adopted.heading, adopted.title)
    assert Card.objects.filter(plan=new).count() == Card.objects.filter(plan=adopted).count() == 10
    # The new version is edited like any concept; the adopted version did not move.
    card = Card.objects.filter(plan=new).first()
    content_update(item=card, text="Aangepast in versie 2.")
    adopted.refresh_from_db()
    assert (adopted.status, adopted.revision) == ("adopted", revision)
    assert not Card.objects.filter(plan=adopted, text="Aangepast in versie 2.").exists()

    # Both pages point at each other; the area list names the version.
    assert "Er is een nieuwe versie van dit plan in bewerking." in client.get(adopted.get_absolute_url()).content.decode()
    assert "Dit is versie 2 van het plan." in client.get(new.get_absolute_url()).content.decode()
    assert "Gebiedsplan 2025 · versie 2" in client.get(reverse("plans:area_list")).content.decode()
    assert "Er is al een nieuwe versie" in client.get(edit_url(adopted)).content.decode()

    # Asking again leads to the existing new version instead of a third copy.
    client.post(edit_url(adopted), {"action": "new-version"})
    assert Plan.objects.filter(area=adopted.area, period_start=2025).count() == 2

    # The new version goes through review again, with notes.
    for status, note in (("review", "Aangepast na evaluatie."), ("adopted", "Akkoord MT.")):
        client.post(edit_url(new), {"action": "status", "status": status, "note": note})
    assert Plan.objects.get(pk=new.pk).status == "adopted"
    assert Plan.objects.get(pk=adopted.pk).status == "adopted"


def test_a_plan_that_is_not_adopted_gets_no_new_version(client):
    people = People.create(sections=[("text", "Het verhaal", "Tekst.")])
    client.force_login(people.coordinator)
    response = client.post(edit_url(people.plan), {"action": "new-version"}, follow=True)
    assert "Alleen een vastgesteld plan krijgt een nieuwe versie" in response.content.decode()
    assert Plan.objects.filter(area=people.area).count() == 1


def test_only_the_coordinator_starts_a_new_version(client):
    people = People.create(sections=[("text", "Het verhaal", "Tekst.")])
    plan_status_change(plan=people.plan, new_status="review", user=people.coordinator, note="Review.")
    plan_status_change(plan=people.plan, new_status="adopted", user=people.coordinator, note="Vast.")
    for user, status in ((people.manager, 403), (people.facilitator, 403), (people.outsider, 404)):
        client.force_login(user)
        assert client.post(edit_url(people.plan), {"action": "new-version"}).status_code == status
    assert Plan.objects.filter(area=people.area).count() == 1
