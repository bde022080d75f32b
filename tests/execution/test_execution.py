"""Execution plans: views, roll-up, frozen reviews, personal links, reminders, exports,
the review_status command and constant query counts."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from execution import services
from execution.models import Action, PartnerLinkUse, Review
from execution.selectors import overview, progress, rollup
from plans.models import Plan
from tests.base import People

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People.create()


@pytest.fixture
def ep(people):
    return services.execution_plan_create(plan=people.plan, title="Samen tegen eenzaamheid", lead="Farent")


def detail_url(people, ep):
    return reverse("execution:execution_detail", args=[people.plan.code, ep.code])


def test_coordinator_adds_action_and_target_and_plan_revision_rises(client, people, ep):
    client.force_login(people.coordinator)
    before = Plan.objects.get(pk=people.plan.pk).revision
    client.post(detail_url(people, ep), {"what": "action", "title": "Buurtkamer open", "owner": "Farent",
                                         "kind": "new", "status": "running"})
    client.post(detail_url(people, ep), {"what": "target", "statement": "Te weinig sociale contacten onder 10 %",
                                         "baseline": "11", "baseline_year": "2023", "goal": "10"})
    page = client.get(detail_url(people, ep)).content.decode()
    assert "Buurtkamer open" in page and "Te weinig sociale contacten onder 10 %" in page
    assert Plan.objects.get(pk=people.plan.pk).revision == before + 2


def test_empty_action_title_gets_dutch_message_and_writes_nothing(client, people, ep):
    client.force_login(people.coordinator)
    response = client.post(detail_url(people, ep), {"what": "action", "title": "  "}, follow=True)
    assert "Geef de actie een titel." in response.content.decode()
    assert not Action.objects.exists()


def test_manager_reads_but_cannot_write_outsider_gets_404(client, people, ep):
    client.force_login(people.manager)
    assert client.get(detail_url(people, ep)).status_code == 200
    assert client.post(detail_url(people, ep), {"what": "action", "title": "x"}).status_code == 403
    client.force_login(people.outsider)
    assert client.get(detail_url(people, ep)).status_code == 404


def test_rollup_ignores_actions_without_status():
    actions = [Action(status="done"), Action(status="running"), Action(status=""), Action(status="stopped")]
    assert progress(actions) == 0.75
    assert progress([Action(status="")]) is None
    assert rollup([(1.0, 1), (0.0, 3), (None, 0)]) == 0.25


def test_overview_counts_overdue_and_unreviewed(people, ep):
    services.action_add(execution_plan=ep, title="Te laat", status="running", due_date=date(2020, 1, 1))
    services.action_add(execution_plan=ep, title="Klaar", status="done", due_date=date(2020, 1, 1))
    result = overview(people.plan, date(2026, 5, 1))
    assert [a.title for a in result.overdue] == ["Te laat"]
    assert result.not_reviewed == [ep]
    assert result.plan_progress == 0.75


def test_completed_review_is_frozen_and_shows_difference(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer", status="planned")
    services.review_save(execution_plan=ep, year=2026, quarter=1, complete=True, check_notes="Start")
    services.action_update(action=action, status="running", update="Elke dinsdag open")
    services.review_save(execution_plan=ep, year=2026, quarter=2, complete=True)
    services.action_update(action=action, status="done", update="Later veranderd")
    q2 = Review.objects.get(year=2026, quarter=2)
    assert q2.snapshot["actions"][0]["update"] == "Elke dinsdag open"
    with pytest.raises(Exception, match="al afgerond"):
        services.review_save(execution_plan=ep, year=2026, quarter=2, check_notes="anders")
    client.force_login(people.coordinator)
    page = client.get(reverse("execution:review_detail", args=[people.plan.code, ep.code, 2026, 2])).content.decode()
    assert "Verschil met 2026-K1" in page and "Elke dinsdag open" in page and "Gepland" in page
    assert "Later veranderd" not in page


def test_partner_link_get_does_not_use_it_and_post_updates_own_action_only(client, people, ep):
    own = services.action_add(execution_plan=ep, title="Eigen actie", owner="Buurtwerk")
    other = services.action_add(execution_plan=ep, title="Andermans actie", owner="GGD")
    link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    url = reverse("execution:partner_page", args=[token])
    page = client.get(url).content.decode()
    assert "Eigen actie" in page and "Andermans actie" not in page
    assert not PartnerLinkUse.objects.exists()
    client.post(url, {"action": own.pk, "status": "running", "update": "Gestart"})
    client.post(url, {"action": other.pk, "status": "done", "update": "Gehackt"})
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, own.last_update) == ("running", "Gestart")
    assert (other.status, other.last_update) == ("", "")
    assert PartnerLinkUse.objects.count() == 1


def test_partner_link_stops_after_revocation_expiry_or_tampering(client, people, ep):
    services.action_add(execution_plan=ep, title="Eigen actie", owner="Buurtwerk")
    link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    url = reverse("execution:partner_page", args=[token])
    tampered = reverse("execution:partner_page", args=[token[:-1] + ("A" if token[-1] != "A" else "B")])
    assert client.get(tampered).status_code == 410
    assert client.get(url).status_code == 200
    services.partner_link_revoke(link=link)
    assert client.get(url).status_code == 410
    link2, token2 = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    link2.expires_at = timezone.now() - timedelta(seconds=1)
    link2.save()
    assert client.post(reverse("execution:partner_page", args=[token2]), {"action": 1}).status_code == 410


def test_reminders_go_once_to_owners_without_update(people, ep):
    services.action_add(execution_plan=ep, title="Zonder update", contact_email="a@example.org")
    updated = services.action_add(execution_plan=ep, title="Met update", contact_email="b@example.org")
    services.action_update(action=updated, update="Loopt goed")
    services.action_add(execution_plan=ep, title="Klaar", contact_email="c@example.org", status="done")
    year, quarter = timezone.localdate().year, (timezone.localdate().month - 1) // 3 + 1
    assert services.reminders_send(year=year, quarter=quarter) == 1
    assert services.reminders_send(year=year, quarter=quarter) == 0
    assert [m.to for m in mail.outbox] == [["a@example.org"]]


def test_exports_neutralise_formulas(client, people, ep):
    services.action_add(execution_plan=ep, title="=HYPERLINK(\"x\")", owner="+31 Farent")
    client.force_login(people.manager)
    csv_text = client.get(reverse("execution:execution_export", args=[people.plan.code, ep.code, "csv"])).content.decode()
    assert "'=HYPERLINK" in csv_text and "'+31 Farent" in csv_text
    xlsx = client.get(reverse("execution:execution_export", args=[people.plan.code, ep.code, "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet["A2"].value.startswith("'=")


def test_review_status_command(people, ep):
    services.action_add(execution_plan=ep, title="A", status="done")
    services.review_save(execution_plan=ep, year=2026, quarter=1, complete=True)
    out = io.StringIO()
    call_command("review_status", str(people.area.code), "--year", "2026", "--quarter", "1", stdout=out)
    assert "Samen tegen eenzaamheid" in out.getvalue() and "Klaar: 1" in out.getvalue()
    assert "review complete" in out.getvalue()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_query_counts_constant_with_100_actions_and_150_partners(client, people, ep):
    client.force_login(people.coordinator)
    services.action_add(execution_plan=ep, title="Eén", owner="Org 0", status="done")
    urls = [detail_url(people, ep), reverse("execution:execution_overview", args=[people.plan.code]),
            reverse("execution:execution_list", args=[people.plan.code])]
    small = [_queries(client, url) for url in urls]
    Action.objects.bulk_create(
        Action(execution_plan=ep, title=f"Actie {i}", owner=f"Org {i % 150}", status="running", order=i + 1)
        for i in range(150)
    )
    large = [_queries(client, url) for url in urls]
    assert small == large


def test_plan_page_shows_execution_plans(client, people, ep):
    services.action_add(execution_plan=ep, title="Buurtkamer open", owner="Farent", status="running")
    client.force_login(people.manager)
    page = client.get(people.plan.get_absolute_url()).content.decode()
    assert "Uitvoeringsplannen" in page and "Samen tegen eenzaamheid" in page and "Buurtkamer open" in page
