"""Give every revision recorded before per-part history its state: such a revision stored
the whole plan, so each of its parts (the plan's own rows and every section it held) is
stored in that revision itself."""

import json

from django.db import migrations


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    PlanHistoryState = apps.get_model("plans", "PlanHistoryState")
    Plan = apps.get_model("plans", "Plan")
    plan_type = ContentType.objects.filter(app_label="plans", model="plan").first()
    section_type = ContentType.objects.filter(app_label="plans", model="section").first()
    if plan_type is None:
        return
    plans = set(Plan.objects.values_list("pk", flat=True))
    done = set(PlanHistoryState.objects.values_list("revision_id", "plan_id"))
    states: dict[tuple[int, int], dict] = {}
    for revision_id, object_id in Version.objects.filter(content_type=plan_type).values_list("revision_id", "object_id"):
        key = (revision_id, int(object_id))
        if key[1] in plans and key not in done:
            states[key] = {"plan": revision_id}
    if section_type is not None and states:
        revisions = {revision_id for revision_id, _plan in states}
        rows = Version.objects.filter(content_type=section_type, revision_id__in=revisions).values_list(
            "revision_id", "object_id", "serialized_data"
        )
        for revision_id, object_id, data in rows.iterator(chunk_size=2000):
            plan_id = json.loads(data)[0]["fields"].get("plan")
            if (revision_id, plan_id) in states:
                states[(revision_id, plan_id)][str(int(object_id))] = revision_id
    PlanHistoryState.objects.bulk_create(
        (PlanHistoryState(revision_id=revision_id, plan_id=plan_id, parts=parts) for (revision_id, plan_id), parts in states.items()),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0015_history_states"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
