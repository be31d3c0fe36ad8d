"""End to end: the Hub, a vendor feed and all three price catalogs (OpenRouter, LiteLLM,
models.dev) crawled through the real crawl runner against the replay server, editors'
decisions through store.queue, and the published records read over real HTTP (uvicorn on
a loopback port): offers, the price model, lifecycle dates with their evidence, the
pricing line, the price history, and changes that replay to the served set after a
catalog changes a price between two crawls. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import feedparser
import httpx
import pytest
from sqlmodel import Session, select

from fixtures.replay import ReplayServer
from ingest.crawl import crawl
from store.db import make_engine
from store.models import PriceHistory
from store.publish import reconcile
from store.queue import set_status
from tests.conftest import FIXTURES, fresh_postgres_database
from tests.test_crawl_catalogs import CATALOGS, EXTRA
from tests.test_crawl_hub import ALL as HUB
from tests.test_web_hardening import start
from web.config import EditorConfig

pytestmark = pytest.mark.crawl

SOURCES = [*HUB, "feed:google-developers", "pricing:openrouter", *CATALOGS]
ACCEPTED = ["gemma-3", "llama-4-scout", "llama-4-maverick", "qwen3", "gemini-2.5-flash-lite"]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
LITELLM = "litellm/model_prices_and_context_window.json"


class World:
    """A crawled and published store behind a live read API. `later` is a replay root
    served before the fixtures: a catalog written there replaces the fixture's."""

    def __init__(self, request, backend: str, tmp: Path, mp: pytest.MonkeyPatch) -> None:
        self.later = tmp / "later"
        (self.later / "static").mkdir(parents=True)
        roots = [FIXTURES / "hub", FIXTURES / "web", FIXTURES / "catalogs", self.later]
        self.replay = ReplayServer(roots).start()
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'store.db'}"
        else:
            url = fresh_postgres_database(request.getfixturevalue("pg_server"))
        sources = tmp / "sources.toml"
        sources.write_text((FIXTURES / "sources.demo.toml").read_text() + EXTRA)
        mp.setenv("HF_ENDPOINT", self.replay.url)
        mp.setenv("TOOLSCOUT_SOURCES", str(sources))
        mp.setenv("DATABASE_URL", url)
        self.engine = make_engine(url)
        self.outcome = crawl(SOURCES)
        with Session(self.engine, expire_on_commit=False) as s:
            for slug in ACCEPTED:
                set_status(s, slug, "accepted", "editor:alice")
            s.commit()
        self.server, self.thread, base = start(self.engine, EditorConfig(password="pw"))
        self.http = httpx.Client(base_url=base, timeout=30)

    def get(self, path: str, **params) -> dict:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    def tool(self, slug: str) -> dict:
        return self.get(f"/api/tools/{slug}")

    def tools(self) -> dict[str, dict]:
        items, cursor = [], None
        while True:
            page = self.get("/api/tools", limit=2, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return {t["slug"]: t for t in items}

    def replayed(self) -> dict[str, dict]:
        """What a downstream site holds after applying /api/changes from nothing."""
        records: dict[str, dict] = {}
        since = 0
        while True:
            page = self.get("/api/changes", since=since, limit=5)
            for ch in page["changes"]:
                if ch["action"] == "publish":
                    records[ch["slug"]] = dict(ch["value"])
                elif ch["action"] == "set":
                    records[ch["slug"]][ch["field"]] = ch["value"]
                else:
                    records.pop(ch["slug"], None)
            since = page["next_since"]
            if not page["has_more"]:
                return records

    def change_catalog(self, path: str, edit) -> None:
        """Serve the catalog at `path` as `edit` leaves it (the next crawl reads it)."""
        document = json.loads((FIXTURES / "catalogs/static" / path).read_text())
        edit(document)
        target = self.later / "static" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=4))

    def recrawl(self, names: list[str]) -> dict:
        outcome = crawl(names)
        assert outcome.exit_code == 0
        with Session(self.engine) as s:  # what the web server's sync does every few seconds
            reconcile(s)
            s.commit()
        return {r.source: r for r in outcome.runs}

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.engine.dispose()
        self.replay.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, request.param, tmp_path_factory.mktemp("offers"), mp)
        yield made
        made.close()


