"""The outcome facts of each case file: a materialised view on PostgreSQL (refreshed by the scheduler and
after bulk imports), a plain view on SQLite."""

from django.db import migrations, models

SELECT = """
    SELECT f.id AS case_file_id, s.region_id, f.certification_id, s.organisation_id, f.opened_on,
           {age} AS age, p.sex, p.status, p.sector,
           EXISTS (SELECT 1 FROM casefiles_certificate c
                   WHERE c.case_file_id = f.id AND c.status IN ('pending', 'issued')) AS is_certified,
           EXISTS (SELECT 1 FROM casefiles_trainingplan t WHERE t.case_file_id = f.id) AS is_trained
    FROM casefiles_casefile f
    JOIN casefiles_candidate p ON p.id = f.candidate_id
    JOIN accreditation_site s ON s.id = f.evaluation_site_id
"""
PG_AGE = "CAST(date_part('year', age(f.opened_on, p.birth_date)) AS integer)"
SQLITE_AGE = (
    "(CAST(strftime('%Y', f.opened_on) AS integer) - CAST(strftime('%Y', p.birth_date) AS integer)"
    " - (strftime('%m%d', f.opened_on) < strftime('%m%d', p.birth_date)))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE MATERIALIZED VIEW dashboards_filefact AS {SELECT.format(age=PG_AGE)}")
        schema_editor.execute("CREATE UNIQUE INDEX dashboards_filefact_pk ON dashboards_filefact (case_file_id)")
        schema_editor.execute(
            "CREATE INDEX dashboards_filefact_opened ON dashboards_filefact (opened_on, region_id)"
        )
    else:
        schema_editor.execute(f"CREATE VIEW dashboards_filefact AS {SELECT.format(age=SQLITE_AGE)}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP MATERIALIZED VIEW IF EXISTS dashboards_filefact")
    else:
        schema_editor.execute("DROP VIEW IF EXISTS dashboards_filefact")


class Migration(migrations.Migration):
    initial = True
    dependencies = [("casefiles", "0009_assessment_results_in_one_row"), ("accreditation", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name='FileFact',
            fields=[
                ('case_file_id', models.IntegerField(primary_key=True, serialize=False)),
                ('certification_id', models.IntegerField()),
                ('organisation_id', models.IntegerField()),
                ('opened_on', models.DateField()),
                ('age', models.IntegerField()),
                ('sex', models.CharField(max_length=1)),
                ('status', models.CharField(max_length=10)),
                ('sector', models.CharField(max_length=100)),
                ('is_certified', models.BooleanField()),
                ('is_trained', models.BooleanField()),
            ],
            options={
                'db_table': 'dashboards_filefact',
                'managed': False,
            },
        ),
        migrations.RunPython(create, drop),
    ]
