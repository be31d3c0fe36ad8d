"""End to end: the context-window and license disagreements (issue 20, item 6), and the
candidate page's offers, lifecycle and price history.

A real crawl of the replay server's Hub (google, meta-llama, Qwen) and three `[[pricing]]`
catalogs in their published formats (fixtures/catalogs/static/disagree/), on SQLite and
PostgreSQL, then the real HTTP API and editor pages served by uvicorn on loopback. The
facts are the catalogs' own: OpenRouter's entry of `qwen/qwen3-8b` (as served 2026-09-08:
`context_length` 131072, $0.117 / $0.455) against models.dev's OpenRouter entry of it
(providers/openrouter/models/qwen/qwen3-8b.toml: `limit.context` 128000,
`open_weights = false`, $0.028 / $0.1104), while the card of Qwen/Qwen3-8B says
`license: apache-2.0`. Llama 3.3 70B is stated alike by all (131072 tokens, open weights under
its community license): no disagreement. When models.dev corrects its entry, the
disagreements it made leave the list.

The pure rules are table-tested too: `normalize.licenses.weights_open` and
`stated_open_weights`, and `store.disagreements` over observations a crawl cannot make (a
card that says proprietary; an entry that states no window).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from ingest.crawl import crawl
from normalize.licenses import stated_open_weights, weights_open
from store.disagreements import context_disagreements, license_disagreements
from store.models import Document, Observation
from tests.catalog_world import PASSWORD, CatalogWorld
from tests.conftest import FIXTURES
from tests.web_seed import csrf_of
from web.offers_view import offer_rows

pytestmark = pytest.mark.crawl

HUB = ["hf:google", "hf:meta-llama", "hf:Qwen"]
CATALOGS = ["pricing:or-dis", "pricing:litellm-dis", "pricing:modelsdev-dis"]
EXTRA = """
[[pricing]]
name = "or-dis"
url = "${HF_ENDPOINT}/disagree/openrouter.json"
format = "openrouter"

[[pricing]]
name = "litellm-dis"
url = "${HF_ENDPOINT}/disagree/litellm.json"
format = "litellm"

