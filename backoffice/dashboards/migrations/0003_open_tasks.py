"""The open tasks of the candidate pathway with their file's dimensions (`OpenTask`), kept by PostgreSQL
triggers: on `viewflow_task` (a task opened, assigned, moved, closed or deleted) and on `casefiles_casefile`
(a file attached to its process, transferred, or changing certification). Filled from the data present."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OPEN = "('NEW', 'ASSIGNED', 'STARTED')"
PATHWAY = "workflows/candidate_pathway."  # the pathway's task references start so
COLUMNS = "id, flow_task, process_id, created, owner_id, case_file_id, certification_id, evaluation_site_id"

FORWARD = f"""
CREATE FUNCTION dashboards_opentask_from_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM dashboards_opentask WHERE id = OLD.id;
    ELSIF NEW.status IN {OPEN} AND starts_with(NEW.flow_task, '{PATHWAY}') THEN
        INSERT INTO dashboards_opentask ({COLUMNS})
        SELECT NEW.id, NEW.flow_task, NEW.process_id, NEW.created, NEW.owner_id,
               f.id, f.certification_id, f.evaluation_site_id
        FROM (SELECT 1) AS one LEFT JOIN casefiles_casefile f ON f.process_id = NEW.process_id
        ON CONFLICT (id) DO UPDATE SET
            flow_task = EXCLUDED.flow_task, process_id = EXCLUDED.process_id, created = EXCLUDED.created,
            owner_id = EXCLUDED.owner_id, case_file_id = EXCLUDED.case_file_id,
            certification_id = EXCLUDED.certification_id, evaluation_site_id = EXCLUDED.evaluation_site_id;
    ELSE
        DELETE FROM dashboards_opentask WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER dashboards_opentask_inserted AFTER INSERT ON viewflow_task
    FOR EACH ROW WHEN (NEW.status IN {OPEN}) EXECUTE FUNCTION dashboards_opentask_from_task();
CREATE TRIGGER dashboards_opentask_updated AFTER UPDATE ON viewflow_task
    FOR EACH ROW WHEN (OLD.status IN {OPEN} OR NEW.status IN {OPEN})
    EXECUTE FUNCTION dashboards_opentask_from_task();
CREATE TRIGGER dashboards_opentask_deleted AFTER DELETE ON viewflow_task
    FOR EACH ROW WHEN (OLD.status IN {OPEN}) EXECUTE FUNCTION dashboards_opentask_from_task();

CREATE FUNCTION dashboards_opentask_from_file() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE dashboards_opentask
    SET case_file_id = NEW.id, certification_id = NEW.certification_id,
        evaluation_site_id = NEW.evaluation_site_id
    WHERE process_id = NEW.process_id;
    RETURN NULL;
END $$;

CREATE TRIGGER dashboards_opentask_file AFTER INSERT OR UPDATE OF process_id, certification_id,
    evaluation_site_id ON casefiles_casefile
    FOR EACH ROW WHEN (NEW.process_id IS NOT NULL) EXECUTE FUNCTION dashboards_opentask_from_file();

INSERT INTO dashboards_opentask ({COLUMNS})
SELECT t.id, t.flow_task, t.process_id, t.created, t.owner_id, f.id, f.certification_id, f.evaluation_site_id
FROM viewflow_task t LEFT JOIN casefiles_casefile f ON f.process_id = t.process_id
WHERE t.status IN {OPEN} AND starts_with(t.flow_task, '{PATHWAY}');
ANALYZE dashboards_opentask;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS dashboards_opentask_file ON casefiles_casefile;
DROP FUNCTION IF EXISTS dashboards_opentask_from_file();
DROP TRIGGER IF EXISTS dashboards_opentask_inserted ON viewflow_task;
DROP TRIGGER IF EXISTS dashboards_opentask_updated ON viewflow_task;
DROP TRIGGER IF EXISTS dashboards_opentask_deleted ON viewflow_task;
DROP FUNCTION IF EXISTS dashboards_opentask_from_task();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_factsrefresh"),
        ("accreditation", "0001_initial"),
        ("casefiles", "0010_candidate_anonymised_on"),
        ("viewflow", "0015_task_scheduled"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenTask",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("flow_task", models.CharField(max_length=255)),
                ("process_id", models.BigIntegerField(db_index=True)),
                ("created", models.DateTimeField()),
                ("case_file_id", models.BigIntegerField(null=True)),
                (
                    "certification",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accreditation.certification",
                    ),
                ),
                (
                    "evaluation_site",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accreditation.site",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "tâche ouverte (stocks)"},
        ),
        migrations.RunPython(forward, backward),
    ]
