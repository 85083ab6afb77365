"""Writing many rows fast on PostgreSQL (imports), with Django's bulk methods elsewhere (the SQLite demo).

Django's `bulk_update` builds one CASE branch per object and field: most of an import's time. On
PostgreSQL one `UPDATE … FROM unnest(arrays)` writes the same values, and `COPY` inserts rows whose
ids nobody needs afterwards, at the database's own speed.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model, Q

BATCH_SIZE = 1000


def update_rows(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write `fields` of each object (already set on it) to its row."""
    if not objects:
        return
    if _modern_sqlite():
        names = [_attname(model, name) for name in fields]
        rows = [[obj.pk, *(getattr(obj, name) for name in names)] for obj in objects]
        _update_matching_sqlite(model, [model._meta.pk.name], fields, rows)  # type: ignore[union-attr]
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, list(fields), batch_size=BATCH_SIZE)
        return
    pk_field: Any = model._meta.pk
    columns: list[Any] = [pk_field, *(model._meta.get_field(name) for name in fields)]
    sql = _update_sql(model, [pk_field.name], fields)
    with index_lookups(), connection.cursor() as cursor:
        for start in range(0, len(objects), BATCH_SIZE):
            batch = objects[start : start + BATCH_SIZE]
            cursor.execute(sql, [[_db_value(f, obj) for obj in batch] for f in columns])


