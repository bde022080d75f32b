"""A new version of an adopted plan carries its execution plans: what they say is copied
into the new version (pointing at the new version's focus points and interventions), the
record of carrying them out (quarterly reviews, personal links and their use) stays with
the version it happened under and stays readable there."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from execution import services
from execution.models import (
    Action,
    BudgetLine,
    ExecutionPlan,
    PartnerLink,
    PartnerLinkUse,
    Review,
    Target,
)
from plans import services as plan_services
from plans.history import plan_history
from plans.models import FocusPoint, Intervention, Plan
from plans.pdf.render import plan_html
from wijkdata.models import Indicator, Neighbourhood

from .conftest import FOCUS, INTERVENTIONS, adopt, section

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(people):
    """An execution plan with everything in it, under a plan that is then adopted."""
    plan = people.plan
    focus = FocusPoint.objects.create(section=section(plan, FOCUS), title="Eenzaamheid doorbreken")
    intervention = Intervention.objects.create(section=section(plan, INTERVENTIONS), title="Samen aan tafel")
    ep = services.execution_plan_create(
        plan=plan, title="Samen tegen eenzaamheid", lead="Farent", urgency="Veel ouderen zijn alleen.",
        reach="200 bewoners", feasibility="Met vrijwilligers", work_group="Farent\nGGD",
        focus_point=focus, intervention=intervention,
    )
    done = services.action_add(execution_plan=ep, title="Maaltijden starten", owner="Buurtwerk",
                               contact_email="buurt@example.org", planned_year=2025, planned_quarter=2)
    services.action_update(action=done, status="done", update="Loopt elke week")
    services.action_add(execution_plan=ep, title="Huisbezoeken", owner="GGD", planned_year=2026, planned_quarter=1)
    wijk = Neighbourhood.objects.create(code="WK999901", name="Testwijk", level="district", year=2024)
    indicator = Indicator.objects.create(code="eenzaam", name="Eenzaam", kind="percentage", direction="lower")
    services.target_add(execution_plan=ep, statement="Minder eenzaamheid", baseline=Decimal("30"), baseline_year=2024,
                        goal=Decimal("25"), indicator=indicator, neighbourhood=wijk)
    services.budget_line_add(execution_plan=ep, year=2025, source="SPUK/GALA", amount=Decimal("12500"))
    services.review_save(execution_plan=ep, year=2025, quarter=2, complete=True, check_notes="Goed op weg.")
    link, token = services.partner_link_create(execution_plan=ep, owner="Buurtwerk")
    services.partner_link_use(link=link, action_id=done.pk, status="done", update="Loopt elke week", ip=None)
    adopt(plan)
    return ep


def new_version(people) -> Plan:
    return plan_services.plan_new_version(plan=Plan.objects.get(pk=people.plan.pk), user=people.coordinator)


def test_the_new_version_gets_a_copy_of_what_the_execution_plans_say(people, filled):
    new = new_version(people)
    copy = ExecutionPlan.objects.get(plan=new)
    assert copy.pk != filled.pk and copy.code != filled.code
    assert (copy.title, copy.lead, copy.urgency, copy.reach, copy.feasibility, copy.work_group_members) == (
        "Samen tegen eenzaamheid", "Farent", "Veel ouderen zijn alleen.", "200 bewoners", "Met vrijwilligers",
        ["Farent", "GGD"],
    )
    # It points at the new version's copies of the focus point and intervention.
    assert copy.focus_point.section.plan_id == new.pk and copy.focus_point.title == "Eenzaamheid doorbreken"
    assert copy.intervention.section.plan_id == new.pk and copy.intervention.title == "Samen aan tafel"
    actions = [(a.title, a.owner, a.planned, a.status, a.last_update) for a in copy.actions.order_by("order")]
    assert actions == [
        ("Maaltijden starten", "Buurtwerk", "2025-K2", "done", "Loopt elke week"),
        ("Huisbezoeken", "GGD", "2026-K1", "", ""),
    ]
    target = copy.targets.get()
    assert (target.statement, target.baseline, target.goal, target.indicator.code, target.neighbourhood.code) == (
        "Minder eenzaamheid", Decimal("30"), Decimal("25"), "eenzaam", "WK999901",
    )
    assert [(b.year, b.source, b.amount) for b in copy.budget_lines.all()] == [(2025, "SPUK/GALA", Decimal("12500"))]


def test_the_record_of_carrying_it_out_stays_with_the_adopted_version(people, filled, client):
    new = new_version(people)
    copy = ExecutionPlan.objects.get(plan=new)
    assert not copy.reviews.exists() and not copy.partner_links.exists()
    assert Review.objects.get().execution_plan_id == filled.pk
    assert PartnerLink.objects.get().execution_plan_id == filled.pk and PartnerLinkUse.objects.count() == 1
    # The adopted version still has all of it, and it is still readable there.
    assert ExecutionPlan.objects.filter(plan=people.plan).count() == 1
    assert filled.actions.count() == 2 and filled.targets.count() == 1 and filled.budget_lines.count() == 1
    client.force_login(people.coordinator)
    page = client.get(reverse("execution:execution_detail", args=[people.plan.code, filled.code])).content.decode()
    assert "Maaltijden starten" in page and "Loopt elke week" in page
    review = reverse("execution:review_detail", args=[people.plan.code, filled.code, 2025, 2])
    assert "Goed op weg." in client.get(review).content.decode()


def test_the_new_version_shows_them_on_its_page_and_in_its_pdf_and_can_change_them(people, filled, client):
    new = new_version(people)
    copy = ExecutionPlan.objects.get(plan=new)
    client.force_login(people.coordinator)
    assert "Samen tegen eenzaamheid" in client.get(new.get_absolute_url()).content.decode()
    listing = client.get(reverse("execution:execution_list", args=[new.code])).content.decode()
    assert "Samen tegen eenzaamheid" in listing
    html = plan_html(Plan.objects.select_related("area__organisation").get(pk=new.pk))
    assert "Samen tegen eenzaamheid" in html and "Huisbezoeken" in html
    # A concept: what its execution plans say may change; the adopted version's stay.
    services.execution_plan_update(execution_plan=copy, title="Samen tegen eenzaamheid 2.0")
    assert ExecutionPlan.objects.get(pk=filled.pk).title == "Samen tegen eenzaamheid"


def test_the_copy_is_in_the_new_versions_history_and_restorable(people, filled):
    new = new_version(people)
    entries = plan_history(new)
    assert entries[0].revision.comment == "Gekopieerd uit de vastgestelde versie 1"
    created = entries[0].revision.pk
    copy = ExecutionPlan.objects.get(plan=new)
    services.execution_plan_delete(execution_plan=copy)
    assert not ExecutionPlan.objects.filter(plan=new).exists()
    plan_services.plan_restore(plan=Plan.objects.get(pk=new.pk), revision_id=created)
    restored = ExecutionPlan.objects.get(plan=new)
    assert restored.title == "Samen tegen eenzaamheid" and restored.actions.count() == 2


def test_a_failing_copy_leaves_no_new_version(people, filled, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("copy failed")

    monkeypatch.setattr(Target.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        new_version(people)
    assert Plan.objects.filter(area=people.area).count() == 1
    assert ExecutionPlan.objects.count() == 1 and Action.objects.count() == 2


def test_the_coordinator_gets_it_with_the_button(client, people, filled):
    client.force_login(people.coordinator)
    response = client.post(reverse("plans:plan_edit", args=[people.plan.code]), {"action": "new-version"})
    new = Plan.objects.get(previous_version=people.plan)
    assert response.status_code == 302
    assert ExecutionPlan.objects.filter(plan=new).count() == 1
    assert Action.objects.filter(execution_plan__plan=new).count() == 2
    assert BudgetLine.objects.filter(execution_plan__plan=new).count() == 1


def test_a_plan_without_execution_plans_gets_a_version_without_them(people):
    adopt(people.plan)
    new = new_version(people)
    assert not ExecutionPlan.objects.filter(plan=new).exists()


def test_reminders_ask_about_the_version_being_carried_out_only(people, filled):
    Action.objects.create(execution_plan=filled, title="Open actie", contact_email="open@example.org", order=5)
    new = new_version(people)
    year, quarter = timezone.localdate().year, (timezone.localdate().month - 1) // 3 + 1
    # The new version is still being written: its copies are not asked about.
    recipients = services.reminder_recipients(year=year, quarter=quarter)
    assert [(a.title, a.execution_plan.plan_id) for a in recipients["open@example.org"]] == [("Open actie", people.plan.pk)]
    # Once it is adopted, it is the one being carried out.
    Plan.objects.filter(pk=new.pk).update(status=Plan.Status.ADOPTED)
    recipients = services.reminder_recipients(year=year, quarter=quarter)
    assert [(a.title, a.execution_plan.plan_id) for a in recipients["open@example.org"]] == [("Open actie", new.pk)]
    assert services.reminders_send(year=year, quarter=quarter) == 1  # buurt@'s action is done
    assert [m.to for m in mail.outbox] == [["open@example.org"]]
    assert mail.outbox[0].body.count("Open actie") == 1  # once, not once per version


def test_a_personal_link_ends_when_a_newer_adopted_version_replaces_the_plan(client, people, filled):
    link, token = services.partner_link_create(execution_plan=filled, owner="Buurtwerk")
    url = reverse("execution:partner_page", args=[token])
    new = new_version(people)
    assert client.get(url).status_code == 200  # the new version is still being written
    Plan.objects.filter(pk=new.pk).update(status=Plan.Status.ADOPTED)
    assert client.get(url).status_code == 410
    copy = ExecutionPlan.objects.get(plan=new)
    _link, fresh_token = services.partner_link_create(execution_plan=copy, owner="Buurtwerk")
    assert "Maaltijden starten" in client.get(reverse("execution:partner_page", args=[fresh_token])).content.decode()
