"""The colophon's contributing organisations, edited as a list of rows."""

import pytest
from django.urls import reverse

from plans import services
from plans.models import Plan
from plans.services import contributors_digest
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People.create(sections=[("text", "Het verhaal")])


def url(plan) -> str:
    return reverse("plans:plan_contributors", args=[plan.code])


def fresh(plan) -> Plan:
    return Plan.objects.get(pk=plan.pk)


def post_rows(client, plan, rows, action="save", digest=None):
    data = {"action": action, "digest": contributors_digest(fresh(plan).contributors) if digest is None else digest}
    data["org-name"] = [r[0] for r in rows]
    data["org-role"] = [r[1] for r in rows]
    data["org-url"] = [r[2] for r in rows]
    return client.post(url(plan), data)


class TestContributors:
    def test_it_shows_the_rows_and_an_empty_one(self, client, people):
        Plan.objects.filter(pk=people.plan.pk).update(contributing_organisations=["GGD", "MEE"])  # old: names
        client.force_login(people.coordinator)
        response = client.get(url(people.plan))
        assert response.status_code == 200
        assert "plans/plan_contributors.html" in [t.name for t in response.templates]
        body = response.content.decode()
        assert body.count('name="org-name"') == 3
        assert 'value="GGD"' in body and 'value="MEE"' in body

    def test_it_saves_rows_in_order_with_a_revision_and_history(self, client, people):
        client.force_login(people.coordinator)
        before = fresh(people.plan).revision
        response = post_rows(
            client, people.plan, [("GGD", "", "www.ggd.nl"), ("Farent", "penvoerder", ""), ("", "", "")]
        )
        assert response.status_code == 302
        plan = fresh(people.plan)
        assert plan.contributors == [
            {"name": "GGD", "role": "", "url": "https://www.ggd.nl"},
            {"name": "Farent", "role": "penvoerder", "url": ""},
        ]
        assert plan.revision == before + 1
        from plans.history import plan_history

        latest = plan_history(plan)[0]
        assert latest.revision.comment == "Bijdragende organisaties gewijzigd"
        assert [c.heading for c in latest.changes] == ["Bijdragende organisaties"]
        assert "Farent · penvoerder" in latest.changes[0].new

    def test_the_plan_page_shows_them_with_role_and_link(self, client, people):
        services.plan_contributors_update(
            plan=people.plan, rows=[{"name": "GGD", "role": "", "url": "https://www.ggd.nl"}, {"name": "Farent", "role": "penvoerder"}]
        )
        client.force_login(people.manager)
        body = client.get(people.plan.get_absolute_url()).content.decode()
        assert '<a href="https://www.ggd.nl">GGD</a>, Farent (penvoerder)' in body

    def test_the_buttons_remove_and_move_rows_without_javascript(self, client, people):
        client.force_login(people.coordinator)
        rows = [("A", "", ""), ("B", "", ""), ("C", "", ""), ("", "", "")]
        post_rows(client, people.plan, rows, action="up:2")
        assert [r["name"] for r in fresh(people.plan).contributors] == ["A", "C", "B"]
        post_rows(client, people.plan, [("A", "", ""), ("C", "", ""), ("B", "", "")], action="remove:0")
        assert [r["name"] for r in fresh(people.plan).contributors] == ["C", "B"]
        post_rows(client, people.plan, [("C", "", ""), ("B", "", "")], action="down:0")
        assert [r["name"] for r in fresh(people.plan).contributors] == ["B", "C"]

    def test_bad_rows_get_dutch_messages_and_nothing_is_written(self, client, people):
        client.force_login(people.coordinator)
        services.plan_contributors_update(plan=people.plan, rows=[{"name": "GGD"}])
        before = fresh(people.plan).revision
        response = post_rows(
            client, people.plan, [("Farent", "", ""), ("", "penvoerder", ""), ("farent", "", ""), ("MEE", "", "geen adres")]
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "Rij 2: vul de naam van de organisatie in." in body
        assert "Rij 3: farent staat al op rij 1." in body
        assert "Rij 4: geen adres is geen webadres" in body
        assert 'value="penvoerder"' in body  # what was typed stays in the form
        plan = fresh(people.plan)
        assert plan.revision == before and plan.contributors == [{"name": "GGD", "role": "", "url": ""}]

    def test_a_list_changed_meanwhile_is_a_conflict_that_keeps_the_typing(self, client, people):
        client.force_login(people.coordinator)
        old = contributors_digest([])
        services.plan_contributors_update(plan=people.plan, rows=[{"name": "GGD"}])
        response = post_rows(client, people.plan, [("MEE", "", "")], digest=old)
        assert response.status_code == 409
        body = response.content.decode()
        assert "Iemand anders heeft de lijst opgeslagen" in body
        assert 'value="MEE"' in body and "GGD" in body
        assert fresh(people.plan).contributors == [{"name": "GGD", "role": "", "url": ""}]
        # The form now carries the stored list's digest: saving again merges.
        digest = contributors_digest([{"name": "GGD"}])
        assert f'value="{digest}"' in body
        assert post_rows(client, people.plan, [("GGD", "", ""), ("MEE", "", "")], digest=digest).status_code == 302
        assert [r["name"] for r in fresh(people.plan).contributors] == ["GGD", "MEE"]

    def test_an_adopted_plan_is_refused(self, client, people):
        Plan.objects.filter(pk=people.plan.pk).update(status=Plan.Status.ADOPTED)
        client.force_login(people.coordinator)
        response = post_rows(client, people.plan, [("GGD", "", "")])
        assert response.status_code == 400
        assert "vastgesteld" in response.content.decode()
        assert fresh(people.plan).contributors == []

    def test_it_is_for_the_coordinator_only(self, client, people):
        assert client.get(url(people.plan)).status_code == 302
        for person, status in [(people.facilitator, 403), (people.manager, 403), (people.outsider, 404)]:
            client.force_login(person)
            assert client.get(url(people.plan)).status_code == status
            assert post_rows(client, people.plan, [("X", "", "")]).status_code == status
        assert fresh(people.plan).contributors == []

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert client.put(url(people.plan)).status_code == 405

    def test_copy_to_the_next_period_keeps_them(self, people):
        services.plan_contributors_update(plan=people.plan, rows=[{"name": "GGD", "role": "partner"}])
        new = services.plan_copy_to_next_period(plan=fresh(people.plan))
        assert new.contributors == [{"name": "GGD", "role": "partner", "url": ""}]