def update_matching(
    model: type[Model], keys: Sequence[str], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set `fields` on the rows found by `keys`, without loading them: each of `rows` holds the keys'
    values then the fields' (foreign keys by id), as the database stores them."""
    if not rows:
        return
    if _modern_sqlite():
        _update_matching_sqlite(model, keys, fields, rows)
        return
    if connection.vendor != "postgresql":
        manager, width = model._default_manager, len(keys)
        key_names = [_attname(model, name) for name in keys]
        field_names = [_attname(model, name) for name in fields]
        for row in rows:
            manager.filter(**dict(zip(key_names, row[:width], strict=True))).update(
                **dict(zip(field_names, row[width:], strict=True))
            )
        return
    sql = _update_sql(model, keys, fields)
    with index_lookups(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.execute(
                sql, [list(column) for column in zip(*rows[start : start + BATCH_SIZE], strict=True)]
            )


def _modern_sqlite() -> bool:
    """SQLite with `UPDATE … FROM` (3.33) and `RETURNING` (3.35); older ones take Django's bulk methods."""
    if connection.vendor != "sqlite":
        return False
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 35)


SQLITE_VARIABLES = 30_000  # under SQLite's limit of bound parameters per statement (32,766 since 3.32)


def _update_matching_sqlite(
    model: type[Model], keys: Sequence[str], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """SQLite (3.33+): `WITH data(columns) AS (VALUES …) UPDATE … FROM data`, a statement per batch rather
    than one per row; the values prepared by their fields, as the ORM would write them."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns: list[Any] = [model._meta.get_field(name) for name in keys]
    columns: list[Any] = [*key_columns, *(model._meta.get_field(name) for name in fields)]
    names = [f"c{i}" for i in range(len(columns))]
    assignments = ", ".join(
        f"{quote(f.column)} = data.{name}"
        for f, name in zip(columns, names, strict=True)
        if f not in key_columns
    )
    matches = " AND ".join(
        f"{table}.{quote(f.column)} = data.{name}" for f, name in zip(key_columns, names, strict=False)
    )
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    batch_size = max(1, SQLITE_VARIABLES // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            values = ", ".join([placeholders] * len(batch))
            sql = (
                f"WITH data({', '.join(names)}) AS (VALUES {values}) "  # noqa: S608 (model names)
                f"UPDATE {table} SET {assignments} FROM data WHERE {matches}"
            )
            cursor.execute(
                sql,
                [
                    f.get_db_prep_value(value, connection)
                    for row in batch
                    for f, value in zip(columns, row, strict=True)
                ],
            )


def ids_matching(model: type[Model], keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """The ids of the rows whose `keys` hold one of `rows`' values (foreign keys by id): one exact lookup
    of the keys' index per row, where `a IN (…) AND b IN (…)` probes every pair of values."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        names = [_attname(model, name) for name in keys]
        wanted = Q()
        for row in rows:
            wanted |= Q(**dict(zip(names, row, strict=True)))
        return list(model._default_manager.filter(wanted).values_list("pk", flat=True))
    table, data, matches = _unnest(model, keys, ())
    pk_field: Any = model._meta.pk
    sql = f"SELECT {table}.{connection.ops.quote_name(pk_field.column)} FROM {table} JOIN {data} ON {matches}"  # noqa: S608 (model names)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return [pk for (pk,) in cursor.fetchall()]


def _update_sql(model: type[Model], keys: Sequence[str], fields: Sequence[str]) -> str:
    """One `UPDATE … FROM unnest(arrays)`: a row of arrays holds a batch, one array per column."""
    quote = connection.ops.quote_name
    table, data, matches = _unnest(model, keys, fields)
    columns: list[Any] = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(f.column)} = data.{quote(f.column)}" for f in columns)
    return f"UPDATE {table} SET {assignments} FROM {data} WHERE {matches}"  # noqa: S608 (model names)


def _unnest(model: type[Model], keys: Sequence[str], fields: Sequence[str]) -> tuple[str, str, str]:
    """The model's table; `unnest(arrays) AS data(columns)` of the keys then the fields, one array per
    column, each a parameter; the condition matching the table's keys with data's."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_columns: list[Any] = [model._meta.get_field(name) for name in keys]
    columns: list[Any] = [*key_columns, *(model._meta.get_field(name) for name in fields)]
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
    names = ", ".join(quote(f.column) for f in columns)
    matches = " AND ".join(f"{table}.{quote(f.column)} = data.{quote(f.column)}" for f in key_columns)
    return table, f"unnest({arrays}) AS data({names})", matches


def refresh_statistics(models: Iterable[type[Model]]) -> None:
    """After a bulk load, what PostgreSQL's manual advises: ANALYZE the tables written, so that the next
    queries (the next import's lookups, the lists) are planned on their real sizes, without waiting for
    autovacuum. Outside any transaction, once the load is committed."""
    tables = sorted({model._meta.db_table for model in models})
    if connection.vendor != "postgresql" or not tables:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(table) for table in tables)}")


@contextmanager
def index_lookups() -> Iterator[None]:
    """Rows inserted earlier in the same transaction are not in the planner's statistics: it believes the
    table empty and scans it whole for each row of the batch (seconds per statement at 100,000 rows).
    Within the block, lookups by key use their index (PostgreSQL, inside a transaction)."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        (before,) = cursor.fetchone()
        cursor.execute("SET LOCAL enable_seqscan = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL enable_seqscan = {'on' if before == 'on' else 'off'}")


def insert_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert rows (values in `fields` order) whose ids are not needed back."""
    if connection.vendor != "postgresql":
        attnames = [_attname(model, name) for name in fields]  # ids for foreign keys
        model._default_manager.bulk_create(
            (model(**dict(zip(attnames, row, strict=True))) for row in rows), batch_size=BATCH_SIZE
        )
        return
    quote = connection.ops.quote_name
    columns: list[Any] = [model._meta.get_field(name) for name in fields]
    names = ", ".join(quote(f.column) for f in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(  # psycopg 3's COPY
            f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def insert_alike(
    template: Model, count: int, *, returning_ids: bool = True, **varying: Sequence[Any]
) -> list[int]:
    """Insert `count` rows equal to `template` but for the `varying` fields (one value per row, foreign keys
    by id), and return their ids — what `bulk_create` of as many objects writes, without building them
    (imports). Without `returning_ids`, the table numbers the rows itself and nothing is returned."""
    model = type(template)
    if _modern_sqlite():
        return _insert_alike_sqlite(template, count, returning_ids, varying)
    if connection.vendor != "postgresql":
        base = {
            f.attname: getattr(template, f.attname) for f in model._meta.concrete_fields if not f.primary_key
        }
        objects = [
            model(**{**base, **{_attname(model, k): v[i] for k, v in varying.items()}}) for i in range(count)
        ]
        model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        return [obj.pk for obj in objects] if returning_ids else []
    fields: list[Any] = [f for f in model._meta.concrete_fields if returning_ids or not f.primary_key]
    for f in fields:
        if not f.primary_key:
            f.pre_save(template, add=True)
    base_row = [None if f.primary_key else _copy_value(f, template) for f in fields]
    positions = {f.name: i for i, f in enumerate(fields)}
    ids = _reserve_ids(model, count) if returning_ids else []
    if returning_ids:
        assert fields[0].primary_key, "the id is a model's first column"
        varying = {fields[0].name: ids, **varying}
    columns = [
        (positions[name], _copy_values(fields[positions[name]], values)) for name, values in varying.items()
    ]

    def row(i: int) -> list[Any]:
        values = list(base_row)
        for position, column in columns:
            values[position] = column[i]
        return values

    insert_rows(model, [f.name for f in fields], (row(i) for i in range(count)))
    return ids


def _insert_alike_sqlite(
    template: Model, count: int, returning_ids: bool, varying: dict[str, Sequence[Any]]
) -> list[int]:
    """SQLite: multi-row `INSERT … VALUES … RETURNING id`, the values prepared by their fields as the ORM
    would; a statement per batch, without building an object per row (the demo's two years of history)."""
    model = type(template)
    quote = connection.ops.quote_name
    fields: list[Any] = [f for f in model._meta.concrete_fields if not f.primary_key]
    for f in fields:
        f.pre_save(template, add=True)
    base = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    positions = {f.name: i for i, f in enumerate(fields)}
    columns = [(positions[name], fields[positions[name]], values) for name, values in varying.items()]
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk_field: Any = model._meta.pk
    returning = f" RETURNING {quote(pk_field.column)}" if returning_ids else ""
    names = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "  # noqa: S608 (model names)
    ids: list[int] = []
    batch_size = max(1, SQLITE_VARIABLES // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, count, batch_size):
            rows = range(start, min(count, start + batch_size))
            params: list[Any] = []
            for i in rows:
                row = list(base)
                for position, field, values in columns:
                    row[position] = field.get_db_prep_save(values[i], connection)
                params += row
            cursor.execute(head + ", ".join([placeholders] * len(rows)) + returning, params)
            if returning_ids:
                ids += [pk for (pk,) in cursor.fetchall()]
    return ids


def _attname(model: type[Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def _reserve_ids(model: type[Model], count: int) -> list[int]:
    if not count:
        return []
    sequence = _sequence(model._meta.db_table, model._meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cursor.fetchall()]


@functools.cache
def _sequence(table: str, column: str) -> str:
    """The table's id sequence, looked up once: per row, the lookup took nine tenths of the time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        return str(cursor.fetchone()[0])


PLAIN = (type(None), bool, int, float, str, dt.date)  # psycopg sends these as they are (datetimes too)


def insert_objects(model: type[Model], objects: Sequence[Model], *, with_ids: bool = False) -> None:
    """Insert unsaved objects (every concrete field); `with_ids` gives each its id first, from the table's
    sequence, so that other rows can point to them — what `bulk_create` returns, by COPY."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    fields: list[Any] = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    if with_ids:
        for obj, pk in zip(objects, _reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk
    for obj in objects:  # defaults and auto values, as `save` would fill them
        for f in fields:
            f.pre_save(obj, add=True)
        obj._state.adding, obj._state.db = False, "default"

    def row(obj: Model) -> list[Any]:
        return [_copy_value(f, obj) for f in fields]

    insert_rows(model, [f.name for f in fields], (row(obj) for obj in objects))


def _copy_values(field: Any, values: Sequence[Any]) -> Sequence[Any]:
    """A column's values as COPY takes them: JSON as text."""
    if isinstance(field, JSONField):
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    return values


def _copy_value(field: Any, obj: Model) -> Any:
    value = getattr(obj, field.attname)
    if isinstance(value, (dict, list)):  # JSON, as text: COPY parses it
        return json.dumps(value, cls=getattr(field, "encoder", None))
    return _db_value(field, obj)


def _db_value(field: Any, obj: Model) -> Any:
    value = getattr(obj, field.attname)
    if isinstance(value, PLAIN):
        return value
    return field.get_db_prep_save(value, connection)
