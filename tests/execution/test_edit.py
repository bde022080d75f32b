"""Setting up and changing execution plans: choices limited to the plan and its area, a
planned quarter per action, budget rows per year and source, the intervention's chain of
reasoning, and edit and delete pages (coordinator only, confirmation, history, adopted
plans read-only)."""

import pytest
from django.urls import reverse
from reversion.models import Revision

from execution import services
from execution.models import Action, BudgetLine, ExecutionPlan, Target
from plans.models import Area, FocusPoint, Intervention, Plan
from plans.services import plan_create
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood

from .conftest import FOCUS, INTERVENTIONS, adopt, section

pytestmark = pytest.mark.django_db


def list_url(people):
    return reverse("execution:execution_list", args=[people.plan.code])


def detail_url(people, ep):
    return reverse("execution:execution_detail", args=[people.plan.code, ep.code])


def edit_url(people, ep):
    return reverse("execution:execution_edit", args=[people.plan.code, ep.code])


def delete_url(people, ep):
    return reverse("execution:execution_delete", args=[people.plan.code, ep.code])


def item_url(people, ep, kind, pk, what="bewerken"):
    name = "execution:item_edit" if what == "bewerken" else "execution:item_delete"
    return reverse(name, args=[people.plan.code, ep.code, kind, pk])


@pytest.fixture
def focus_point(people):
    return FocusPoint.objects.create(section=section(people.plan, FOCUS), title="Eenzaamheid doorbreken")


@pytest.fixture
def intervention(people):
    return Intervention.objects.create(
        section=section(people.plan, INTERVENTIONS), title="Samen aan tafel",
        problem="Ouderen eten alleen.", approach="Een wekelijkse maaltijd.", long_term="Minder eenzaamheid.",
    )


@pytest.fixture
def other_plan_focus_point(people):
    """A focus point of a plan in another area of the same organisation."""
    area = Area.objects.create(organisation=people.organisation, name="Ander gebied")
    plan = plan_create(area=area, period_start=2025, title="Ander plan", template=people.plan.template)
    return FocusPoint.objects.create(section=plan.sections.get(kind=FOCUS), title="Van een ander plan")


# --- choices ---------------------------------------------------------------------------------


def test_it_offers_only_this_plans_focus_points_and_interventions(client, people, focus_point, intervention,
                                                                  other_plan_focus_point):
    client.force_login(people.coordinator)
    page = client.get(list_url(people)).content.decode()
    assert f'<option value="{focus_point.pk}">Eenzaamheid doorbreken</option>' in page
    assert f'<option value="{intervention.pk}">Samen aan tafel</option>' in page
    assert "Van een ander plan" not in page


def test_it_refuses_a_focus_point_of_another_plan_and_writes_nothing(client, people, other_plan_focus_point):
    client.force_login(people.coordinator)
    response = client.post(list_url(people), {"title": "Nieuw", "focus_point": other_plan_focus_point.pk})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not ExecutionPlan.objects.exists()


def test_the_service_refuses_a_focus_point_of_another_plan(people, other_plan_focus_point):
    with pytest.raises(Exception, match="uit dit plan"):
        services.execution_plan_create(plan=people.plan, title="x", focus_point=other_plan_focus_point)


def test_it_creates_an_execution_plan_tied_to_a_focus_point(client, people, focus_point):
    client.force_login(people.coordinator)
    response = client.post(list_url(people), {
        "title": "Ontmoeten", "focus_point": focus_point.pk, "urgency": "Veel eenzaamheid",
        "reach": "Ouderen; 200; deelnemerslijsten", "feasibility": "Ruimte is er", "lead": "Farent",
        "work_group": "Farent\nGGD",
    })
    ep = ExecutionPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(people, ep)
    page = client.get(detail_url(people, ep)).content.decode()
    assert "Eenzaamheid doorbreken" in page and "<li>Farent</li><li>GGD</li>" in page and "Ouderen; 200; deelnemerslijsten" in page


