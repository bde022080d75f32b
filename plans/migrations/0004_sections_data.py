# The six chapter fields of a plan become its sections; themes are copied into each plan.
#
# Every existing plan gets the structure of the Farent 2025 layout it was made with:
# figures, story, cards by theme, matrix, focus, and "Tenslotte" with its timeline and two
# texts as sub-sections. Cards keep their theme (now the plan's own copy of it), matrix
# items, focus points, milestones and figure tables move to their section unchanged.

from django.db import migrations

# The row groups of the survey table, as the seeds print them (formerly derived per kind).
KIND_GROUPS = {
    "score": "Buurtscore (nee/nooit = 0 ja/zeker = 100)",
    "scale": "Schaalscore",
    "grade": "Rapportcijfer",
    "percentage": "Percentages",
    "count": "Aantallen",
}


def forwards(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    Section = apps.get_model("plans", "Section")
    PlanTheme = apps.get_model("plans", "PlanTheme")
    Theme = apps.get_model("plans", "Theme")
    CardKind = apps.get_model("plans", "CardKind")
    Card = apps.get_model("plans", "Card")
    StrengthOpportunity = apps.get_model("plans", "StrengthOpportunity")
    FigureTable = apps.get_model("plans", "FigureTable")
    FigureTableIndicator = apps.get_model("plans", "FigureTableIndicator")
    FocusPoint = apps.get_model("plans", "FocusPoint")
    Milestone = apps.get_model("plans", "Milestone")
    MatrixItem = apps.get_model("matrix", "MatrixItem")

    for plan in Plan.objects.select_related("area").all():
        plan.period_start = plan.period_end = plan.year
        plan.document_type = "Gebiedsplan"
        plan.save(update_fields=["period_start", "period_end", "document_type"])
        themes = {}
        for order, theme in enumerate(Theme.objects.filter(organisation_id=plan.area.organisation_id).order_by("order", "name")):
            themes[theme.pk] = PlanTheme.objects.create(
                plan=plan, origin=theme, name=theme.name, description=theme.description, order=order
            )

        def section(order, kind, heading, parent=None, **fields):
            return Section.objects.create(plan=plan, order=order, kind=kind, heading=heading, parent=parent, **fields)

        figures = section(0, "figures", plan.figures_title or "Kenmerken van het gebied", contents_label="Kenmerken van het gebied")
        FigureTable.objects.filter(plan=plan).update(section=figures)
        for table in FigureTable.objects.filter(section=figures):
            previous = None
            for row in FigureTableIndicator.objects.filter(table=table).select_related("indicator").order_by("order"):
                kind = row.indicator.kind
                if kind != previous:
                    row.group = KIND_GROUPS.get(kind, "")
                    row.save(update_fields=["group"])
                previous = kind
        section(1, "text", plan.story_title or "Het verhaal", contents_label="Het verhaal", intro=plan.story)
        cards = section(2, "cards", plan.strengths_title or "Krachten en kansen", contents_label="Krachten en kansen", intro=plan.strengths_intro)
        kinds = {
            "strength": CardKind.objects.create(section=cards, name="Kracht", order=0),
            "opportunity": CardKind.objects.create(section=cards, name="Kans", order=1),
        }
        for old in StrengthOpportunity.objects.filter(plan=plan):
            theme = themes.get(old.theme_id)
            if theme is None:  # a theme of another organisation: keep the card under a copy of it
                other = Theme.objects.get(pk=old.theme_id)
                theme = themes[old.theme_id] = PlanTheme.objects.create(
                    plan=plan, origin=other, name=other.name, order=len(themes)
                )
            Card.objects.create(plan=plan, section=cards, kind=kinds[old.kind], theme=theme, text=old.text, order=old.order)
        matrix = section(3, "matrix", "Impact/effort matrix", intro=plan.matrix_intro)
        MatrixItem.objects.filter(plan=plan).update(section=matrix)
        focus = section(4, "focus", f"Focus {plan.year} – een analyse", intro=plan.focus_intro)
        FocusPoint.objects.filter(plan=plan).update(section=focus)
        closing = section(5, "text", "Tenslotte", intro=plan.closing_intro)
        timeline = section(0, "timeline", "Proces gebieds- en uitvoeringsplannen", parent=closing, numbered=False)
        Milestone.objects.filter(plan=plan).update(section=timeline)
        section(1, "text", "Uitvoeringsplannen", parent=closing, numbered=False, intro=plan.execution_text)
        section(2, "text", "Advies inhoud uitvoeringsplannen", parent=closing, numbered=False, intro=plan.advice_text)


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0003_sections'),
        ('matrix', '0002_matrixitem_section'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
