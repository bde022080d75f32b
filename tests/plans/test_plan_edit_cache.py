"""The edit page's own part is cached per person and plan revision; the CSRF token in it
is each request's own, and a save shows on the next view."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from plans import services
from plans.models import Membership
from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Het verhaal", "Een wijk in beweging."), ("matrix", "Matrix")]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def people():
    return People.create(sections=SECTIONS, themes=["Gezond leven"])


def edit_url(plan) -> str:
    return reverse("plans:plan_edit", args=[plan.code])


def page(client, plan) -> str:
    response = client.get(edit_url(plan))
    assert response.status_code == 200
    return response.content.decode()


def second_coordinator(people):
    other = get_user_model().objects.create_user("t-coordinator-2", password="x", first_name="Tweede")
    Membership.objects.create(area=people.plan.area, user=other, role=Membership.Role.COORDINATOR)
    return other


class TestCachedEditPage:
    def test_every_form_carries_this_requests_token_and_it_is_accepted(self, people):
        client = Client(enforce_csrf_checks=True)
        client.force_login(people.coordinator)
        page(client, people.plan)  # rendered and cached
        body = page(client, people.plan)  # from the cache
        # The token of the form that adds a section: in the cached part of the page.
        form = body[body.index('<form method="post" class="settings-add">'):]
        token = TOKEN.search(form).group(1)
        response = client.post(
            edit_url(people.plan),
            {"csrfmiddlewaretoken": token, "action": "section-add", "kind": "text", "heading": "Nieuw hoofdstuk"},
        )
        assert response.status_code == 302  # accepted: no CSRF refusal (403)
        assert "Nieuw hoofdstuk" in page(client, people.plan)

    def test_one_persons_page_and_token_never_reach_another(self, people):
        first, second = Client(), Client()
        first.force_login(people.coordinator)
        second.force_login(second_coordinator(people))
        mine = page(first, people.plan)
        theirs = page(second, people.plan)
        assert set(TOKEN.findall(mine)).isdisjoint(TOKEN.findall(theirs))
        assert "Tweede" in theirs and "Tweede" not in mine
        # Each again, now from the cache: still each their own.
        mine_again, theirs_again = page(first, people.plan), page(second, people.plan)
        assert set(TOKEN.findall(mine_again)).isdisjoint(TOKEN.findall(theirs_again))
        assert "Tweede" in theirs_again and "Tweede" not in mine_again

    def test_a_facilitator_never_gets_the_coordinators_page(self, people):
        coordinator, facilitator = Client(), Client()
        coordinator.force_login(people.coordinator)
        facilitator.force_login(people.facilitator)
        assert "Het verhaal" in page(coordinator, people.plan)
        body = page(facilitator, people.plan)
        assert "Matrix" in body and "Het verhaal" not in body and "Ter review aanbieden" not in body

    def test_a_role_changed_shows_at_once(self, people):
        client = Client()
        client.force_login(people.facilitator)
        assert "Het verhaal" not in page(client, people.plan)
        Membership.objects.filter(user=people.facilitator, area=people.plan.area).update(role=Membership.Role.COORDINATOR)
        assert "Het verhaal" in page(client, people.plan)

    def test_a_save_shows_on_the_next_view(self, people):
        client = Client()
        client.force_login(people.coordinator)
        assert "Een ander verhaal" not in page(client, people.plan)
        section = people.plan.sections.get(heading="Het verhaal")
        section.plan = people.plan
        services.section_update(section=section, heading="Een ander verhaal")
        body = page(client, people.plan)
        assert "Een ander verhaal" in body and "Het verhaal<" not in body

    def test_a_status_change_shows_on_the_next_view(self, people):
        client = Client()
        client.force_login(people.coordinator)
        assert "Terug naar concept" not in page(client, people.plan)
        services.plan_status_change(plan=people.plan, new_status="review", user=people.coordinator, note="Klaar")
        body = page(client, people.plan)
        assert "Terug naar concept" in body and "Klaar" in body

    def test_a_second_view_reads_only_the_person_the_plan_and_its_sections(self, people, django_assert_num_queries):
        client = Client()
        client.force_login(people.coordinator)
        page(client, people.plan)
        with django_assert_num_queries(3):  # the user, the plan with the role, the sections (the session is cached)
            page(client, people.plan)

    def test_a_save_inside_a_section_keeps_the_cached_part_with_the_new_revision(
        self, people, django_assert_num_queries
    ):
        client = Client()
        client.force_login(people.coordinator)
        section = people.plan.sections.get(heading="Het verhaal")
        page(client, people.plan)
        section.plan = people.plan
        services.section_update(section=section, intro="Een andere tekst.")  # the page does not list texts
        with django_assert_num_queries(3):  # still from the cache
            body = page(client, people.plan)
        row = body[body.index(f'name="section" value="{section.pk}"'):]
        revision = re.search(r'name="revision" value="(\d+)"', row).group(1)
        assert int(revision) == type(section).objects.get(pk=section.pk).revision == section.revision
        # The delete button carries it: removing the section now is no conflict.
        response = client.post(edit_url(people.plan), {"action": "section-delete", "section": section.pk, "revision": revision})
        assert response.status_code == 302
        assert not type(section).objects.filter(pk=section.pk).exists()
        assert "Het verhaal" not in page(client, people.plan)