def test_it_shows_the_chain_of_reasoning_of_the_intervention(client, people, intervention):
    ep = services.execution_plan_create(plan=people.plan, title="Maaltijd", intervention=intervention)
    client.force_login(people.manager)
    page = client.get(detail_url(people, ep)).content.decode()
    assert "Redeneerlijn van de interventie" in page
    assert page.index("Ouderen eten alleen.") < page.index("Een wekelijkse maaltijd.") < page.index("Minder eenzaamheid.")


def test_it_offers_indicators_and_regions_of_the_area_only(client, people, ep):
    wijk = Neighbourhood.objects.create(code="WK999901", name="Testwijk", level="district", year=2024)
    elsewhere = Neighbourhood.objects.create(code="WK888801", name="Elders", level="district", year=2024)
    people.area.neighbourhoods.add(wijk)
    here = Indicator.objects.create(code="eenzaam", name="Eenzaam", kind="percentage", direction="lower")
    there = Indicator.objects.create(code="elders", name="Alleen elders gemeten", kind="percentage")
    IndicatorValue.objects.create(indicator=here, neighbourhood=wijk, year=2024, value=30)
    IndicatorValue.objects.create(indicator=there, neighbourhood=elsewhere, year=2024, value=1)
    client.force_login(people.coordinator)
    page = client.get(detail_url(people, ep)).content.decode()
    assert ">Eenzaam</option>" in page and ">Testwijk</option>" in page
    assert "Alleen elders gemeten" not in page and ">Elders</option>" not in page
    response = client.post(detail_url(people, ep), {"what": "target", "statement": "Minder eenzaam",
                                                    "indicator": there.pk, "neighbourhood": elsewhere.pk})
    assert response.status_code == 400 and not Target.objects.exists()
    response = client.post(detail_url(people, ep), {"what": "target", "statement": "Minder eenzaam",
                                                    "indicator": here.pk})
    assert "Kies bij een indicator ook het gebied" in response.content.decode()
    client.post(detail_url(people, ep), {"what": "target", "statement": "Minder eenzaam", "indicator": here.pk,
                                         "neighbourhood": wijk.pk, "baseline": "30", "goal": "25,5"})
    target = Target.objects.get()
    assert (target.indicator, target.neighbourhood, str(target.goal)) == (here, wijk, "25.500")


def test_a_target_follows_a_newer_import_of_its_region(client, people, ep):
    """A new year's import has its own region rows: the target still finds its value."""
    wijk = Neighbourhood.objects.create(code="WK999901", name="Testwijk", level="district", year=2024)
    people.area.neighbourhoods.add(wijk)
    indicator = Indicator.objects.create(code="eenzaam", name="Eenzaam", kind="percentage", direction="lower")
    IndicatorValue.objects.create(indicator=indicator, neighbourhood=wijk, year=2024, value=30)
    services.target_add(execution_plan=ep, statement="Minder eenzaam", indicator=indicator, neighbourhood=wijk,
                        baseline=30, goal=25)
    client.force_login(people.manager)
    assert "nu 30 (2024)" in client.get(detail_url(people, ep)).content.decode()
    wijk_2025 = Neighbourhood.objects.create(code="WK999901", name="Testwijk", level="district", year=2025)
    IndicatorValue.objects.create(indicator=indicator, neighbourhood=wijk_2025, year=2025, value=27)
    page = client.get(detail_url(people, ep)).content.decode()
    assert "nu 27 (2025)" in page and "goede richting" in page


# --- planned quarter and budget -----------------------------------------------------------------


def test_an_action_gets_a_planned_quarter_of_the_plans_period(client, people, ep):
    client.force_login(people.coordinator)
    page = client.get(detail_url(people, ep)).content.decode()
    assert '<option value="2025-3">2025-K3</option>' in page
    client.post(detail_url(people, ep), {"what": "action", "title": "Buurtkamer", "planned": "2025-3",
                                         "kind": "new", "due_date": "2025-09-30"})
    action = Action.objects.get()
    assert (action.planned_year, action.planned_quarter, action.planned) == (2025, 3, "2025-K3")
    assert "gepland 2025-K3" in client.get(detail_url(people, ep)).content.decode()
    response = client.post(detail_url(people, ep), {"what": "action", "title": "Fout", "planned": "2025-7", "kind": "new"})
    assert response.status_code == 400 and Action.objects.count() == 1


