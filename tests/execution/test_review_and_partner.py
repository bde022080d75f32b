"""The quarterly review page (per action a status and a short update, P/D/C/A, completing
freezes, the difference with the previous quarter) and the partner link's rate limit."""

import pytest
from django.urls import reverse

from execution import services
from execution.models import Action, PartnerLinkUse, Review
from execution.views import PARTNER_LINK_RATE

from .conftest import adopt

pytestmark = pytest.mark.django_db


def review_url(people, ep, year=2026, quarter=2):
    return reverse("execution:review_detail", args=[people.plan.code, ep.code, year, quarter])


def test_the_review_page_records_status_and_update_per_action(client, people, ep):
    first = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    second = services.action_add(execution_plan=ep, title="Welkomstbezoek", status="planned")
    client.force_login(people.coordinator)
    page = client.get(review_url(people, ep)).content.decode()
    assert f'name="status-{first.pk}"' in page and f'name="update-{second.pk}"' in page
    response = client.post(review_url(people, ep), {
        f"status-{first.pk}": "running", f"update-{first.pk}": "Elke dinsdag open",
        f"status-{second.pk}": "planned", f"update-{second.pk}": "",
        "check_notes": "Ouderen komen, jongeren niet",
    })
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.last_update) == ("running", "Elke dinsdag open")
    assert (second.status, second.last_update, second.last_update_at) == ("planned", "", None)
    review = Review.objects.get()
    assert review.check_notes == "Ouderen komen, jongeren niet" and review.completed_at is None


def test_a_bad_status_in_the_review_writes_nothing(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    client.force_login(people.coordinator)
    response = client.post(review_url(people, ep), {f"status-{action.pk}": "gehackt", f"update-{action.pk}": "x",
                                                    "check_notes": "niet bewaren"}, follow=True)
    assert "Kies een geldige status." in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.last_update) == ("planned", "")
    assert not Review.objects.exists()


def test_completing_shows_the_difference_with_the_previous_quarter(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    same = services.action_add(execution_plan=ep, title="Leesclub", status="running")
    services.review_save(execution_plan=ep, year=2026, quarter=1, complete=True)
    client.force_login(people.coordinator)
    page = client.get(review_url(people, ep)).content.decode()
    assert "ernaast de stand bij de review van 2026-K1" in page and "Vorig kwartaal: Gepland" in page
    client.post(review_url(people, ep), {f"status-{action.pk}": "done", f"update-{action.pk}": "Klaar voor de zomer",
                                         f"status-{same.pk}": "running", f"update-{same.pk}": "", "complete": "1"})
    page = client.get(review_url(people, ep)).content.decode()
    assert "Verschil met 2026-K1" in page and "deze stand is bevroren" in page
    assert page.count('class="is-changed"') == 1 and "Klaar voor de zomer" in page
    assert 'name="status-' not in page  # frozen: no form any more
    assert client.post(review_url(people, ep), {"check_notes": "later"}, follow=True).status_code == 200
    assert Review.objects.get(quarter=2).check_notes == ""


def test_reviews_go_on_after_adoption(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    adopt(people.plan)
    client.force_login(people.coordinator)
    client.post(review_url(people, ep), {f"status-{action.pk}": "running", "complete": "1"})
    assert Review.objects.get().completed_at is not None
    assert Review.objects.get().snapshot["actions"][0]["status"] == "running"


def test_a_manager_reads_the_review_but_cannot_save_it(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    client.force_login(people.manager)
    page = client.get(review_url(people, ep)).content.decode()
    assert "Buurtkamer" in page and 'name="status-' not in page
    assert client.post(review_url(people, ep), {f"status-{action.pk}": "done"}).status_code == 403
    action.refresh_from_db()
    assert action.status == "planned"


def test_the_review_page_needs_a_login_a_role_and_get_or_post(client, people, ep):
    response = client.get(review_url(people, ep))
    assert response.status_code == 302 and response["Location"].startswith("/inloggen/")
    client.force_login(people.outsider)
    assert client.get(review_url(people, ep)).status_code == 404
    client.force_login(people.coordinator)
    assert client.put(review_url(people, ep)).status_code == 405
    assert client.get(review_url(people, ep, quarter=5)).status_code == 404


def test_a_review_of_another_execution_plans_action_is_refused(client, people, ep):
    other = services.execution_plan_create(plan=people.plan, title="Ander")
    foreign = services.action_add(execution_plan=other, title="Niet van jou", status="planned")
    with pytest.raises(Exception, match="hoort niet bij"):
        services.review_save(execution_plan=ep, year=2026, quarter=2, progress={foreign.pk: ("done", "x")})
    foreign.refresh_from_db()
    assert foreign.status == "planned"


# --- partner link: rate limit -------------------------------------------------------------------


def test_the_partner_link_post_is_rate_limited_and_then_writes_nothing(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Eigen actie", owner="Buurtwerk")
    _link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    url = reverse("execution:partner_page", args=[token])
    allowed = int(PARTNER_LINK_RATE.split("/")[0])
    for n in range(allowed):
        assert client.post(url, {"action": action.pk, "status": "running", "update": f"Update {n}"}).status_code == 302
    response = client.post(url, {"action": action.pk, "status": "done", "update": "Te veel"})
    assert response.status_code == 429
    assert "erg veel updates" in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.last_update) == ("running", f"Update {allowed - 1}")
    assert PartnerLinkUse.objects.count() == allowed
    # Reading stays possible, and another partner's link is not affected.
    assert client.get(url).status_code == 200
    services.action_add(execution_plan=ep, title="Andere actie", owner="GGD")
    _other, other_token = services.partner_link_create(execution_plan=ep, owner="GGD")
    other_action = Action.objects.get(owner="GGD")
    other_url = reverse("execution:partner_page", args=[other_token])
    assert client.post(other_url, {"action": other_action.pk, "status": "running", "update": "x"},
                       REMOTE_ADDR="10.0.0.2").status_code == 302


def test_the_partner_page_shows_planning_and_how_long_the_link_works(client, people, ep):
    services.action_add(execution_plan=ep, title="Eigen actie", owner="Buurtwerk", planned_year=2025, planned_quarter=3)
    link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    page = client.get(reverse("execution:partner_page", args=[token])).content.decode()
    assert "gepland 2025-K3" in page and "De link werkt tot" in page


def test_the_partner_page_refuses_other_methods(client, people, ep):
    services.action_add(execution_plan=ep, title="Eigen actie", owner="Buurtwerk")
    _link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    assert client.put(reverse("execution:partner_page", args=[token])).status_code == 405
