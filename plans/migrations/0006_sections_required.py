# Sections are required from here on, and the database itself checks that a card only
# uses a theme of its own plan: a foreign key on (plan, theme) to PlanTheme (plan, id) on
# PostgreSQL; triggers on SQLite, which cannot add a constraint to an existing table.

import django.db.models.deletion
from django.db import migrations, models


SAME_PLAN = "plans_card_theme_same_plan"


def add_same_plan_check(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE plans_card ADD CONSTRAINT {SAME_PLAN} FOREIGN KEY (plan_id, theme_id) "
            "REFERENCES plans_plantheme (plan_id, id) DEFERRABLE INITIALLY DEFERRED"
        )
    elif vendor == "sqlite":
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(
                f"CREATE TRIGGER {SAME_PLAN}_{event.lower()} BEFORE {event} ON plans_card "
                "WHEN NEW.theme_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plans_plantheme t "
                "WHERE t.id = NEW.theme_id AND t.plan_id = NEW.plan_id) "
                f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {SAME_PLAN}'); END"
            )


def drop_same_plan_check(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE plans_card DROP CONSTRAINT {SAME_PLAN}")
    elif vendor == "sqlite":
        for event in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {SAME_PLAN}_{event}")


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0005_remove_chapter_fields'),
    ]

    operations = [
        migrations.AlterField(
            model_name='figuretable',
            name='section',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='figure_tables', to='plans.section'),
        ),
        migrations.AlterField(
            model_name='focuspoint',
            name='section',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='focus_points', to='plans.section'),
        ),
        migrations.AlterField(
            model_name='milestone',
            name='section',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='plans.section'),
        ),
        migrations.AlterField(
            model_name='plan',
            name='period_end',
            field=models.PositiveSmallIntegerField(verbose_name='laatste jaar'),
        ),
        migrations.AlterField(
            model_name='plan',
            name='period_start',
            field=models.PositiveSmallIntegerField(verbose_name='eerste jaar'),
        ),
        migrations.RunPython(add_same_plan_check, drop_same_plan_check),
    ]
