# The chapter fields, the plan's single year and the strength/opportunity cards are gone:
# their content lives in sections now (0004). A migration of its own, because PostgreSQL
# cannot alter tables in the transaction that just wrote rows with deferred checks.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0004_sections_data'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='strengthopportunity',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='strengthopportunity',
            name='theme',
        ),
        migrations.RemoveField(
            model_name='figuretable',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='focuspoint',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='milestone',
            name='plan',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='advice_text',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='closing_intro',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='execution_text',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='figures_title',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='focus_intro',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='matrix_intro',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='story',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='story_title',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='strengths_intro',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='strengths_title',
        ),
        migrations.RemoveField(
            model_name='plan',
            name='year',
        ),
        migrations.DeleteModel(
            name='StrengthOpportunity',
        ),
    ]
