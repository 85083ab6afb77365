"""When the outcome facts were last computed: the materialised view was filled when it was created."""

from django.db import migrations, models
from django.utils import timezone


def record_creation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        apps.get_model("dashboards", "FactsRefresh").objects.update_or_create(
            view="dashboards_filefact", defaults={"refreshed_at": timezone.now()}
        )


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_file_facts")]

    operations = [
        migrations.CreateModel(
            name="FactsRefresh",
            fields=[
                ("view", models.CharField(max_length=63, primary_key=True, serialize=False)),
                ("refreshed_at", models.DateTimeField()),
            ],
            options={"verbose_name": "recalcul des faits"},
        ),
        migrations.RunPython(record_creation, migrations.RunPython.noop),
    ]