@pytest.fixture(params=BACKENDS)
def fresh(request, tmp_path):
    """A world of its own, for a test that changes the catalogs."""
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, request.param, tmp_path, mp)
        yield made
        made.close()


def test_the_crawl_succeeds(world):
    assert world.outcome.exit_code == 0
    assert sorted(world.tools()) == sorted(ACCEPTED)


# (slug, [(catalog, provider, model_id, input, output, context_window)])
OFFERS = [
    ("llama-4-scout", [
        ("litellm", "deepinfra", "meta-llama/Llama-4-Scout-17B-16E-Instruct", 0.08, 0.3, 327680),
        ("models.dev", "groq", "meta-llama/llama-4-scout-17b-16e-instruct", 0.11, 0.34, 131072),
        ("openrouter", "openrouter", "meta-llama/llama-4-scout", 0.08, 0.3, 327680),
    ]),
    ("gemini-2.5-flash-lite", [
        ("models.dev", "google", "gemini-2.5-flash-lite", 0.1, 0.4, 1048576),
        ("openrouter", "openrouter", "google/gemini-2.5-flash-lite", 0.1, 0.4, 1048576),
    ]),
    ("gemma-3", [
        ("litellm", "deepinfra", "google/gemma-3-27b-it", 0.09, 0.17, 131072),
        ("openrouter", "openrouter", "google/gemma-3-27b-it", 0.09, 0.17, 131072),
        ("openrouter", "openrouter", "google/gemma-3-27b-it:free", 0.0, 0.0, 96000),
    ]),
    ("llama-4-maverick", [
        ("litellm", "groq", "meta-llama/llama-4-maverick-17b-128e-instruct", 0.2, 0.6, 131072),
        ("openrouter", "openrouter", "meta-llama/llama-4-maverick", 0.15, 0.6, 1048576),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "expected"), OFFERS)
def test_each_catalog_entry_is_an_offer_of_the_release_it_names(world, slug, expected):
    offers = world.tool(slug)["offers"]
    got = [
        (
            o["catalog"],
            o["provider"],
            o["model_id"],
            o["input_usd_per_mtok"],
            o["output_usd_per_mtok"],
            o["context_window"],
        )
        for o in offers
    ]
    assert got == expected
    for o in offers:
        assert "#" in o["source_url"] and o["seen_at"]


def test_no_offer_joins_a_release_it_does_not_name(world):
    qwen = {(o["catalog"], o["catalog_model_id"]) for o in world.tool("qwen3")["offers"]}
    assert ("models.dev", "lmstudio/qwen/qwen3-30b-a3b-2507") not in qwen
    assert ("litellm", "deepinfra/Qwen/Qwen3-32B") in qwen
    maverick = {o["catalog_model_id"] for o in world.tool("llama-4-maverick")["offers"]}
    # Together's FP8 build is another repo than the release's
    assert "together_ai/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8" not in maverick


def test_an_entry_naming_a_repo_but_no_price_is_an_offer_with_unknown_prices(world):
    # The price map lists models it states no price for (only litellm_provider and mode):
    # who serves the release, under which id, is still known; what it costs is not (null,
    # never 0), and it takes no part in the release's price or its pricing line.
    tool = world.tool("qwen3")
    unpriced = [o for o in tool["offers"] if o["catalog_model_id"] == "together_ai/Qwen/Qwen3-32B"]
    assert [(o["provider"], o["model_id"], o["tier"]) for o in unpriced] == [
        ("together_ai", "Qwen/Qwen3-32B", "unknown")
    ]
    assert all(unpriced[0][key] is None for key in OFFER_PRICES)
    assert "together_ai/Qwen/Qwen3-32B" in tool["ids"]["litellm"]
    paid = [o["input_usd_per_mtok"] for o in tool["offers"] if o["tier"] == "paid"]
    assert tool["pricing"]["input_usd_per_mtok"] == min(paid)
    assert "together_ai" not in (tool["pricing_line"] or "")


OFFER_PRICES = (
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
)


# (slug, entry price, pricing line)
LINES = [
    ("llama-4-scout", "Free",
     "Free (open weights, self-hosted) / API from $0.08 per 1M input tokens (3 providers)"),
    ("gemma-3", "Free",
     "Free (open weights, self-hosted) / API from $0.09 per 1M input tokens (2 providers)"),
    ("gemini-2.5-flash-lite", "Paid", "API from $0.10 per 1M input tokens (2 providers)"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "entry", "line"), LINES)
def test_the_pricing_line_is_derived_from_the_offers(world, slug, entry, line):
    tool = world.tool(slug)
    assert (tool["entry_price"], tool["pricing_line"]) == (entry, line)


def test_the_price_model_is_the_cheapest_offers_with_its_evidence(world):
    tool = world.tool("gemini-2.5-flash-lite")
    pricing = tool["pricing"]
    assert (pricing["tier"], pricing["input_usd_per_mtok"], pricing["output_usd_per_mtok"]) == (
        "paid",
        0.1,
        0.4,
    )
    assert pricing["cache_read_usd_per_mtok"] == 0.025  # models.dev states it
    evidence = {e["source_url"]: e for e in tool["evidence"] if e["field"] == "pricing"}
    assert "cost.cache_read=0.025" in evidence[pricing["source_url"]]["snippet"]
    assert world.tool("qwen3")["pricing"]["tier"] == "freemium"  # a :free entry beside paid


# (slug, released_at, first_listed_at, knowledge_cutoff, deprecated_at, lifecycle)
LIFECYCLE = [
    # models.dev's release date (the preview) before the announcement; OpenRouter's listing
    ("gemini-2.5-flash-lite", "2025-06-17", "2025-07-22", "2025-01", None, "available"),
    # OpenRouter listed Qwen3 after the repos were created: no release date, no listing first
    ("qwen3", "2025-04-27", "2025-04-27", None, None, "available"),
    ("llama-4-scout", "2025-04-02", "2025-04-02", "2024-08", None, "available"),
    # Groq's deprecation date is the fixture's own (fixtures/README.md, "Price catalogs")
    ("llama-4-maverick", "2025-04-01", "2025-04-01", None, "2026-02-20", "deprecated"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "released", "listed", "cutoff", "deprecated", "stage"), LIFECYCLE)
def test_lifecycle_dates_from_the_sources_that_state_them(
    world, slug, released, listed, cutoff, deprecated, stage
):
    tool = world.tool(slug)
    got = tuple(
        tool[k]
        for k in ("released_at", "first_listed_at", "knowledge_cutoff", "deprecated_at")
        + ("lifecycle",)
    )
    assert got == (released, listed, cutoff, deprecated, stage)
    assert tool["retired_at"] is None


def test_each_lifecycle_value_has_its_evidence(world):
    evidence = [e for e in world.tool("llama-4-maverick")["evidence"] if e["field"] == "lifecycle"]
    (groq,) = [e for e in evidence if e["extractor"] == "lifecycle.litellm"]
    assert groq["value"]["deprecated_at"] == "2026-02-20"
    assert "deprecation_date=2026-02-20" in groq["snippet"]
    assert groq["source_url"].endswith("#groq/meta-llama/llama-4-maverick-17b-128e-instruct")
    flash = [
        e for e in world.tool("gemini-2.5-flash-lite")["evidence"] if e["field"] == "lifecycle"
    ]
    snippets = " ".join(e["snippet"] for e in flash)
    assert "release_date=2025-06-17" in snippets and "knowledge=2025-01" in snippets
    assert "(listed, not released)" in snippets


def test_each_offer_has_one_open_price_period(world):
    prices = world.get("/api/tools/llama-4-scout/prices")["prices"]
    assert len(prices) == 3 and all(p["to"] is None for p in prices)
    offers = {o["catalog_model_id"]: o for o in world.tool("llama-4-scout")["offers"]}
    for period in prices:
        assert period["from"] == offers[period["catalog_model_id"]]["seen_at"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/tools/no-such-tool/prices", 404),
        ("/api/tools/qwen3/prices?cursor=not-a-cursor", 400),
        ("/api/tools/qwen3/prices?limit=0", 422),
        ("/api/tools/smollm3/prices", 404),  # not accepted: not published
    ],
)
def test_price_history_errors_say_what_is_wrong(world, path, status):
    response = world.http.get(path)
    assert response.status_code == status and response.json()["detail"]


