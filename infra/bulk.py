"""Many rows of one model in one statement, without a model instance per row.

`bulk_create` builds, cleans and flattens a model instance per row: for a sweep that writes a
few thousand events and notifications at once that is most of its time in Python. On
PostgreSQL `insert_rows` sends each given column as one array and lets the database unnest
them (`INSERT ... SELECT ... FROM unnest(...)`): the Python side is building a few lists. Every
other column takes its field's default (one value for all the rows, as `bulk_create` would
give each). Other databases (SQLite, for `make run`) go through `bulk_create`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from django.db import connections, models


def _plain(value):
    """Choices (`TextChoices` members) as their value: what the column holds."""
    return value.value if isinstance(value, enum.Enum) else value


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    using: str = "default",
) -> list:
    """Insert `rows` (one value per name in `fields`: field names or attnames) and return the
    new primary keys (in no particular order). One query on PostgreSQL, whatever the number of
    rows."""
    if not rows:
        return []
    connection = connections[using]
    given = [model._meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        created = model._default_manager.using(using).bulk_create(
            model(**{f.attname: value for f, value in zip(given, row, strict=True)}) for row in rows
        )
        return [obj.pk for obj in created]
    others = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f not in given and not f.generated
    ]
    columns = [connection.ops.quote_name(f.column) for f in given + others]
    arrays = [
        [f.get_db_prep_save(_plain(row[i]), connection) for row in rows]
        for i, f in enumerate(given)
    ]
    defaults = [f.get_db_prep_save(_plain(f.get_default()), connection) for f in others]
    unnest = ", ".join(f"%s::{f.db_type(connection)}[]" for f in given)
    constants = "".join(f", %s::{f.db_type(connection)}" for f in others)
    names = ", ".join(f"c{i}" for i in range(len(given)))
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model
            f"SELECT {names}{constants} FROM unnest({unnest}) AS u({names}) RETURNING {pk}",
            [*defaults, *arrays],  # in the order of the statement's placeholders
        )
        return [row[0] for row in cursor.fetchall()]
