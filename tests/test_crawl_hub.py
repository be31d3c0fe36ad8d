"""End to end: a real Scrapy crawl of the replay server's Hub into the store.

Each test runs `ingest.crawl.crawl()`, which starts the crawl in a child process exactly as
`toolscout crawl` does, against the replay server, into a fresh database (SQLite and
PostgreSQL).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from ingest.crawl import crawl
from store.db import make_engine
from store.models import (
    Candidate,
    CrawlError,
    CrawlRun,
    Document,
    Event,
    Observation,
    SourceState,
    Variant,
)
from tests.conftest import FIXTURES

pytestmark = pytest.mark.crawl

ALL = [
    "hf:google",
    "hf:meta-llama",
    "hf:mistralai",
    "hf:HuggingFaceTB",
    "hf:Qwen",
    "hf:deepseek-ai",
    "hf:microsoft",
    "hf:unsloth",
    "hf:mlx-community",
    "hf:bartowski",
    "hf:lmstudio-community",
    "hf:NousResearch",
    "hf:textcraft-labs",
    "hf:mirrorhub-ai",
]

EXPECTED = {
    # slug: (vendor, size labels, license id)
    "gemma-3": ("Google DeepMind", ["1B", "4B", "12B", "27B"], "gemma"),
    "gemma-2": ("Google DeepMind", ["2B"], "gemma"),
    "gemma-3n": ("Google DeepMind", ["E2B", "E4B"], "gemma"),
    "llama-3.1": ("Meta", ["8B"], "llama3.1"),
    "llama-3.2": ("Meta", ["1B", "3B"], "llama3.2"),
    "llama-3.3": ("Meta", ["70B"], "llama3.3"),
    "llama-4-scout": ("Meta", ["17B-16E"], "llama4"),
    "llama-4-maverick": ("Meta", ["17B-128E"], "llama4"),
    "mistral-small-2409": ("Mistral AI", ["22.2B"], "other:mrl"),  # no size in the name: weights
    "mistral-small-2501": ("Mistral AI", ["24B"], "Apache-2.0"),
    "mistral-small-3.1-2503": ("Mistral AI", ["24B"], "Apache-2.0"),
    "mistral-small-3.2-2506": ("Mistral AI", ["24B"], "Apache-2.0"),
    "mixtral-v0.1": ("Mistral AI", ["8x7B"], "Apache-2.0"),
    "smollm3": ("Hugging Face", ["3B"], "Apache-2.0"),
    "qwen3": ("Alibaba (Qwen)", ["0.6B", "4B", "8B", "30B-A3B", "32B", "235B-A22B"], "Apache-2.0"),
    "qwen2.5-omni": ("Alibaba (Qwen)", ["7B"], "Apache-2.0"),
    "deepseek-r1": ("DeepSeek", ["684.5B"], "MIT"),
    "deepseek-r1-0528": ("DeepSeek", ["684.5B"], "MIT"),
    "deepseek-r1-distill-qwen": ("DeepSeek", ["7B"], "MIT"),
    "phi-3-mini": ("Microsoft", ["3.8B"], "MIT"),
    "phi-4-mini": ("Microsoft", ["3.8B"], "MIT"),
    "phi-4": ("Microsoft", ["14.7B"], "MIT"),
}


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__name__: s.exec(select(func.count()).select_from(m)).one()
            for m in (Candidate, Variant, Observation, Event, Document)
        }


def candidates(engine) -> dict[str, Candidate]:
    with Session(engine) as s:
        return {c.slug: c for c in s.exec(select(Candidate))}


def api_requests(replay) -> list[dict]:
    return [r for r in replay.request_log() if r["path"] != "/robots.txt"]


@pytest.fixture
def engine(crawl_env, db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_first_crawl_gives_one_candidate_per_release(engine):
    outcome = crawl(ALL)
    assert outcome.exit_code == 0
    assert {r.source for r in outcome.runs} == set(ALL)
    assert all(r.status == "ok" for r in outcome.runs), [
        (r.source, r.message) for r in outcome.runs
    ]
    found = candidates(engine)
    assert set(found) == set(EXPECTED)
    for slug, (vendor, sizes, license_id) in EXPECTED.items():
        fields = found[slug].fields
        assert found[slug].vendor == vendor, slug
        assert [s["label"] for s in fields["sizes"]] == sizes, slug
        assert (fields["license"] or {}).get("id") == license_id, slug
        assert found[slug].status == "new"


def test_grouping_variants_derivatives_and_params(engine):
    crawl(ALL)
    with Session(engine) as s:
        by_repo = {v.repo_id: v for v in s.exec(select(Variant))}
        gemma = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
    # -it and -pt of every size, one candidate
    gemma_repos = {
        r for r, v in by_repo.items() if v.candidate_id == gemma.id and not v.is_derivative
    }
    assert gemma_repos == {
        f"google/gemma-3-{s}-{f}" for s in ("1b", "4b", "12b", "27b") for f in ("it", "pt")
    }
    assert gemma.name == "Gemma 3 (1B, 4B, 12B & 27B)"
    assert gemma.fields["sizes"][-1]["total"] == 27432406640
    # other orgs' quantizations, mirrors and adapters attach as derivatives
    for repo in (
        "unsloth/gemma-3-27b-it-GGUF",
        "mlx-community/gemma-3-27b-it-4bit",
        "mirrorhub-ai/gemma-3-27b-it",
        "textcraft-labs/gemma-3-4b-it-sql-lora",
    ):
        assert by_repo[repo].is_derivative and by_repo[repo].candidate_id == gemma.id, repo
    assert gemma.fields["derivatives"] == 4
    # MoE: total from the weights, active from the name or card
    qwen = by_repo["Qwen/Qwen3-30B-A3B"]
    assert qwen.total_params == 30532122624
    assert qwen.active_params == pytest.approx(3.3e9, rel=0.1)
    scout = by_repo["meta-llama/Llama-4-Scout-17B-16E-Instruct"]
    assert scout.total_params == pytest.approx(109e9, rel=0.01)
    assert scout.active_params == pytest.approx(17e9, rel=0.01)
    # packed MLX counts are never reported as parameters
    assert by_repo["mlx-community/gemma-3-27b-it-4bit"].total_params != 27356728560
    # same-org quantizations are variants of the release, flagged
    assert (
        by_repo["Qwen/Qwen3-32B-GGUF"].is_quantized
        and not by_repo["Qwen/Qwen3-32B-GGUF"].is_derivative
    )
    # old repos (the Hub's pre-2022 createdAt) are never candidates
    assert all(
        by_repo.get(r) is None or by_repo[r].candidate_id is None
        for r in ("google/flan-t5-base", "google/electra-small-discriminator")
    )


def test_second_crawl_costs_only_first_listing_pages_and_writes_nothing(engine, crawl_env):
    crawl(ALL)
    before = counts(engine)
    crawl_env.clear_log()
    outcome = crawl(ALL)
    assert all(r.status == "ok" for r in outcome.runs)
    requests = api_requests(crawl_env)
    assert len(requests) == len(ALL), [r["path"] + "?" + r["query"] for r in requests]
    assert all(r["path"] == "/api/models" and "cursor=" not in r["query"] for r in requests)
    assert counts(engine) == before
    assert sum(r.new_candidates + r.updated_candidates for r in outcome.runs) == 0


def test_new_models_appear_and_only_they_are_added(engine, crawl_env):
    crawl(ALL)
    before = {v.repo_id for v in Session(engine).exec(select(Variant))}
    crawl_env.set_roots([FIXTURES / "hub", FIXTURES / "hub_later"])
    crawl_env.clear_log()
    crawl(ALL)
    after = {v.repo_id for v in Session(engine).exec(select(Variant))}
    assert after - before == {"google/gemma-3-270m-it", "google/gemma-3-270m", "Qwen/Qwen3-14B"}
    paths = [r["path"] for r in api_requests(crawl_env)]
    # The listing carries what grouping needs; only the new repos' READMEs are fetched.
    assert not [p for p in paths if p.startswith("/api/models/")]
    assert {p for p in paths if p.endswith("/README.md")} == {
        "/google/gemma-3-270m-it/raw/main/README.md",
        "/google/gemma-3-270m/raw/main/README.md",
        "/Qwen/Qwen3-14B/raw/main/README.md",
    }
    found = candidates(engine)
    assert set(found) == set(EXPECTED)  # they joined their releases
    assert "14B" in [s["label"] for s in found["qwen3"].fields["sizes"]]


def test_429_with_retry_after_waits_before_retrying(engine, crawl_env):
    path = "/google/gemma-3-27b-it/raw/main/README.md"
    crawl_env.add_faults([{"match": f"^{path}\\?", "fault": "429", "retry_after": 2, "times": 1}])
    outcome = crawl(["hf:google"])
    hits = [r for r in crawl_env.request_log() if r["path"] == path]
    assert [h["status"] for h in hits] == [429, 200]
    assert hits[1]["time"] - hits[0]["time"] >= 2.0
    assert outcome.runs[0].status == "ok"
    assert "google/gemma-3-27b-it" in candidates(engine)["gemma-3"].fields["repos"]


def test_ratelimit_header_is_honoured(engine, crawl_env):
    path = "/Qwen/Qwen3-8B/raw/main/README.md"
    crawl_env.add_faults([{"match": f"^{path}\\?", "fault": "429", "ratelimit_t": 1, "times": 1}])
    crawl(["hf:Qwen"])
    hits = [r for r in crawl_env.request_log() if r["path"] == path]
    assert [h["status"] for h in hits] == [429, 200]
    assert hits[1]["time"] - hits[0]["time"] >= 2.0  # t=1, waited t+1


def test_truncated_listing_page_fails_alone(engine, crawl_env, db_url):
    crawl_env.add_faults(
        [{"match": r"^/api/models\?author=Qwen", "fault": "truncate_clean", "times": 1}]
    )
    outcome = crawl(["hf:Qwen", "hf:google"])
    runs = {r.source: r for r in outcome.runs}
    assert runs["hf:google"].status == "ok"
    assert runs["hf:Qwen"].status in ("partial", "failed")
    assert runs["hf:Qwen"].errors >= 1
    with Session(engine) as s:
        errors = s.exec(select(CrawlError).where(CrawlError.source == "hf:Qwen")).all()
        assert any("invalid JSON" in e.reason for e in errors)
        doc = s.exec(select(Document).where(Document.url == errors[0].url)).one()
        assert doc.error and "invalid JSON" in doc.error
        # the watermark of a source that lost a page does not advance
        assert s.get(SourceState, "hf:Qwen").watermark is None
        assert s.get(SourceState, "hf:google").watermark is not None
    assert "gemma-3" in candidates(engine)
    # the next run, with the server healthy again, completes the org
    crawl(["hf:Qwen"])
    assert "qwen3" in candidates(engine)


def test_crawl_run_records_counts(engine):
    crawl(["hf:microsoft"])
    with Session(engine) as s:
        run = s.exec(select(CrawlRun).where(CrawlRun.source == "hf:microsoft")).one()
    assert run.status == "ok" and run.finished_at is not None
    assert run.requests == 1 + 3  # one listing page, a card for each of its three repos
    assert run.new_candidates == 3
    assert (run.items, run.models, run.cards) == (4, 3, 3)
