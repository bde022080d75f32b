"""Contributing organisations were a list of names; they become rows with a name, a role
and a web address (both empty for the existing names), edited as a list in the browser."""

from django.db import migrations


def names_to_rows(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    for plan in Plan.objects.exclude(contributing_organisations=[]).only("pk", "contributing_organisations"):
        rows = []
        for entry in plan.contributing_organisations or []:
            if isinstance(entry, str):
                entry = {"name": entry}
            if isinstance(entry, dict) and str(entry.get("name", "")).strip():
                rows.append({key: str(entry.get(key) or "").strip() for key in ("name", "role", "url")})
        Plan.objects.filter(pk=plan.pk).update(contributing_organisations=rows)


def rows_to_names(apps, schema_editor):
    Plan = apps.get_model("plans", "Plan")
    for plan in Plan.objects.exclude(contributing_organisations=[]).only("pk", "contributing_organisations"):
        names = [e["name"] if isinstance(e, dict) else e for e in plan.contributing_organisations or []]
        Plan.objects.filter(pk=plan.pk).update(contributing_organisations=names)


class Migration(migrations.Migration):
    dependencies = [("plans", "0017_rich_text_html")]

    operations = [migrations.RunPython(names_to_rows, rows_to_names)]
