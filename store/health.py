"""Crawl health and backoff: pure functions over a source's recent runs, plus small queries.

Everything here is derived from the `crawl_run` rows (and `source_state` for what they do
not say), so `toolscout status`, `status --check` and the scheduler agree without storing
anything of their own:

- **Backoff.** After `n` consecutive runs that failed or were killed, a source waits
  `min(interval * 2**(n-1) * (1 + 0.25*u), 24 h)` from the end of its last failed run before
  it is crawled again; `u` in [0, 1) is a jitter fixed by the source and that run's id, so
  every reader computes the same time. The first success ends the backoff. A `partial` run
  (some documents failed, the rest was stored) made progress and does not back off; it does
  count as an error run for health.
- **Health.** `unhealthy` when the last run failed or was killed, when the last 3 or more
  runs all had errors, when the last run yielded no items where earlier successful runs
  yielded some, or when its error ratio `errors / (items + errors)` exceeds 0.5. `stale`
  when it has not succeeded for 3 intervals (the scheduler may be down). Otherwise
  `healthy`; a source without any run is `never run`.
- **Unclosed.** A run still `running` long after a crawl could have lasted (its time limit
  plus `UNCLOSED_GRACE_S`) never closed: its process died without a word (killed -9, host
  lost). That makes the source `unhealthy` until a later run closes.
- Runs stopped by the scheduler's own shutdown are marked `interrupted:` in their message;
  they count for nothing: no backoff, no health verdict, and they are due again at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from store.models import CrawlRun, SourceState, utcnow

BACKOFF_CAP_S = 24 * 3600.0
BACKOFF_JITTER = 0.25
UNHEALTHY_STREAK = 3
ERROR_RATIO_LIMIT = 0.5
STALE_INTERVALS = 3
HISTORY = 20  # runs per source looked at
INTERRUPTED = "interrupted:"
DEFAULT_RUN_LIMIT_S = 3600.0  # a crawl's hard time limit when none is configured
UNCLOSED_GRACE_S = 300.0  # the parent's time to stop a child and close its runs

HEALTHY, UNHEALTHY, STALE, NEVER_RUN = "healthy", "unhealthy", "stale", "never run"
FAILING = frozenset({UNHEALTHY, STALE})  # what `status --check` reports
FAILED_STATUSES = frozenset({"failed", "killed"})
ERROR_STATUSES = frozenset({"failed", "killed", "partial"})


@dataclass(slots=True)
class Health:
    source: str
    interval_s: float
    health: str  # healthy | unhealthy | stale | never run
    reason: str | None = None  # why, in one line ("; "-joined when several)
    stale: bool = False
    failures: int = 0  # consecutive failed/killed runs: the backoff exponent
    error_runs: int = 0  # consecutive runs with errors (failed, killed or partial)
    backoff_until: datetime | None = None
    next_run_at: datetime | None = None  # None: at once (never run)
    last_run: CrawlRun | None = None
    last_success_at: datetime | None = None
    last_error: tuple[datetime, str] | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.health in FAILING


# -- pure functions ----------------------------------------------------------------------
def interrupted(run: CrawlRun) -> bool:
    return bool(run.message and run.message.startswith(INTERRUPTED))


def settled(runs: Iterable[CrawlRun]) -> list[CrawlRun]:
    """Finished runs that count, newest first (input newest first)."""
    return [r for r in runs if r.status != "running" and not interrupted(r)]


def streak(runs: Sequence[CrawlRun], statuses: frozenset[str]) -> int:
    """How many of the newest settled runs in a row have one of `statuses`."""
    n = 0
    for run in settled(runs):
        if run.status not in statuses:
            break
        n += 1
    return n


def jitter_unit(source: str, run_id: int | None) -> float:
    """A number in [0, 1) fixed by source and run, so every reader agrees on the backoff."""
    digest = hashlib.sha256(f"{source}#{run_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def backoff_delay(interval_s: float, failures: int, u: float = 0.0) -> float:
    """Seconds to wait after `failures` consecutive failed runs (0 when there are none)."""
    if failures <= 0:
        return 0.0
    raw = interval_s * 2.0 ** min(failures - 1, 30) * (1.0 + BACKOFF_JITTER * u)
    return min(raw, BACKOFF_CAP_S)


def ended(run: CrawlRun) -> datetime:
    return run.finished_at or run.started_at


def backoff_until(source: str, interval_s: float, runs: Sequence[CrawlRun]) -> datetime | None:
    failures = streak(runs, FAILED_STATUSES)
    if not failures:
        return None
    last = settled(runs)[0]
    delay = backoff_delay(interval_s, failures, jitter_unit(source, last.id))
    return ended(last) + timedelta(seconds=delay)


def next_run_at(source: str, interval_s: float, runs: Sequence[CrawlRun]) -> datetime | None:
    """When the source is due next: None means now (never run).

    After a clean or partial run: its start + interval (the scheduler's cadence). After a
    failure: the end of the backoff. After a run interrupted by a scheduler stop: at once
    (its end, which is past). A run still going counts from its start.
    """
    if not runs:
        return None
    newest = runs[0]
    if newest.status == "running":
        return newest.started_at + timedelta(seconds=interval_s)
    if interrupted(newest):
        return ended(newest)
    until = backoff_until(source, interval_s, runs)
    if until is not None:
        return until
    last = settled(runs)
    return last[0].started_at + timedelta(seconds=interval_s) if last else None


def assess(
    source: str,
    interval_s: float,
    runs: Sequence[CrawlRun],
    state: SourceState | None = None,
    now: datetime | None = None,
    run_limit_s: float | None = None,
) -> Health:
    """The health of one source from its recent runs (newest first) and its state row;
    `run_limit_s` is the crawl time limit, past which a running run never closed."""
    now = now or utcnow()
    h = Health(source=source, interval_s=interval_s, health=NEVER_RUN)
    h.last_run = runs[0] if runs else None
    h.next_run_at = next_run_at(source, interval_s, runs)
    h.backoff_until = backoff_until(source, interval_s, runs)
    ok_runs = [r for r in runs if r.status == "ok"]
    h.last_success_at = (state.last_success_at if state else None) or (
        ended(ok_runs[0]) if ok_runs else None
    )
    for r in runs:
        if r.status in ERROR_STATUSES and r.message and not interrupted(r):
            h.last_error = (ended(r), r.message)
            break
    if h.last_error is None and state and state.last_error and runs:
        h.last_error = (ended(runs[0]), state.last_error)
    done = settled(runs)
    limit = (run_limit_s or DEFAULT_RUN_LIMIT_S) + UNCLOSED_GRACE_S
    if runs and runs[0].status == "running" and now - runs[0].started_at > timedelta(seconds=limit):
        h.reasons.append(
            f"last run (started {runs[0].started_at.isoformat(timespec='seconds')}) never "
            f"closed: its crawl process died or hangs past the {limit:.0f}s a run may take"
        )
    if not done:
        if h.reasons:
            h.health, h.reason = UNHEALTHY, "; ".join(h.reasons)
            return h
        h.reason = "first run in progress" if runs else None
        return h
    last = done[0]
    h.failures = streak(runs, FAILED_STATUSES)
    h.error_runs = streak(runs, ERROR_STATUSES)
    if last.status in FAILED_STATUSES:
        h.reasons.append(f"last run {last.status}" + (f": {last.message}" if last.message else ""))
    if h.error_runs >= UNHEALTHY_STREAK:
        h.reasons.append(f"{h.error_runs} runs in a row with errors")
    earlier = [r.items for r in done[1:] if r.status == "ok" and r.items > 0]
    if last.items == 0 and earlier:
        h.reasons.append(f"last run yielded no items (earlier successful runs: {earlier[0]})")
    total = last.items + last.errors
    if total and last.errors / total > ERROR_RATIO_LIMIT:
        h.reasons.append(
            f"error ratio {last.errors / total:.2f} ({last.errors} errors, {last.items} items)"
        )
    since = h.last_success_at or ended(done[-1])
    h.stale = now - since > timedelta(seconds=STALE_INTERVALS * interval_s)
    if h.reasons:
        h.health = UNHEALTHY
    elif h.stale:
        h.health = STALE
        h.reasons.append(
            "no successful run since "
            + (h.last_success_at.isoformat(timespec="seconds") if h.last_success_at else "ever")
            + f" ({STALE_INTERVALS} intervals)"
        )
    else:
        h.health = HEALTHY
        if last.status == "partial":
            h.reasons.append(f"last run partial: {last.errors} error(s)")
    h.reason = "; ".join(h.reasons) or None
    return h


# -- queries -----------------------------------------------------------------------------
def recent_runs(session: Session, source: str, limit: int = HISTORY) -> list[CrawlRun]:
    """The newest runs of one source, newest first."""
    return list(
        session.exec(
            select(CrawlRun)
            .where(CrawlRun.source == source)
            .order_by(CrawlRun.id.desc())
            .limit(limit)
        )
    )


def source_health(
    session: Session,
    source: str,
    interval_s: float,
    now: datetime | None = None,
    run_limit_s: float | None = None,
) -> Health:
    state = session.get(SourceState, source)
    return assess(source, interval_s, recent_runs(session, source), state, now, run_limit_s)


def known_sources(session: Session) -> list[str]:
    """Every source the store has runs or state for."""
    names = set(session.exec(select(CrawlRun.source).distinct()))
    names |= set(session.exec(select(SourceState.source)))
    return sorted(names)


def mark_interrupted(
    session: Session, run_ids: Iterable[int], why: str, signalled_at: datetime | None = None
) -> int:
    """Tag runs a scheduler stop cut short, so they neither back off nor alarm.

    A run still 'running' is closed as killed. A run that closed 'ok' at or after
    `signalled_at` was cut short too (Scrapy stops gracefully on SIGTERM): killed as well.
    Runs that ended before the signal keep their verdict.
    """
    n = 0
    for run_id in run_ids:
        run = session.get(CrawlRun, run_id)
        if run is None or interrupted(run):
            continue
        if run.status == "running":
            run.finished_at = utcnow()
        elif signalled_at is None or run.finished_at is None or run.finished_at < signalled_at:
            continue
        if run.status in ("running", "ok"):
            run.status = "killed"
        run.message = f"{INTERRUPTED} {why}" + (f"; {run.message}" if run.message else "")
        session.add(run)
        n += 1
    session.commit()
    return n


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def health_rows(
    session: Session,
    configured: list[tuple[str, str | None, float, str]],
    now: datetime,
    run_limit_s: float,
) -> list[dict]:
    """One object per source (`toolscout status --json`, the web status page): the
    `configured` (name, kind, interval, why that interval) ones first, then those only the
    store knows."""
    rows = []
    names = {name for name, _, _, _ in configured}
    extra = [(n, None, 3600.0, "not in sources.toml") for n in known_sources(session)]
    extra = [row for row in extra if row[0] not in names]
    for name, kind, interval, why in configured + extra:
        h = source_health(session, name, interval, now, run_limit_s=run_limit_s)
        r = h.last_run
        rows.append(
            {
                "source": name,
                "kind": kind,
                "configured": kind is not None,
                "interval_s": interval,
                "interval_reason": why,
                "health": h.health,
                "reason": h.reason,
                "stale": h.stale,
                "consecutive_failures": h.failures,
                "consecutive_error_runs": h.error_runs,
                "backoff_until": _iso(h.backoff_until),
                "next_run_at": _iso(h.next_run_at),
                "last_success_at": _iso(h.last_success_at),
                "last_run": None
                if r is None
                else {
                    "id": r.id,
                    "status": r.status,
                    "started_at": _iso(r.started_at),
                    "finished_at": _iso(r.finished_at),
                    "duration_s": round((r.finished_at - r.started_at).total_seconds(), 3)
                    if r.finished_at
                    else None,
                    "requests": r.requests,
                    "not_modified": r.not_modified,
                    "bytes": r.bytes,
                    "items": r.items,
                    "new_candidates": r.new_candidates,
                    "updated_candidates": r.updated_candidates,
                    "errors": r.errors,
                    "message": r.message,
                },
                "last_error": None
                if h.last_error is None
                else {"at": _iso(h.last_error[0]), "message": h.last_error[1]},
            }
        )
    return rows
