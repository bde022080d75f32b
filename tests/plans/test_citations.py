"""Figures cited by focus points and goals: the selector, the services, the editor, the plan
page and the PDF, adoption (frozen, also after a re-import) and the copy to the next period."""

from decimal import Decimal

import pytest
from django.urls import reverse
from reversion.models import Version

from plans import services
from plans.models import FigureCitation, FocusPoint, Goal, GoalIndicator, Plan
from plans.pdf.render import plan_html
from tests.base import People
from wijkdata.models import Indicator, IndicatorValue, Neighbourhood
from wijkdata.selectors import figure_lookup

pytestmark = pytest.mark.django_db

SECTIONS = [("focus", "Focuspunten"), ("goals", "Doelen")]


@pytest.fixture
def people():
    return People.create(sections=SECTIONS)


@pytest.fixture
def cited(area_with_figures):
    """A focus point and a goal; the figures of Centrum (WK999901) for 2024 are imported."""
    people = area_with_figures
    plan = people.plan
    focus = plan.sections.get(kind="focus")
    goals = plan.sections.get(kind="goals")
    point = services.content_add(FocusPoint, section=focus, title="Eenzaamheid verminderen")
    goal = services.content_add(Goal, section=goals, title="Minder mensen eenzaam")
    lonely = Indicator.objects.get(name="Eenzaam")
    lonely.direction = Indicator.Direction.LOWER_IS_BETTER
    lonely.save()
    people.point, people.goal, people.lonely = point, goal, lonely
    people.centrum = Neighbourhood.objects.get(code="WK999901", year=2024)
    people.focus, people.goals = focus, goals
    return people


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def section_url(section) -> str:
    return reverse("plans:section_edit", args=[section.plan.code, section.code])


def import_year(year: int, lonely: str, source: str = "Testbron") -> None:
    """A file of another year (or a corrected one) for the test municipality."""
    from wijkdata.services import indicators_import

    data = (
        "Codering;Naam;Aantal inwoners;Eenzaam\n"
        "GM9999;Teststad;100000;40,0\n"
        f"WK999901;Centrum;10000;{lonely}\n"
        "WK999902;Noord;20000;30,0\n"
    )
    indicators_import(data=data.encode(), file_name=f"test-{year}.csv", year=year, source=source)


def cite(people, **extra):
    return services.citation_add(
        owner=people.point, indicator=people.lonely, neighbourhood=people.centrum, year=2024, **extra
    )


class TestSelector:
    def test_it_finds_the_figure_and_the_newest_year_by_region_code(self, cited, django_assert_num_queries):
        key = (cited.centrum.pk, cited.lonely.pk, 2024)
        with django_assert_num_queries(2):
            found = figure_lookup([key])[key]
        assert found.figure.value == Decimal("50.0") and found.newest is None
        import_year(2025, "45,0")
        import_year(2026, ".")  # a later year without a value is not "available"
        found = figure_lookup([key])[key]
        assert found.newest_year == 2025 and found.newest.value == Decimal("45.0")
        # The 2025 figure hangs on the 2025 row of the same CBS code.
        assert found.newest.neighbourhood_id != cited.centrum.pk

    def test_it_answers_for_a_figure_that_does_not_exist(self, cited):
        key = (cited.centrum.pk, cited.lonely.pk, 2019)
        found = figure_lookup([key])[key]
        assert found.figure is None

    def test_it_reads_from_the_queryset_it_is_given(self, cited):
        key = (cited.centrum.pk, cited.lonely.pk, 2024)
        found = figure_lookup([key], values=IndicatorValue.objects.none())[key]
        assert found.figure is None


