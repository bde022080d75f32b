"""The plan as a document of sections: periods, themes of its own, templates, the one
revision number, and a fixed number of queries however many sections a plan has."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from matrix.models import MatrixItem
from plans import services
from plans.models import Card, Plan, PlanTheme, Section
from plans.selectors import plan_document
from tests.base import People

pytestmark = pytest.mark.django_db

SECTIONS = [("text", "Inleiding", "Een inleiding."), ("cards", "Krachten en kansen"), ("matrix", "Matrix")]


def revision(plan: Plan) -> int:
    return Plan.objects.values_list("revision", flat=True).get(pk=plan.pk)


class TestPeriod:
    def test_a_plan_of_several_years_says_so_on_cover_and_header(self, demo):
        plan = demo.eemland
        assert (plan.period_start, plan.period_end) == (2026, 2030)
        assert plan.heading == "Wijkplan Sociaal 2026–2030"
        assert demo.binnenstad.heading == "Gebiedsplan 2025"

    def test_it_refuses_a_period_that_ends_before_it_starts(self):
        people = People.create()
        with pytest.raises(ValidationError):
            services.plan_create(area=people.area, period_start=2027, period_end=2026, template=None)

    def test_the_database_refuses_it_too(self):
        people = People.create()
        with pytest.raises(IntegrityError), transaction.atomic():
            Plan.objects.filter(pk=people.plan.pk).update(period_end=2020)


class TestThemesOfThePlan:
    def test_a_card_can_only_use_its_own_plans_themes(self):
        ours = People.create(sections=SECTIONS, themes=["Gezond leven"])
        theirs = services.plan_create(area=ours.area, period_start=2026)
        cards = ours.plan.sections.get(kind="cards")
        foreign = theirs.themes.get(name="Gezond leven")
        with pytest.raises(ValidationError):
            services.card_add(section=cards, kind=cards.card_kinds.first(), theme=foreign, text="Tekst")
        # Not even a write that bypasses the services gets past the database.
        with pytest.raises(IntegrityError), transaction.atomic():
            Card.objects.create(
                plan=ours.plan, section=cards, kind=cards.card_kinds.first(), theme=foreign, text="Tekst"
            )
            if connection.vendor == "postgresql":
                connection.check_constraints()  # the foreign key is checked at commit
        assert not Card.objects.exists()

    def test_retiring_an_organisation_theme_leaves_the_plans_that_have_it(self):
        people = People.create(sections=SECTIONS, themes=["Gezond leven", "Talent"])
        people.organisation.themes.filter(name="Talent").update(retired=True)
        assert list(people.plan.themes.values_list("name", flat=True)) == ["Gezond leven", "Talent"]
        new = services.plan_create(area=people.area, period_start=2026)
        assert list(new.themes.values_list("name", flat=True)) == ["Gezond leven"]

    def test_a_plan_marks_its_focus_themes(self, demo):
        assert list(demo.eemland.themes.filter(is_focus=True).values_list("name", flat=True)) == [
            "Gezond opgroeien"
        ]


class TestRevision:
    def test_every_service_raises_the_revision_once(self):
        people = People.create(sections=SECTIONS, themes=["Gezond leven"])
        plan = people.plan
        start = revision(plan)
        cards = plan.sections.get(kind="cards")
        card = services.card_add(section=cards, kind=cards.card_kinds.first(), theme=plan.themes.get(), text="Een")
        services.content_update(item=card, text="Twee")
        item = services.content_add(
            MatrixItem, section=plan.sections.get(kind="matrix"), title="We gaan", impact="high", effort="much"
        )
        services.content_delete(item=item)
        services.section_move(section=cards, position=0)
        services.section_update(section=cards, heading="Krachten")
        services.plan_theme_update(theme=plan.themes.get(), is_focus=True)
        assert revision(plan) == start + 7

    def test_a_failed_write_leaves_the_revision_as_it_was(self):
        people = People.create(sections=SECTIONS)
        before = revision(people.plan)
        with pytest.raises(ValidationError):
            services.section_update(section=people.plan.sections.first(), heading="")
        assert revision(people.plan) == before
        assert people.plan.sections.first().heading == "Inleiding"


class TestTemplates:
    def test_a_new_plan_gets_the_templates_sections_with_sub_sections(self, demo):
        farent = demo.binnenstad.area
        plan = services.plan_create(area=farent, period_start=2026)
        top = list(plan.sections.filter(parent=None).values_list("kind", flat=True))
        assert top == ["figures", "text", "cards", "matrix", "focus", "text"]
        closing = plan.sections.get(parent=None, heading="Tenslotte")
        assert list(closing.children.values_list("kind", flat=True)) == ["timeline", "text", "text"]
        cards = plan.sections.get(kind="cards")
        assert list(cards.card_kinds.values_list("name", flat=True)) == ["Kracht", "Kans"]

    def test_another_organisation_builds_a_different_document(self, demo):
        kinds = list(demo.eemland.sections.values_list("kind", flat=True))
        assert "matrix" not in kinds and "focus" not in kinds
        assert {"goals", "activities", "interventions", "survey", "timeline"} <= set(kinds)
        assert demo.eemland.sections.filter(appendix=True).count() == 2

    def test_a_template_of_another_organisation_is_refused(self, demo):
        other = demo.eemland.area.organisation.templates.get()
        with pytest.raises(ValidationError):
            services.plan_create(area=demo.binnenstad.area, period_start=2026, template=other)


class TestDocument:
    def test_it_leaves_out_empty_sections_and_numbers_the_rest(self):
        people = People.create(sections=SECTIONS, themes=["Gezond leven"])
        doc = plan_document(people.plan)
        assert [(v.number, v.heading) for v in doc.sections] == [("1", "Inleiding")]
        cards = people.plan.sections.get(kind="cards")
        services.card_add(section=cards, kind=cards.card_kinds.first(), theme=people.plan.themes.get(), text="Een")
        doc = plan_document(people.plan)
        assert [(v.number, v.heading) for v in doc.sections] == [("1", "Inleiding"), ("2", "Krachten en kansen")]

    def test_appendices_come_last_with_their_own_numbers(self, demo):
        doc = plan_document(demo.eemland)
        assert [v.number for v in doc.appendices] == ["Bijlage 1", "Bijlage 2"]
        assert doc.sections[-1].heading == "Planning"

    def test_it_reads_ten_times_the_sections_in_the_same_number_of_queries(self, demo):
        plan = demo.eemland
        with CaptureQueriesContext(connection) as small:
            before = plan_document(plan)
        originals = list(plan.sections.filter(parent=None))
        for _ in range(9):
            services.plan_copy_sections(source=plan, target=plan, sections=originals)
        assert Section.objects.filter(plan=plan).count() == 10 * len(originals)
        with CaptureQueriesContext(connection) as large:
            doc = plan_document(plan)
        assert len(large) == len(small)
        assert len(doc.sections) == 10 * len(before.sections)
        assert len(doc.appendices) == 10 * len(before.appendices)

    def test_copying_sections_to_another_plan_keeps_cards_under_themes_of_that_plan(self, demo):
        target = services.plan_create(area=demo.binnenstad.area, period_start=2026, template=None, themes=[])
        services.plan_copy_sections(source=demo.binnenstad, target=target)
        assert Card.objects.filter(plan=target).count() == 10
        assert set(Card.objects.filter(plan=target).values_list("theme__plan", flat=True)) == {target.pk}
        assert PlanTheme.objects.filter(plan=target).count() == 5
        assert MatrixItem.objects.filter(section__plan=target).count() == 9