[[pricing]]
name = "modelsdev-dis"
url = "${HF_ENDPOINT}/disagree/models.dev.json"
format = "models.dev"
"""
ACCEPTED = ["qwen3", "llama-3.3"]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class World(CatalogWorld):
    def __init__(self, request, backend: str, tmp: Path, mp: pytest.MonkeyPatch) -> None:
        # The catalogs are served from a copy, so a test can change what one states.
        self.catalogs = tmp / "catalogs"
        shutil.copytree(
            FIXTURES / "catalogs" / "static" / "disagree", self.catalogs / "static" / "disagree"
        )
        super().__init__(request, backend, tmp, mp, [self.catalogs], EXTRA)

    def items(self, **params) -> list[dict]:
        response = self.http.get("/api/disagreements", params=params)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def login(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=30, follow_redirects=True)
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"csrf": csrf_of(page.text), "secret": PASSWORD, "name": "bob", "next": "/queue"},
        )
        assert response.status_code in (200, 303), response.text
        return client

    def recrawl(self) -> None:
        """Read the catalogs again, past the 304 their unchanged validators would get."""
        with Session(self.engine) as s:
            for doc in s.exec(select(Document).where(Document.kind == "pricing")):
                doc.etag = doc.last_modified = None
                s.add(doc)
            s.commit()
        assert crawl(CATALOGS).exit_code == 0


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, request.param, tmp_path_factory.mktemp("disagree"), mp)
        made.crawl_and_accept(HUB + CATALOGS, ACCEPTED)
        made.serve()
        yield made
        made.close()


def _key(item: dict) -> tuple:
    return (item["slug"], item["kind"], item["field"], item["subject"])


# (slug, kind, field, subject) → {catalog: value}, every live disagreement after the crawl
EXPECTED = {
    ("qwen3", "price", "input_usd_per_mtok", "openrouter: Qwen/Qwen3-8B"): {"models.dev": 0.028, "openrouter": 0.117},
    ("qwen3", "price", "output_usd_per_mtok", "openrouter: Qwen/Qwen3-8B"): {"models.dev": 0.1104, "openrouter": 0.455},
    ("qwen3", "context_window", "context_window", "openrouter: Qwen/Qwen3-8B"): {"models.dev": 128000, "openrouter": 131072},
    ("qwen3", "license", "open_weights", "Qwen/Qwen3-8B"): {"models.dev": False, "huggingface": True},
}  # fmt: skip

# (slug, kind) → for each side, by catalog: what its snippet must quote
SNIPPETS = {
    ("qwen3", "context_window"): {"openrouter": "context_length=131072", "models.dev": "limit.context=128000"},
    ("qwen3", "license"): {"models.dev": "open_weights=false", "huggingface": "apache-2.0"},
}  # fmt: skip


def test_the_crawl_reads_the_three_catalogs(world):
    assert world.outcome.exit_code == 0
    runs = {r.source: r for r in world.outcome.runs}
    assert all(runs[name].requests == 1 for name in CATALOGS)


def test_the_live_disagreements_are_listed_with_both_sides(world):
    items = world.items()
    got = {_key(i): {v["catalog"]: v["value"] for v in i["values"]} for i in items}
    assert got == EXPECTED
    for item in items:
        assert len(item["values"]) == 2
        for side in item["values"]:
            assert side["seen_at"] and datetime.fromisoformat(side["seen_at"])
            assert side["url"].startswith("http://127.0.0.1:")
            assert side["snippet"]
        wanted = SNIPPETS.get((item["slug"], item["kind"]), {})
        for side in item["values"]:
            if side["catalog"] in wanted:
                assert wanted[side["catalog"]] in side["snippet"].lower(), side
    license_item = next(i for i in items if i["kind"] == "license")
    card = next(v for v in license_item["values"] if v["catalog"] == "huggingface")
    assert (card["license"], card["family"], card["id"]) == (
        "Apache-2.0",
        "permissive",
        "Qwen/Qwen3-8B",
    )
    assert card["url"].endswith("#cardData")  # the card's front matter, as the Hub served it
    # Llama 3.3 70B: every catalog states 131072 tokens and open weights, as its card.
    assert world.items(slug="llama-3.3") == []


def test_the_candidate_page_shows_offers_lifecycle_and_disagreements(world):
    editor = world.login()
    try:
        html = editor.get("/candidates/qwen3").text
        ids = html[html.index('id="ids"') : html.index('id="offers"')]
        assert ids.count('class="disagreement"') == 4
        for text in ("131,072 tokens", "128,000 tokens", "closed weights", "open weights (license Apache-2.0)"):  # fmt: skip
            assert text in ids, text
        offers = html[html.index('id="offers"') : html.index('<section class="fields">')]
        rows = offers.count('class="offer-row"')
        assert rows == 2, offers
        for cell in ("$0.117", "$0.455", "$0.028", "$0.1104", "131,072", "128,000"):
            assert cell in offers, cell
        # The record's lifecycle, as served: Qwen3's repos were created on the Hub on
        # 2025-04-27, a day before models.dev's release_date and OpenRouter's listing.
        record = world.http.get("/api/tools/qwen3").json()
        assert (record["lifecycle"], record["released_at"]) == ("available", "2025-04-27")
        for key in ("lifecycle", "released_at", "first_listed_at", "knowledge_cutoff", "deprecated_at", "retired_at"):  # fmt: skip
            assert f'class="lc-{key}">{record[key] or "—"}<' in offers, key
        assert offers.count('class="period"') == 2
        assert 'href="/api/tools/qwen3/prices"' in offers
        prices = world.http.get("/api/tools/qwen3/prices").json()["prices"]
        assert sorted(p["input_usd_per_mtok"] for p in prices) == [0.028, 0.117]
        # A release nobody accepted has no public history to link to.
        gemma = editor.get("/candidates/gemma-3").text
        assert "/api/tools/gemma-3/prices" not in gemma and 'id="offers"' in gemma
    finally:
        editor.close()


def test_a_disagreement_leaves_when_the_catalog_corrects_itself(world):
    """Last in the module: it changes what models.dev states."""
    path = world.catalogs / "static" / "disagree" / "models.dev.json"
    doc = json.loads(path.read_text())
    entry = doc["openrouter"]["models"]["qwen/qwen3-8b"]
    entry["open_weights"] = True
    entry["limit"]["context"] = 131072
    path.write_text(json.dumps(doc))
    world.recrawl()
    kinds = {(i["slug"], i["kind"]) for i in world.items()}
    assert kinds == {("qwen3", "price")}


# -- the rules, table-driven ---------------------------------------------------------------

# (family, weights_open)
FAMILIES = [
    ("permissive", True),  # Apache-2.0 (Qwen3)
    ("community", True),  # llama3.3, gemma
    ("non-commercial", True),  # CC-BY-NC-4.0: use restricted, weights published
    ("open-rail", True),
    ("proprietary", False),
    (None, None),  # a bare `license: other`
    ("no-such-family", None),
]


@pytest.mark.parametrize(("family", "expected"), FAMILIES)
def test_which_license_families_publish_weights(family, expected):
    assert weights_open(family) is expected


# (record, catalog, stated)
STATEMENTS = [
    ({"id": "qwen/qwen3-8b", "open_weights": False}, "models.dev", False),
    ({"id": "meta-llama/Llama-3.3-70B-Instruct", "open_weights": True}, "models.dev", True),
    ({"id": "qwen/qwen3-8b", "open_weights": "false"}, "models.dev", None),  # not a boolean
    ({"id": "qwen/qwen3-8b"}, "models.dev", None),
    ({"id": "qwen/qwen3-8b", "open_weights": False}, "openrouter", None),  # not its key
    ({"id": "deepinfra/meta-llama/Llama-3.3-70B-Instruct", "open_weights": True}, "litellm", None),
]


@pytest.mark.parametrize(("record", "catalog", "stated"), STATEMENTS)
def test_what_a_catalog_states_about_openness(record, catalog, stated):
    assert stated_open_weights(record, catalog) is stated


SEEN = datetime(2026, 9, 8, 12, 0, tzinfo=UTC)


def _price(catalog: str, source: str, model: str, repo: str | None, **value) -> Observation:
    extractor = {"openrouter": "pricing.openrouter", "models.dev": "pricing.models_dev"}[catalog]
    return Observation(
        candidate_id=1,
        field="pricing",
        subject=f"{source}:{model}",
        extractor=extractor,
        value={"provider": source, "provider_model": model, "repo": repo, **value},
        source_url=f"https://catalog.test/{catalog}.json#{model}",
        snippet=f"{model} prices",
        trust=20,
        seen_at=SEEN,
    )


def _card(repo: str, family: str | None, lid: str | None, extractor="license.card") -> Observation:
    return Observation(
        candidate_id=1,
        field="license",
        subject=repo,
        extractor=extractor,
        value={"id": lid, "family": family},
        source_url=f"https://huggingface.co/{repo}/raw/main/README.md#cardData",
        snippet=f"license: {lid}",
        trust=30,
        seen_at=SEEN,
    )


# (the catalog entry's open_weights, the repo it joined by, the cards, expected (stated, card))
LICENSE_CASES = [
    (False, "Qwen/Qwen3-8B", [_card("Qwen/Qwen3-8B", "permissive", "Apache-2.0")], [(False, True)]),
    (True, "Qwen/Qwen3-8B", [_card("Qwen/Qwen3-8B", "permissive", "Apache-2.0")], []),
    # A card that says proprietary against a catalog that calls the weights open.
    (True, "acme/closed-7b", [_card("acme/closed-7b", "proprietary", "other:proprietary")], [(True, False)]),
    # Nothing known about a bare `other`: no contradiction either way.
    (False, "acme/odd-7b", [_card("acme/odd-7b", None, "other")], []),
    # Another repo's card is not held against an entry joined by its own repo (any case).
    (False, "qwen/qwen3-8b", [_card("Qwen/Qwen3-8B", "permissive", "Apache-2.0"), _card("Qwen/Qwen3-32B", "proprietary", "x")], [(False, True)]),
    # The card's front matter speaks over the Hub's license tag of the same repo.
    (False, "Qwen/Qwen3-8B", [_card("Qwen/Qwen3-8B", "proprietary", "x", "license.tags"), _card("Qwen/Qwen3-8B", "permissive", "Apache-2.0")], [(False, True)]),
    # Joined by vendor and name (no repo): every card of the release is held against it.
    (False, None, [_card("Qwen/Qwen3-8B", "permissive", "Apache-2.0"), _card("Qwen/Qwen3-8B-FP8", "permissive", "Apache-2.0")], [(False, True), (False, True)]),
]  # fmt: skip


@pytest.mark.parametrize(("stated", "repo", "cards", "expected"), LICENSE_CASES)
def test_license_disagreements_hold_the_entry_against_its_card(stated, repo, cards, expected):
    entry = _price("models.dev", "pricing:md", "qwen/qwen3-8b", repo, open_weights=stated)
    found = license_disagreements([entry, *cards])
    assert [(i["values"][0]["value"], i["values"][1]["value"]) for i in found] == expected
    for item in found:
        assert item["values"][0]["snippet"] == f"qwen/qwen3-8b: open_weights={str(stated).lower()}"


def _windowed(catalog: str, source: str, model: str, window: object) -> Observation:
    return _price(
        catalog,
        source,
        model,
        "Qwen/Qwen3-8B",
        offer={"context_window": window},
        input_usd_per_mtok=0.1,
    )


# (OpenRouter's window, models.dev's window, a disagreement expected)
WINDOWS = [
    (131072, 128000, True),  # the real pair: a binary and a decimal 128K are two statements
    (131072, 131072, False),
    (40960, 131072, True),
    (None, 128000, False),  # an entry that states no window disagrees with nobody
    (True, 1, False),  # a boolean is no token count
]


@pytest.mark.parametrize(("ours", "theirs", "expected"), WINDOWS)
def test_context_windows_of_one_providers_model_are_compared(ours, theirs, expected):
    found = context_disagreements(
        [
            _windowed("openrouter", "pricing:or", "qwen/qwen3-8b", ours),
            _windowed("models.dev", "pricing:md", "openrouter/qwen/qwen3-8b", theirs),
        ]
    )
    assert bool(found) is expected
    if found:
        assert found[0]["subject"] == "openrouter: Qwen/Qwen3-8B"
        assert {v["catalog"]: v["value"] for v in found[0]["values"]} == {
            "openrouter": ours,
            "models.dev": theirs,
        }


# (the offer's source_url, the link the page may print)
HOSTILE = [
    ("https://openrouter.ai/api/v1/models#qwen/qwen3-8b", "https://openrouter.ai/api/v1/models#qwen/qwen3-8b"),
    ("javascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("//evil.test/x", None),
    (" https://evil.test/\nx", None),
    (None, None),
]  # fmt: skip


@pytest.mark.parametrize(("url", "link"), HOSTILE)
def test_an_offer_links_its_source_only_over_http(url, link):
    offer = {"catalog": "openrouter", "provider": "openrouter", "model_id": "qwen/qwen3-8b",
             "input_usd_per_mtok": 0.117, "context_window": 131072, "source_url": url}  # fmt: skip
    (row,) = offer_rows([offer])
    assert row["url"] == link
    assert (row["input_usd_per_mtok"], row["cache_read_usd_per_mtok"], row["context_window"]) == ("$0.117", "—", "131,072")  # fmt: skip