class TestServices:
    def test_citing_raises_the_revision_and_is_kept_in_history(self, cited):
        before = fresh(cited.plan).revision
        citation = cite(cited)
        assert fresh(cited.plan).revision == before + 1
        assert citation.section == cited.focus and citation.focus_point == cited.point
        assert Version.objects.get_for_model(FigureCitation).filter(object_id=str(citation.pk)).exists()
        services.citation_delete(citation=citation)
        assert not FigureCitation.objects.exists()
        assert fresh(cited.plan).revision == before + 2

    def test_a_figure_that_does_not_exist_is_refused_and_nothing_written(self, cited):
        from django.core.exceptions import ValidationError

        before = fresh(cited.plan).revision
        with pytest.raises(ValidationError, match="Er is geen cijfer van Eenzaam voor Centrum in 2019"):
            services.citation_add(owner=cited.point, indicator=cited.lonely, neighbourhood=cited.centrum, year=2019)
        assert not FigureCitation.objects.exists() and fresh(cited.plan).revision == before

    def test_a_goal_indicator_cites_its_own_indicator(self, cited):
        gi = GoalIndicator.objects.create(goal=cited.goal, indicator=cited.lonely)
        other = Indicator.objects.get(name="Moeite met rondkomen")
        citation = services.citation_add(owner=gi, indicator=other, neighbourhood=cited.centrum, year=2024)
        assert citation.indicator == cited.lonely and citation.section == cited.goals

    def test_an_adopted_plan_cannot_cite(self, cited):
        from django.core.exceptions import ValidationError

        Plan.objects.filter(pk=cited.plan.pk).update(status=Plan.Status.ADOPTED)
        with pytest.raises(ValidationError):
            cite(cited)


