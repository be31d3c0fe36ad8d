"""Two writers, one PostgreSQL: crawls on several hosts converge on the serial result.

Past one machine, crawl jobs on several hosts write to one shared PostgreSQL (see Scale in
ARCHITECTURE.md). Here three `toolscout crawl` processes start at once on a fresh database:
two on disjoint source sets that still touch the same releases (derivative orgs quantizing
the other writer's models, feeds announcing them, the price list naming them), and one on
a set overlapping both, so the same listings, feed entries and prices are written twice at
the same moment. The same three crawls run one after another into another fresh database
give the reference. The stores must be equal, ids, clocks and row order aside, as many
cards must have been fetched (each by the writer that claimed it, store.card_claims), and
no process may report an error (a unique violation, a deadlock, a failed migration).

The race is repeated with the interleaving changed by the replay server: the second time,
the originals' listings are slowed down so derivatives, feeds and prices land first.

The races found that way are also played out alone: processes migrating a new database at
once; and step by step, with one writer's transaction held open until the other waits on
its lock: two runs of one source closing at once, two feeds announcing one new release at
once, a feed announcing a release while the Hub crawl of another host stores it (either
first), two Hub crawls storing one page (one of them claims its cards), and an
announcement PostgreSQL picks to break a deadlock.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from fixtures.replay import ReplayServer
from ingest.observe import judge_entry
from store import announce, runs
from store.batch import apply_page
from store.db import make_engine, upgrade
from store.models import (
    Candidate,
    CrawlError,
    CrawlRun,
    Document,
    FeedEntry,
    Observation,
    ProviderPrice,
    SourceState,
    Variant,
)
from tests.clocks import VOLATILE, without_clocks
from tests.conftest import FIXTURES, fresh_postgres_database

pytestmark = [pytest.mark.crawl, pytest.mark.postgres]

TOOLSCOUT = [str(Path(sys.executable).with_name("toolscout"))]
# A and B are disjoint yet meet in the store: B's derivative orgs (unsloth, mlx-community,
# bartowski, NousResearch) build on A's google and meta-llama, A's (lmstudio-community,
# textcraft-labs) on B's Qwen; B's feeds announce A's releases and A's feed B's.
WRITER_A = [
    "hf:google", "hf:meta-llama", "hf:mistralai", "hf:HuggingFaceTB",
    "hf:lmstudio-community", "hf:textcraft-labs",
    "feed:ai-weekly", "pricing:openrouter",
]  # fmt: skip
WRITER_B = [
    "hf:Qwen", "hf:deepseek-ai", "hf:microsoft",
    "hf:unsloth", "hf:mlx-community", "hf:bartowski", "hf:NousResearch", "hf:mirrorhub-ai",
    "feed:hf-blog", "feed:google-developers", "feed:gemma-releases",
    "feed:llama-models-releases", "pages:mistral-news",
]  # fmt: skip
# C writes what A and B write, at the same time: an org and a derivative org of each, a
# feed of each, the price list.
WRITER_C = [
    "hf:google", "hf:Qwen", "hf:unsloth", "hf:lmstudio-community",
    "feed:gemma-releases", "feed:ai-weekly", "feed:hf-blog", "pricing:openrouter",
]  # fmt: skip
WRITERS = {"a": WRITER_A, "b": WRITER_B, "c": WRITER_C}
# Crawl bookkeeping that differs between any two runs by nature.
# Why a release was first queued names whoever came first (its Hub org, or a feed that
# announced it before any repo), as `first_seen` dates it: serial runs in another order
# differ there too. Whether it is queued (`notable`) is compared.
FIRST_COMER = ("queued_reason", "notability")
# Lines of a crawl process's stderr that are a finding, and those that say where (which
# statement, which key); the fixtures' own faults (a 404 page, one too big) are warnings.
PROBLEM = re.compile(
    r"Traceback|\bERROR\b|IntegrityError|UniqueViolation|unique constraint|deadlock|"
    r"SerializationFailure|could not serialize|OperationalError|ProgrammingError",
    re.I,
)
WHERE = re.compile(r"^(DETAIL|\[SQL|\[parameters|CONTEXT)")


@dataclass
class Finished:
    writer: str
    code: int
    stdout: str
    stderr: str


def run_writers(env: dict, order: list[str]) -> list[Finished]:
    """Start one `toolscout crawl` per writer back to back, then wait for all of them."""
    procs = {
        name: subprocess.Popen(
            [*TOOLSCOUT, "crawl", *WRITERS[name]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in order
    }
    done = []
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=240)
        done.append(Finished(name, proc.returncode, out, err))
    return done


def problems(finished: list[Finished]) -> list[str]:
    """What the writers reported that is a finding, with the lines that say where."""
    found = []
    for f in finished:
        if f.code != 0:
            found.append(f"writer {f.writer} exited {f.code}:\n{f.stderr[-3000:]}")
        lines = f.stderr.splitlines()
        if any(PROBLEM.search(line) for line in lines):
            found += [
                f"writer {f.writer}: {line[:400]}"
                for line in lines
                if PROBLEM.search(line) or WHERE.search(line)
            ]
    return found


def _canonical(value):
    """JSON-able value with every list sorted: row order and list order are not compared."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in without_clocks(value).items()}
    if isinstance(value, list | tuple):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def _rows(session: Session, model, key: tuple[str, ...], slugs: dict, drop=()) -> dict:
    found: dict = {}
    for row in session.exec(select(model)):
        data = {k: v for k, v in row.model_dump().items() if k not in VOLATILE | set(drop)}
        for ref in ("candidate_id", "duplicate_of"):
            if ref in data:
                data[ref] = slugs.get(data[ref])
        natural = tuple(data[k] for k in key)
        assert natural not in found, f"{model.__name__} {natural} stored twice"
        found[natural] = _canonical(data)
    return found


