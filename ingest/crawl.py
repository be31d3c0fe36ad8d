"""Running crawls: a child process per crawl, with a hard time limit, as Scrapyd does.

Scrapy's reactor cannot be restarted inside one process, and a crawl that hangs must not
hang the scheduler, so `crawl()` starts `python -m ingest.crawl SOURCE…` and waits. The
child records its own runs; if it dies or runs out of time, the parent marks what it left
'running' as killed. `main()` is the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime

from store import runs
from store.db import get_engine, session, upgrade
from store.models import CrawlRun, utcnow

DEFAULT_TIME_LIMIT_S = 3600.0


@dataclass(slots=True)
class CrawlOutcome:
    exit_code: int
    seconds: float
    runs: list[CrawlRun]
    killed: bool = False


def crawl(source_names: list[str], time_limit: float | None = None) -> CrawlOutcome:
    """Crawl the named sources in a child process; return the runs it recorded."""
    from ingest.sources import load_sources

    config = load_sources()
    limit = time_limit or config.crawl.get("TOOLSCOUT_TIME_LIMIT") or DEFAULT_TIME_LIMIT_S
    upgrade(get_engine())
    started: datetime = utcnow()
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "ingest.crawl", *source_names]
    proc = subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True)
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
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        raise
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
    return CrawlOutcome(code, time.monotonic() - t0, recorded, killed)


def _record_lost(s, config, names, recorded, pid, started, code) -> list[CrawlRun]:
    """A failed run for each source the child died before opening a run for (a broken
    import, a bad setting), so `status` and the backoff see the failure."""
    from ingest.sources import SourcesError

    try:
        wanted = [src.name for src in config.named(names)]
    except SourcesError:
        return []
    seen = {r.source for r in recorded}
    lost = [
        CrawlRun(
            source=name,
            pid=pid,
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


def run_in_this_process(source_names: list[str]) -> int:
    """The child: one CrawlerProcess, one crawler per kind of source, run side by side."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from ingest.sources import load_sources
    from spiders.feeds import FeedsSpider
    from spiders.hf_models import HfModelsSpider
    from spiders.openrouter import OpenRouterSpider

    config = load_sources()
    chosen = config.named(source_names)
    settings = get_project_settings()
    settings.setmodule("ingest.settings", priority="project")
    # The parent prints the summary; Scrapy's INFO chatter is for debugging.
    settings.set("LOG_LEVEL", os.environ.get("TOOLSCOUT_LOG_LEVEL", "WARNING"), priority="cmdline")
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
    return run_in_this_process(argv)


if __name__ == "__main__":
    sys.exit(main())
