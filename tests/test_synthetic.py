"""The synthetic Hub of the benchmarks (fixtures/synthetic.py) behind the real replay server.

What the backfill benchmark relies on: the catalog is deterministic, shaped like the Hub
(mostly derivatives of older bases, ids unique, createdAt strictly newest first), pages
through the replay server's cursor exactly once per model (globally and per org), serves
the same bytes from its saved form as when rendered, answers 404 to what it does not serve,
is readable by huggingface_hub's own client, and is crawlable by toolscout end to end.
"""

from __future__ import annotations

import http.client
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import orjson
import pytest

from fixtures.synthetic import (
    KIND_NAMES,
    ORIGINAL,
    SyntheticCatalog,
    synthetic_server,
)
from spiders.hf_models import LISTING_EXPAND


@pytest.fixture(scope="module")
def catalog() -> SyntheticCatalog:
    return SyntheticCatalog(3000, seed=11)


@pytest.fixture(scope="module")
def saved(catalog, tmp_path_factory) -> str:
    return str(catalog.save(tmp_path_factory.mktemp("catalog"), LISTING_EXPAND))


@pytest.fixture(scope="module")
def server(saved):
    srv = synthetic_server(saved).start()
    yield srv
    srv.stop()


def get(url: str, path: str) -> tuple[int, dict, bytes]:
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), body


def walk(url: str, query: list[tuple[str, str]]) -> tuple[list[dict], int]:
    """Every entry of a listing, following the Link cursor; and the number of pages."""
    path, entries, pages = "/api/models?" + urlencode(query), [], 0
    while path:
        status, headers, body = get(url, path)
        assert status == 200, body[:200]
        entries += orjson.loads(body)
        pages += 1
        link = headers.get("Link")
        path = None
        if link:
            split = urlsplit(link.split(";")[0].strip("<> "))
            path = f"{split.path}?{split.query}"
    return entries, pages


EXPAND = [("expand[]", key) for key in LISTING_EXPAND]


# --------------------------------------------------------------------------- the catalog


def test_same_seed_same_catalog_other_seed_other():
    one, two, other = (SyntheticCatalog(400, seed=s) for s in (5, 5, 6))
    assert [one.model(i) for i in range(400)] == [two.model(i) for i in range(400)]
    assert one.card_text(17) == two.card_text(17)
    assert [one.model_id(i) for i in range(400)] != [other.model_id(i) for i in range(400)]


def test_mix_is_mostly_derivatives_of_older_existing_bases(catalog):
    kinds = Counter(KIND_NAMES[k] for k in catalog.kind)
    assert 0.07 <= kinds["original"] / catalog.size <= 0.13
    assert kinds["quantized"] + kinds["finetune"] + kinds["vendor_quant"] > 0.6 * catalog.size
    ids = {catalog.model_id(i) for i in range(catalog.size)}
    for i in range(catalog.size):
        if catalog.kind[i] == ORIGINAL:
            continue
        base = catalog.base[i]
        assert base > i, "a base is older (a larger position) than its derivative"
        info = catalog.model(i, full=False)
        assert info["cardData"]["base_model"] in ids
        assert f"base_model:{info['cardData']['base_model']}" in info["tags"]


def test_ids_unique_created_strictly_newest_first_and_found_by_id(catalog):
    ids = [catalog.model_id(i) for i in range(catalog.size)]
    assert len(set(ids)) == len(ids)
    created = [catalog.created_ts(i) for i in range(catalog.size)]
    assert all(a > b for a, b in zip(created, created[1:], strict=False))
    for i in (0, 1, 999, catalog.size - 1):
        assert catalog.position(ids[i]) == i
    assert catalog.position("nobody/nothing") is None


@pytest.mark.parametrize("i", [0, 5, 42, 2999])
def test_model_shapes_follow_the_hub(catalog, i):
    info = catalog.model(i)
    assert len(info["_id"]) == 24 and len(info["sha"]) == 40
    assert info["id"] == info["modelId"] and info["author"] == info["id"].split("/")[0]
    assert info["createdAt"].endswith(".000Z")
    assert isinstance(info["siblings"], list) and {"rfilename": "README.md"} in info["siblings"]
    has_weights = info["safetensors"].get("total") or info["gguf"].get("total")
    assert has_weights and has_weights > 0
    card = catalog.card_text(i)
    assert card.startswith("---\n") and f"# {info['id'].split('/')[1]}" in card
    if info["cardData"].get("license"):
        assert f"license: {info['cardData']['license']}" in card


def test_saved_catalog_is_the_same_catalog(catalog, saved):
    loaded = SyntheticCatalog.load(Path(saved))
    assert loaded.stats() == catalog.stats()
    positions = list(range(0, catalog.size, 7))
    assert loaded.listing_body(positions, LISTING_EXPAND) == catalog.listing_body(
        positions, LISTING_EXPAND
    )
    assert loaded.model(123) == catalog.model(123)


# --------------------------------------------------------------------------- over HTTP


def test_global_listing_pages_every_model_once_newest_first(server, catalog):
    entries, pages = walk(server.url, [("sort", "createdAt"), ("limit", "1000"), *EXPAND])
    assert pages == 3
    assert [e["id"] for e in entries] == [catalog.model_id(i) for i in range(catalog.size)]
    assert list(entries[0]) == ["_id", "id", *LISTING_EXPAND]


