"""How often a source is checked: from what it has shown, unless sources.toml fixes it.

The rule is Miniflux's `entry_frequency` scheduler: a source that published `n` entries in
the last week is checked every `WEEK / (n × factor)`, clamped to `[min_s, max_s]`; one that
published nothing is checked every `max_s`. An entry is what the source is watched for: a
new repo of a Hub org (`variant.created_at`, as the Hub stated it), an item of a feed or an
index page (`feed_entry.published_at`). Price lists state no publication dates, so they
keep their nominal interval.

The factor decides what "active" buys. With the default 24, an org that creates 20 repos a
week is checked every 21 minutes, one creating 5 every 84 minutes, and any source with
fewer than 7 entries a week less often than hourly — so a quiet source costs no more
requests than fixed hourly polling did, and an active one is found within minutes. The
backoff after failures (`store.health`) is applied on top, from this interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from store.models import FeedEntry, Variant

WEEK_S = 7 * 86400.0
DEFAULT_MIN_S = 300.0
DEFAULT_MAX_S = 86400.0
DEFAULT_FACTOR = 24.0


@dataclass(frozen=True, slots=True)
class Cadence:
    interval_s: float
    reason: str  # why: "fixed in sources.toml", "12 entries in 7 days", …


@dataclass(frozen=True, slots=True)
class Bounds:
    min_s: float = DEFAULT_MIN_S
    max_s: float = DEFAULT_MAX_S
    factor: float = DEFAULT_FACTOR


def interval_for(entries_per_week: int, bounds: Bounds) -> float:
    """The check interval of a source that showed `entries_per_week` entries."""
    if entries_per_week <= 0:
        return bounds.max_s
    raw = WEEK_S / (entries_per_week * bounds.factor)
    return min(max(raw, bounds.min_s), bounds.max_s)


def weekly_entries(session: Session, name: str, kind: str, org: str | None, now: datetime) -> int:
    """Entries a source published in the week before `now`; -1 when it states no dates."""
    since = now - timedelta(seconds=WEEK_S)
    if kind == "hub" and org:
        query = select(func.count()).where(Variant.org == org, Variant.created_at >= since)
    elif kind in ("feed", "pages"):
        query = select(func.count()).where(
            FeedEntry.source == name, FeedEntry.published_at >= since
        )
    else:
        return -1
    return int(session.exec(query).one())


def cadence(
    session: Session,
    name: str,
    kind: str,
    org: str | None,
    nominal_s: float,
    adaptive: bool,
    bounds: Bounds,
    now: datetime,
) -> Cadence:
    """Each source's interval and why (the scheduler's and `status`'s one answer)."""
    if not adaptive:
        return Cadence(nominal_s, "fixed by interval in sources.toml")
    n = weekly_entries(session, name, kind, org, now)
    if n < 0:
        return Cadence(nominal_s, f"{kind} sources state no dates: nominal interval")
    what = "new repos" if kind == "hub" else "entries"
    interval = interval_for(n, bounds)
    if n == 0:
        return Cadence(interval, f"no {what} in 7 days: the longest interval")
    return Cadence(interval, f"{n} {what} in 7 days")
