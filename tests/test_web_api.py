"""The public read API: published records, filters, cursors, ETags, changes, Atom, export.

Runs on SQLite and PostgreSQL (`db_url`). Editor decisions go through `store.queue` and
`store.overrides`, the functions the pages call; the pages themselves are tested in
test_web_pages.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from store.models import Candidate, ToolChange, utcnow
from store.overrides import parse_value, set_override
from store.publish import RECORD_KEYS, publish_candidate
from store.queue import get_candidate, set_status
from tests.web_seed import HOSTILE_NAME, HOSTILE_SLUG, SCRIPT, seed
from web.api import _bounded
from web.app import create_app
from web.config import EditorConfig


@pytest.fixture
def store(engine, db_url, monkeypatch, tmp_path):
    seed(engine, monkeypatch, tmp_path, db_url)
    return engine


@pytest.fixture
def client(store):
    config = EditorConfig(password="pw", allowed_hosts=frozenset({"testserver"}))
    app = create_app(store, config, sync_interval=0)
    with TestClient(app) as c:
        yield c


def decide(engine, slug: str, status: str, **kw) -> None:
    with Session(engine, expire_on_commit=False) as s:
        set_status(s, slug, status, "editor:alice", **kw)
        s.commit()


def override(engine, slug: str, field: str, text: str) -> None:
    with Session(engine, expire_on_commit=False) as s:
        cand = get_candidate(s, slug)
        set_override(s, cand, field, parse_value(field, text), "alice")
        publish_candidate(s, cand)
        s.commit()


def all_tools(client, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/tools", params=query).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def replay_changes(client, limit: int = 7) -> dict[str, dict]:
    """What a downstream site holds after syncing from nothing."""
    records: dict[str, dict] = {}
    since = 0
    while True:
        page = client.get("/api/changes", params={"since": since, "limit": limit}).json()
        for ch in page["changes"]:
            if ch["action"] == "publish":
                records[ch["slug"]] = dict(ch["value"])
            elif ch["action"] == "set":
                records[ch["slug"]][ch["field"]] = ch["value"]
            else:
                records.pop(ch["slug"])
        since = page["next_since"]
        if not page["has_more"]:
            return records


def test_only_accepted_records_are_published(client, store):
    assert client.get("/api/tools").json() == {"items": [], "next_cursor": None}
    decide(store, "gemma-3", "accepted")
    decide(store, "qwen3", "accepted")
    decide(store, "llama-4-scout", "rejected", reason="not a release")
    items = all_tools(client)
    assert [t["slug"] for t in items] == ["gemma-3", "qwen3"]
    gemma = items[0]
    assert list(gemma) == list(RECORD_KEYS)
    assert gemma["vendor"] == "Google DeepMind"
    assert [s["label"] for s in gemma["sizes"]] == ["4B", "27B"]
    assert gemma["params_min"] == pytest.approx(4.3e9, rel=0.01)
    assert gemma["license"]["id"] == "gemma" and gemma["commercial_use"] is True
    assert gemma["repos"] == ["google/gemma-3-27b-it", "google/gemma-3-4b-it"]
    assert gemma["entry_price"] == "Free"  # open weights
    assert client.get("/api/tools/llama-4-scout").status_code == 404


FILTERS = [
    ({"vendor": "google deepmind"}, ["gemma-3"]),
    ({"vendor": "alibaba (qwen)"}, ["qwen3"]),
    ({"vendor": "nobody"}, []),
    ({"license": "APACHE-2.0"}, ["qwen3"]),
    ({"license": "gemma"}, ["gemma-3"]),
    ({"commercial": "true"}, ["gemma-3", "llama-4-scout", "qwen3"]),
    ({"commercial": "false"}, []),
    ({"min_params": 2e10}, ["gemma-3", "llama-4-scout", "qwen3"]),  # Gemma's 27B counts
    ({"min_params": 5e10}, ["llama-4-scout"]),  # 109B total
    ({"max_params": 5e9}, ["gemma-3"]),  # Gemma's 4B
    ({"min_params": 3e10, "max_params": 4e10}, ["qwen3"]),  # 30.5B
    ({"min_params": 1e10, "max_params": 2e10}, ["gemma-3"]),  # 4B..27B overlaps the range
    ({"vendor": "Meta", "license": "gemma"}, []),
    # combined filters may scan: past a budget they run in a worker thread, same answers
    ({"commercial": "true", "min_params": 5e10}, ["llama-4-scout"]),
    ({"vendor": "google deepmind", "max_params": 5e9}, ["gemma-3"]),
    ({"license": "apache-2.0", "min_params": 1e11}, []),
]


@pytest.mark.parametrize("path", ["loop", "thread"])
@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_filters(client, store, monkeypatch, params, expected, path):
    if path == "thread":
        # Every scanning query is over its event-loop budget at once: answered from a thread.
        monkeypatch.setattr("web.readsql.STEPS_PER_CALL", 1)
        monkeypatch.setattr("web.api.LOOP_SCAN_BUDGET", 0)
    for slug in ("gemma-3", "qwen3", "llama-4-scout"):
        decide(store, slug, "accepted")
    assert sorted(t["slug"] for t in all_tools(client, **params)) == expected


def test_since_keeps_records_updated_after_it(client, store):
    decide(store, "gemma-3", "accepted")
    mark = utcnow()
    decide(store, "qwen3", "accepted")
    assert [t["slug"] for t in all_tools(client, since=mark.isoformat())] == ["qwen3"]
    assert all_tools(client, since=mark.isoformat(), vendor="google deepmind") == []
    naive = mark.replace(tzinfo=None).isoformat()  # no offset: read as UTC
    assert [t["slug"] for t in all_tools(client, since=naive, commercial="true")] == ["qwen3"]
    override(store, "gemma-3", "tagline", "Google's open model family")
    # with `since`, records come in the order of their last update, one page at a time
    walked = [t["slug"] for t in all_tools(client, since=mark.isoformat(), limit=1)]
    assert walked == ["qwen3", "gemma-3"]
    cursor = client.get("/api/tools", params={"limit": 1}).json()["next_cursor"]
    bad = client.get("/api/tools", params={"since": mark.isoformat(), "cursor": cursor})
    assert bad.status_code == 400  # a cursor of the other order is refused, not misread


def _bulk_accepted(engine, n: int) -> None:
    now = utcnow()
    with Session(engine, expire_on_commit=False) as s:
        cands = []
        for i in range(n):
            cand = Candidate(
                slug=f"bulk-{i:04d}",
                name=f"Bulk {i} 7B",
                vendor="Bulk AI",
                org="bulk",
                family=f"Bulk {i}",
                family_key=f"bulk-{i}",
                status="accepted",
                announced_at=now - timedelta(minutes=i),
                fields={
                    "name": f"Bulk {i} 7B",
                    "vendor": "Bulk AI",
                    "sizes": [{"label": "7B", "total": 7e9, "active": None, "repos": []}],
                    "license": {"id": "MIT", "name": "MIT License", "commercial_use": True},
                    "repos": [f"bulk/bulk-{i}-7b"],
                },
            )
            s.add(cand)
            cands.append(cand)
        s.flush()
        for cand in cands:
            publish_candidate(s, cand)
        s.commit()


def test_cursor_pages_walk_every_record_once(client, store):
    _bulk_accepted(store, 53)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 10, "vendor": "bulk ai"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/tools", params=params).json()
        seen += [t["slug"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 6
    assert sorted(seen) == [f"bulk-{i:04d}" for i in range(53)]
    assert len(seen) == len(set(seen))
    assert client.get("/api/tools", params={"cursor": "garbage!"}).status_code == 400
    assert client.get("/api/tools", params={"limit": 501}).status_code == 422


def test_etag_answers_304_until_something_is_published(client, store):
    decide(store, "gemma-3", "accepted")
    first = client.get("/api/tools", params={"vendor": "google deepmind"})
    etag = first.headers["etag"]
    again = client.get(
        "/api/tools", params={"vendor": "google deepmind"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/tools", params={"vendor": "qwen"}, headers={"If-None-Match": etag})
    assert other.status_code == 200  # another query, another ETag
    combined = {"vendor": "google deepmind", "min_params": 1e9}  # answered from a thread
    tag = client.get("/api/tools", params=combined).headers["etag"]
    revalidated = client.get("/api/tools", params=combined, headers={"If-None-Match": tag})
    assert revalidated.status_code == 304
    decide(store, "qwen3", "accepted")
    after = client.get(
        "/api/tools", params={"vendor": "google deepmind"}, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200 and after.headers["etag"] != etag
    detail = client.get("/api/tools/gemma-3")
    assert (
        client.get(
            "/api/tools/gemma-3", headers={"If-None-Match": detail.headers["etag"]}
        ).status_code
        == 304
    )


def test_tool_detail_has_sources_and_evidence(client, store):
    decide(store, "gemma-3", "accepted")
    override(store, "gemma-3", "tagline", "Open weights from Google")
    tool = client.get("/api/tools/gemma-3").json()
    assert tool["tagline"] == "Open weights from Google"
    urls = {s["url"] for s in tool["sources"]}
    assert "http://hub.test/api/models/google/gemma-3-27b-it" in urls
    params = [e for e in tool["evidence"] if e["field"] == "params"]
    assert params and all(e["snippet"] and e["source_url"] for e in params)
    edited = [e for e in tool["evidence"] if e["subject"] == "editor"]
    assert edited == [
        {
            "field": "tagline",
            "subject": "editor",
            "value": "Open weights from Google",
            "source_url": None,
            "snippet": "set by an editor",
            "extractor": "editor",
            "seen_at": tool["updated_at"],
        }
    ]


def test_tool_detail_merges_the_evidence_of_duplicates(client, store):
    decide(store, "qwen3", "accepted")
    alone = client.get("/api/tools/qwen3").json()
    decide(store, HOSTILE_SLUG, "duplicate", duplicate_of="qwen3")
    merged = client.get("/api/tools/qwen3").json()
    added = {s["url"] for s in merged["sources"]} - {s["url"] for s in alone["sources"]}
    assert added == {"https://evil.example/card", "javascript:alert('xss-link')"}
    announcement = next(s for s in merged["sources"] if s["kind"] == "announcement")
    assert announcement["title"] == HOSTILE_NAME  # the duplicate's feed entry
    fields = {(e["field"], e["subject"]) for e in merged["evidence"]}
    assert ("license", "https://evil.example/card") in fields
    assert len(merged["evidence"]) == len(alone["evidence"]) + 2
    for e in merged["evidence"]:  # as stored: aware UTC times, JSON values decoded
        assert datetime.fromisoformat(e["seen_at"]).utcoffset() == timedelta(0)
    assert client.get(f"/api/tools/{HOSTILE_SLUG}").status_code == 404


BOUNDED = [  # which list queries answer on the event loop: they read only their page
    ({}, True),
    ({"vendor": "meta"}, True),
    ({"license": "mit"}, True),
    ({"commercial": False}, True),
    ({"since": "t"}, True),
    ({"since": "t", "after_at": "t"}, True),
    ({"min_params": 7e9}, False),
    ({"max_params": 7e9}, False),
    ({"vendor": "meta", "license": "mit"}, False),
    ({"commercial": True, "max_params": 1e9}, False),
    ({"since": "t", "vendor": "meta"}, False),
]


@pytest.mark.parametrize(("filters", "bounded"), BOUNDED)
def test_only_index_bounded_queries_run_on_the_event_loop(filters, bounded):
    names = ("vendor", "license", "commercial", "min_params", "max_params", "since", "after_at")
    assert _bounded({name: filters.get(name) for name in names}) is bounded


def test_replaying_changes_rebuilds_the_published_set(client, store):
    """A downstream site syncing from nothing ends with exactly what /api/tools serves,
    through publications, edits, withdrawals, re-publications, merges and crawls."""
    for slug in ("gemma-3", "qwen3", "llama-4-scout", HOSTILE_SLUG):
        decide(store, slug, "accepted")
    override(store, "gemma-3", "sizes", "1B, 4B, 12B & 27B")
    override(store, "qwen3", "commercial_use", "no")
    decide(store, "llama-4-scout", "rejected", reason="duplicate announcement")
    decide(store, HOSTILE_SLUG, "duplicate", duplicate_of="qwen3")  # merged into Qwen3
    decide(store, "llama-4-scout", "new")
    decide(store, "llama-4-scout", "accepted")
    # a crawl changes an accepted candidate; the crawler knows nothing of publication
    with Session(store, expire_on_commit=False) as s:
        cand = get_candidate(s, "llama-4-scout")
        cand.fields = {**cand.fields, "derivatives": 3}
        cand.updated_at = utcnow()
        s.add(cand)
        s.commit()
    client.app.state.sync.run_once()
    published = {t["slug"]: t for t in all_tools(client, limit=2)}
    assert sorted(published) == ["gemma-3", "llama-4-scout", "qwen3"]
    assert published["llama-4-scout"]["derivatives"] == 3
    assert published["qwen3"]["commercial_use"] is False
    assert [s["label"] for s in published["qwen3"]["sizes"]] == ["7B", "30B-A3B"]  # merged
    assert replay_changes(client) == published
    with Session(store) as s:
        actions = {c.action for c in s.exec(select(ToolChange))}
    assert actions == {"publish", "set", "delete"}


def test_changes_since_a_time_and_bad_since(client, store):
    decide(store, "gemma-3", "accepted")
    mark = utcnow()
    decide(store, "qwen3", "accepted")
    page = client.get("/api/changes", params={"since": mark.isoformat()}).json()
    assert [c["slug"] for c in page["changes"]] == ["qwen3"]
    assert client.get("/api/changes", params={"since": "yesterday"}).status_code == 400


def test_atom_feed_is_valid_and_lists_newly_published_tools(client, store):
    decide(store, "gemma-3", "accepted")
    decide(store, HOSTILE_SLUG, "accepted")
    decide(store, "qwen3", "rejected")
    override(store, "gemma-3", "tagline", "Control \x0b characters \x01 dropped <b>bold</b>")
    response = client.get("/feeds/tools.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "toolscout: newly published AI tools"
    titles = [e.title for e in feed.entries]
    assert sorted(titles) == sorted(["Gemma 3 (4B & 27B)", HOSTILE_NAME])  # text, escaped
    assert "Qwen3" not in response.text
    assert SCRIPT not in response.text  # escaped as XML, never raw markup
    gemma = next(e for e in feed.entries if e.title.startswith("Gemma"))
    # a person's page first (feed readers open it), the JSON record beside it
    assert gemma.link.endswith("/tools/gemma-3")
    links = {link.type: link.href for link in gemma.links}
    assert links["application/json"].endswith("/api/tools/gemma-3")
    page = client.get(links["text/html"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "Gemma 3 (4B &amp; 27B)" in page.text
    assert "Control  characters  dropped" in gemma.summary
    etag = response.headers["etag"]
    assert client.get("/feeds/tools.atom", headers={"If-None-Match": etag}).status_code == 304


def test_openapi_documents_the_stable_schema(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/tools", "/api/tools/{slug}", "/api/changes", "/feeds/tools.atom"} <= set(
        spec["paths"]
    )
    assert not any(p.startswith(("/queue", "/candidates", "/login")) for p in spec["paths"])
    record = spec["components"]["schemas"]["ToolRecord"]["properties"]
    assert list(record) == list(RECORD_KEYS)
    params = {p["name"] for p in spec["paths"]["/api/tools"]["get"]["parameters"]}
    assert params == {
        "vendor", "license", "commercial", "min_params", "max_params", "since", "cursor", "limit"
    }  # fmt: skip
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/changes" in docs.text


def test_api_is_public_and_cookie_free(client, store):
    decide(store, "gemma-3", "accepted")
    for path in ("/api/tools", "/api/tools/gemma-3", "/api/changes", "/feeds/tools.atom"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers
        assert "default-src 'self'" in response.headers["content-security-policy"]


def test_editor_override_survives_a_recrawl(client, store):
    from ingest.renormalize import renormalize_all

    decide(store, "gemma-3", "accepted")
    override(store, "gemma-3", "name", "Gemma 3")
    override(store, "gemma-3", "license", "Apache-2.0")
    renormalize_all()  # rebuilds fields from the stored documents, as a re-crawl would
    client.app.state.sync.run_once()
    tool = client.get("/api/tools/gemma-3").json()
    assert tool["name"] == "Gemma 3"
    assert tool["license"]["id"] == "Apache-2.0"
    with Session(store) as s:
        cand = get_candidate(s, "gemma-3")
        assert cand.fields["license"]["id"] == "gemma"  # the crawl's value is kept beside it


def test_export_jsonl_and_csv(client, store, monkeypatch):
    from ingest.cli import app

    decide(store, "gemma-3", "accepted")
    decide(store, HOSTILE_SLUG, "accepted")
    override(store, "gemma-3", "tagline", '=HYPERLINK("http://evil","x")')
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert {r["slug"]: r for r in lines} == {t["slug"]: t for t in all_tools(client)}
    result = runner.invoke(app, ["export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    text = result.stdout[result.stdout.index("slug,") :]
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {"gemma-3", HOSTILE_SLUG}
    assert rows["gemma-3"]["tagline"].startswith("'=HYPERLINK")  # no formula in a sheet
    assert rows["gemma-3"]["sizes"] == "4B; 27B"
    assert rows["gemma-3"]["license_id"] == "gemma"
    bad = runner.invoke(app, ["export", "--format", "xml"])
    assert bad.exit_code == 2


def test_a_statement_over_its_budget_stops_and_leaves_the_connection_clean(tmp_path):
    """The event loop's budget for a scanning query: a range nothing matches reads the whole
    table and is stopped; the same statement without a budget, on the same pooled
    connection, reads it all."""
    from sqlalchemy import bindparam, column, create_engine, table, text

    from web.readsql import OverBudget, prepare

    engine = create_engine(f"sqlite:///{tmp_path / 'scan.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, size REAL)"))
        conn.execute(text("INSERT INTO t (size) VALUES (:s)"), [{"s": i} for i in range(20_000)])
    t = table("t", column("id"), column("size"))
    scan = prepare(select(t.c.id).where(t.c.size > bindparam("lo")), engine.dialect)
    with engine.connect() as conn:
        assert len(scan.rows(conn, {"lo": 19_990}, budget=1000)) == 9  # within the budget
        with pytest.raises(OverBudget):
            scan.rows(conn, {"lo": 1e9}, budget=5)
        assert scan.rows(conn, {"lo": 1e9}) == []  # no budget left behind
        assert len(conn.execute(text("SELECT id FROM t")).all()) == 20_000
