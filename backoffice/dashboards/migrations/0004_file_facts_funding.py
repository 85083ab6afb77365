"""The outcome facts carry each file's funding (a code of `casefiles.Funding`): the view is rebuilt with it,
and filled at once (its refresh is recorded)."""

from django.db import migrations, models
from django.utils import timezone

SELECT = """
    SELECT f.id AS case_file_id, s.region_id, f.certification_id, s.organisation_id, f.opened_on,
           {age} AS age, p.sex, p.status, p.sector, f.funding,
           EXISTS (SELECT 1 FROM casefiles_certificate c
                   WHERE c.case_file_id = f.id AND c.status IN ('pending', 'issued')) AS is_certified,
           EXISTS (SELECT 1 FROM casefiles_trainingplan t WHERE t.case_file_id = f.id) AS is_trained
    FROM casefiles_casefile f
    JOIN casefiles_candidate p ON p.id = f.candidate_id
    JOIN accreditation_site s ON s.id = f.evaluation_site_id
"""
OLD_SELECT = SELECT.replace(" f.funding,", "")
PG_AGE = "CAST(date_part('year', age(f.opened_on, p.birth_date)) AS integer)"
SQLITE_AGE = (
    "(CAST(strftime('%Y', f.opened_on) AS integer) - CAST(strftime('%Y', p.birth_date) AS integer)"
    " - (strftime('%m%d', f.opened_on) < strftime('%m%d', p.birth_date)))"
)


def _rebuild(schema_editor, select):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP MATERIALIZED VIEW IF EXISTS dashboards_filefact")
        schema_editor.execute(f"CREATE MATERIALIZED VIEW dashboards_filefact AS {select.format(age=PG_AGE)}")
        schema_editor.execute("CREATE UNIQUE INDEX dashboards_filefact_pk ON dashboards_filefact (case_file_id)")
        schema_editor.execute(
            "CREATE INDEX dashboards_filefact_opened ON dashboards_filefact (opened_on, region_id)"
        )
    else:
        schema_editor.execute("DROP VIEW IF EXISTS dashboards_filefact")
        schema_editor.execute(f"CREATE VIEW dashboards_filefact AS {select.format(age=SQLITE_AGE)}")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, SELECT)
    if schema_editor.connection.vendor == "postgresql":
        apps.get_model("dashboards", "FactsRefresh").objects.update_or_create(
            view="dashboards_filefact", defaults={"refreshed_at": timezone.now()}
        )


def backwards(apps, schema_editor):
    _rebuild(schema_editor, OLD_SELECT)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_open_tasks"),
        ("casefiles", "0016_funding_choices_identity_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="filefact",
            name="funding",
            field=models.CharField(max_length=20),
        ),
        migrations.RunPython(forwards, backwards),
    ]