def test_budget_is_rows_per_year_and_source_with_totals(client, people, ep):
    client.force_login(people.coordinator)
    response = client.post(detail_url(people, ep), {"what": "budget", "year": "2025", "amount": "18.000", "source": "x"})
    assert response.status_code == 400 and "Is 18.000 een getal" in response.content.decode()
    for year, amount, source in (("2025", "18000", "SPUK/GALA"), ("2025", "12.500,50", "programmabegroting"),
                                 ("2026", "15000", "SPUK/GALA")):
        client.post(detail_url(people, ep), {"what": "budget", "year": year, "amount": amount, "source": source})
    assert BudgetLine.objects.count() == 3
    page = client.get(detail_url(people, ep)).content.decode()
    assert "€\u00a018.000" in page and "€\u00a012.500,50" in page and "€\u00a030.500,50" in page
    assert "€\u00a045.500,50" in page
    response = client.post(detail_url(people, ep), {"what": "budget", "year": "2025", "amount": "10"})
    assert response.status_code == 400 and "Noem de financieringsbron" in response.content.decode()
    assert BudgetLine.objects.count() == 3


# --- edit and delete ----------------------------------------------------------------------------


def test_coordinator_edits_an_execution_plan_and_history_keeps_it(client, people, ep):
    client.force_login(people.coordinator)
    assert client.get(edit_url(people, ep)).status_code == 200
    response = client.post(edit_url(people, ep), {"title": "Samen sterker", "lead": "GGD"})
    assert response.status_code == 302
    ep.refresh_from_db()
    assert (ep.title, ep.lead) == ("Samen sterker", "GGD")
    assert Revision.objects.filter(comment="Uitvoeringsplan gewijzigd: Samen sterker").exists()


def test_editing_with_an_empty_title_says_so_and_changes_nothing(client, people, ep):
    client.force_login(people.coordinator)
    response = client.post(edit_url(people, ep), {"title": " "})
    assert response.status_code == 400 and "Geef het uitvoeringsplan een titel." in response.content.decode()
    ep.refresh_from_db()
    assert ep.title == "Samen tegen eenzaamheid"


def test_deleting_an_execution_plan_asks_first_then_removes_it(client, people, ep):
    services.action_add(execution_plan=ep, title="Buurtkamer")
    client.force_login(people.coordinator)
    page = client.get(delete_url(people, ep)).content.decode()
    assert "Weet je zeker" in page and "De 1 actie" in page
    assert ExecutionPlan.objects.exists()
    before = Plan.objects.get(pk=people.plan.pk).revision
    response = client.post(delete_url(people, ep))
    assert response.status_code == 302 and response["Location"] == list_url(people)
    assert not ExecutionPlan.objects.exists() and not Action.objects.exists()
    assert Plan.objects.get(pk=people.plan.pk).revision == before + 1


@pytest.mark.parametrize("kind", ["actie", "doel", "budget"])
def test_coordinator_edits_and_deletes_items(client, people, ep, kind):
    item = {
        "actie": lambda: services.action_add(execution_plan=ep, title="Oud"),
        "doel": lambda: services.target_add(execution_plan=ep, statement="Oud"),
        "budget": lambda: services.budget_line_add(execution_plan=ep, year=2025, source="Oud"),
    }[kind]()
    data = {"actie": {"title": "Nieuw", "kind": "new"}, "doel": {"statement": "Nieuw"},
            "budget": {"year": "2025", "source": "Nieuw"}}[kind]
    client.force_login(people.coordinator)
    assert client.get(item_url(people, ep, kind, item.pk)).status_code == 200
    response = client.post(item_url(people, ep, kind, item.pk), data)
    assert response.status_code == 302 and response["Location"] == detail_url(people, ep)
    assert "Nieuw" in client.get(detail_url(people, ep)).content.decode()
    assert "Weet je zeker" in client.get(item_url(people, ep, kind, item.pk, "verwijderen")).content.decode()
    assert type(item).objects.filter(pk=item.pk).exists()
    client.post(item_url(people, ep, kind, item.pk, "verwijderen"))
    assert not type(item).objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("who", ["facilitator", "manager"])
