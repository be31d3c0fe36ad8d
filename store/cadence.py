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

Push changes the interval (`with_push`): while a source's push works (a WebSub lease runs,
or the Hub's webhooks for its org delivered lately and missed nothing polling found) the
poll is only a safety net, relaxed to `max_s`; while push is unhealthy (the subscription
failed, expired or waits for verification; the webhook went silent while the org created
repos) the source is polled at `min_s`, as push would have found it within minutes.

The next check (`next_check`) is the last run's start + that interval, pushed back by the
backoff after failed runs (`store.health`, the rule's one owner) and by what a server asked
with `Retry-After` (429/503, or `RateLimit` t=; the run records it), whichever is later,
and says which of these decided it: frequency, push, backoff or retry-after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from store import health, websub
from store.models import FeedEntry, HookDelivery, SourceState, Variant, WebSubSubscription

WEEK_S = 7 * 86400.0
DEFAULT_MIN_S = 300.0
DEFAULT_MAX_S = 86400.0
DEFAULT_FACTOR = 24.0
# A Hub webhook is trusted for an org while it delivered within HOOK_FRESH and no repo
# polling found was created more than HOOK_GRACE after its last delivery.
HOOK_FRESH = timedelta(days=7)
HOOK_GRACE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Cadence:
    interval_s: float
    reason: str  # why: "fixed in sources.toml", "12 entries in 7 days", …
    basis: str = "frequency"  # fixed | frequency | push


@dataclass(frozen=True, slots=True)
class NextCheck:
    at: datetime | None  # None: now (never run)
    basis: str  # fixed | frequency | push | backoff | retry-after
    reason: str


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
        return Cadence(nominal_s, "fixed by interval in sources.toml", "fixed")
    n = weekly_entries(session, name, kind, org, now)
    if n < 0:
        return Cadence(nominal_s, f"{kind} sources state no dates: nominal interval")
    what = "new repos" if kind == "hub" else "entries"
    interval = interval_for(n, bounds)
    if n == 0:
        return Cadence(interval, f"no {what} in 7 days: the longest interval")
    return Cadence(interval, f"{n} {what} in 7 days")


# -- push ----------------------------------------------------------------------------------
def with_push(pace: Cadence, push: websub.PushHealth, bounds: Bounds) -> Cadence:
    """The interval once push is taken into account (a fixed interval stays fixed)."""
    if pace.basis == "fixed" or push.healthy is None:
        return pace
    if push.healthy:
        return Cadence(bounds.max_s, f"push healthy ({push.why}): polled as a safety net", "push")
    return Cadence(bounds.min_s, f"push unhealthy ({push.why}): polled at the shortest", "push")


def hook_health(
    last_delivery: datetime | None, newest_repo: tuple[str, datetime] | None, now: datetime
) -> websub.PushHealth:
    """Hub webhooks for one org, from its last delivery and the newest repo polling found."""
    last = websub.aware(last_delivery)
    if last is None or now - last > HOOK_FRESH:
        return websub.PushHealth(None)
    if newest_repo is not None:
        repo, created = newest_repo[0], websub.aware(newest_repo[1])
        if created is not None and created > last + HOOK_GRACE:
            return websub.PushHealth(
                False,
                f"Hub webhook silent: {repo} created {created.isoformat(timespec='seconds')}, "
                f"last delivery {last.isoformat(timespec='seconds')}",
            )
    return websub.PushHealth(
        True, f"Hub webhook, last delivery {last.isoformat(timespec='seconds')}"
    )


def push_health(
    session: Session, name: str, kind: str, org: str | None, now: datetime
) -> websub.PushHealth:
    """How push stands for one source (None: it has none)."""
    if kind == "feed":
        sub = session.exec(
            select(WebSubSubscription).where(WebSubSubscription.source == name)
        ).first()
        return websub.push_health(sub, now)
    if kind == "hub" and org:
        last = session.exec(
            select(func.max(HookDelivery.received_at)).where(
                func.lower(HookDelivery.org) == org.lower()
            )
        ).one()
        newest = session.exec(
            select(Variant.repo_id, Variant.created_at)
            .where(Variant.org == org, Variant.created_at.is_not(None))
            .order_by(Variant.created_at.desc())
            .limit(1)
        ).first()
        return hook_health(last, tuple(newest) if newest else None, now)
    return websub.PushHealth(None)


def source_cadence(
    session: Session,
    name: str,
    kind: str,
    org: str | None,
    nominal_s: float,
    adaptive: bool,
    bounds: Bounds,
    now: datetime,
) -> Cadence:
    """`cadence` with push taken into account: what the scheduler and `status` use."""
    pace = cadence(session, name, kind, org, nominal_s, adaptive, bounds, now)
    return with_push(pace, push_health(session, name, kind, org, now), bounds)


# -- the next check --------------------------------------------------------------------------
def decide_next(
    pace: Cadence,
    due: datetime | None,
    backoff: tuple[datetime, int] | None,
    retry_after: datetime | None,
) -> NextCheck:
    """The next check from the cadence's due time, the backoff's end (and how many failed
    runs made it) and a server's Retry-After: the latest wins, and says why."""
    check = NextCheck(due, pace.basis, pace.reason)
    if backoff is not None:
        until, failures = backoff
        check = NextCheck(until, "backoff", f"backing off after {failures} failed run(s)")
    if retry_after is not None and (check.at is None or retry_after > check.at):
        check = NextCheck(
            retry_after,
            "retry-after",
            f"the server asked to wait until {retry_after.isoformat(timespec='seconds')}",
        )
    return check


def retry_after_of(runs: list) -> datetime | None:
    """What the newest settled run was asked to wait until (429/503 Retry-After)."""
    done = health.settled(runs)
    return websub.aware(done[0].retry_after_until) if done else None


def next_check(session: Session, name: str, pace: Cadence, now: datetime) -> NextCheck:
    runs = health.recent_runs(session, name)
    h = health.assess(name, pace.interval_s, runs, session.get(SourceState, name), now)
    backoff = (h.backoff_until, h.failures) if h.backoff_until else None
    return decide_next(pace, h.next_run_at, backoff, retry_after_of(runs))
