"""Choosing the indicators and neighbourhoods that a figures section of a plan shows."""

import pytest
from django.urls import reverse

from plans import services
from plans.models import FigureTable, Section
from wijkdata.models import Indicator, Neighbourhood

pytestmark = pytest.mark.django_db


def url(plan, **params):
    base = reverse("plans:plan_figures", args=[plan.code])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def ids(model, **lookups):
    return [str(model.objects.get(**lookups).id)]


class TestPlanFigures:
    def test_it_offers_the_area_indicators_and_regions(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        response = client.get(url(people.plan))
        assert response.status_code == 200
        assert "plans/plan_figures.html" in [t.name for t in response.templates]
        form = response.context["form"]
        labels = [label for _value, label in form.fields["neighbourhoods"].choices]
        assert labels == ["Gemeente Teststad", "Centrum", "0101 Oude kern", "0102 Haven"]
        assert len(form.fields["indicators"].choices) == 4

    def test_it_saves_the_selection_in_order_and_the_plan_shows_it(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        lonely = Indicator.objects.get(code="ggd-eenzaam").id
        inhabitants = Indicator.objects.get(code="inwoners").id
        centrum = Neighbourhood.objects.get(code="WK999901").id
        gemeente = Neighbourhood.objects.get(code="GM9999").id
        response = client.post(
            url(people.plan),
            {
                "save": "1",
                "heading": "Wijken",
                "layout": "indicator_rows",
                "year": "2024",
                "indicators": [str(lonely), str(inhabitants)],
                "neighbourhoods": [str(centrum), str(gemeente)],
            },
        )
        assert response.status_code == 302
        # A plan without a figures section gets one, and the page shows it.
        section = Section.objects.get(plan=people.plan, kind="figures")
        assert response["Location"].endswith(f"#s-{section.code.hex[:8]}")
        table = FigureTable.objects.get(section__plan=people.plan)
        body = client.get(response["Location"]).content.decode()
        assert "Kenmerken van het gebied" in body and ">Wijken<" in body
        assert (table.heading, table.layout, table.year) == ("Wijken", "indicator_rows", 2024)
        # The order of the list, not of the ticks: inhabitants come before loneliness.
        assert [r.indicator.code for r in table.indicator_rows.all()] == ["inwoners", "ggd-eenzaam"]
        assert [r.neighbourhood.code for r in table.neighbourhood_rows.all()] == [
            "GM9999",
            "WK999901",
        ]

    def test_it_edits_and_deletes_a_table_and_raises_the_revision(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        section = services.section_add(plan=people.plan, kind="figures", heading="Cijfers")
        table = services.figure_table_save(
            section=section, heading="", layout="indicator_rows", year=2024, indicator_ids=[], neighbourhood_ids=[]
        )
        revision = type(people.plan).objects.get(pk=people.plan.pk).revision
        response = client.post(
            url(people.plan),
            {
                "tabel": table.id,
                "save": "1",
                "layout": "neighbourhood_rows",
                "year": "2024",
                "indicators": ids(Indicator, code="inwoners"),
                "neighbourhoods": ids(Neighbourhood, code="WK999901"),
            },
        )
        assert response.status_code == 302
        table.refresh_from_db()
        assert table.layout == "neighbourhood_rows" and table.indicator_rows.count() == 1
        assert type(people.plan).objects.get(pk=people.plan.pk).revision == revision + 1
        client.post(url(people.plan), {"onderdeel": section.code.hex, "tabel": table.id, "delete": "1"})
        assert not FigureTable.objects.exists()
        assert type(people.plan).objects.get(pk=people.plan.pk).revision == revision + 2

    def test_it_refuses_choices_outside_the_area(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        response = client.post(
            url(people.plan),
            {
                "save": "1",
                "layout": "indicator_rows",
                "year": "2024",
                "indicators": ids(Indicator, code="inwoners"),
                "neighbourhoods": ids(Neighbourhood, code="WK999902"),
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["neighbourhoods"]
        assert not FigureTable.objects.exists()

    def test_it_lets_only_coordinators_choose(self, client, area_with_figures):
        people = area_with_figures
        for user, status in [
            (people.manager, 403),
            (people.facilitator, 403),
            (people.outsider, 404),
        ]:
            client.force_login(user)
            assert client.get(url(people.plan)).status_code == status
            assert client.post(url(people.plan), {"save": "1"}).status_code == status
        assert not FigureTable.objects.exists()

    def test_it_requires_login(self, client, people):
        assert client.get(url(people.plan)).status_code == 302

    def test_it_rejects_other_methods(self, client, people):
        client.force_login(people.coordinator)
        assert client.delete(url(people.plan)).status_code == 405

    def test_it_404s_on_a_table_of_another_plan(self, client, area_with_figures):
        people = area_with_figures
        client.force_login(people.coordinator)
        services.section_add(plan=people.plan, kind="figures", heading="Cijfers")
        assert client.get(url(people.plan, tabel=999999)).status_code == 404

    def test_it_404s_on_a_section_of_another_plan(self, client, area_with_figures, demo):
        people = area_with_figures
        client.force_login(people.coordinator)
        other = demo.binnenstad.sections.get(kind="figures")
        assert client.get(url(people.plan, onderdeel=other.code.hex)).status_code == 404
