"""Writers on several hosts share one PostgreSQL: what to do when one loses a race.

Natural-key upserts make most concurrent writes converge. What is left is PostgreSQL
breaking a deadlock (or a serialization failure) by rolling back one of the transactions:
that work is not wrong, only unlucky, and is tried again from a savepoint a little later
instead of being recorded as an error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

T = TypeVar("T")

# SQLSTATEs of a transaction rolled back for another's sake: deadlock detected,
# serialization failure. Anything else is a real error.
LOST_RACE = ("40P01", "40001")
ATTEMPTS = 3


def lost_race(exc: BaseException) -> bool:
    """Whether this error is PostgreSQL picking this transaction to break a deadlock."""
    return isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) in LOST_RACE


def retrying(session: Session, work: Callable[[], T]) -> T:
    """`work()` in a savepoint, again (up to ATTEMPTS times) when it lost a race."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with session.begin_nested():
                return work()
        except OperationalError as exc:
            if not lost_race(exc) or attempt == ATTEMPTS:
                raise
            time.sleep(random.uniform(0.02, 0.1) * attempt)
    raise AssertionError("unreachable")


def lock_candidates(session: Session, ids: set[int] | list[int]) -> None:
    """Row locks on these candidates, taken in id order before they are recomputed.

    Two pages that touch the same releases (an org's page and a derivative org's) would
    otherwise lock them in whatever order each refresh reaches them, and wait for each
    other. SQLite has one writer at a time and needs nothing."""
    if not ids or session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(
        text("SELECT id FROM candidate WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"),
        {"ids": sorted(ids)},
    )
