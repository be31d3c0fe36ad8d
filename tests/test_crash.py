"""Crash safety and incremental runs: what a rerun leaves in the store.

An hourly run in which nothing changed costs one request per org and per feed and writes
nothing but its run record.

A crawl killed between two listing pages and run again must leave the store exactly as an
uninterrupted crawl does: the same candidates, variants, observations, documents and
watermarks, nothing twice, nothing lost, no watermark past what was committed. A
scheduler killed and restarted must neither run a source twice in one interval nor skip
an interval, also when the kill leaves its crawl running on its own.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from sqlmodel import Session, SQLModel, select

from ingest.crawl import crawl
from store.db import make_engine, upgrade
from store.models import (
    Candidate,
    CrawlError,
    CrawlRun,
    Document,
    Observation,
    SourceState,
    Variant,
)
from tests.conftest import FIXTURES, fresh_postgres_database

pytestmark = pytest.mark.crawl

DATA = Path(__file__).resolve().parent / "data"
# Crawl-owned bookkeeping that differs between any two runs by nature.
VOLATILE = {"id", "first_seen", "updated_at", "seen_at", "fetched_at"}
# Clock times inside stored JSON values (an offer's `seen_at`: since when its price held,
# and a candidate's fields that carry the offers): two stores built at different times
# differ in them and in nothing else.
NESTED_VOLATILE = {"seen_at"}


def _without_clocks(value):
    if isinstance(value, dict):
        return {k: _without_clocks(v) for k, v in value.items() if k not in NESTED_VOLATILE}
    if isinstance(value, list):
        return [_without_clocks(v) for v in value]
    return value


def rows(engine, model, key) -> dict:
    """Every row of a table as {natural key: the other columns}, ids and clocks left out."""
    with Session(engine) as s:
        slugs = dict(s.exec(select(Candidate.id, Candidate.slug)).all())
        found = {}
        for row in s.exec(select(model)):
            data = {k: _without_clocks(v) for k, v in row.model_dump().items() if k not in VOLATILE}
            if "candidate_id" in data:
                data["candidate_id"] = slugs.get(data["candidate_id"])
            if "duplicate_of" in data:
                data["duplicate_of"] = slugs.get(data["duplicate_of"])
            natural = tuple(data[k] for k in key)
            assert natural not in found, f"{model.__name__} {natural} twice"
            found[natural] = data
        return found


def store_dump(engine) -> dict:
    """What a crawl leaves behind, in a form two stores can be compared by."""
    with Session(engine) as s:
        marks = {st.source: st.watermark for st in s.exec(select(SourceState))}
    return {
        "candidates": rows(engine, Candidate, ("slug",)),
        "variants": rows(engine, Variant, ("repo_id",)),
        "observations": rows(
            engine, Observation, ("candidate_id", "field", "subject", "extractor")
        ),
        "documents": rows(engine, Document, ("url",)),
        "watermarks": marks,
    }


def other_database(request, db_url: str, tmp_path: Path) -> str:
    """A second empty database on the same backend, for the reference crawl."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'reference.db'}"
    return fresh_postgres_database(request.getfixturevalue("pg_server"))


