"""The scheduler: one APScheduler job per source, each crawl in a child process.

`Scheduler` wraps an APScheduler 3.x `BlockingScheduler`: one `IntervalTrigger` job per
source at its interval with jitter, `coalesce=True`, `max_instances=1` and a misfire grace
time of 30 minutes (APScheduler's default of one second silently skips runs). A job calls
`ingest.crawl.crawl([source])`, which runs the crawl in a child process with a hard time
limit and records the run.

Restart safety: the store is the schedule's memory. A job's first run is at
`store.health.next_run_at` (the last run's start + interval, the end of a backoff, or now
for a source never crawled or cut short by a stop), never earlier, so a restart neither runs
a source twice in one interval nor skips one.

A crawl still running from before a restart (the scheduler was killed; its crawl runs on
in its own process group and records its run) is that interval's run: the job skips.

Cadence: a source without an `interval` in sources.toml (and no `--interval`) is checked at
its own pace, `store.cadence` (Miniflux's entry frequency, clamped to `[schedule]`
min/max): the interval is computed at start and again after each run, and the job is
rescheduled when it changed.

Backoff: before crawling, a job checks the source's backoff (`store.health`); while it has
not expired the run is skipped (logged) and the job is moved to the backoff's end. After a
failed run the job is moved there too; the first success resumes the normal cadence.

Stopping (SIGTERM, SIGINT): no new runs start; running crawls get `stop_timeout` seconds to
finish, then their process groups get SIGTERM (Scrapy closes the run), then SIGKILL after
`kill_timeout` more seconds (`crawl()` marks the run killed). Runs cut short are tagged
`interrupted:` so they neither back off nor alarm, and are due again at the next start.

Push: every `PUSH_POLL_S` a job on its own one-thread executor (so four long crawls never
hold it up) reads the Hub webhook deliveries that `web.hooks` stored (`store.hooks`). An
org whose deliveries have settled (`store.hooks.due_orgs`: quiet for a few seconds, or the
oldest waiting half a minute) has its source's job moved to now: the same job, runner,
backoff and run record as a scheduled run, so a push can never start a second crawl of a
source beside a running one. A repo of an org that is not a source, but that a source
found before (a derivative's base, say), runs that source. While the source's crawl is
running its deliveries wait: that crawl may have listed the org before the commit.
A feed with a WebSub delivery waiting (`web.websub` stored it, signature checked) has its
job moved to now the same way; its crawl reads the pushed copy instead of fetching.

WebSub: with `TOOLSCOUT_PUBLIC_URL` set, every `WEBSUB_POLL_S` a job on its own thread
(a hub may be slow to answer) looks at each feed's subscription (`store.websub`): a feed
that advertised a hub is subscribed (callback `${TOOLSCOUT_PUBLIC_URL}/hooks/websub/TOKEN`,
a random secret, `hub.lease_seconds`), its lease renewed at 80%, a verification that never
came or a lease that ran out marked so, and a failed one retried later. Every request to a
hub goes through the fetch layer's URL policy (`ingest.fetch.client`). While push is not
working the feed is polled at the shortest interval (`store.cadence.with_push`).

Next check: after each run the job's next time is `store.cadence.next_check` (the
cadence, the backoff, a server's Retry-After, whichever is latest); a job fired before a
backoff or Retry-After has passed skips.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ingest.fetch.client import post_form
from ingest.fetch.policy import RefusedURL, UrlPolicy, policy_from_sources
from ingest.sources import Source
from store import cadence, health, hooks, websub
from store.db import get_engine, session, upgrade
from store.models import CrawlRun, utcnow

log = logging.getLogger("toolscout.schedule")

MISFIRE_GRACE_S = 30 * 60
DEFAULT_WORKERS = 4
DEFAULT_STOP_TIMEOUT_S = 10.0
KILL_TIMEOUT_S = 20.0
BACKOFF_SLACK_S = 1.0  # a job fired at the backoff's end is not early
PUSH_POLL_S = 2.0
# Debounce: a launch commits many files in a burst and edits its card for a while after.
# An org is crawled once its deliveries are PUSH_QUIET_S quiet or the oldest has waited
# PUSH_MAX_WAIT_S, and never twice within PUSH_MIN_GAP_S: ten events in a minute, one
# crawl; the Hub's 1,000 triggers a day at most ~1,440 crawls of an org, in practice few.
PUSH_QUIET_S = 10.0
PUSH_MAX_WAIT_S = 60.0
PUSH_MIN_GAP_S = 60.0
PUSH_KEEP = timedelta(days=30)  # handled deliveries kept this long (replays recognised)
PUSH_JOB = "push:huggingface"
WEBSUB_JOB = "push:websub"
WEBSUB_POLL_S = 5.0
WEBSUB_VERIFY_TIMEOUT_S = websub.VERIFY_TIMEOUT_S


def default_jitter(interval_s: float) -> float:
    """Up to a tenth of the interval, at most a minute."""
    return min(interval_s / 10.0, 60.0)


def run_line(run) -> str:
    took = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    line = (
        f"{run.source} {run.status}: {run.requests} requests, {run.not_modified} not modified, "
        f"{run.items} items, {run.new_candidates} new, {run.updated_candidates} updated, "
        f"{run.errors} errors, {took:.1f}s (run {run.id})"
    )
    return line + (f" — {run.message}" if run.message else "")


@dataclass(slots=True)
class Job:
    source: Source
    interval_s: float


class Scheduler:
    def __init__(
        self,
        sources: list[Source],
        *,
        interval_s: float | None = None,
        jitter_s: float | None = None,
        time_limit: float | None = None,
        workers: int = DEFAULT_WORKERS,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT_S,
        kill_timeout: float = KILL_TIMEOUT_S,
        bounds: cadence.Bounds | None = None,
        public_url: str | None = None,
        policy: UrlPolicy | None = None,
        verify_timeout_s: float = WEBSUB_VERIFY_TIMEOUT_S,
    ) -> None:
        self.jobs = {s.name: Job(s, float(interval_s or s.interval_s)) for s in sources}
        self.fixed = interval_s is not None  # --interval: one fixed interval for all
        self.bounds = bounds or cadence.Bounds()
        self.jitter_s = jitter_s
        if public_url is None:
            from web.config import parse_public_url

            public_url = parse_public_url(os.environ.get("TOOLSCOUT_PUBLIC_URL"))
        self.public_url = public_url.rstrip("/") if public_url else None
        self.policy = policy  # None: the sources file's, read when first needed
        self.verify_timeout_s = verify_timeout_s
        self.time_limit = time_limit
        self.stop_timeout = stop_timeout
        self.kill_timeout = kill_timeout
        self.stopping = threading.Event()
        self.terminating = threading.Event()  # running crawls were signalled to stop
        self.signalled_at: datetime | None = None
        self._lock = threading.Lock()
        self._active: dict[str, datetime] = {}  # source -> when its crawl started
        self._pushed_at: dict[str, datetime] = {}  # source -> when a push last started it
        self._pruned_at: datetime | None = None
        self._idle = threading.Condition(self._lock)
        self.scheduler = BlockingScheduler(
            executors={
                "default": ThreadPoolExecutor(max_workers=max(1, workers)),
                "push": ThreadPoolExecutor(max_workers=1),
                "websub": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_S,
            },
            timezone="UTC",
        )

    # -- setting up ----------------------------------------------------------------------
    def first_run_times(self, now: datetime | None = None) -> dict[str, datetime]:
        """Each job's first run: when the store says it is due, and not before now."""
        now = now or utcnow()
        times = {}
        with session() as s:
            for name, job in self.jobs.items():
                due = health.source_health(s, name, job.interval_s, now).next_run_at
                times[name] = max(now, due) if due else now
        return times

    def cadence_of(self, s, name: str, now: datetime | None = None) -> cadence.Cadence:
        job = self.jobs[name]
        src = job.source
        if self.fixed:
            return cadence.Cadence(job.interval_s, "fixed by --interval", "fixed")
        return cadence.source_cadence(
            s, name, src.kind, src.org, src.interval_s, src.adaptive, self.bounds, now or utcnow()
        )

    def _trigger(self, interval_s: float) -> IntervalTrigger:
        jitter = self.jitter_s if self.jitter_s is not None else default_jitter(interval_s)
        return IntervalTrigger(seconds=interval_s, jitter=jitter or None, timezone="UTC")

    def add_jobs(self) -> None:
        with session() as s:
            for name, job in self.jobs.items():
                job.interval_s = self.cadence_of(s, name).interval_s
        for name, first in self.first_run_times().items():
            job = self.jobs[name]
            self.scheduler.add_job(
                self.run_source,
                self._trigger(job.interval_s),
                args=[name],
                id=name,
                name=f"crawl {name}",
                next_run_time=first,
                replace_existing=True,
            )
            log.info(
                "scheduled %s every %.0fs; first run %s",
                name,
                job.interval_s,
                first.isoformat(timespec="seconds"),
            )

        self.scheduler.add_job(
            self.dispatch_pushes,
            IntervalTrigger(seconds=PUSH_POLL_S, timezone="UTC"),
            id=PUSH_JOB,
            name="Hub webhook deliveries",
            executor="push",
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.maintain_websub,
            IntervalTrigger(seconds=WEBSUB_POLL_S, timezone="UTC"),
            id=WEBSUB_JOB,
            name="WebSub subscriptions",
            executor="websub",
            next_run_time=utcnow(),
            replace_existing=True,
        )

    # -- push ----------------------------------------------------------------------------
    def source_for(self, s, org: str, repos: tuple[str, ...]) -> str | None:
        """The configured source a delivery for `org` (about `repos`) should crawl."""
        by_lower = {name.lower(): name for name in self.jobs}
        name = by_lower.get(f"hf:{org}".lower())
        if name and self.jobs[name].source.kind == "hub":
            return name
        for repo in repos:
            known = hooks.source_of_repo(s, repo)
            if known in self.jobs:
                return known
        return None

    def dispatch_pushes(self, now: datetime | None = None) -> list[str]:
        """Start the crawls that settled deliveries ask for; return the sources started."""
        if self.stopping.is_set():
            return []
        now = now or utcnow()
        started = []
        with session() as s:
            if self._pruned_at is None or now - self._pruned_at > timedelta(hours=1):
                hooks.prune(s, now - PUSH_KEEP)
                self._pruned_at = now
            for due in hooks.due_orgs(s, now, PUSH_QUIET_S, PUSH_MAX_WAIT_S):
                name = self.source_for(s, due.org, due.repos)
                if name is None:
                    hooks.mark_handled(
                        s, due.delivery_ids, "ignored", f"hf:{due.org} is not a configured source"
                    )
                    continue
                with self._lock:
                    running = name in self._active
                last = self._pushed_at.get(name)
                if running or (last and (now - last).total_seconds() < PUSH_MIN_GAP_S):
                    continue
                try:
                    self.scheduler.modify_job(name, next_run_time=now)
                except Exception:  # shutting down: the deliveries stay pending
                    log.debug("could not start %s for a push", name, exc_info=True)
                    continue
                hooks.mark_handled(
                    s,
                    due.delivery_ids,
                    "crawled",
                    f"{name} crawl started for {', '.join(due.repos)}",
                )
                log.info(
                    "%s: crawl started by %d Hub webhook deliveries (%s)",
                    name,
                    len(due.delivery_ids),
                    ", ".join(due.repos),
                )
                self._pushed_at[name] = now
                started.append(name)
            for name in websub.pending_sources(s):
                if name in self.jobs and name not in started and self._start_for_push(name, now):
                    log.info("%s: crawl started by a WebSub delivery", name)
                    started.append(name)
        return started

    def _start_for_push(self, name: str, now: datetime) -> bool:
        """Move `name`'s job to now unless its crawl runs (it reads what is waiting when it
        opens, or the next one will) or a push started it moments ago."""
        with self._lock:
            if name in self._active:
                return False
        last = self._pushed_at.get(name)
        if last and (now - last).total_seconds() < PUSH_MIN_GAP_S:
            return False
        try:
            self.scheduler.modify_job(name, next_run_time=now)
        except Exception:  # shutting down: the deliveries stay pending
            log.debug("could not start %s for a push", name, exc_info=True)
            return False
        self._pushed_at[name] = now
        return True

    # -- WebSub --------------------------------------------------------------------------
    def maintain_websub(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Subscribe, renew, time out and expire the feeds' WebSub subscriptions; return
        (source, what was done) for each acted on."""
        if self.stopping.is_set():
            return []
        now = now or utcnow()
        feeds = [name for name, job in self.jobs.items() if job.source.kind == "feed"]
        done = []
        with session() as s:
            for sub in websub.subscriptions(s, feeds):
                action = websub.next_action(sub, now, self.verify_timeout_s)
                if action is None:
                    continue
                if action.kind == "timeout":
                    websub.mark_failed(s, sub, action.why, now)
                    log.warning("%s: WebSub %s; polling", sub.source, action.why)
                elif action.kind == "expire":
                    websub.expire(s, sub, action.why, now)
                    log.warning("%s: WebSub %s; polling", sub.source, action.why)
                elif self.public_url is None:
                    continue  # no callback to give a hub: polling only
                else:
                    self._subscribe(s, sub, now)
                s.commit()
                done.append((sub.source, action.kind))
        for name, _ in done:  # push changed: the poll interval follows (store.cadence)
            if self.scheduler.get_job(name) is not None:
                self._repace(name)
        return done

    def callback_for(self, sub) -> str:
        return f"{self.public_url}/hooks/websub/{sub.token}"

    def _subscribe(self, s, sub, now: datetime) -> None:
        """One subscribe (or renewal) request to the hub, through the fetch layer's policy.
        The request is recorded first: a hub may verify before it answers."""
        websub.mark_requested(s, sub, now)
        s.commit()
        fields = {
            "hub.mode": "subscribe",
            "hub.topic": sub.topic,
            "hub.callback": self.callback_for(sub),
            "hub.secret": sub.secret,
            "hub.lease_seconds": str(websub.REQUESTED_LEASE_S),
        }
        if self.policy is None:
            self.policy = policy_from_sources()
        try:
            answer = post_form(sub.hub, fields, self.policy)
        except RefusedURL as exc:
            why = f"hub {sub.hub[:200]} refused by the fetch layer: {exc}"
        except OSError as exc:
            why = f"hub {sub.hub[:200]} unreachable: {exc}"
        else:
            if 200 <= answer.status < 300:
                log.info("%s: WebSub subscribe sent to %s (%d)", sub.source, sub.hub, answer.status)
                return
            text = answer.body[:200].decode("utf-8", "replace").strip()
            why = f"the hub answered {answer.status}" + (f": {text}" if text else "")
        s.refresh(sub)  # the callback may have written meanwhile
        websub.mark_failed(s, sub, why, utcnow())
        log.warning("%s: WebSub subscription failed (%s); polling", sub.source, why)

    # -- one run -------------------------------------------------------------------------
    def run_source(self, name: str) -> None:
        """The job: skip while backing off, else crawl the source and log the outcome."""
        from ingest.crawl import crawl, crawl_alive

        if self.stopping.is_set():
            return
        job = self.jobs[name]
        now = utcnow()
        with session() as s:
            h = health.source_health(s, name, job.interval_s, now)
            check = cadence.next_check(s, name, cadence.Cadence(job.interval_s, ""), now)
        waiting = check.basis in ("backoff", "retry-after") and check.at is not None
        if waiting and now < check.at - timedelta(seconds=BACKOFF_SLACK_S):
            log.info(
                "%s skipped: %s (next check %s)",
                name,
                check.reason,
                check.at.isoformat(timespec="seconds"),
            )
            self._reschedule(name, check.at)
            return
        if (
            h.last_run is not None
            and h.last_run.status == "running"
            and crawl_alive(h.last_run.pid)
        ):
            # A crawl an earlier scheduler (killed) or an operator started is still going:
            # it is this interval's run. max_instances=1 across processes.
            log.info(
                "%s skipped: run %d is still going (pid %s)", name, h.last_run.id, h.last_run.pid
            )
            return
        with self._lock:
            if self.stopping.is_set():
                return
            self._active[name] = now
        try:
            outcome = crawl([name], time_limit=self.time_limit)
        except Exception:
            log.exception("%s: the crawl could not be run", name)
            return
        finally:
            with self._lock:
                self._active.pop(name, None)
                self._idle.notify_all()
        mine = [r for r in outcome.runs if r.source == name]
        if self.terminating.is_set():
            with session() as s:
                ids = [r.id for r in mine]
                health.mark_interrupted(s, ids, "scheduler stopped", self.signalled_at)
                mine = [s.get(CrawlRun, i) for i in ids]
        for run in mine:
            log.info("%s", run_line(run))
        if not mine:
            log.warning(
                "%s: crawl process exited %s without recording a run", name, outcome.exit_code
            )
        if self.stopping.is_set():
            return
        self._repace(name)

    def _repace(self, name: str) -> None:
        """After a run or a change of push: the job's interval from the source's cadence,
        and its next time moved out to a backoff's end or a server's Retry-After."""
        job = self.jobs[name]
        now = utcnow()
        with session() as s:
            pace = self.cadence_of(s, name, now)
            check = cadence.next_check(s, name, pace, now)
        if abs(pace.interval_s - job.interval_s) >= 1.0:
            log.info("%s now every %.0fs (%s)", name, pace.interval_s, pace.reason)
            job.interval_s = pace.interval_s
            try:
                self.scheduler.reschedule_job(name, trigger=self._trigger(pace.interval_s))
            except Exception:  # shutting down
                log.debug("could not reschedule %s", name, exc_info=True)
        if check.basis in ("backoff", "retry-after") and check.at is not None:
            log.info(
                "%s: %s: next run %s", name, check.reason, check.at.isoformat(timespec="seconds")
            )
            self._reschedule(name, check.at)

    def _reschedule(self, name: str, when: datetime) -> None:
        try:
            current = self.scheduler.get_job(name)
            if current is not None and (
                current.next_run_time is None or current.next_run_time < when
            ):
                self.scheduler.modify_job(name, next_run_time=when)
        except Exception:  # the scheduler is shutting down
            log.debug("could not reschedule %s", name, exc_info=True)

    # -- running and stopping ------------------------------------------------------------
    def request_stop(self, signum: int | None = None, _frame=None) -> None:
        if self.stopping.is_set():
            log.warning("second stop signal: killing running crawls")
            self._terminate()
            _signal_children(signal.SIGKILL)
            return
        what = signal.Signals(signum).name if signum else "stop"
        log.info(
            "%s received: no new runs; waiting for %d running crawl(s)", what, len(self._active)
        )
        self.stopping.set()
        try:
            self.scheduler.shutdown(wait=False)
        except Exception:
            log.debug("scheduler already stopped", exc_info=True)

    def run(self, install_signals: bool = True) -> int:
        """Schedule every source and block until stopped; 0 on a clean stop."""
        upgrade(get_engine())
        if install_signals:
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        self.add_jobs()
        log.info("scheduler started with %d source(s)", len(self.jobs))
        try:
            self.scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            self.stopping.set()
        self.stopping.set()
        self.drain()
        log.info("scheduler stopped")
        return 0

    def drain(self) -> None:
        """Let running crawls finish within stop_timeout, then stop them cleanly."""
        if self._wait_idle(self.stop_timeout):
            return
        log.info("stopping %d running crawl(s): SIGTERM", len(self._active))
        self._terminate()
        deadline = time.monotonic() + self.kill_timeout
        signalled: set[int] = set()
        while time.monotonic() < deadline:
            # Once each: a second SIGTERM makes Scrapy stop without closing its runs.
            signalled |= _signal_children(signal.SIGTERM, skip=signalled)
            if self._wait_idle(min(1.0, max(0.0, deadline - time.monotonic()))):
                return
        log.warning("crawl(s) still running after %.0fs: SIGKILL", self.kill_timeout)
        while not self._wait_idle(1.0):
            _signal_children(signal.SIGKILL)

    def _terminate(self) -> None:
        if not self.terminating.is_set():
            self.signalled_at = utcnow()
            self.terminating.set()

    def _wait_idle(self, timeout: float) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: not self._active, timeout=max(0.0, timeout))


def _child_pids() -> list[int]:
    """Our direct children: the crawl processes (each leads its own process group)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry))
    return found


def _signal_children(sig: int, skip: set[int] | frozenset[int] = frozenset()) -> set[int]:
    """Signal the process group of each crawl child not in `skip`; return those signalled."""
    done = set()
    for pid in _child_pids():
        if pid in skip:
            continue
        try:
            if os.getpgid(pid) == pid:  # a crawl: crawl() starts each in its own session
                os.killpg(pid, sig)
                done.add(pid)
        except OSError:
            pass
    return done
