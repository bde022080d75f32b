"""A coordinator starts a new plan for an area from a template."""

import pytest
from django.urls import reverse

from plans.models import Plan
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People.create(sections=[("text", "Het verhaal"), ("cards", "Krachten en kansen")], themes=["Gezond leven"])


def url(people) -> str:
    return reverse("plans:plan_new", args=[people.area.code])


def test_it_offers_the_templates(client, people):
    client.force_login(people.coordinator)
    response = client.get(url(people))
    assert response.status_code == 200
    assert "plans/plan_new.html" in [t.name for t in response.templates]
    assert "Test (Gebiedsplan, 1 jaar)" in response.content.decode()
    assert url(people) in client.get(reverse("plans:area_list")).content.decode()


def test_it_makes_the_plan_from_the_template(client, people):
    client.force_login(people.coordinator)
    template = people.organisation.templates.get()
    response = client.post(url(people), {"template": template.pk, "year": "2027", "title": ""})
    plan = Plan.objects.get(area=people.area, period_start=2027)
    assert response.status_code == 302 and response["Location"] == reverse("plans:plan_edit", args=[plan.code])
    assert list(plan.sections.values_list("heading", flat=True)) == ["Het verhaal", "Krachten en kansen"]
    assert list(plan.themes.values_list("name", flat=True)) == ["Gezond leven"]


def test_bad_input_gets_a_dutch_message_and_makes_nothing(client, people):
    client.force_login(people.coordinator)
    template = people.organisation.templates.get()
    for year, message in [("", "Vul het eerste jaar"), ("twintig", "Eerste jaar:"), ("1999", "tussen 2000 en 2100"),
                          ("2025", "Er bestaat al een gebiedsplan voor 2025 in dit gebied.")]:
        response = client.post(url(people), {"template": template.pk, "year": year})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Plan.objects.count() == 1


def test_only_a_coordinator_of_the_area(client, people):
    assert client.get(url(people)).status_code == 302
    for person, status in [(people.manager, 403), (people.facilitator, 403), (people.outsider, 404)]:
        client.force_login(person)
        assert client.post(url(people), {"template": "", "year": "2027"}).status_code == status
    assert Plan.objects.count() == 1
    client.force_login(people.coordinator)
    assert client.put(url(people)).status_code == 405