def test_other_roles_may_not_edit_or_delete(client, people, ep, who):
    action = services.action_add(execution_plan=ep, title="Buurtkamer")
    client.force_login(getattr(people, who))
    for url in (edit_url(people, ep), delete_url(people, ep), item_url(people, ep, "actie", action.pk),
                item_url(people, ep, "actie", action.pk, "verwijderen")):
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "Gehackt"}).status_code == 403
    assert client.post(list_url(people), {"title": "Gehackt"}).status_code == 403
    assert ExecutionPlan.objects.get().title == "Samen tegen eenzaamheid" and Action.objects.exists()


def test_outsiders_get_404_and_anonymous_users_the_login_page(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer")
    urls = (edit_url(people, ep), delete_url(people, ep), item_url(people, ep, "actie", action.pk),
            item_url(people, ep, "actie", action.pk, "verwijderen"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/inloggen/")
    client.force_login(people.outsider)
    for url in urls:
        assert client.get(url).status_code == 404


def test_an_item_of_another_execution_plan_is_404(client, people, ep):
    other = services.execution_plan_create(plan=people.plan, title="Ander")
    action = services.action_add(execution_plan=other, title="Niet van jou")
    client.force_login(people.coordinator)
    assert client.get(item_url(people, ep, "actie", action.pk)).status_code == 404
    assert client.post(item_url(people, ep, "actie", action.pk, "verwijderen")).status_code == 404
    assert client.get(item_url(people, ep, "iets", action.pk)).status_code == 404
    assert Action.objects.filter(pk=action.pk).exists()


def test_edit_and_delete_pages_refuse_other_methods(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer")
    client.force_login(people.coordinator)
    for url in (edit_url(people, ep), delete_url(people, ep), item_url(people, ep, "actie", action.pk),
                item_url(people, ep, "actie", action.pk, "verwijderen"), list_url(people), detail_url(people, ep)):
        assert client.put(url).status_code == 405
        assert client.delete(url).status_code == 405


def test_an_adopted_plan_keeps_its_execution_plans_as_they_are(client, people, ep):
    action = services.action_add(execution_plan=ep, title="Buurtkamer")
    adopt(people.plan)
    client.force_login(people.coordinator)
    page = client.get(detail_url(people, ep)).content.decode()
    assert "Dit plan is vastgesteld" in page and "Actie toevoegen" not in page and "Uitvoeringsplan bewerken" not in page
    assert "Nieuw uitvoeringsplan" not in client.get(list_url(people)).content.decode()
    response = client.post(edit_url(people, ep), {"title": "Anders"}, follow=True)
    assert "vastgesteld en kan niet meer worden gewijzigd" in response.content.decode()
    client.post(item_url(people, ep, "actie", action.pk, "verwijderen"))
    client.post(detail_url(people, ep), {"what": "action", "title": "Nieuw", "kind": "new"})
    ep.refresh_from_db()
    assert ep.title == "Samen tegen eenzaamheid" and list(ep.actions.values_list("title", flat=True)) == ["Buurtkamer"]
    # Carrying it out goes on: status and update are still recorded.
    client.post(detail_url(people, ep), {"what": "status", "action": action.pk, "status": "running", "update": "Open"})
    action.refresh_from_db()
    assert (action.status, action.last_update) == ("running", "Open")


def test_overview_and_exports_answer_only_get(client, people, ep):
    client.force_login(people.coordinator)
    for url in (reverse("execution:execution_overview", args=[people.plan.code]),
                reverse("execution:execution_export", args=[people.plan.code, ep.code, "csv"])):
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 405


def test_the_export_has_the_planned_quarter(client, people, ep):
    services.action_add(execution_plan=ep, title="Buurtkamer", planned_year=2025, planned_quarter=3)
    client.force_login(people.manager)
    text = client.get(reverse("execution:execution_export", args=[people.plan.code, ep.code, "csv"])).content.decode()
    assert "Gepland kwartaal" in text and "Buurtkamer;;;2025-K3" in text
