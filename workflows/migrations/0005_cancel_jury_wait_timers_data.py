"""Data: the 5-year timers armed on the jury's steps (ready for jury, jury return) are cancelled. The window is
about acquiring: a file whose domains were all acquired in time does not lapse while it waits for a jury, and
these steps no longer carry a timer (their nodes are gone, so an armed one could not fire)."""

from django.db import migrations

FLOW = "workflows/candidate_pathway.CandidatePathwayFlow"
TIMERS = [f"{FLOW}.ready_for_jury__timeout", f"{FLOW}.jury_return__timeout"]


def cancel_timers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE viewflow_task SET status = 'CANCELED', finished = CURRENT_TIMESTAMP "
            "WHERE flow_task IN (%s, %s) AND status NOT IN ('DONE', 'CANCELED', 'REVIVED', 'ERROR')",
            TIMERS,
        )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0004_queue_index")]

    operations = [migrations.RunPython(cancel_timers, migrations.RunPython.noop)]
