"""Upserts on natural keys, for SQLite and PostgreSQL alike.

SQLAlchemy has no backend-neutral upsert, so this picks the dialect's `insert()` and
`ON CONFLICT DO UPDATE`, updating only the columns the caller names (crawler-owned
columns), so concurrent writers converge and editor-owned columns are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    stmt = _insert(session, table).values(list(rows))
    update = list(update)
    if not update:
        session.execute(stmt.on_conflict_do_nothing(index_elements=list(key)))
        return
    where = None
    if where_changed:
        where = table.c[where_changed].is_distinct_from(stmt.excluded[where_changed])
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={col: stmt.excluded[col] for col in update},
            where=where,
        )
    )
