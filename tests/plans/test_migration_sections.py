"""Plans made before sections existed keep every word: the data migration moves the six
chapter fields, cards, matrix items, focus points, milestones and tables into sections."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("plans", "0002_planexport"), ("matrix", "0001_initial")]


def migrate(targets=None):
    """Migrate to `targets`, or forward to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_an_old_plan_becomes_a_document_of_sections():
    old = migrate(BEFORE)
    Organisation = old.get_model("plans", "Organisation")
    organisation = Organisation.objects.create(name="Oud", municipality_name="Oudstad", municipality_code="GM9998")
    theme = old.get_model("plans", "Theme").objects.create(organisation=organisation, name="Gezond leven", order=0)
    area = old.get_model("plans", "Area").objects.create(organisation=organisation, name="Oude wijk")
    plan = old.get_model("plans", "Plan").objects.create(
        area=area, year=2024, title="Gebiedsplan 2024", story_title="Ons verhaal", story="Een verhaal.",
        strengths_intro="Inleiding kaarten.", matrix_intro="Inleiding matrix.", closing_intro="Tot slot.",
        execution_text="Uitvoering.", advice_text="Advies.",
    )
    old.get_model("plans", "StrengthOpportunity").objects.create(plan=plan, theme=theme, kind="strength", text="Sterk")
    old.get_model("matrix", "MatrixItem").objects.create(plan=plan, title="We gaan", impact="high", effort="little")
    old.get_model("plans", "FocusPoint").objects.create(plan=plan, title="Focus", quantitative="12%")
    old.get_model("plans", "Milestone").objects.create(plan=plan, period_label="Q1", text="Start")
    code = plan.code

    try:
        migrate()
        from matrix.models import MatrixItem
        from plans.models import Card, Plan
        from plans.selectors import plan_document

        plan = Plan.objects.select_related("area__organisation").get(code=code)
        assert (plan.period_start, plan.period_end, plan.heading) == (2024, 2024, "Gebiedsplan 2024")
        headings = [(s.kind, s.heading, s.parent.heading if s.parent else "") for s in plan.sections.all()]
        assert ("text", "Ons verhaal", "") in headings
        assert ("timeline", "Proces gebieds- en uitvoeringsplannen", "Tenslotte") in headings
        card = Card.objects.get(plan=plan)
        assert (card.text, card.kind.name, card.theme.name, card.theme.plan_id) == ("<p>Sterk</p>", "Kracht", "Gezond leven", plan.pk)
        assert MatrixItem.objects.get(section__plan=plan).title == "We gaan"
        doc = plan_document(plan)
        texts = {v.heading: v.section.intro for v in doc.all_sections}
        assert texts["Ons verhaal"] == "<p>Een verhaal.</p>"  # and HTML since 0015
        assert texts["Uitvoeringsplannen"] == "<p>Uitvoering.</p>"
        assert texts["Advies inhoud uitvoeringsplannen"] == "<p>Advies.</p>"
        assert [v.heading for v in doc.sections] == [
            "Ons verhaal", "Krachten en kansen", "Impact/effort matrix", "Focus 2024 – een analyse", "Tenslotte",
        ]  # the figures chapter had no tables and stays out
    finally:
        migrate()