def test_a_price_change_is_a_set_of_offers_and_replays_to_the_served_set(fresh):
    assert fresh.replayed() == fresh.tools()
    first = fresh.tool("llama-4-scout")
    last_seq = fresh.get("/api/changes", since=0, limit=5000)["next_since"]

    def edit(doc: dict) -> None:
        doc["deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct"]["input_cost_per_token"] = 9e-08
        del doc["groq/meta-llama/llama-4-maverick-17b-128e-instruct"]["deprecation_date"]

    fresh.change_catalog(LITELLM, edit)
    fresh.recrawl(CATALOGS)
    changes = fresh.get("/api/changes", since=last_seq, limit=5000)["changes"]
    sets = {(c["slug"], c["field"]): c["value"] for c in changes if c["action"] == "set"}
    offers = sets[("llama-4-scout", "offers")]
    deepinfra = next(o for o in offers if o["provider"] == "deepinfra")
    assert deepinfra["input_usd_per_mtok"] == 0.09
    # Groq no longer states a deprecation: Maverick is available again
    assert sets[("llama-4-maverick", "deprecated_at")] is None
    assert sets[("llama-4-maverick", "lifecycle")] == "available"
    assert ("gemma-3", "offers") not in sets  # nothing changed there
    assert fresh.replayed() == fresh.tools()
    # the history keeps the old price, closed when the new one was read
    prices = fresh.get("/api/tools/llama-4-scout/prices")["prices"]
    mine = [p for p in prices if p["provider"] == "deepinfra"]
    assert [(p["input_usd_per_mtok"], p["to"] is None) for p in mine] == [
        (0.09, True),
        (0.08, False),
    ]
    assert mine[1]["to"] == mine[0]["from"] == deepinfra["seen_at"]
    assert prices == sorted(prices, key=lambda p: p["from"], reverse=True)
    # paged, the same list
    paged, cursor = [], None
    while True:
        page = fresh.get(
            "/api/tools/llama-4-scout/prices",
            limit=1,
            **({"cursor": cursor} if cursor else {}),
        )
        paged += page["prices"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == prices
    # the Atom entry moved with the record
    feed = feedparser.parse(fresh.http.get("/feeds/tools.atom").content)
    (entry,) = [e for e in feed.entries if e.id.endswith("/api/tools/llama-4-scout")]
    tool = fresh.tool("llama-4-scout")
    assert tool["updated_at"] > first["updated_at"]
    assert entry.updated == tool["updated_at"]
    # a catalog read again whose other entries changed changes no published record
    seq = fresh.get("/api/changes", since=0, limit=5000)["next_since"]

    def elsewhere(doc: dict) -> None:
        edit(doc)
        doc["tts-1"]["input_cost_per_character"] = 3e-05

    fresh.change_catalog(LITELLM, elsewhere)
    runs = fresh.recrawl(CATALOGS)
    assert runs["pricing:litellm"].not_modified == 0  # read and saved again
    assert fresh.get("/api/changes", since=seq)["changes"] == []
    assert fresh.get("/api/tools/llama-4-scout/prices")["prices"] == prices


SCOUT_DEEPINFRA = "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct"
MAVERICK_GROQ = "groq/meta-llama/llama-4-maverick-17b-128e-instruct"
# Reads of the catalog that drops an entry which must drop nothing: the body cut short
# (the connection closed early, or a short body with a length to match) and a server error.
FAILED_READS = ["truncate", "truncate_clean", "500"]


def drop_scout(doc: dict) -> None:
    """DeepInfra stops serving Llama 4 Scout; Groq's Maverick changes its price."""
    del doc[SCOUT_DEEPINFRA]
    doc[MAVERICK_GROQ]["input_cost_per_token"] = 2.5e-07


def test_an_entry_a_catalog_drops_leaves_the_offers_and_closes_its_period(fresh):
    before = fresh.tool("llama-4-scout")
    assert SCOUT_DEEPINFRA in before["ids"]["litellm"]
    fresh.change_catalog(LITELLM, drop_scout)
    for fault in FAILED_READS:
        seq = fresh.get("/api/changes", since=0, limit=5000)["next_since"]
        fresh.replay.add_faults([{"fault": fault, "match": LITELLM, "times": -1}])
        outcome = crawl(["pricing:litellm"])
        fresh.replay.clear_faults()
        (run,) = outcome.runs
        assert run.errors >= 1 and run.status != "ok", fault
        with Session(fresh.engine) as s:
            reconcile(s)
            s.commit()
        assert fresh.get("/api/changes", since=seq)["changes"] == [], fault
        assert fresh.tool("llama-4-scout")["offers"] == before["offers"], fault
        prices = fresh.get("/api/tools/llama-4-scout/prices")["prices"]
        assert all(p["to"] is None for p in prices), fault
    seq = fresh.get("/api/changes", since=0, limit=5000)["next_since"]
    fresh.recrawl(["pricing:litellm"])
    changes = fresh.get("/api/changes", since=seq, limit=5000)["changes"]
    sets = {(c["slug"], c["field"]): c["value"] for c in changes if c["action"] == "set"}
    offers = sets[("llama-4-scout", "offers")]
    assert [(o["catalog"], o["catalog_model_id"]) for o in offers] == [
        ("models.dev", "groq/meta-llama/llama-4-scout-17b-16e-instruct"),
        ("openrouter", "meta-llama/llama-4-scout"),
    ]
    assert sets[("llama-4-scout", "ids")]["litellm"] == []
    assert fresh.tool("llama-4-scout")["pricing_line"] == (
        "Free (open weights, self-hosted) / API from $0.08 per 1M input tokens (2 providers)"
    )
    assert fresh.replayed() == fresh.tools()
    gone = fresh.http.get("/api/ids", params={"litellm": SCOUT_DEEPINFRA})
    assert gone.status_code == 404
    # Its period closed when the document without it was read (the read that opened
    # Maverick's new price), and stays in Scout's history.
    prices = fresh.get("/api/tools/llama-4-scout/prices")["prices"]
    (closed,) = [p for p in prices if p["catalog_model_id"] == SCOUT_DEEPINFRA]
    (groq,) = [
        o
        for o in fresh.tool("llama-4-maverick")["offers"]
        if o["catalog_model_id"] == MAVERICK_GROQ
    ]
    assert groq["input_usd_per_mtok"] == 0.25
    assert (closed["input_usd_per_mtok"], closed["to"]) == (0.08, groq["seen_at"])
    with Session(fresh.engine) as s:
        (period,) = s.exec(
            select(PriceHistory).where(PriceHistory.model_id == SCOUT_DEEPINFRA)
        ).all()
    assert period.valid_to.replace(tzinfo=UTC).isoformat() == closed["to"]
    # listed again, it is an offer again, with a new period beside the closed one
    (fresh.later / "static" / LITELLM).unlink()
    fresh.recrawl(["pricing:litellm"])
    assert SCOUT_DEEPINFRA in fresh.tool("llama-4-scout")["ids"]["litellm"]
    again = [
        (p["input_usd_per_mtok"], p["to"] is None)
        for p in fresh.get("/api/tools/llama-4-scout/prices")["prices"]
        if p["catalog_model_id"] == SCOUT_DEEPINFRA
    ]
    assert again == [(0.08, True), (0.08, False)]
    assert fresh.replayed() == fresh.tools()