def test_org_listing_is_the_org_share_of_the_global_order(server, catalog):
    org = Counter(catalog.org_of(i) for i in range(catalog.size)).most_common(1)[0][0]
    query = [("author", org), ("sort", "createdAt"), ("limit", "100"), *EXPAND]
    entries, pages = walk(server.url, query)
    want = [catalog.model_id(i) for i in range(catalog.size) if catalog.org_of(i) == org]
    assert [e["id"] for e in entries] == want
    assert pages == -(-len(want) // 100)


def test_other_projections_and_sorts_are_rendered(server, catalog):
    status, _, body = get(server.url, "/api/models?limit=3&full=true")
    assert status == 200
    first = orjson.loads(body)[0]
    assert "siblings" in first and "trendingScore" in first  # default sort: trending
    entries, _ = walk(server.url, [("sort", "likes"), ("limit", "1000"), ("expand[]", "likes")])
    likes = [e["likes"] for e in entries]
    assert len(entries) == catalog.size and likes == sorted(likes, reverse=True)


@pytest.mark.parametrize(
    "path",
    ["/api/agent-harnesses", "/api/models/nobody/nothing", "/nobody/nothing/raw/main/README.md"],
)
def test_what_is_not_served_is_404(server, path):
    status, _, _ = get(server.url, path)
    assert status == 404


def _settled_stats(url: str) -> dict:
    """The server's counts once every request answered so far is counted: it counts a request
    after sending the answer, so a client can read the counts before its last request is in.
    Settled when two reads 20 ms apart agree (reading the counts is not counted)."""
    previous = orjson.loads(get(url, "/_replay/stats")[2])
    for _ in range(100):
        time.sleep(0.02)
        current = orjson.loads(get(url, "/_replay/stats")[2])
        if current.get("requests", 0) == previous.get("requests", 0):
            return current
        previous = current
    raise AssertionError("the replay server's counts never settled")


def test_info_and_card_by_id_and_counted(server, catalog):
    before = _settled_stats(server.url)
    repo = catalog.model_id(10)
    status, _, body = get(server.url, f"/api/models/{repo}")
    assert status == 200 and orjson.loads(body) == catalog.model(10)
    status, _, body = get(server.url, f"/{repo}/raw/main/README.md")
    assert status == 200 and body.decode() == catalog.card_text(10)
    after = _settled_stats(server.url)
    assert after["info"] - before.get("info", 0) == 1
    assert after["card"] - before.get("card", 0) == 1


def test_huggingface_hub_lists_the_whole_catalog(server, catalog, monkeypatch, tmp_path):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_ENDPOINT", server.url)  # its side requests (agent-harnesses) too
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    from huggingface_hub import HfApi

    models = list(
        HfApi(endpoint=server.url).list_models(
            sort="createdAt", limit=catalog.size, expand=list(LISTING_EXPAND)
        )
    )
    assert [m.id for m in models] == [catalog.model_id(i) for i in range(catalog.size)]
    assert models[0].sha == catalog.sha(0)


# --------------------------------------------------------------------------- a real crawl


@pytest.mark.crawl
def test_toolscout_crawls_a_small_synthetic_hub(tmp_path, monkeypatch):
    from sqlmodel import Session, func, select

    from bench.make_catalog import sources_toml
    from ingest.crawl import crawl
    from store.db import make_engine
    from store.models import Candidate, Variant

    small = SyntheticCatalog(150, seed=3)
    srv = synthetic_server(str(small.save(tmp_path / "catalog", LISTING_EXPAND))).start()
    try:
        (tmp_path / "sources.toml").write_text(sources_toml(small, srv.url, 50))
        db_url = f"sqlite:///{tmp_path / 'store.db'}"
        monkeypatch.setenv("HF_ENDPOINT", srv.url)
        monkeypatch.setenv("TOOLSCOUT_SOURCES", str(tmp_path / "sources.toml"))
        monkeypatch.setenv("DATABASE_URL", db_url)
        outcome = crawl(["hf"], time_limit=240)
    finally:
        srv.stop()
    assert outcome.exit_code == 0 and all(r.status == "ok" for r in outcome.runs)
    # Derivatives of an original release attach to its candidate, whatever the order of
    # arrival (README, "Grouping").
    of_originals = [
        small.model_id(i)
        for i in range(small.size)
        if small.kind[i] != ORIGINAL
        and small.kind[small.base[i]] == ORIGINAL
        and small.org_of(i) in small.orgs("derivative")
    ]
    engine = make_engine(db_url)
    with Session(engine) as s:
        variants = s.exec(select(func.count()).select_from(Variant)).one()
        candidates = s.exec(select(func.count()).select_from(Candidate)).one()
        unattached = s.exec(
            select(Variant.repo_id).where(
                Variant.repo_id.in_(of_originals), Variant.candidate_id.is_(None)
            )
        ).all()
    engine.dispose()
    assert variants == small.size
    originals = sum(1 for k in small.kind if k == ORIGINAL)
    assert 0 < candidates <= originals
    assert of_originals and unattached == []