class TestEditor:
    def post(self, client, people, **data):
        section = fresh(people.focus)
        payload = {
            "action": "cite-add", "item": people.point.pk, "revision": section.revision,
            f"c{people.point.pk}-indicator": people.lonely.pk,
            f"c{people.point.pk}-neighbourhood": people.centrum.pk,
            f"c{people.point.pk}-year": 2024,
        }
        payload.update(data)
        return client.post(section_url(section), payload)

    def test_the_editor_offers_the_citation_form(self, client, cited):
        client.force_login(cited.coordinator)
        response = client.get(section_url(cited.focus))
        body = response.content.decode()
        assert response.status_code == 200 and "Aangehaalde cijfers" in body and "Cijfer aanhalen" in body
        assert f'<option value="{cited.centrum.pk}">Centrum</option>' in body

    def test_it_cites_and_removes_a_figure(self, client, cited):
        client.force_login(cited.coordinator)
        response = self.post(client, cited)
        assert response.status_code == 302
        citation = FigureCitation.objects.get()
        assert (citation.focus_point, citation.indicator, citation.year) == (cited.point, cited.lonely, 2024)
        body = client.get(section_url(cited.focus)).content.decode()
        assert "Eenzaam · Centrum · 2024" in body
        response = client.post(
            section_url(cited.focus),
            {"action": "cite-delete", "item": cited.point.pk, "citation": citation.pk, "revision": fresh(cited.focus).revision},
        )
        assert response.status_code == 302 and not FigureCitation.objects.exists()

    def test_with_htmx_it_answers_with_the_editor_only(self, client, cited):
        client.force_login(cited.coordinator)
        section = fresh(cited.focus)
        response = client.post(
            section_url(section),
            {
                "action": "cite-add", "item": cited.point.pk, "revision": section.revision,
                f"c{cited.point.pk}-indicator": cited.lonely.pk,
                f"c{cited.point.pk}-neighbourhood": cited.centrum.pk, f"c{cited.point.pk}-year": 2024,
            },
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert response.status_code == 200 and "<html" not in body and 'id="editor"' in body
        assert "Eenzaam · Centrum · 2024" in body

    def test_a_year_without_the_figure_is_refused_with_a_message(self, client, cited):
        import_year(2025, "45,0")  # wijken only: the buurten have no 2025 figures
        client.force_login(cited.coordinator)
        haven = Neighbourhood.objects.get(code="BU99990102", year=2024)
        response = self.post(client, cited, **{f"c{cited.point.pk}-neighbourhood": haven.pk, f"c{cited.point.pk}-year": 2025})
        assert response.status_code == 200
        assert "Er is geen cijfer van Eenzaam voor 0102 Haven in 2025." in response.content.decode()
        response = self.post(client, cited, **{f"c{cited.point.pk}-year": 2019})
        assert response.status_code == 200 and "utrecht-form-field--invalid" in response.content.decode()
        assert not FigureCitation.objects.exists()

    def test_a_goal_can_cite_for_one_of_its_indicators(self, client, cited):
        gi = GoalIndicator.objects.create(goal=cited.goal, indicator=cited.lonely)
        client.force_login(cited.coordinator)
        section = fresh(cited.goals)
        response = client.post(
            section_url(section),
            {
                "action": "cite-add", "item": cited.goal.pk, "revision": section.revision,
                f"c{cited.goal.pk}-indicator": cited.lonely.pk, f"c{cited.goal.pk}-neighbourhood": cited.centrum.pk,
                f"c{cited.goal.pk}-year": 2024, f"c{cited.goal.pk}-target": gi.pk,
            },
        )
        assert response.status_code == 302
        assert FigureCitation.objects.get().goal_indicator == gi

    def test_it_needs_a_login_the_right_method_and_role(self, client, cited):
        url = section_url(cited.focus)
        assert client.post(url, {"action": "cite-add"}).status_code == 302  # to the login
        client.force_login(cited.coordinator)
        assert client.put(url).status_code == 405
        for person, status in ((cited.facilitator, 403), (cited.manager, 403), (cited.outsider, 404)):
            client.force_login(person)
            assert self.post(client, cited).status_code == status
        assert not FigureCitation.objects.exists()

    def test_a_stale_revision_is_refused(self, client, cited):
        client.force_login(cited.coordinator)
        response = self.post(client, cited, revision=fresh(cited.focus).revision - 1)
        assert response.status_code == 409 and not FigureCitation.objects.exists()


class TestPlanPage:
    def test_it_shows_the_value_live_with_year_and_source_and_a_newer_year(self, client, cited):
        cite(cited)
        client.force_login(cited.manager)
        body = client.get(cited.plan.get_absolute_url()).content.decode()
        assert "Eenzaam · Centrum</span>: <strong class=\"cited-figure__value\">50%</strong>" in body
        assert "(2024, Testbron)" in body and "nieuwer jaar beschikbaar" not in body
        # A new year arrives: the cached page changes at once (the import raises the revision).
        import_year(2025, "45,0")
        body = client.get(cited.plan.get_absolute_url()).content.decode()
        assert ">50%<" in body and "nieuwer jaar beschikbaar: 2025" in body

    def test_a_corrected_figure_shows_at_once_in_a_concept_plan(self, client, cited):
        cite(cited)
        client.force_login(cited.manager)
        client.get(cited.plan.get_absolute_url())
        import_year(2024, "51,5", source="Testbron gecorrigeerd")
        body = client.get(cited.plan.get_absolute_url()).content.decode()
        assert ">51,5%<" in body and "(2024, Testbron gecorrigeerd)" in body

    def test_the_pdf_shows_the_cited_figure(self, cited):
        cite(cited)
        html = plan_html(fresh(cited.plan))
        assert "Eenzaam · Centrum" in html and ">50%<" in html and "(2024, Testbron)" in html

    def test_the_number_of_queries_does_not_grow_with_the_citations(self, client, cited, django_assert_max_num_queries):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cite(cited)
        client.force_login(cited.manager)
        url = cited.plan.get_absolute_url()
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for n in range(5):
            point = services.content_add(FocusPoint, section=cited.focus, title=f"Punt {n}")
            services.citation_add(owner=point, indicator=cited.lonely, neighbourhood=cited.centrum, year=2024)
            services.citation_add(
                owner=cited.goal if n == 0 else services.content_add(Goal, section=cited.goals, title=f"Doel {n}"),
                indicator=cited.lonely, neighbourhood=cited.centrum, year=2024,
            )
        cache.clear()
        with CaptureQueriesContext(connection) as many:
            body = client.get(url).content.decode()
        assert body.count('class="cited-figure"') == 11
        assert len(one) == len(many)


def adopt(people):
    plan = fresh(people.plan)
    services.plan_status_change(plan=plan, new_status="review", user=people.coordinator, note="Klaar")
    services.plan_status_change(plan=plan, new_status="adopted", user=people.coordinator, note="Vastgesteld")
    return fresh(plan)


class TestAdopted:
    def test_adoption_freezes_the_cited_figure_and_a_reimport_does_not_change_it(self, client, cited):
        citation = cite(cited)
        adopt(cited)
        citation = fresh(citation)
        assert citation.frozen_at is not None and citation.frozen_value == Decimal("50.0")
        assert citation.frozen_source == "Testbron"
        import_year(2024, "12,3", source="Correctie")
        import_year(2025, "45,0")
        client.force_login(cited.coordinator)
        body = client.get(cited.plan.get_absolute_url()).content.decode()
        article = body.split('<article class="plan"')[1]
        assert ">50%<" in article and ">12,3%<" not in article and "(2024, Testbron)" in article
        assert "Nieuwere cijfers beschikbaar" in body
        assert "Eenzaam · Centrum (2024): nieuwer jaar beschikbaar: 2025" in body
        # The PDF of the adopted plan shows the frozen figure too.
        html = plan_html(fresh(cited.plan))
        assert ">50%<" in html and ">12,3%<" not in html

    def test_a_reader_does_not_get_the_coordinators_notice(self, client, cited):
        cite(cited)
        adopt(cited)
        import_year(2025, "45,0")
        client.force_login(cited.manager)
        assert "Nieuwere cijfers beschikbaar" not in client.get(cited.plan.get_absolute_url()).content.decode()


class TestCopyToNextPeriod:
    def test_citations_move_to_the_newest_year_and_the_change_is_listed(self, client, cited):
        cite(cited)
        adopt(cited)
        import_year(2025, "45,0")
        new = services.plan_copy_to_next_period(plan=fresh(cited.plan))
        copied = FigureCitation.objects.get(section__plan=new)
        assert copied.year == 2025 and copied.previous_year == 2024 and copied.previous_value == Decimal("50.0")
        assert copied.frozen_at is None  # the new plan is a concept: it reads live figures
        assert copied.focus_point.section.plan == new
        assert FigureCitation.objects.get(section__plan=cited.plan).year == 2024  # the original keeps its year
        client.force_login(cited.coordinator)
        body = client.get(reverse("plans:plan_edit", args=[new.code])).content.decode()
        assert "Cijfers die veranderden sinds het vorige plan" in body
        assert 'Eenzaam · Centrum: 50% (2024) → 45% (2025) · <span class="better">beter</span>' in body
        page = client.get(new.get_absolute_url()).content.decode()
        assert ">45%<" in page and "(2025, Testbron)" in page

    def test_the_list_follows_a_later_import_at_once(self, client, cited):
        cite(cited)
        adopt(cited)
        import_year(2025, "45,0")
        new = services.plan_copy_to_next_period(plan=fresh(cited.plan))
        client.force_login(cited.coordinator)
        url = reverse("plans:plan_edit", args=[new.code])
        assert "50% (2024) → 45% (2025)" in client.get(url).content.decode()
        import_year(2025, "55,0", source="Correctie")  # a correction: no section of the plan changes
        body = client.get(url).content.decode()
        assert "50% (2024) → 55% (2025)" in body and "45% (2025)" not in body

    def test_a_figure_with_no_newer_year_stays_and_is_not_listed(self, client, cited):
        cite(cited)
        new = services.plan_copy_to_next_period(plan=fresh(cited.plan))
        copied = FigureCitation.objects.get(section__plan=new)
        assert copied.year == 2024 and copied.previous_year is None
        client.force_login(cited.coordinator)
        assert "Cijfers die veranderden" not in client.get(reverse("plans:plan_edit", args=[new.code])).content.decode()


def test_the_demo_focus_points_cite_the_figures_their_text_quotes(client, demo):
    people = People.create(area=demo.stedelijk.area)
    client.force_login(people.manager)
    body = client.get(demo.stedelijk.get_absolute_url()).content.decode()
    assert "Mantelzorgers · Gemeente &#x27;s-Hertogenbosch</span>: <strong class=\"cited-figure__value\">13%</strong>" in body
    assert "Doet wel eens vrijwilligerswerk · Gemeente &#x27;s-Hertogenbosch" in body and ">36%</strong>" in body
    # The demo plan is adopted: its cited figures are frozen with it.
    assert FigureCitation.objects.filter(section__plan=demo.stedelijk, frozen_at__isnull=False).count() == 2