def toolscout(*args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from ingest.cli import main; main()", *args]
    return subprocess.Popen(
        cmd, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def poll(what, timeout: float = 90.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"process exited {proc.returncode}: {proc.stdout.read()}")
        time.sleep(0.2)
    pytest.fail("timed out")


# -- an unchanged hourly run ------------------------------------------------------------
RUN_RECORD = {"crawl_run", "crawl_error", "source_state"}


def every_row(engine) -> dict[str, list]:
    """Every row of every table but the run record, every column, in a stable order."""
    found = {}
    with engine.connect() as conn:
        for name, table in SQLModel.metadata.tables.items():
            if name in RUN_RECORD or name == "alembic_version":
                continue
            found[name] = sorted(map(tuple, conn.execute(select(table))), key=repr)
    return found


def test_an_unchanged_run_costs_a_request_per_source_and_writes_only_its_run(
    hub_env, monkeypatch, db_url
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    hub_env.set_roots([FIXTURES / "hub", DATA / "feeds"])
    sources = ["hf:google", "hf:Qwen", "hf:microsoft", "feed:blog"]
    first = crawl(sources)
    assert [r.status for r in first.runs] == ["ok"] * 4
    engine = make_engine(db_url)
    before = every_row(engine)
    with Session(engine) as s:
        marks = {st.source: st.watermark for st in s.exec(select(SourceState))}
    hub_env.clear_log()

    again = crawl(sources)
    assert [r.status for r in again.runs] == ["ok"] * 4
    asked = [r for r in hub_env.request_log() if r["path"] != "/robots.txt"]
    per_source = {}
    for r in asked:
        author = dict(parse_qsl(r["query"])).get("author")
        per_source.setdefault(f"hf:{author}" if author else r["path"], []).append(r)
    assert sorted(per_source) == sorted(["hf:google", "hf:Qwen", "hf:microsoft", "/blog/feed.xml"])
    for source, requests in per_source.items():
        assert len(requests) == 1, (source, [q["query"] for q in requests])
        assert requests[0]["status"] in (200, 304) and "cursor=" not in requests[0]["query"]
    assert sum(r.not_modified for r in again.runs) == 4  # all four revalidated: 304
    assert sum(r.new_candidates + r.updated_candidates for r in again.runs) == 0
    assert every_row(engine) == before  # not a row touched, not even a timestamp
    with Session(engine) as s:
        assert {st.source: st.watermark for st in s.exec(select(SourceState))} == marks
    engine.dispose()


# -- a crawl killed between pages --------------------------------------------------------
@pytest.fixture
def hub_env(monkeypatch, replay):
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(DATA / "sources.faults.toml"))
    return replay


def test_a_crawl_killed_between_pages_then_rerun_equals_an_uninterrupted_one(
    request, hub_env, monkeypatch, db_url, tmp_path
):
    reference_url = other_database(request, db_url, tmp_path)
    monkeypatch.setenv("DATABASE_URL", reference_url)
    assert crawl(["hf:google"]).runs[0].status == "ok"
    reference = make_engine(reference_url)
    expected = store_dump(reference)
    reference.dispose()
    pages = [r for r in hub_env.request_log() if r["path"] == "/api/models"]
    assert len(pages) >= 3, "google's listing must span pages for this test"

    # The second listing page hangs; the crawl is killed once page 1 and its models are in.
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    hub_env.add_faults(
        [{"fault": "slow", "delay": 60, "match": "author=google.*cursor=", "times": 1}]
    )
    proc = toolscout("crawl", "hf:google")

    def page_one_stored():
        with Session(engine) as s:
            listing = s.exec(select(Document).where(Document.kind == "hf_listing")).all()
            variants = s.exec(select(Variant)).all()
            run = s.exec(select(CrawlRun)).first()
        return run if len(listing) == 1 and len(variants) >= 5 else None

    run = poll(page_one_stored, proc=proc)
    os.kill(run.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == 1
    with Session(engine) as s:
        killed = s.get(CrawlRun, run.id)
        partial = len(s.exec(select(Variant)).all())
        assert s.get(SourceState, "hf:google") is None  # nothing claimed past page 1
    assert killed.status == "killed" and "exited -9" in killed.message
    assert 5 <= partial < len(expected["variants"])

    hub_env.clear_faults()
    again = crawl(["hf:google"])
    assert again.runs[0].status == "ok", again.runs[0].message
    assert store_dump(engine) == expected
    engine.dispose()


# -- the scheduler killed and restarted --------------------------------------------------
INTERVAL = 6.0
SLACK = timedelta(seconds=1.5)  # process start-up varies between two runs


@pytest.fixture
def sched_env(monkeypatch, replay, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = tmp_path / "sources.toml"  # a request may take its time here
    sources.write_text((DATA / "sources.faults.toml").read_text().replace("timeout = 2", ""))
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    yield replay, engine
    engine.dispose()


def schedule() -> subprocess.Popen:
    return toolscout("schedule", "hf:microsoft", "--interval", str(INTERVAL), "--jitter", "0")


def all_runs(engine) -> list[CrawlRun]:
    with Session(engine) as s:
        return list(s.exec(select(CrawlRun).order_by(CrawlRun.started_at)))


def finished(engine, n: int):
    return lambda: (r := all_runs(engine)) and sum(x.status != "running" for x in r) >= n and r


def assert_spaced(runs: list[CrawlRun]) -> None:
    """No overlap, and never twice in one interval."""
    for before, after in zip(runs, runs[1:], strict=False):
        assert before.finished_at <= after.started_at, "runs overlap"
        gap = after.started_at - before.started_at
        assert gap >= timedelta(seconds=INTERVAL) - SLACK, f"ran twice in one interval: {gap}"


PLANNED = re.compile(r"^(\S+) INFO toolscout\.schedule: scheduled (\S+) every .*; first run (\S+)$")


def assert_planned_on_time(output: str, last: CrawlRun) -> None:
    """The restarted scheduler planned the source's next run one interval after the last
    run started (or at its own start, if that is later): not sooner, so nothing runs twice
    in one interval, and not later, so no interval is skipped. Read from its log, because
    a crawl's start-up time on a busy machine is no measure of the schedule."""
    planned = [m.groups() for m in map(PLANNED.match, output.splitlines()) if m]
    assert len(planned) == 1, output
    logged, source, first = planned[0]
    logged_at = datetime.strptime(logged, "%Y-%m-%dT%H:%M:%S%z")
    first_run = datetime.fromisoformat(first)
    due = last.started_at + timedelta(seconds=INTERVAL)
    second = timedelta(seconds=1)  # both are logged to the second
    assert source == last.source
    assert due - second <= first_run <= max(due, logged_at) + second, (due, logged_at, first)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    return output


def test_a_killed_scheduler_restarted_keeps_the_cadence(sched_env):
    _, engine = sched_env
    proc = schedule()
    poll(finished(engine, 2), proc=proc)
    kill(proc)  # between runs: nothing is running
    last = all_runs(engine)[-1]
    proc = schedule()
    poll(finished(engine, 4), proc=proc)
    output = stop(proc)
    runs = all_runs(engine)
    assert [r.status for r in runs] == ["ok"] * len(runs)
    assert_spaced(runs)
    assert_planned_on_time(output, last)


def test_a_scheduler_killed_mid_crawl_lets_that_crawl_count(sched_env):
    replay, engine = sched_env
    # Every listing answers after 1.5 s, so the kill lands while a crawl is running.
    replay.add_faults([{"fault": "slow", "delay": 1.5, "match": "author=microsoft", "times": -1}])
    proc = schedule()
    poll(finished(engine, 1), proc=proc)
    poll(lambda: [r for r in all_runs(engine) if r.status == "running"], proc=proc)
    kill(proc)  # its crawl runs on in its own process group and records its run
    orphan = all_runs(engine)[-1]
    proc = schedule()
    poll(finished(engine, 4), proc=proc)
    output = stop(proc)
    runs = all_runs(engine)
    assert [r.status for r in runs] == ["ok"] * len(runs), [(r.status, r.message) for r in runs]
    assert len({r.pid for r in runs}) == len(runs)
    assert orphan.status == "running" and orphan.id in {r.id for r in runs}
    assert_spaced(runs)
    assert_planned_on_time(output, orphan)


def test_a_restarted_scheduler_does_not_start_a_crawl_its_killed_predecessor_left_running(
    sched_env,
):
    replay, engine = sched_env
    # The first crawl's listing takes 15 s, five intervals of 3 s.
    replay.add_faults([{"fault": "slow", "delay": 15, "match": "author=microsoft", "times": 1}])
    args = ("schedule", "hf:microsoft", "--interval", "3", "--jitter", "0")
    proc = toolscout(*args)
    poll(lambda: [r for r in all_runs(engine) if r.status == "running"], proc=proc)
    kill(proc)
    proc = toolscout(*args)  # due at once by the clock, but that crawl is still going
    poll(finished(engine, 3), proc=proc)
    stop(proc)
    runs = all_runs(engine)
    assert [r.status for r in runs] == ["ok"] * len(runs)
    for before, after in zip(runs, runs[1:], strict=False):
        assert before.finished_at <= after.started_at, "two crawls of one source at once"


# -- a crawl killed while its article pages or its price list load ------------------------
@pytest.fixture
def web_env(monkeypatch, replay):
    replay.set_roots([FIXTURES / "hub", FIXTURES / "web"])
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(FIXTURES / "sources.demo.toml"))
    return replay


def kill_pids(engine, who: str, crawl_proc: subprocess.Popen, run: CrawlRun) -> None:
    """SIGKILL the crawl child, or the child and the `toolscout crawl` that started it."""
    os.kill(run.pid, signal.SIGKILL)
    if who == "both":
        crawl_proc.kill()
    crawl_proc.wait(timeout=60)


@pytest.mark.parametrize(
    ("source", "hang", "stored_before_kill", "who"),
    [
        # the index is stored and one article page is in; the next hangs
        ("pages:mistral-news", r"^/news/magistral", ("index", "page"), "child"),
        ("pages:mistral-news", r"^/news/magistral", ("index", "page"), "both"),
        # the price list hangs: nothing of this run is stored yet but its run
        ("pricing:openrouter", r"^/api/v1/models", (), "child"),
        ("pricing:openrouter", r"^/api/v1/models", (), "both"),
    ],
    ids=["pages-child", "pages-both", "pricing-child", "pricing-both"],
)
def test_a_crawl_killed_at_any_stage_then_rerun_loses_nothing(
    request, web_env, monkeypatch, db_url, tmp_path, source, hang, stored_before_kill, who
):
    reference_url = other_database(request, db_url, tmp_path)
    monkeypatch.setenv("DATABASE_URL", reference_url)
    # The Hub first, in both stores: announcements and prices join its releases.
    hub = ["hf:mistralai"]
    assert crawl(hub).runs[0].status == "ok"
    assert crawl([source]).runs[0].status == "ok"
    reference = make_engine(reference_url)
    expected = store_dump(reference)
    reference.dispose()

    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    assert crawl(hub).runs[0].status == "ok"
    web_env.add_faults([{"fault": "slow", "delay": 60, "match": hang, "times": 1}])
    proc = toolscout("crawl", source)

    def at_the_hang():
        with Session(engine) as s:
            kinds = [d.kind for d in s.exec(select(Document).where(Document.source == source))]
            run = s.exec(select(CrawlRun).where(CrawlRun.source == source)).first()
        hung = [r for r in web_env.request_log() if re.match(hang, r["path"])]
        return run if hung and all(k in kinds for k in stored_before_kill) else None

    run = poll(at_the_hang, proc=proc)
    kill_pids(engine, who, proc, run)
    web_env.clear_faults()
    again = crawl([source])
    assert again.runs[0].status == "ok", again.runs[0].message
    with Session(engine) as s:
        killed = s.get(CrawlRun, run.id)
    assert killed.status == "killed", (killed.status, killed.message)
    assert store_dump(engine) == expected
    engine.dispose()


def test_a_run_ended_by_its_time_limit_says_what_it_waited_on(web_env, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    web_env.add_faults([{"fault": "slow", "delay": 60, "match": r"^/news/magistral", "times": 1}])
    outcome = crawl(["pages:mistral-news"], time_limit=4)
    (run,) = outcome.runs
    assert outcome.killed and run.status == "partial"
    assert run.message.startswith("crawl ended: time limit reached; waiting on ")
    assert "/news/magistral" in run.message


# A feed spider whose article callback fails as a page nested past the parser's stack once
# made it fail: the failure must be the run's error and the document's, and the page is
# read again by the next run.
RAISING_SPIDER = """
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from spiders.feeds import FeedsSpider

class RaisingFeedsSpider(FeedsSpider):
    name = "raising_feeds"

    def parse_page(self, response, entry_key):
        if "/news/magistral" in response.url:
            raise RecursionError("maximum recursion depth exceeded")
        yield from super().parse_page(response, entry_key)

settings = get_project_settings()
settings.setmodule("ingest.settings", priority="project")
process = CrawlerProcess(settings)
process.crawl(RaisingFeedsSpider, sources="pages:mistral-news")
process.start()
"""


def test_a_callback_that_raises_is_recorded_and_its_page_read_again(web_env, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    script = tmp_path / "raising_spider.py"  # Scrapy reads a callback's source
    script.write_text(RAISING_SPIDER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    engine = make_engine(url)
    with Session(engine) as s:
        (run,) = s.exec(select(CrawlRun)).all()
        errors = s.exec(select(CrawlError)).all()
        page = s.exec(select(Document).where(Document.url.contains("/news/magistral"))).one()
    assert run.status == "partial"
    assert [e.reason for e in errors] == [
        "callback failed: RecursionError: maximum recursion depth exceeded"
    ]
    assert page.error == errors[0].reason
    web_env.clear_log()
    again = crawl(["pages:mistral-news"])
    assert again.runs[0].status == "ok", again.runs[0].message
    assert [r["path"] for r in web_env.request_log() if r["path"].startswith("/news/magistral")]
    with Session(engine) as s:
        page = s.exec(select(Document).where(Document.url.contains("/news/magistral"))).one()
    assert page.error is None
    engine.dispose()
