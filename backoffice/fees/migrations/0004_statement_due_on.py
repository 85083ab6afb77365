"""The due date kept on the statement at issue (the terms then in force), for the statements issued before:
30 days after their issue (the only terms there were), when something was owed."""

import datetime as dt

from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    Statement = apps.get_model("fees", "Statement")
    issued = Statement.objects.exclude(status="draft").filter(total_ttc__gt=0, frozen_at__isnull=False)
    for statement in issued.only("pk", "frozen_at"):
        due = timezone.localdate(statement.frozen_at) + dt.timedelta(days=30)
        Statement.objects.filter(pk=statement.pk).update(due_on=due)


class Migration(migrations.Migration):
    dependencies = [("fees", "0003_statementline_frozen_trigger")]

    operations = [
        migrations.AddField(
            model_name="statement",
            name="due_on",
            field=models.DateField(blank=True, null=True, verbose_name="échéance"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