def store(url: str) -> tuple[dict[str, dict], set[tuple[str, str]]]:
    """What the crawls left, by table, keyed by natural key; and (source, status) of the runs."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            slugs = dict(s.exec(select(Candidate.id, Candidate.slug)).all())
            dump = {
                "candidate": _rows(s, Candidate, ("slug",), slugs, drop=FIRST_COMER),
                "variant": _rows(s, Variant, ("repo_id",), slugs),
                "observation": _rows(
                    s, Observation, ("candidate_id", "field", "subject", "extractor"), slugs
                ),
                "feed_entry": _rows(s, FeedEntry, ("source", "entry_key"), slugs),
                "provider_price": _rows(s, ProviderPrice, ("source", "model_id"), slugs),
                # Which source stored a URL last is whoever came last; the content is not.
                "document": _rows(s, Document, ("url",), slugs, drop=("source",)),
                "watermark": {(st.source,): st.watermark for st in s.exec(select(SourceState))},
                "crawl_error": {
                    (e.source, e.url, e.reason): True for e in s.exec(select(CrawlError))
                },
                # Each card is fetched once, by whichever writer claimed it first.
                "cards": {("fetched",): sum(r.cards for r in s.exec(select(CrawlRun)))},
            }
            runs = {(r.source, r.status) for r in s.exec(select(CrawlRun))}
    finally:
        engine.dispose()
    return dump, runs


def differences(got: dict, want: dict, limit: int = 6) -> list[str]:
    """Readable differences between two stores, a few per table."""
    lines = []
    for table in want:
        a, b = got[table], want[table]
        missing = [k for k in b if k not in a]
        extra = [k for k in a if k not in b]
        changed = [k for k in b if k in a and a[k] != b[k]]
        lines += [f"{table} {k}: missing (the serial store has it)" for k in missing[:limit]]
        lines += [f"{table} {k}: not in the serial store" for k in extra[:limit]]
        for k in changed[:limit]:
            if isinstance(b[k], dict) and isinstance(a[k], dict):
                cols = {c: (a[k].get(c), b[k].get(c)) for c in b[k] if a[k].get(c) != b[k].get(c)}
                lines.append(f"{table} {k}: concurrent vs serial {cols}")
            else:
                lines.append(f"{table} {k}: concurrent {a[k]!r} vs serial {b[k]!r}")
    return lines


@pytest.fixture(scope="module")
def site():
    server = ReplayServer([FIXTURES / "hub", FIXTURES / "web"]).start()
    yield server
    server.stop()


def environment(site: ReplayServer, db_url: str) -> dict:
    return os.environ | {
        "HF_ENDPOINT": site.url,
        "TOOLSCOUT_SOURCES": str(FIXTURES / "sources.demo.toml"),
        "DATABASE_URL": db_url,
        "TOOLSCOUT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


@pytest.fixture(scope="module")
def serial(site, pg_server) -> dict:
    """The reference: A, then B, then C, into a fresh database."""
    url = fresh_postgres_database(pg_server)
    env = environment(site, url)
    finished = [f for name in ("a", "b", "c") for f in run_writers(env, [name])]
    assert problems(finished) == []
    dump, runs = store(url)
    # The blog is the one source the fixtures break on purpose: two of its pages (a 404, one
    # too big) fail on each run that reads its entries.
    assert {source for source, status in runs if status != "ok"} == {"feed:hf-blog"}
    assert {status for _, status in runs} == {"ok", "partial"}
    return dump


# The originals' listings held back: derivative orgs, feeds and prices are stored first.
ORIGINALS_LATE = [
    {"fault": "slow", "delay": 1.5, "times": 2, "match": rf"^/api/models\?.*author={org}&"}
    for org in ("google", "meta-llama", "Qwen")
]
INTERLEAVINGS = {
    "all at once": (["a", "b", "c"], []),
    "originals late, overlap first": (["c", "b", "a"], ORIGINALS_LATE),
}


@pytest.mark.parametrize("interleaving", list(INTERLEAVINGS))
def test_concurrent_writers_leave_the_serial_store(site, pg_server, serial, interleaving):
    order, faults = INTERLEAVINGS[interleaving]
    url = fresh_postgres_database(pg_server)
    site.clear_faults()
    site.add_faults(faults)
    try:
        finished = run_writers(environment(site, url), order)
    finally:
        site.clear_faults()
    found = problems(finished)
    assert not found, "\n".join(found)
    # The race was real: all three crawl processes were running at one moment.
    spans = process_spans(url)
    assert len(spans) == 3
    assert max(start for start, _ in spans) < min(end for _, end in spans)
    got, runs = store(url)
    assert {source for source, status in runs if status != "ok"} <= {"feed:hf-blog"}
    assert {status for _, status in runs} <= {"ok", "partial"}
    diff = differences(got, serial)
    assert not diff, "\n".join(diff)
    assert len(got["candidate"]) >= 20 and len(got["feed_entry"]) >= 10


def process_spans(url: str) -> list[tuple]:
    """(first start, last end) of the runs of each crawl process."""
    engine = make_engine(url)
    spans: dict[int, list] = {}
    with Session(engine) as s:
        for r in s.exec(select(CrawlRun)):
            span = spans.setdefault(r.pid, [r.started_at, r.finished_at])
            span[0], span[1] = min(span[0], r.started_at), max(span[1], r.finished_at)
    engine.dispose()
    return [tuple(span) for span in spans.values()]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_at_once_on_a_new_database_migrate_it_once(backend, tmp_path, pg_server):
    """Crawls on several hosts (or a scheduler and the web server) started together on a new
    database each run the start-up migration: one migrates, the others wait and find it done."""
    url = (
        f"sqlite:///{tmp_path / 'new.db'}"
        if backend == "sqlite"
        else fresh_postgres_database(pg_server)
    )
    code = "import sys; from store.db import make_engine, upgrade; print(upgrade(make_engine(sys.argv[1])))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [(code, err[-2000:]) for code, _, err in outcomes] == [(0, "")] * 4
    engine = make_engine(url)
    try:
        assert {out.strip() for _, out, _ in outcomes} == {upgrade(engine)}
    finally:
        engine.dispose()


# -- the same races, step by step ---------------------------------------------------------
@pytest.fixture
def pg_engine(pg_server):
    engine = make_engine(fresh_postgres_database(pg_server))
    upgrade(engine)
    yield engine
    engine.dispose()


def _waiting_on_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar())


def second_waits_for_first(engine, first: Callable, second: Callable):
    """`first` in a transaction left open; `second` in another, on a thread, until it waits
    for a lock of the first; then the first commits. Returns what each returned."""
    results: dict[str, object] = {}
    with Session(engine) as s1:
        results["first"] = first(s1)
        s1.flush()

        def other() -> None:
            with Session(engine) as s2:
                try:
                    results["second"] = second(s2)
                    s2.commit()
                except Exception as exc:  # the finding, reported below
                    results["error"] = exc

        thread = threading.Thread(target=other)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(engine) and thread.is_alive():
            assert time.monotonic() < deadline, "the second writer never reached the first's row"
            time.sleep(0.01)
        s1.commit()
        thread.join(timeout=60)
    assert "error" not in results, repr(results.get("error"))
    return results["first"], results["second"]


def test_two_runs_of_one_source_closing_at_once_keep_one_state(pg_engine):
    # The run that read less (an older watermark) commits last; the newest still stands.
    second_waits_for_first(
        pg_engine,
        lambda s: runs.save_success(s, "hf:google", 1, "2025-03-12T00:00:00.000Z"),
        lambda s: runs.save_success(s, "hf:google", 2, "2025-03-01T00:00:00.000Z"),
    )
    second_waits_for_first(
        pg_engine,
        lambda s: runs.save_failure(s, "feed:hf-blog", 3, "HTTP 500 after 2 retries"),
        lambda s: runs.save_failure(s, "feed:hf-blog", 4, "timeout: took longer than 30s"),
    )
    with Session(pg_engine) as s:
        states = {st.source: st for st in s.exec(select(SourceState))}
    assert set(states) == {"hf:google", "feed:hf-blog"}
    assert states["hf:google"].watermark == "2025-03-12T00:00:00.000Z"
    assert states["hf:google"].last_run_id == 2
    assert states["feed:hf-blog"].consecutive_errors == 2
    assert states["feed:hf-blog"].last_error == "timeout: took longer than 30s"


GEMMA_4 = {
    "title": "Introducing Gemma 4: open models from 1B to 31B",
    "link": "https://blog.google/technology/developers/gemma-4/",
    "published": "2026-04-02T16:00:00Z",
    "text": "Today we release Gemma 4, a family of open-weight models in 1B, 4B, 12B and 31B "
    "sizes, available on Hugging Face and Kaggle under the Gemma license.",
}


def test_two_feeds_announcing_one_new_release_at_once_make_one_candidate(pg_engine):
    feeds = ("feed:google-developers", "feed:gemma-releases")
    with Session(pg_engine) as s:
        for n, source in enumerate(feeds):
            entry = GEMMA_4 | {"key": f"entry-{n}", "link": f"{GEMMA_4['link']}#{n}"}
            announce.save_entries(s, source, [entry | {"content_hash": str(n)}])
        s.commit()

    def resolve(source: str, key: str):
        return lambda s: judge_entry(
            s, announce.entry(s, source, key), "google", f"crawler:{source}"
        )

    first, second = second_waits_for_first(
        pg_engine, resolve(feeds[0], "entry-0"), resolve(feeds[1], "entry-1")
    )
    assert first == second and len(first) == 1
    with Session(pg_engine) as s:
        cands = s.exec(select(Candidate)).all()
        announced = s.exec(select(Observation).where(Observation.field == "announcement")).all()
    assert [(c.slug, c.org, c.family_key) for c in cands] == [("gemma-4", "google", "gemma-4")]
    assert sorted(o.value["source"] for o in announced) == sorted(feeds)


R1_0528_NEWS = {
    "key": "https://newsletter.example.org/2025/05/r1-0528",
    "title": "DeepSeek-R1-0528: a sharper reasoner, still MIT",
    "link": "https://newsletter.example.org/2025/05/r1-0528",
    "published": "2025-05-29T07:00:00Z",
    "text": "DeepSeek released DeepSeek-R1-0528, an update of its 671B-parameter reasoning "
    "model, with open weights under the MIT license on Hugging Face.",
    "content_hash": "1",
}
# Spelled without the repo's date code ("Mistral Small 3.1 2503"), so no slug collides to
# make one writer wait for the other: store.races.lock_announced orders them.
SMALL_3_1_NEWS = {
    "key": "https://newsletter.example.org/2025/03/mistral-small-3-1",
    "title": "Mistral Small 3.1: a 24B model with a 128K context",
    "link": "https://newsletter.example.org/2025/03/mistral-small-3-1",
    "published": "2025-03-17T18:00:00Z",
    "text": "Mistral Small 3.1 is a 24B-parameter model with image understanding and a 128K "
    "context window, released under the Apache 2.0 license.",
    "content_hash": "1",
}
# (Hub repo, the newsletter's entry, the one release both must end in)
ANNOUNCED_WHILE_STORED = {
    "same name": ("deepseek-ai/DeepSeek-R1-0528", R1_0528_NEWS, "deepseek-r1-0528"),
    "no date code": (
        "mistralai/Mistral-Small-3.1-24B-Instruct-2503",
        SMALL_3_1_NEWS,
        "mistral-small-3.1-2503",
    ),
}


@pytest.mark.parametrize("first", ["hub", "newsletter"])
@pytest.mark.parametrize("case", list(ANNOUNCED_WHILE_STORED))
def test_a_feed_and_the_hub_storing_one_release_at_once_make_one_candidate(pg_engine, case, first):
    """A newsletter that names no vendor judges its announcement of a release while the Hub
    crawl of another host stores the repo: whichever writer is first, the result is what it
    is when either comes first alone, one release of the repo's org with the announcement,
    not a second, feed-only candidate and not a failed page."""
    repo, news, slug = ANNOUNCED_WHILE_STORED[case]
    org = repo.split("/")[0]
    with Session(pg_engine) as s:
        announce.save_entries(s, "feed:ai-weekly", [news])
        s.commit()

    def hub_stores(s: Session):
        info = json.loads((FIXTURES / f"hub/models/{repo}.json").read_bytes())
        listing = f"https://huggingface.co/api/models?author={org}"
        return apply_page(s, [info], f"hf:{org}", "original", listing)

    def newsletter_announces(s: Session):
        entry = announce.entry(s, "feed:ai-weekly", news["key"])
        return judge_entry(s, entry, None, "crawler:feed:ai-weekly")

    writers = [hub_stores, newsletter_announces]
    second_waits_for_first(pg_engine, *(writers if first == "hub" else writers[::-1]))
    with Session(pg_engine) as s:
        cands = {c.slug: c for c in s.exec(select(Candidate))}
        announced = s.exec(select(Observation).where(Observation.field == "announcement")).one()
    assert list(cands) == [slug]
    assert cands[slug].org == org
    assert announced.candidate_id == cands[slug].id


def test_two_hub_writers_storing_one_page_at_once_fetch_each_card_once(pg_engine):
    """Crawls on two hosts store the same listing page at once: the second waits for the
    first one's rows, then finds its cards claimed, and fetches none of them."""
    with Session(pg_engine) as s:
        a, b = (runs.start_run(s, "hf:Qwen") for _ in range(2))
        s.commit()
    page = [
        json.loads((FIXTURES / f"hub/models/Qwen/{name}.json").read_bytes())
        for name in ("Qwen3-8B", "Qwen3-30B-A3B")
    ]
    listing = "https://huggingface.co/api/models?author=Qwen"

    def hub_stores(run_id: int):
        return lambda s: apply_page(s, page, "hf:Qwen", "original", listing, claim_run=run_id)

    first, second = second_waits_for_first(pg_engine, hub_stores(a), hub_stores(b))
    assert sorted(e["id"] for e in first.cards) == ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-8B"]
    assert second.cards == []
    with Session(pg_engine) as s:
        held = dict(s.exec(select(Variant.repo_id, Variant.card_run_id)).all())
    assert held == {"Qwen/Qwen3-30B-A3B": a, "Qwen/Qwen3-8B": a}


