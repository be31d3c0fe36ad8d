"""The scheduler, end to end: `toolscout schedule` in its own process, real crawls of the
replay server, runs read back from the store.

Only order, count and overlap are asserted, never speed: a run must not start before the
previous one ended, nor earlier than one interval after the previous start (less a little
for process start-up), and a restart neither repeats nor skips a run. SQLite only: the
backend does not matter to the scheduler, and each test takes seconds of wall time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from store.db import make_engine, upgrade
from store.models import CrawlRun

pytestmark = pytest.mark.crawl

INTERVAL = 5.0
SLACK = timedelta(seconds=1.5)  # process start-up varies between two runs


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def engine(crawl_env, db_url):
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def start(*args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from ingest.cli import main; main()", "schedule", *args]
    return subprocess.Popen(
        cmd, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(proc: subprocess.Popen, timeout: float = 60) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, output
    return output


def all_runs(engine) -> list[CrawlRun]:
    with Session(engine) as s:
        return list(s.exec(select(CrawlRun).order_by(CrawlRun.started_at)))


def wait_for(engine, proc, predicate, timeout: float = 90) -> list[CrawlRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = all_runs(engine)
        if predicate(rows):
            return rows
        if proc.poll() is not None:
            pytest.fail(f"scheduler exited {proc.returncode}: {proc.stdout.read()}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"timed out; runs: {[(r.id, r.status) for r in all_runs(engine)]}")


def finished(n: int):
    return lambda rows: sum(r.status != "running" for r in rows) >= n


def assert_spaced(rows: list[CrawlRun]) -> None:
    for before, after in zip(rows, rows[1:], strict=False):
        assert before.finished_at <= after.started_at, "runs overlap"
        assert after.started_at - before.started_at >= timedelta(seconds=INTERVAL) - SLACK, (
            "ran twice in one interval"
        )


def test_runs_on_its_interval_without_overlap_and_survives_a_restart(engine):
    args = ("hf:google", "--interval", str(INTERVAL), "--jitter", "0")
    proc = start(*args)
    wait_for(engine, proc, finished(3))
    output = stop(proc)
    rows = all_runs(engine)
    assert all(r.status == "ok" and r.source == "hf:google" for r in rows), output
    assert len(rows) >= 3
    assert_spaced(rows)
    assert output.count("hf:google ok:") == len(rows)  # one log line per run
    # Restarted at once, it waits for the interval since the last start: no second run in
    # that interval, and no skipped one (the next run comes).
    before = len(rows)
    proc = start(*args)
    wait_for(engine, proc, finished(before + 1))
    stop(proc)
    rows = all_runs(engine)
    assert all(r.status == "ok" for r in rows)
    assert_spaced(rows)


def test_sigterm_stops_a_running_crawl_cleanly(engine, crawl_env):
    # The listing answers slowly, so the stop comes while the crawl is running.
    crawl_env.add_faults([{"fault": "slow", "match": "author=google", "delay": 4, "times": -1}])
    proc = start("hf:google", "--interval", "60", "--stop-timeout", "0")
    wait_for(engine, proc, lambda rows: any(r.status == "running" for r in rows))
    output = stop(proc)
    rows = all_runs(engine)
    assert rows and not [r for r in rows if r.status == "running"], output
    assert all(r.message and r.message.startswith("interrupted:") for r in rows), [
        (r.status, r.message) for r in rows
    ]
    # The cut-short run is due again at once on the next start, and does not alarm.
    from store.health import source_health

    with Session(engine) as s:
        h = source_health(s, "hf:google", 60)
    assert h.health == "never run" and h.failures == 0


def test_a_crawl_process_that_dies_before_its_runs_start_is_recorded(engine, monkeypatch):
    """A child that cannot even start (here: a log level Scrapy rejects) fails its sources,
    so the backoff and `status --check` see it instead of silence."""
    from ingest.crawl import crawl
    from store.health import source_health

    monkeypatch.setenv("TOOLSCOUT_LOG_LEVEL", "LOUD")
    outcome = crawl(["hf:google", "hf:Qwen"])
    assert outcome.exit_code != 0
    assert {(r.source, r.status) for r in outcome.runs} == {
        ("hf:google", "failed"),
        ("hf:Qwen", "failed"),
    }
    assert all("before it recorded a run" in r.message for r in outcome.runs)
    with Session(engine) as s:
        h = source_health(s, "hf:google", 3600)
    assert h.health == "unhealthy" and h.failures == 1 and h.backoff_until is not None


def test_a_run_whose_crawl_and_parent_both_died_is_closed_by_the_next_crawl(engine):
    """A reboot kills a crawl and the scheduler that would have marked its run: the next
    crawl of that source closes it. A run whose process is still a crawl, and a run of a
    source this crawl did not touch, are left alone."""
    from ingest.crawl import crawl
    from store.models import utcnow
    from store.runs import this_host

    here = this_host()
    gone = subprocess.Popen(["true"])
    gone.wait()
    # A process whose command line names the crawl module, as a live crawl's does.
    live = subprocess.Popen(["sh", "-c", "sleep 60", "ingest.crawl"])
    try:
        long_ago = utcnow() - timedelta(hours=2)
        with Session(engine) as s:
            rows = [
                CrawlRun(source="hf:google", pid=gone.pid, started_at=long_ago, host=here),
                CrawlRun(source="hf:google", pid=live.pid, started_at=long_ago, host=here),
                CrawlRun(source="hf:Qwen", pid=gone.pid, started_at=long_ago, host=here),
                # Another host's run: its pid means nothing here.
                CrawlRun(source="hf:google", pid=gone.pid, started_at=long_ago, host="b"),
            ]
            s.add_all(rows)
            s.commit()
            ids = [r.id for r in rows]
        outcome = crawl(["hf:google"])
        assert outcome.exit_code == 0
        with Session(engine) as s:
            dead, going, other, elsewhere = (s.get(CrawlRun, i) for i in ids)
        assert (dead.status, going.status, other.status) == ("killed", "running", "running")
        assert elsewhere.status == "running"
        assert dead.message.startswith("abandoned:") and dead.finished_at is not None
    finally:
        live.kill()
        live.wait()
