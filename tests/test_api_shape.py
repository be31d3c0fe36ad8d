"""One API shape: size bounds as the web filter takes them, one error body, CORS on the public
GET routes only, titled sources of every kind, and an OpenAPI document that describes and
exemplifies every field. Runs on SQLite and PostgreSQL (`db_url`)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from store.models import Observation
from store.queue import get_candidate, set_status
from tests.web_seed import seed
from web.app import create_app
from web.config import ConfigError, EditorConfig, config_from_env, parse_origins


@pytest.fixture
def store(engine, db_url, monkeypatch, tmp_path):
    seed(engine, monkeypatch, tmp_path, db_url)
    with Session(engine, expire_on_commit=False) as s:
        for slug in ("gemma-3", "qwen3", "llama-4-scout"):
            set_status(s, slug, "accepted", "editor:alice")
        gemma = get_candidate(s, "gemma-3")
        s.add(
            Observation(
                candidate_id=gemma.id,
                field="pricing",
                subject="pricing:openrouter:google/gemma-3-27b-it",
                extractor="pricing.openrouter",
                value={"tier": "paid", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2},
                source_url="http://prices.test/api/v1/models#google/gemma-3-27b-it",
                snippet='"prompt": "0.0000001"',
            )
        )
        s.commit()
    return engine


def client_for(store, **config) -> TestClient:
    config = EditorConfig(password="pw", allowed_hosts=frozenset({"testserver"}), **config)
    return TestClient(create_app(store, config, sync_interval=0))


@pytest.fixture
def client(store):
    with client_for(store) as c:
        yield c


def slugs(client, **params) -> list[str]:
    response = client.get("/api/tools", params=params)
    assert response.status_code == 200, response.text
    return sorted(t["slug"] for t in response.json()["items"])


@pytest.mark.parametrize(
    ("words", "count"),
    [
        ({"min_params": "20B"}, {"min_params": "2e10"}),
        ({"max_params": "5B"}, {"max_params": "5000000000"}),
        ({"min_params": "4b", "max_params": "30B"}, {"min_params": 4e9, "max_params": 3e10}),
        ({"min_params": "500M"}, {"min_params": 5e8}),
        ({"max_params": "1.5T"}, {"max_params": 1.5e12}),
    ],
)
def test_size_bounds_take_words_as_the_web_filter_does(client, words, count):
    assert slugs(client, **words) == slugs(client, **count)


def test_size_bounds_filter_for_real(client):
    assert slugs(client) == ["gemma-3", "llama-4-scout", "qwen3"]
    assert "gemma-3" not in slugs(client, min_params="30B")  # 4B & 27B
    assert slugs(client, max_params="1B") == []


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/tools?min_params=seven", 400, "min_params"),
        ("/api/tools?max_params=-3", 400, "max_params"),
        ("/api/tools?max_params=nan", 400, "max_params"),
        ("/api/tools?limit=0", 422, "limit"),
        ("/api/tools?limit=abc", 422, "limit"),
        ("/api/tools?cursor=%%%", 400, "cursor"),
        ("/api/tools?commercial=perhaps", 422, "commercial"),
        ("/api/tools/no-such-tool", 404, "no-such-tool"),
        ("/api/changes?since=yesterday", 400, "since"),
        ("/api/nowhere", 404, "Not Found"),
        ("/feeds/tools.atom?limit=0", 422, "limit"),
    ],
)
def test_one_error_body_everywhere(client, path, status, says):
    response = client.get(path)
    assert response.status_code == status
    body = response.json()
    assert isinstance(body["detail"], str) and says in body["detail"]


def test_a_foreign_host_gets_the_same_error_body(store):
    with client_for(store) as c:
        response = c.get("/api/tools", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("origins", "origin", "path", "allowed"),
    [
        (("*",), "https://site.example", "/api/tools", "*"),
        (("*",), "https://site.example", "/api/tools/gemma-3", "*"),
        (("*",), "https://site.example", "/api/changes", "*"),
        (("*",), "https://site.example", "/feeds/tools.atom", "*"),
        (("*",), "https://site.example", "/openapi.json", "*"),
        (("*",), "https://site.example", "/queue", None),  # editor pages: never
        (("*",), "https://site.example", "/login", None),
        (("https://site.example",), "https://site.example", "/api/tools", "https://site.example"),
        (("https://site.example",), "https://other.example", "/api/tools", None),
        ((), "https://site.example", "/api/tools", None),
    ],
)
def test_cors_on_public_get_routes_only(store, origins, origin, path, allowed):
    with client_for(store, cors_origins=origins) as c:
        response = c.get(path, headers={"Origin": origin}, follow_redirects=False)
        assert response.headers.get("access-control-allow-origin") == allowed
        assert "access-control-allow-credentials" not in response.headers
        if allowed:
            assert "ETag" in response.headers["access-control-expose-headers"]
        preflight = c.options(
            path,
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        if allowed:
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"
        else:
            assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize(
    ("text", "origins"),
    [
        (None, ("*",)),
        ("*", ("*",)),
        ("none", ()),
        ("", ()),
        (
            "https://a.example, http://b.example:8080/",
            ("https://a.example", "http://b.example:8080"),
        ),
    ],
)
def test_cors_origins_setting(text, origins):
    assert parse_origins(text) == origins
    env = {} if text is None else {"TOOLSCOUT_CORS_ORIGINS": text}
    assert config_from_env(env).cors_origins == origins


@pytest.mark.parametrize("text", ["site.example", "https://a.example/path", "ftp://a.example"])
def test_cors_origins_typos_are_refused(text):
    with pytest.raises(ConfigError, match="TOOLSCOUT_CORS_ORIGINS"):
        parse_origins(text)


def test_sources_have_a_kind_and_a_title(client):
    tool = client.get("/api/tools/gemma-3").json()
    kinds = {s["kind"] for s in tool["sources"]}
    assert {"hub", "pricing"} <= kinds
    assert all(s["title"] for s in tool["sources"])
    hub = [s for s in tool["sources"] if s["kind"] == "hub"]
    assert {s["page_url"] for s in hub} == {
        "https://huggingface.co/google/gemma-3-27b-it",
        "https://huggingface.co/google/gemma-3-4b-it",
    }
    assert {s["title"] for s in hub} == {"google/gemma-3-27b-it", "google/gemma-3-4b-it"}
    pricing = next(s for s in tool["sources"] if s["kind"] == "pricing")
    assert pricing["title"] == "openrouter price list: google/gemma-3-27b-it"
    assert pricing["url"] == "http://prices.test/api/v1/models"


def test_openapi_describes_and_exemplifies_every_field(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    missing = [
        f"{name}.{key}"
        for name in ("Size", "License", "ToolRecord", "ToolPage", "Evidence", "Source")
        + ("ToolDetail", "Change", "ChangePage", "Problem")
        + ("Pricing", "Offer", "PriceTier", "UnitPrice", "PricePeriod", "PriceHistoryPage")
        + ("Ids", "IdEntry", "IdPage", "Disagreement", "DisagreementValue", "DisagreementPage")
        for key, prop in schemas[name]["properties"].items()
        if not prop.get("description") or ("examples" not in prop and key != "license")
    ]
    assert missing == []
    assert "pricing" in schemas["Source"]["properties"]["kind"]["enum"]
    params = {p["name"]: p for p in spec["paths"]["/api/tools"]["get"]["parameters"]}
    assert params["min_params"]["schema"]["anyOf"][0]["type"] == "string"
    assert "7B" in params["min_params"]["description"]


# The record's keys before issue 20, in their order: a downstream site reads these, so they
# stay, in this order, and every key since is added after them.
KEYS_BEFORE_ISSUE_20 = [
    "slug", "name", "vendor", "family", "category", "tagline", "description", "entry_price",
    "pricing_line", "sizes", "params_min", "params_max", "license", "commercial_use",
    "announced_at", "repos", "derivatives", "published_at", "updated_at",
]  # fmt: skip
ISSUE_20_KEYS = [
    "pricing", "offers", "released_at", "first_listed_at", "knowledge_cutoff", "deprecated_at",
    "retired_at", "lifecycle", "ids",
]  # fmt: skip
# (schema, the keys it had first, in order): nested objects only add keys too
NESTED_BEFORE = [
    ("Pricing", ["tier", "input_usd_per_mtok", "output_usd_per_mtok", "subscription_usd_per_month"]),
    ("Size", ["label", "total", "active"]),
    ("License", ["id", "name", "family", "commercial_use", "osi_approved"]),
]  # fmt: skip


def test_the_public_schema_only_adds_keys(client):
    from store.publish import RECORD_KEYS

    assert list(RECORD_KEYS) == KEYS_BEFORE_ISSUE_20 + ISSUE_20_KEYS
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert list(schemas["ToolRecord"]["properties"]) == list(RECORD_KEYS)
    for name, first in NESTED_BEFORE:
        assert list(schemas[name]["properties"])[: len(first)] == first, name
    # a served record has every key, new ones included, whatever its sources state
    record = client.get("/api/tools/qwen3").json()
    assert list(record)[: len(RECORD_KEYS)] == list(RECORD_KEYS)
    assert list(record["ids"]) == ["huggingface", "openrouter", "models_dev", "litellm"]


# (path, its query parameters that must be described with an example)
NEW_PATHS = [
    ("/api/tools/{slug}/prices", []),
    ("/api/ids", ["huggingface", "openrouter", "models_dev", "litellm"]),
    ("/api/disagreements", []),
]


@pytest.mark.parametrize(("path", "described"), NEW_PATHS)
def test_openapi_describes_the_issue_20_routes(client, path, described):
    spec = client.get("/openapi.json").json()
    get = spec["paths"][path]["get"]
    assert get["summary"] and get["description"]
    params = {p["name"]: p for p in get.get("parameters", [])}
    for name in described:
        assert params[name]["description"] and params[name]["schema"]["anyOf"], name
        assert params[name].get("examples") or params[name]["schema"].get("examples"), name
    docs = client.get("/api/docs")
    assert docs.status_code == 200
