"""Running crawls: a child process per crawl, with a hard time limit, as Scrapyd does.

Scrapy's reactor cannot be restarted inside one process, and a crawl that hangs must not
hang the scheduler, so `crawl()` starts `python -m ingest.crawl SOURCE…` and waits. The
child records its own runs; if it dies or runs out of time, the parent marks what it left
'running' as killed. `main()` is the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ingest.run_clock import DEADLINE_ENV, RUN_STARTED_ENV

if TYPE_CHECKING:
    from store.models import CrawlRun

DEFAULT_TIME_LIMIT_S = 3600.0
SCHEMA_FD_FLAG = "--schema-fd"


@dataclass(slots=True)
class CrawlOutcome:
    exit_code: int
    seconds: float
    runs: list[CrawlRun]
    killed: bool = False


def crawl(source_names: list[str], time_limit: float | None = None) -> CrawlOutcome:
    """Crawl the named sources in a child process; return the runs it recorded.

    The child starts first: while it imports Scrapy (a second), this process checks the
    schema and then hands the child a token over a pipe, so the check costs the crawl no
    time and the child does not repeat it. The child touches the store only after that.
    """
    from ingest.sources import load_sources

    config = load_sources()
    limit = time_limit or config.crawl.get("TOOLSCOUT_TIME_LIMIT") or DEFAULT_TIME_LIMIT_S
    started = datetime.now(UTC)
    t0 = time.monotonic()
    schema_r, schema_w = os.pipe()
    cmd = [sys.executable, "-m", "ingest.crawl", SCHEMA_FD_FLAG, str(schema_r), *source_names]
    # The runs start when the crawl was started, not when the child got round to opening
    # them: a scheduler's cadence is kept from the start (store.health.next_run_at), and a
    # child's start-up varies by seconds on a busy host.
    env = {
        **os.environ,
        RUN_STARTED_ENV: started.isoformat(),
        DEADLINE_ENV: str(time.time() + limit),
    }
    proc = subprocess.Popen(cmd, pass_fds=(schema_r,), start_new_session=True, env=env)
    os.close(schema_r)
    try:
        _send_schema_token(schema_w)
    except BaseException:
        _stop(proc)
        raise
    finally:
        os.close(schema_w)
    killed = False
    try:
        code = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        killed = True
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
    except KeyboardInterrupt:
        _stop(proc)
        raise
    from store import runs
    from store.db import session

    with session() as s:
        if code != 0 or killed:
            why = (
                f"time limit of {limit:.0f}s reached" if killed else f"crawl process exited {code}"
            )
            runs.mark_dead_runs(s, proc.pid, "killed", why)
        # This child's runs only: a scheduler runs several crawls at once.
        recorded = [r for r in runs.runs_since(s, started) if r.pid == proc.pid]
        if code != 0:
            recorded += _record_lost(s, config, source_names, recorded, proc.pid, started, code)
        runs.close_abandoned(s, sorted({r.source for r in recorded}), started, crawl_alive)
    return CrawlOutcome(code, time.monotonic() - t0, recorded, killed)


def crawl_alive(pid: int | None) -> bool:
    """True when `pid` is a crawl process (`python -m ingest.crawl`) alive on this host."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = fh.read().split(b"\0")
    except OSError:
        return False
    return b"ingest.crawl" in argv


def _send_schema_token(fd: int) -> None:
    """Bring the schema to head and tell the child so (closing the pipe without a token
    tells it to check for itself)."""
    from store.db import get_engine, schema_token, upgrade

    engine = get_engine()
    os.write(fd, schema_token(engine, upgrade(engine)).encode())


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait()


def _receive_schema_token(fd: int | None) -> None:
    """The child: wait for the parent's schema check and trust it from then on; check
    for itself when started alone or when the parent's check failed."""
    from store.db import SCHEMA_READY_ENV, get_engine, schema_token, upgrade

    if fd is not None:
        with os.fdopen(fd, "rb") as pipe:
            token = pipe.read().decode()
        if token:
            os.environ[SCHEMA_READY_ENV] = token
    engine = get_engine()
    os.environ[SCHEMA_READY_ENV] = schema_token(engine, upgrade(engine))


def _record_lost(s, config, names, recorded, pid, started, code) -> list[CrawlRun]:
    """A failed run for each source the child died before opening a run for (a broken
    import, a bad setting), so `status` and the backoff see the failure."""
    from ingest.sources import SourcesError
    from store import runs
    from store.models import CrawlRun, utcnow

    try:
        wanted = [src.name for src in config.named(names)]
    except SourcesError:
        return []
    seen = {r.source for r in recorded}
    lost = [
        CrawlRun(
            source=name,
            pid=pid,
            host=runs.this_host(),
            started_at=started,
            finished_at=utcnow(),
            status="failed",
            message=f"crawl process exited {code} before it recorded a run (see its log)",
        )
        for name in wanted
        if name not in seen
    ]
    s.add_all(lost)
    s.commit()
    return lost


def run_in_this_process(source_names: list[str], schema_fd: int | None = None) -> int:
    """The child: one CrawlerProcess, one crawler per kind of source, run side by side."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from ingest.sources import load_sources
    from spiders.feeds import FeedsSpider
    from spiders.hf_models import HfModelsSpider
    from spiders.openrouter import OpenRouterSpider

    config = load_sources()
    named = config.named(source_names)
    # In the order of sources.toml, whatever the order asked: each run closes its sources in
    # one transaction, and crawls of the same sources on two hosts must lock their state
    # rows in one order, or each could wait for the other.
    chosen = [s for s in config.sources if s in named]
    settings = get_project_settings()
    settings.setmodule("ingest.settings", priority="project")
    # The parent prints the summary; Scrapy's INFO chatter is for debugging.
    settings.set("LOG_LEVEL", os.environ.get("TOOLSCOUT_LOG_LEVEL", "WARNING"), priority="cmdline")
    _receive_schema_token(schema_fd)
    process = CrawlerProcess(settings)
    hub = [s for s in chosen if s.kind == "hub"]
    if hub:
        process.crawl(
            HfModelsSpider,
            sources=hub,
            endpoint=config.hf_endpoint,
            page_size=config.page_size,
            since=config.since,
        )
    feeds = [s for s in chosen if s.kind in ("feed", "pages")]
    if feeds:
        process.crawl(
            FeedsSpider, sources=feeds, since=config.since, hub_endpoint=config.hf_endpoint
        )
    pricing = [s for s in chosen if s.kind == "pricing"]
    if pricing:
        process.crawl(OpenRouterSpider, sources=pricing)
    process.start()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    schema_fd = None
    if argv[:1] == [SCHEMA_FD_FLAG]:
        schema_fd, argv = int(argv[1]), argv[2:]
    return run_in_this_process(argv, schema_fd)


if __name__ == "__main__":
    sys.exit(main())
