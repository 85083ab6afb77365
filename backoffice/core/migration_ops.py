"""Migration operations the project shares: a partial index on a table another app owns (Viewflow's)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def partial_index(
    name: str, table: str, columns: Sequence[str], where: str, *, include: Sequence[str] = ()
) -> migrations.RunPython:
    """`CREATE INDEX … WHERE …`, with the covered columns on PostgreSQL (SQLite has no INCLUDE)."""
    keys = ", ".join(columns)

    def create(apps: object, schema_editor: object) -> None:
        vendor = schema_editor.connection.vendor  # type: ignore[attr-defined]
        covered = f" INCLUDE ({', '.join(include)})" if include and vendor == "postgresql" else ""
        schema_editor.execute(  # type: ignore[attr-defined]
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({keys}){covered} WHERE {where}"
        )

    def drop(apps: object, schema_editor: object) -> None:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # type: ignore[attr-defined]

    return migrations.RunPython(create, drop)
