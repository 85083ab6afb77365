"""The open-task trigger recognises the pathway's tasks by their flow class, not by the module the class lives in
(the flows moved to `workflows/pathway/` and `workflows/approval/`: `workflows.0006` rewrites the stored references)."""

from django.db import migrations

OPEN = "('NEW', 'ASSIGNED', 'STARTED')"
COLUMNS = "id, flow_task, process_id, created, owner_id, case_file_id, certification_id, evaluation_site_id"


def function(condition: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION dashboards_opentask_from_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM dashboards_opentask WHERE id = OLD.id;
    ELSIF NEW.status IN {OPEN} AND {condition} THEN
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
"""


BY_CLASS = function("NEW.flow_task LIKE 'workflows/%.CandidatePathwayFlow.%'")
BY_MODULE = function("starts_with(NEW.flow_task, 'workflows/candidate_pathway.')")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BY_CLASS, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BY_MODULE, params=None)


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0004_file_facts_funding")]

    operations = [migrations.RunPython(forward, backward)]
