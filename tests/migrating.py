"""A data migration's test: the database taken back to before it, rows written as they were then, then
forward again to the latest migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@contextmanager
def migrated_back(targets: list[tuple[str, str]]) -> Iterator[Apps]:
    """The models as of `targets` inside the block; the latest migrations applied again after it."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    with connection.cursor() as cursor:  # the rows written in the block are checked as they come
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield migrate(targets)
    migrate(leaves)
