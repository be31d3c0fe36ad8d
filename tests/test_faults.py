"""Fault tolerance, end to end: real crawls against the replay server's fault injection.

Every fault the internet throws is injected on one URL while the rest of the run is
served normally. Each must fail alone: one error recorded against its URL with a reason
that says what happened, every other document stored, the source's run `partial` and its
watermark held back (so the next run does it again), the other sources untouched. Faults
that pass (a 500 that is gone on retry, one reset connection) must cost nothing but the
retry. 429s are in test_crawl_hub.py (Retry-After and RateLimit on model info).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from ingest.crawl import crawl
from store.db import make_engine, upgrade
from store.models import CrawlError, CrawlRun, FeedEntry, SourceState, Variant
from tests.conftest import FIXTURES

pytestmark = pytest.mark.crawl

DATA = Path(__file__).resolve().parent / "data"
SOURCES = DATA / "sources.faults.toml"
HUB_SOURCES = ["hf:google", "hf:Qwen", "hf:microsoft"]
SINCE = "2023-06-01"  # sources.faults.toml's [hub] since
FEED = "/blog/feed.xml"


def card(repo: str) -> str:
    """The replay-server path of a model's README, as a fault's `match` regex."""
    return f"^/{repo}/raw/main/README\\.md\\?"


@pytest.fixture
def env(monkeypatch, replay, db_url):
    replay.set_roots([FIXTURES / "hub", DATA / "feeds"])
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(SOURCES))
    monkeypatch.setenv("DATABASE_URL", db_url)
    return replay


@pytest.fixture
def engine(env, db_url):
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def expected_repos(orgs: list[str]) -> set[str]:
    """Every fixture repo of these orgs that a first crawl stores (created since `since`)."""
    found = set()
    for org in orgs:
        for path in (FIXTURES / "hub" / "models" / org).glob("*.json"):
            model = json.loads(path.read_text())
            if model["createdAt"] >= SINCE:
                found.add(model["id"])
    return found


def stored_repos(engine) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(Variant.repo_id)))


def errors_by_path(engine, replay) -> dict[str, list[CrawlError]]:
    found: dict[str, list[CrawlError]] = {}
    with Session(engine) as s:
        for e in s.exec(select(CrawlError)):
            found.setdefault(e.url.removeprefix(replay.url), []).append(e)
    return found


def hits(replay, path: str) -> list[dict]:
    return [r for r in replay.request_log() if r["path"] == path]


def settled_hits(replay, path: str, n: int, within: float = 15.0) -> list[dict]:
    """The requests of `path` once `n` are logged: a request that timed out on our side is
    logged by the server only when its slow answer is finally sent."""
    deadline = time.monotonic() + within
    while len(found := hits(replay, path)) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


# -- many faults at once, each on its own URL -------------------------------------------
# (fault rule, the path it breaks, its source, a fragment of the recorded reason, attempts)
FAULTS = [
    (
        {"fault": "500"},
        "/google/gemma-3-1b-it/raw/main/README.md",
        "hf:google",
        "HTTP 500 after 2 retries",
        3,
    ),
    (  # longer than sources.faults.toml's 2 s request timeout
        {"fault": "slow", "delay": 4},
        "/google/gemma-3-1b-pt/raw/main/README.md",
        "hf:google",
        "timeout",
        None,
    ),
    (
        {"fault": "reset"},
        "/google/gemma-3-4b-it/raw/main/README.md",
        "hf:google",
        "ConnectionLost",
        None,
    ),
    (  # Content-Length promises more than arrives before the connection closes
        {"fault": "truncate"},
        "/google/gemma-3-4b-pt/raw/main/README.md",
        "hf:google",
        "ResponseDataLossError",
        3,
    ),
    # (A README cut short with a consistent Content-Length cannot be told from a short
    # one; the same fault on a listing page, where the JSON parser tells, is
    # test_crawl_hub's test_truncated_listing_page_fails_alone.)
    (  # 20 MB, over DOWNLOAD_MAXSIZE (16 MiB): refused from its Content-Length
        {"fault": "big", "size": 20 * 1024 * 1024},
        "/google/gemma-3-12b-pt/raw/main/README.md",
        "hf:google",
        "larger than download max size",
        1,
    ),
    (  # URL → URL?_hop=1 → URL: two requests, both on this path
        {"fault": "redirect_loop"},
        "/Qwen/Qwen3-8B/raw/main/README.md",
        "hf:Qwen",
        "redirect loop",
        2,
    ),
    (
        {"fault": "redirect_loop", "mode": "self"},
        "/Qwen/Qwen3-0.6B/raw/main/README.md",
        "hf:Qwen",
        "redirect loop",
        1,
    ),
    ({"fault": "html"}, "/Qwen/Qwen3-4B/raw/main/README.md", "hf:Qwen", "served as text/html", 1),
    (  # still rate-limited after RATELIMIT_MAX_RETRIES (5) polite waits of t+1 s
        {"fault": "429", "ratelimit_t": 0},
        "/Qwen/Qwen3-32B/raw/main/README.md",
        "hf:Qwen",
        "HTTP 429 after 5 retries",
        6,
    ),
    (  # feedparser would return the entries before the cut as a whole, clean feed
        {"fault": "truncate_clean"},
        FEED,
        "feed:blog",
        "truncated XML: the document ends before </rss>",
        3,
    ),
]


def test_each_fault_fails_alone_and_the_next_run_completes(engine, env):
    env.add_faults([{**rule, "match": f"^{path}\\?", "times": -1} for rule, path, *_ in FAULTS])
    outcome = crawl([*HUB_SOURCES, "feed:blog"])
    assert outcome.exit_code == 0
    runs = {r.source: r for r in outcome.runs}

    errors = errors_by_path(engine, env)
    for rule, path, source, reason, attempts in FAULTS:
        assert len(errors.get(path, [])) == 1, (rule, path, errors.get(path))
        error = errors[path][0]
        assert error.source == source and error.run_id == runs[source].id
        assert reason in error.reason, (rule, error.reason)
        if attempts is not None:
            assert len(hits(env, path)) == attempts, rule
    assert set(errors) == {path for _, path, *_ in FAULTS}  # nothing else failed

    # Every model is stored from its listing page; a lost README only costs its prose.
    wanted = expected_repos(["google", "Qwen", "microsoft"])
    assert stored_repos(engine) == wanted
    with Session(engine) as s:
        carded = set(s.exec(select(Variant.repo_id).where(Variant.info_sha.is_not(None))))
    broken = {path.split("/raw/")[0].lstrip("/") for _, path, *_ in FAULTS if path != FEED}
    assert not carded & broken
    faulted = Counter(source for _, _, source, *_ in FAULTS)
    assert {s: r.errors for s, r in runs.items()} == {s: faulted[s] for s in runs}
    # partial: the rest was stored; failed: the source's only document was lost
    assert {s: r.status for s, r in runs.items()} == {
        "hf:google": "partial",
        "hf:Qwen": "partial",
        "hf:microsoft": "ok",
        "feed:blog": "failed",
    }
    # the run's message names its first error: a URL and why
    first_url, _, why = runs["hf:google"].message.partition(": ")
    assert first_url.removeprefix(env.url) in {p for _, p, s, *_ in FAULTS if s == "hf:google"}
    assert why
    with Session(engine) as s:
        marks = {st.source: st.watermark for st in s.exec(select(SourceState))}
        assert not s.exec(select(FeedEntry)).all()  # nothing of the cut feed is kept
    # A source that lost a document does not advance: the next run does it again.
    assert marks.get("hf:google") is None and marks.get("hf:Qwen") is None
    assert marks["hf:microsoft"] is not None

    env.clear_faults()
    again = crawl([*HUB_SOURCES, "feed:blog"])
    assert {r.source: r.status for r in again.runs} == dict.fromkeys(runs, "ok")
    assert stored_repos(engine) == wanted
    with Session(engine) as s:  # the next run fetched the lost READMEs (the card backlog)
        carded = set(s.exec(select(Variant.repo_id).where(Variant.info_sha.is_not(None))))
    assert broken <= carded
    with Session(engine) as s:
        assert len(s.exec(select(FeedEntry)).all()) == 3
        assert s.get(SourceState, "hf:google").watermark is not None
        assert not s.exec(
            select(CrawlError).where(CrawlError.run_id.in_([r.id for r in again.runs]))
        ).all()


# -- faults that pass: retried, and they cost nothing else --------------------------------
PASSING = [
    # (fault rule with times, the path it hits, statuses the server answered)
    ({"fault": "500", "times": 2}, "/microsoft/phi-4/raw/main/README.md", [500, 500, 200]),
    ({"fault": "503", "times": 1}, "/api/models", [503, 200]),  # the listing page
    ({"fault": "reset", "times": 1}, "/microsoft/phi-4/raw/main/README.md", [None, 200]),
    (
        {"fault": "truncate", "times": 1},
        "/microsoft/Phi-4-mini-instruct/raw/main/README.md",
        [200, 200],
    ),
    ({"fault": "slow", "delay": 4, "times": 1}, "/microsoft/phi-4/raw/main/README.md", [200, 200]),
    ({"fault": "truncate_clean", "times": 1}, FEED, [200, 200]),
    ({"fault": "429", "retry_after": 1, "times": 1}, FEED, [429, 200]),
]


# A retried request never reaches the store: one backend is enough.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@sqlite_only
@pytest.mark.parametrize(
    ("rule", "path", "statuses"), PASSING, ids=[f"{r['fault']}-{p}" for r, p, _ in PASSING]
)
def test_a_passing_fault_is_retried_and_the_run_is_clean(engine, env, rule, path, statuses):
    env.add_faults([{**rule, "match": f"^{path}\\?"}])
    outcome = crawl(["hf:microsoft", "feed:blog"])
    assert [r.status for r in outcome.runs] == ["ok", "ok"], [r.message for r in outcome.runs]
    seen = [h["status"] for h in settled_hits(env, path, len(statuses))]
    # a reset on a kept-alive connection may be retried by the HTTP client itself first
    assert seen[-len(statuses) :] == statuses and set(seen[: -len(statuses)]) <= {None}, seen
    assert stored_repos(engine) == expected_repos(["microsoft"])
    with Session(engine) as s:
        assert len(s.exec(select(FeedEntry)).all()) == 3
        assert not s.exec(select(CrawlError)).all()
    if rule["fault"] == "429":
        answered = hits(env, path)
        assert answered[-1]["time"] - answered[-2]["time"] >= rule["retry_after"]


# -- a body that says the wrong charset ----------------------------------------------------
@sqlite_only
def test_a_wrong_charset_header_does_not_garble_the_text(engine, env):
    # The feed is UTF-8 (its XML prolog says so) but served as ISO-8859-1: believed, every
    # ’ and – would be stored as mojibake (â€™), with no error anywhere.
    env.add_faults([{"fault": "wrong_charset", "match": f"^{FEED}\\?", "times": -1}])
    outcome = crawl(["feed:blog"])
    assert outcome.runs[0].status == "ok"
    assert hits(env, FEED)[0]["fault"] == "wrong_charset"
    with Session(engine) as s:
        titles = {e.title for e in s.exec(select(FeedEntry))}
        summaries = " ".join(e.summary or "" for e in s.exec(select(FeedEntry)))
    assert (
        "Welcome Gemma 3: Google\u2019s multimodal, multilingual, long-context open model" in titles
    )
    assert "\u2014" in summaries and "\u2013" in summaries
    assert "\u00e2\u20ac" not in " ".join(titles) + summaries


@sqlite_only
def test_a_run_record_says_what_failed(engine, env):
    """A failed fetch is visible in the run and in `status` with its URL and reason."""
    env.add_faults([{"fault": "500", "match": card("microsoft/phi-4"), "times": -1}])
    crawl(["hf:microsoft"])
    with Session(engine) as s:
        run = s.exec(select(CrawlRun)).one()
    assert run.status == "partial" and run.errors == 1 and run.items == 3
    assert run.message == f"{env.url}/microsoft/phi-4/raw/main/README.md: HTTP 500 after 2 retries"


@sqlite_only
def test_status_check_fails_while_a_source_is_broken_and_passes_once_it_recovers(engine, env):
    from typer.testing import CliRunner

    from ingest.cli import app

    def check():
        return CliRunner().invoke(app, ["status", "--check"])

    env.add_faults([{"fault": "500", "match": r"^/api/models\?author=Qwen", "times": -1}])
    crawl(["hf:Qwen", "hf:microsoft"])
    broken = check()
    assert broken.exit_code == 1, broken.output
    assert "hf:Qwen: unhealthy: last run failed" in broken.output
    assert "HTTP 500" in broken.output and "hf:microsoft" not in broken.output

    # Every configured source must have run for the check to pass (a source that never
    # ran is unhealthy too): the broken one again, and the two not crawled yet.
    never_ran = check()
    assert never_ran.exit_code == 1 and "hf:google: never run" in never_ran.output
    env.clear_faults()
    crawl(["hf:Qwen", "hf:google", "feed:blog"])
    recovered = check()
    assert recovered.exit_code == 0, recovered.output
