"""An index of the open tasks only (new, assigned, started: under 1 % of the rows after ten years), by step
and process, carrying the person and the age: the backlog dashboard and the task lists read them there
rather than in the whole of Viewflow's task table (measured: 612 → 462 ms for the backlog on 1M files).
Viewflow's table belongs to Viewflow's app: the index is created here, by SQL."""

from django.db import migrations

from backoffice.core.migration_ops import partial_index


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_approval_flow"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        partial_index(
            "viewflow_task_open_idx",
            "viewflow_task",
            ["flow_task", "process_id"],
            "status IN ('NEW', 'ASSIGNED', 'STARTED')",
            include=["owner_id", "created", "status"],
        )
    ]
