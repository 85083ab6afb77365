"""The flows moved to their packages (`workflows/pathway/flow.py`, `workflows/approval/flow.py`): Viewflow stores
each flow's module in every process and task row, so the stored references follow (and the open-task copy)."""

from django.db import migrations

MOVES = [
    ("workflows/candidate_pathway.CandidatePathwayFlow", "workflows/pathway.flow.CandidatePathwayFlow"),
    ("workflows/accreditation_approval.AccreditationApprovalFlow", "workflows/approval.flow.AccreditationApprovalFlow"),
]


def move(apps, schema_editor, moves):
    with schema_editor.connection.cursor() as cursor:
        for old, new in moves:
            cursor.execute("UPDATE viewflow_process SET flow_class = %s WHERE flow_class = %s", [new, old])
            for table in ("viewflow_task", "dashboards_opentask"):
                cursor.execute(
                    f"UPDATE {table} SET flow_task = %s || substr(flow_task, %s) "  # noqa: S608
                    "WHERE flow_task LIKE %s ESCAPE '\\'",
                    [new, len(old) + 1, old.replace("_", r"\_") + ".%"],
                )


def forward(apps, schema_editor):
    move(apps, schema_editor, MOVES)


def backward(apps, schema_editor):
    move(apps, schema_editor, [(new, old) for old, new in MOVES])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_cancel_jury_wait_timers_data"),
        ("dashboards", "0005_open_tasks_by_flow_class"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(forward, backward)]
