"""Upserts on natural keys, for SQLite and PostgreSQL alike.

SQLAlchemy has no backend-neutral upsert, so this picks the dialect's `insert()` and
`ON CONFLICT DO UPDATE`, updating only the columns the caller names (crawler-owned
columns), so concurrent writers converge and editor-owned columns are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no upsert for the {name} dialect")


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Iterable[str],
    update: Iterable[str],
    where_changed: str | None = None,
) -> None:
    """Insert rows, or update `update` columns of the row with the same `key`.

    `where_changed` names a column (a content hash) that must differ for the update to
    happen, so an unchanged document costs no write.
    """
    if not rows:
        return
    # The rows go as parameters, not as a VALUES list in the statement: the statement is
    # then the same on every call and SQLAlchemy compiles it once.
    stmt = _insert(session, table)
    update = list(update)
    if not update:
        session.execute(stmt.on_conflict_do_nothing(index_elements=list(key)), list(rows))
        return
    where = None
    if where_changed:
        where = table.c[where_changed].is_distinct_from(stmt.excluded[where_changed])
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={col: stmt.excluded[col] for col in update},
            where=where,
        ),
        list(rows),
    )


def upsert_many(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Iterable[str],
    update: Iterable[str],
) -> None:
    """`upsert` for many rows with the same columns, as one driver-level executemany.

    A backfill writes a million variant rows: SQLAlchemy's per-row parameter processing
    cost about 75 µs a row, more than everything else the row needed. The statement is
    compiled by SQLAlchemy once per (table, columns, key, update) and each row goes
    through the same type processors (dates, booleans, JSON) SQLAlchemy would apply.
    An empty `key` with no `update` skips a row that conflicts on any unique key.
    """
    if not rows:
        return
    columns = tuple(rows[0])
    sql, names, processors, defaults = _compiled(session, table, columns, tuple(key), tuple(update))
    if defaults:
        rows = [{**defaults, **row} for row in rows]
    if names is not None:  # positional paramstyle (sqlite: ?)
        get = itemgetter(*names)
        convert = [(i, processors[n]) for i, n in enumerate(names) if n in processors]
        params = []
        for row in rows:
            values = list(get(row)) if len(names) > 1 else [get(row)]
            for i, process in convert:
                values[i] = process(values[i])
            params.append(tuple(values))
    else:  # named (psycopg: %(name)s)
        params = [
            {n: (processors[n](v) if n in processors else v) for n, v in row.items()}
            for row in rows
        ]
    session.connection().exec_driver_sql(sql, params)


_COMPILED: dict[tuple, tuple[str, tuple[str, ...] | None, dict, dict]] = {}


def _compiled(
    session: Session, table: Table, columns: tuple, key: tuple, update: tuple
) -> tuple[str, tuple[str, ...] | None, dict, dict]:
    dialect = session.get_bind().dialect
    cache_key = (dialect.name, table.name, columns, key, update)
    found = _COMPILED.get(cache_key)
    if found is None:
        stmt = _insert(session, table)
        if update:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(key), set_={col: stmt.excluded[col] for col in update}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(key) or None)
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns), for_executemany=True)
        names = tuple(compiled.positiontup) if compiled.positional else None
        # Columns the rows leave out take their (constant) default, as in an ORM insert.
        defaults = {}
        for name in set(names or compiled.binds) - set(columns):
            default = table.c[name].default
            if default is None or not default.is_scalar:
                raise ValueError(f"upsert_many into {table.name}: rows lack {name!r}")
            defaults[name] = default.arg
        found = (compiled.string, names, dict(compiled._bind_processors), defaults)
        _COMPILED[cache_key] = found
    return found


def insert_new(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows; one that conflicts with any unique index (a partial one too) is left
    out, so two writers inserting the same row at once store it once."""
    if rows:
        session.execute(_insert(session, table).on_conflict_do_nothing(), list(rows))
