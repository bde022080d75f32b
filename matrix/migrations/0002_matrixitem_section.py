# Matrix items move from the plan to the plan's matrix section (plans 0004 moves the rows).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('matrix', '0001_initial'),
        ('plans', '0003_sections'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='matrixitem',
            options={'ordering': ['section', 'order', 'id'], 'verbose_name': 'matrix-item', 'verbose_name_plural': 'matrix-items'},
        ),
        migrations.AddField(
            model_name='matrixitem',
            name='section',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='matrix_items', to='plans.section'),
        ),
    ]
