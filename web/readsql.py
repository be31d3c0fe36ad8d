"""The read API's statements, compiled once per shape and dialect, run on the driver.

A request to `/api/tools` asks one of a few dozen statements (which filters are present
decides the shape). Built with SQLAlchemy on each request, constructing, cache-keying and
processing a statement costs several times the SQLite query itself. Here each shape is
compiled once per dialect and executed on the pooled connection's DBAPI cursor (the pool
still checks it out and resets it on return); bind values still go through the columns'
type processors (a datetime becomes the text the ORM stores on SQLite, a timestamptz on
PostgreSQL), and rows come back as the driver returns them: callers select JSON columns as
text (`CAST(… AS TEXT)`) and splice it, and convert the few other values they need with
`result_processor`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class Prepared:
    """One compiled statement: its SQL text and how to turn named values into its params."""

    sql: str
    compiled: Compiled
    positional: tuple[str, ...] | None  # parameter names in order, for qmark/format styles
    processors: dict[str, Callable[[Any], Any]]

    def rows(
        self, conn: Connection, values: dict[str, Any] | None = None, budget: int | None = None
    ) -> list[tuple]:
        """Every row, as the driver returns them, on the connection's own DBAPI cursor.

        `budget` (SQLite only): at most that many thousand steps of SQLite's virtual machine,
        else `OverBudget` is raised and the statement abandoned."""
        params = self.compiled.construct_params(values or {})
        for name, process in self.processors.items():
            if params.get(name) is not None:
                params[name] = process(params[name])
        if self.positional is not None:
            params = tuple(params[n] for n in self.positional)
        dbapi = conn.connection.dbapi_connection
        if budget is not None:
            dbapi.set_progress_handler(_countdown(budget), STEPS_PER_CALL)
        cursor = dbapi.cursor()
        try:
            cursor.execute(self.sql, params)
            return cursor.fetchall()
        except sqlite3.OperationalError as exc:
            if budget is not None and "interrupted" in str(exc):
                raise OverBudget(self.sql) from exc
            raise
        finally:
            cursor.close()
            if budget is not None:
                dbapi.set_progress_handler(None, 0)  # the pooled connection goes back clean


# SQLite calls the progress handler every this many virtual machine steps.
STEPS_PER_CALL = 1000


class OverBudget(Exception):
    """A statement stopped after the steps it was allowed (see `Prepared.rows`)."""


def _countdown(calls: int) -> Callable[[], int]:
    """A progress handler that lets a statement run `calls` times STEPS_PER_CALL steps."""
    left = [calls]

    def handler() -> int:
        left[0] -= 1
        return left[0] < 0  # non-zero interrupts the statement

    return handler


def prepare(statement: Executable, dialect: Dialect) -> Prepared:
    compiled = statement.compile(dialect=dialect)
    processors = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    positional = tuple(compiled.positiontup) if dialect.positional else None
    return Prepared(compiled.string, compiled, positional, processors)


def result_processor(column: ColumnElement, dialect: Dialect) -> Callable[[Any], Any]:
    """What the ORM would do to a raw driver value of `column` (text → aware datetime)."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)