def test_an_announcement_picked_to_break_a_deadlock_is_resolved_again(pg_engine):
    """A post about two releases updates one, then waits for the other, which a second
    writer (the Hub crawl of another host) holds while it waits for the first: PostgreSQL
    breaks the deadlock by failing one of them. The announcement it picks is rolled back
    to its start and resolved again once the other has committed, instead of being lost."""
    with Session(pg_engine) as s:
        for repo, family, key in (
            ("google/gemma-3-27b-it", "Gemma 3", "gemma-3"),
            ("google/gemma-3n-E4B-it", "Gemma 3n", "gemma-3n"),
        ):
            cand = Candidate(slug=key, name=family, org="google", family=family, family_key=key)
            s.add(cand)
            s.flush()
            s.add(Variant(repo_id=repo, candidate_id=cand.id, source="hf:google", org="google"))
        post = {
            "key": "gemma-on-vertex",
            "title": "Gemma 3 and Gemma 3n now available on Vertex AI",
            "link": "https://developers.googleblog.com/en/gemma-3-and-3n-on-vertex/",
            "published": "2025-06-30T16:00:00Z",
            "text": "Today we release Gemma 3 (27B) and Gemma 3n (E4B) as managed models.",
            "hub_repos": ["google/gemma-3-27b-it", "google/gemma-3n-E4B-it"],
            "content_hash": "1",
        }
        announce.save_entries(s, "feed:google-developers", [post])
        s.commit()
        ids = sorted(s.exec(select(Candidate.id)))
    results: dict[str, object] = {}

    def announcing() -> None:
        with Session(pg_engine) as s2:
            try:
                entry = announce.entry(s2, "feed:google-developers", "gemma-on-vertex")
                results["ids"] = judge_entry(s2, entry, "google", "crawler:feed:google-developers")
                s2.commit()
            except Exception as exc:  # the finding, reported below
                results["error"] = exc

    lock = text("UPDATE candidate SET notability = 'hub' WHERE id = :id")
    with Session(pg_engine) as s1:
        # PostgreSQL fails the waiter whose deadlock_timeout runs out first; the post's is
        # the default 1 s and waits first, but on a loaded machine the order can flip. The
        # Hub writer here waits longer, so the post is always the one picked.
        s1.execute(text("SET LOCAL deadlock_timeout = '10s'"))
        s1.execute(lock, {"id": ids[1]})  # the Hub writer holds the second release
        thread = threading.Thread(target=announcing)
        thread.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(pg_engine):  # the post has the first, waits for it
            assert thread.is_alive() and time.monotonic() < deadline, results
            time.sleep(0.01)
        s1.execute(lock, {"id": ids[0]})  # and now wants the first: a deadlock
        s1.commit()
    thread.join(timeout=60)
    assert "error" not in results, repr(results.get("error"))
    assert sorted(results["ids"]) == ids
    with Session(pg_engine) as s:
        announced = s.exec(select(Observation).where(Observation.field == "announcement")).all()
    assert sorted(o.candidate_id for o in announced) == ids
