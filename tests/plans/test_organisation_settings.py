"""A coordinator sets up the organisation's themes and plan templates; plans that exist
keep their own copy, new plans start from the new set."""

import pytest
from django.urls import reverse

from plans.models import Theme
from plans.services import plan_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def farent(demo):
    from tests.base import People

    return People.create(area=demo.binnenstad.area)


def settings_url(organisation) -> str:
    return reverse("plans:organisation_settings", args=[organisation.code])


def test_it_shows_the_themes_and_templates(client, farent):
    client.force_login(farent.coordinator)
    response = client.get(settings_url(farent.organisation))
    assert response.status_code == 200
    assert "plans/organisation_settings.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Talent ontplooiën" in body and "Gebiedsplan (Farent 2025)" in body
    assert "Proces gebieds- en uitvoeringsplannen" in body  # a sub-section of Tenslotte


def test_a_new_theme_reaches_new_plans_but_not_the_adopted_one(client, farent, demo):
    client.force_login(farent.coordinator)
    response = client.post(settings_url(farent.organisation), {"action": "theme-add", "new-theme-name": "Digitale inclusie"})
    assert response.status_code == 302
    retired = Theme.objects.get(organisation=farent.organisation, name="Gezond leven")
    client.post(settings_url(farent.organisation), {"action": "theme-retire", "theme": retired.pk})
    new = plan_create(area=farent.area, period_start=2026)
    assert "Digitale inclusie" in list(new.themes.values_list("name", flat=True))
    assert "Gezond leven" not in list(new.themes.values_list("name", flat=True))
    adopted = list(demo.binnenstad.themes.values_list("name", flat=True))
    assert "Gezond leven" in adopted and "Digitale inclusie" not in adopted


def test_it_renames_and_orders_themes(client, farent):
    client.force_login(farent.coordinator)
    first = farent.organisation.themes.order_by("order").first()
    client.post(settings_url(farent.organisation), {"action": "theme-rename", "theme": first.pk, "name": "Talent"})
    client.post(settings_url(farent.organisation), {"action": "theme-down", "theme": first.pk})
    names = list(farent.organisation.themes.order_by("order").values_list("name", flat=True))
    assert names[:2] == ["Gezond leven", "Talent"]


def test_it_adds_a_template_and_a_section_that_a_new_plan_starts_with(client, farent):
    client.force_login(farent.coordinator)
    client.post(
        settings_url(farent.organisation),
        {"action": "template-add", "new-template-name": "Wijkplan", "new-template-document_type": "Wijkplan", "new-template-years": "4"},
    )
    template = farent.organisation.templates.get(name="Wijkplan")
    add = reverse("plans:template_section_add", args=[farent.organisation.code, template.code])
    response = client.post(add, {"kind": "goals", "heading": "Doelen", "numbered": "on", "card_rows": "themes"})
    assert response.status_code == 302
    plan = plan_create(area=farent.area, period_start=2027, template=template)
    assert plan.heading == "Wijkplan 2027–2030"
    assert list(plan.sections.values_list("kind", "heading")) == [("goals", "Doelen")]


def test_it_refuses_a_sub_section_under_another_templates_chapter(client, farent, demo):
    client.force_login(farent.coordinator)
    template = farent.organisation.templates.get()
    other = demo.eemland.area.organisation.templates.get().sections.first()
    add = reverse("plans:template_section_add", args=[farent.organisation.code, template.code])
    response = client.post(add, {"kind": "text", "heading": "X", "parent": other.pk, "card_rows": "themes"})
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert not template.sections.filter(heading="X").exists()


def test_only_coordinators_of_the_organisation_reach_it(client, farent, demo):
    url = settings_url(farent.organisation)
    assert client.get(url).status_code == 302  # login first
    for person, status in [(farent.manager, 403), (farent.facilitator, 403), (farent.outsider, 404)]:
        client.force_login(person)
        assert client.get(url).status_code == status
        assert client.post(url, {"action": "theme-add", "new-theme-name": "X"}).status_code == status
    assert not Theme.objects.filter(name="X").exists()
    client.force_login(farent.coordinator)
    other = reverse("plans:organisation_settings", args=[demo.eemland.area.organisation.code])
    assert client.get(other).status_code == 404  # no role in any of Eemland's areas


def test_it_rejects_other_methods(client, farent):
    client.force_login(farent.coordinator)
    assert client.put(settings_url(farent.organisation)).status_code == 405
