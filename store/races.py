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


# The advisory lock between feeds announcing releases that no Hub repo has joined yet and the
# Hub crawls that adopt them (any int8 will do; this one spells "annc").
ANNOUNCED_LOCK = 0x616E6E63


def lock_announced(session: Session, exclusive: bool) -> None:
    """The lock that keeps a feed's new announced release and a Hub page's new release of the
    same family from missing each other on two hosts.

    Without it the two read at the same moment, each before the other commits: the feed finds
    no release by that name, the Hub page finds no announced release to adopt, and the release
    is stored twice. A Hub page holds it shared from reading the announced releases to its
    commit (Hub pages never wait for each other); a feed takes it exclusively before storing
    one, then looks again. Whichever comes second sees what the first committed. SQLite has
    one writer at a time and needs nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    session.connection().execute(text(f"SELECT {function}(:key)"), {"key": ANNOUNCED_LOCK})


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
