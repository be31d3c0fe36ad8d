"""The replay server and the Hub fixtures it serves: shapes, pagination, caching, faults."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from fixtures.replay import DEFAULT_LIST_KEYS, HubCatalog, ListQuery, ReplayServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HUB = FIXTURES / "hub"
HUB_LATER = FIXTURES / "hub_later"


def load_models(root: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((root / "models").glob("*/*.json")):
        model = json.loads(path.read_text(encoding="utf-8"))
        out[model["id"]] = model
    return out


MODELS = load_models(HUB)
LATER = load_models(HUB_LATER)


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", headers: dict | None = None, body=None) -> Reply:
    """One request on a fresh connection; raw so faults are visible (no redirects, no retries)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        path = parts.path + ("?" + parts.query if parts.query else "")
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        payload = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload)
    finally:
        conn.close()


def next_link(reply: Reply) -> str | None:
    match = re.match(r'<([^>]+)>;\s*rel="next"', reply.headers.get("link", ""))
    return match.group(1) if match else None


def front_matter(card: str) -> dict | None:
    card = card.replace("\r\n", "\n")
    if not card.startswith("---\n"):
        return None
    return yaml.safe_load(card[4 : card.index("\n---\n", 4)])


@pytest.fixture(scope="module")
def server():
    srv = ReplayServer([HUB]).start()
    yield srv
    srv.stop()


@pytest.fixture
def hub(server):
    server.clear_faults()
    server.clear_log()
    yield server
    server.clear_faults()
    server.clear_log()
    server.set_roots([HUB])


# --------------------------------------------------------------------------- listing


def sort_value(model: dict, sort: str) -> float:
    value = model.get(sort)
    if sort in ("createdAt", "lastModified"):
        return datetime.fromisoformat(value).timestamp()
    return float(value or 0)


@pytest.mark.parametrize(
    ("author", "sort", "limit"),
    [
        ("google", "createdAt", 5),
        ("google", "likes", 5),
        ("google", "downloads", 4),
        ("google", "trendingScore", 5),
        ("google", "lastModified", 3),
        ("Qwen", "createdAt", 2),
        ("meta-llama", "likes", 5),
        ("mistralai", "createdAt", 1),
        ("textcraft-labs", "downloads", 5),
    ],
)
def test_author_pages_cover_every_model_once_in_descending_order(hub, author, sort, limit):
    expected = {i for i, m in MODELS.items() if m["author"] == author}
    url = f"{hub.url}/api/models?author={author}&sort={sort}&limit={limit}"
    seen: list[dict] = []
    pages = 0
    while url:
        reply = request(url)
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("application/json")
        page = reply.json()
        assert isinstance(page, list) and 0 < len(page) <= limit
        seen += page
        pages += 1
        url = next_link(reply)
        if url:
            assert url.startswith(hub.url + "/api/models?")
            params = dict(parse_qsl(urlsplit(url).query))
            assert params["author"] == author and params["sort"] == sort
            assert params["limit"] == str(limit) and params["cursor"]
        assert pages <= len(expected)
    ids = [m["id"] for m in seen]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert pages == -(-len(expected) // limit)
    values = [sort_value(MODELS[i], sort) for i in ids]
    assert values == sorted(values, reverse=True)


def test_google_has_enough_repos_for_pagination():
    assert sum(m["author"] == "google" for m in MODELS.values()) >= 11
    assert len(MODELS) >= 45


def test_default_list_items_carry_only_the_default_keys(hub):
    page = request(f"{hub.url}/api/models?author=google&limit=50").json()
    for item in page:
        assert set(item) <= set(DEFAULT_LIST_KEYS)
        assert {"_id", "id", "tags", "createdAt", "downloads", "likes"} <= set(item)
        assert "sha" not in item and "cardData" not in item


@pytest.mark.parametrize(
    "expand",
    [
        ["safetensors"],
        ["cardData", "safetensors", "gguf"],
        ["createdAt", "lastModified", "sha", "baseModels", "gated", "config"],
        ["downloadsAllTime"],
    ],
)
def test_expand_returns_only_the_asked_keys(hub, expand):
    query = "&".join(f"expand[]={e}" for e in expand)
    page = request(f"{hub.url}/api/models?limit=1000&{query}").json()
    assert len(page) == len(MODELS)
    for item in page:
        full = MODELS[item["id"]]
        assert set(item) == {"_id", "id"} | {k for k in expand if k in full}
        for key in expand:
            if key in item:
                assert item[key] == full[key]
    one = request(f"{hub.url}/api/models/google/gemma-3-27b-it?{query}").json()
    assert set(one) == {"_id", "id"} | {k for k in expand if k in MODELS["google/gemma-3-27b-it"]}


def test_expand_accepts_plain_repeated_param(hub):
    page = request(f"{hub.url}/api/models?author=Qwen&expand=safetensors&expand=gguf").json()
    gguf = next(p for p in page if p["id"] == "Qwen/Qwen3-32B-GGUF")
    assert gguf["safetensors"] == {} and gguf["gguf"]["total"] == 32762123264


@pytest.mark.parametrize(
    "query",
    [
        "expand[]=bogus",
        "expand[]=safetensors&expand[]=parameters",
        "expand[]=safetensors&full=true",
        "expand[]=safetensors&config=true",
        "expand[]=safetensors&cardData=true",
        "sort=author",
        "limit=ten",
        "cursor=%%%",
    ],
)
def test_bad_list_parameters_are_400_json(hub, query):
    reply = request(f"{hub.url}/api/models?{query}")
    assert reply.status == 400
    assert isinstance(reply.json()["error"], str)


@pytest.mark.parametrize(
    ("query", "must_have", "must_not"),
    [
        ("search=GEMMA-3-27b", {"google/gemma-3-27b-it", "unsloth/gemma-3-27b-it-GGUF"}, {"google/gemma-3-4b-it"}),
        ("filter=gguf", {"bartowski/Llama-3.3-70B-Instruct-GGUF"}, {"google/gemma-3-27b-it"}),
        ("filter=base_model:quantized:google/gemma-3-27b-it", {"mlx-community/gemma-3-27b-it-4bit"}, {"mirrorhub-ai/gemma-3-27b-it"}),
        ("filter=license:gemma&filter=text-generation", {"google/gemma-3-1b-it"}, {"google/gemma-3-27b-it"}),
        ("pipeline_tag=text2text-generation", {"google/flan-t5-base"}, {"google/gemma-3-1b-it"}),
        ("num_parameters=min:100B,max:500B", {"meta-llama/Llama-4-Maverick-17B-128E-Instruct"}, {"Qwen/Qwen3-32B"}),
    ],
)  # fmt: skip
def test_search_and_filters(hub, query, must_have, must_not):
    ids = {m["id"] for m in request(f"{hub.url}/api/models?limit=1000&{query}").json()}
    assert must_have <= ids
    assert not (must_not & ids)


def test_filtered_listing_paginates(hub):
    url = f"{hub.url}/api/models?search=gemma&sort=likes&limit=2"
    ids = []
    while url:
        reply = request(url)
        ids += [m["id"] for m in reply.json()]
        url = next_link(reply)
    assert sorted(ids) == sorted(i for i in MODELS if "gemma" in i.lower())


# --------------------------------------------------------------------------- model info, cards


def test_model_info_is_the_stored_object(hub):
    for path in ("google/gemma-3-27b-it", "google/gemma-3-27b-it/revision/main"):
        reply = request(f"{hub.url}/api/models/{path}")
        assert reply.status == 200
        assert reply.json() == MODELS["google/gemma-3-27b-it"]
        assert reply.headers["last-modified"].endswith("GMT")


@pytest.mark.parametrize(
    "path", ["nobody/nothing", "google/gemma-9-1t", "google/gemma-3-27b-it/revision/v9"]
)
def test_model_info_404(hub, path):
    reply = request(f"{hub.url}/api/models/{path}")
    assert reply.status == 404
    assert "error" in reply.json()


def test_raw_readme_is_served_byte_for_byte(hub):
    for repo_id in MODELS:
        reply = request(f"{hub.url}/{repo_id}/raw/main/README.md")
        assert reply.status == 200, repo_id
        assert reply.headers["content-type"] == "text/plain; charset=utf-8"
        assert reply.body == (HUB / "cards" / f"{repo_id}.md").read_bytes()
    assert b"\r\n" in request(f"{hub.url}/Qwen/Qwen3-32B-GGUF/raw/main/README.md").body
    assert request(f"{hub.url}/google/gemma-3-1b-it/resolve/main/README.md").status == 200


def test_card_replay_options_and_missing_cards(tmp_path):
    root = tmp_path / "hub"
    (root / "models" / "acme").mkdir(parents=True)
    (root / "cards" / "acme").mkdir(parents=True)
    for name in ("gated", "nocard", "hidden"):
        model = dict(MODELS["google/gemma-3-1b-it"], id=f"acme/{name}", author="acme")
        (root / "models" / "acme" / f"{name}.json").write_text(json.dumps(model))
    (root / "cards" / "acme" / "gated.md").write_text("---\nlicense: mit\n---\n")
    (root / "cards" / "acme" / "hidden.md").write_text("---\nlicense: mit\n---\n")
    (root / "replay.toml").write_text(
        '[cards."acme/gated"]\nstatus = 401\n\n[cards."acme/hidden"]\nmissing = true\n'
    )
    with ReplayServer([root]) as srv:
        gated = request(f"{srv.url}/acme/gated/raw/main/README.md")
        assert gated.status == 401 and b"restricted" in gated.body
        for name in ("nocard", "hidden"):
            reply = request(f"{srv.url}/acme/{name}/raw/main/README.md")
            assert (reply.status, reply.body) == (404, b"Entry not found")
        assert request(f"{srv.url}/acme/other/raw/main/README.md").status == 404
        assert request(f"{srv.url}/api/models/acme/gated").status == 200


def test_unknown_paths_are_404_never_a_json_list(hub):
    for path in ("/api/agent-harnesses", "/api/spaces", "/nothing/here", "/"):
        reply = request(hub.url + path)
        assert reply.status == 404, path
        assert not reply.body.startswith(b"[")


def test_static_files_are_served_with_type_and_validators(tmp_path):
    static = tmp_path / "site" / "static"
    (static / "blog").mkdir(parents=True)
    (static / "blog" / "feed.xml").write_text('<?xml version="1.0"?><rss version="2.0"></rss>')
    (static / "releases.atom.xml").write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>')
    (static / "page.html").write_text("<html></html>")
    with ReplayServer([HUB, tmp_path / "site"]) as srv:
        feed = request(f"{srv.url}/blog/feed.xml")
        assert feed.status == 200
        assert feed.headers["content-type"].startswith("application/rss+xml")
        atom = request(f"{srv.url}/releases.atom.xml")
        assert atom.headers["content-type"].startswith("application/atom+xml")
        assert request(f"{srv.url}/page.html").headers["content-type"].startswith("text/html")
        again = request(
            f"{srv.url}/blog/feed.xml",
            headers={"If-Modified-Since": feed.headers["last-modified"]},
        )
        assert again.status == 304 and again.body == b""
        assert request(f"{srv.url}/blog/../../etc/passwd").status == 404


def test_keep_alive_serves_many_requests_on_one_connection(hub):
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    try:
        statuses = []
        etag = None
        for path in (
            "/api/models?author=google&limit=5",
            "/api/models/nobody/nothing",
            "/api/models?expand[]=bogus",
            "/google/gemma-3-1b-it/raw/main/README.md",
            "/api/agent-harnesses",
            "/api/models/google/gemma-3-1b-it",
            "/api/models/google/gemma-3-1b-it",
        ):
            headers = {"If-None-Match": etag} if etag and path.endswith("1b-it") else {}
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
            if path.endswith("1b-it"):
                etag = resp.getheader("ETag")
            sock = conn.sock
            assert sock is not None
        assert statuses == [200, 404, 400, 200, 404, 200, 304]
        conn.request("HEAD", "/api/models/google/gemma-3-1b-it")
        head = conn.getresponse()
        assert head.read() == b"" and int(head.getheader("Content-Length")) > 1000
        assert conn.sock is sock  # never reconnected
    finally:
        conn.close()


# --------------------------------------------------------------------------- conditional GET


@pytest.mark.parametrize(
    "path",
    [
        "/api/models?author=google&limit=5",
        "/api/models/google/gemma-3-27b-it",
        "/google/gemma-3-27b-it/raw/main/README.md",
    ],
)
def test_etag_gives_304(hub, path):
    first = request(hub.url + path)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    second = request(hub.url + path, headers={"If-None-Match": etag})
    assert second.status == 304 and second.body == b""
    assert second.headers["etag"] == etag
    assert request(hub.url + path, headers={"If-None-Match": '"other"'}).status == 200


def test_if_modified_since(hub):
    path = "/api/models/google/gemma-3-27b-it"
    lm = request(hub.url + path).headers["last-modified"]
    assert request(hub.url + path, headers={"If-Modified-Since": lm}).status == 304
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert request(hub.url + path, headers={"If-Modified-Since": past}).status == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-Modified-Since": lm, "If-None-Match": '"stale"'}
    assert request(hub.url + path, headers=both).status == 200


def test_ratelimit_headers_on_api_responses(hub):
    first = request(f"{hub.url}/api/models/google/gemma-3-1b-it")
    second = request(f"{hub.url}/api/models/google/gemma-3-1b-it")
    r1 = int(re.search(r"r=(\d+)", first.headers["ratelimit"]).group(1))
    r2 = int(re.search(r"r=(\d+)", second.headers["ratelimit"]).group(1))
    assert r2 == r1 - 1
    assert re.fullmatch(r'"api";r=\d+;t=\d+', second.headers["ratelimit"])
    assert second.headers["ratelimit-policy"] == '"fixed window";"api";q=500;w=300'
    assert "ratelimit" not in request(f"{hub.url}/google/gemma-3-1b-it/raw/main/README.md").headers


# --------------------------------------------------------------------------- faults


def test_fault_429_with_retry_after_and_ratelimit(hub):
    hub.add_faults(
        [{"match": r"^/api/models\?", "fault": "429", "retry_after": 7, "ratelimit_t": 55}]
    )
    reply = request(f"{hub.url}/api/models?author=google")
    assert reply.status == 429
    assert reply.headers["retry-after"] == "7"
    assert reply.headers["ratelimit"] == '"api";r=0;t=55'
    assert "rate limit" in reply.json()["error"]
    assert request(f"{hub.url}/api/models?author=google").status == 200  # times defaults to 1


@pytest.mark.parametrize("kind", ["500", "503"])
def test_fault_server_errors(hub, kind):
    hub.add_faults([{"match": "gemma-3-4b-it", "fault": kind, "times": 2}])
    url = f"{hub.url}/api/models/google/gemma-3-4b-it"
    assert [request(url).status for _ in range(3)] == [int(kind), int(kind), 200]


def test_fault_truncate_breaks_the_connection(hub):
    hub.add_faults([{"match": "/api/models/google/gemma-3-27b-it", "fault": "truncate"}])
    with pytest.raises(http.client.IncompleteRead):
        request(f"{hub.url}/api/models/google/gemma-3-27b-it")


def test_fault_truncate_clean_is_well_formed_http_with_broken_json(hub):
    hub.add_faults([{"match": "/api/models/google/gemma-3-27b-it", "fault": "truncate_clean"}])
    reply = request(f"{hub.url}/api/models/google/gemma-3-27b-it")
    assert reply.status == 200
    assert int(reply.headers["content-length"]) == len(reply.body)
    with pytest.raises(json.JSONDecodeError):
        reply.json()


def test_fault_reset(hub):
    hub.add_faults([{"match": "author=google", "fault": "reset"}])
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        request(f"{hub.url}/api/models?author=google")
    assert request(f"{hub.url}/api/models?author=google").status == 200


def test_fault_html_instead_of_json(hub):
    hub.add_faults([{"match": "author=google", "fault": "html"}])
    reply = request(f"{hub.url}/api/models?author=google")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert reply.body.lstrip().lower().startswith(b"<!doctype html")


def test_fault_big_body_has_the_asked_size(hub):
    hub.add_faults([{"match": "author=google", "fault": "big", "size": 3_000_000}])
    reply = request(f"{hub.url}/api/models?author=google")
    assert reply.status == 200
    assert len(reply.body) == int(reply.headers["content-length"]) == 3_000_000
    assert len(reply.json()) > 10_000


def test_fault_redirect_loop(hub):
    hub.add_faults([{"match": "author=google", "fault": "redirect_loop", "times": -1}])
    url = f"{hub.url}/api/models?author=google"
    seen = []
    for _ in range(6):
        reply = request(url)
        assert reply.status == 302
        url = reply.headers["location"]
        seen.append(url)
    assert len(set(seen)) == 2  # bounces between two URLs forever
    hub.clear_faults()
    hub.add_faults([{"match": "author=google", "fault": "redirect_loop", "mode": "self"}])
    start = f"{hub.url}/api/models?author=google"
    assert request(start).headers["location"] == start


def test_fault_slow(hub):
    hub.add_faults([{"match": "gemma-3-1b-pt", "fault": "slow", "delay": 0.4}])
    began = time.monotonic()
    assert request(f"{hub.url}/api/models/google/gemma-3-1b-pt").status == 200
    assert time.monotonic() - began >= 0.4


def test_fault_wrong_charset(hub):
    hub.add_faults([{"match": "README", "fault": "wrong_charset"}])
    reply = request(f"{hub.url}/google/gemma-3-1b-pt/raw/main/README.md")
    assert reply.headers["content-type"] == "text/plain; charset=iso-8859-1"
    assert reply.body == (HUB / "cards/google/gemma-3-1b-pt.md").read_bytes()


def test_first_matching_rule_wins_and_always_rules_persist(hub):
    hub.add_faults(
        [
            {"match": "gemma-3-12b-it", "fault": "503", "times": -1},
            {"match": "gemma", "fault": "500", "times": -1},
        ]
    )
    assert [request(f"{hub.url}/api/models/google/gemma-3-12b-it").status for _ in range(3)] == [
        503
    ] * 3
    assert request(f"{hub.url}/api/models/google/gemma-3-1b-it").status == 500
    assert request(f"{hub.url}/api/models/Qwen/Qwen3-8B").status == 200


def test_unknown_fault_kind_is_rejected(hub):
    with pytest.raises(ValueError):
        hub.add_faults([{"match": ".", "fault": "explode"}])


# --------------------------------------------------------------------------- log and control


def test_request_log_records_requests_but_not_control_calls(hub):
    headers = {
        "User-Agent": "toolscout-test/1.0",
        "If-None-Match": '"x"',
        "Cache-Control": "max-age=0",
    }
    request(f"{hub.url}/api/models?author=google&limit=5", headers=headers)
    request(f"{hub.url}/api/models/nobody/nothing")
    request(f"{hub.url}/_replay/log")
    log = hub.request_log()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/api/models", 200),
        ("GET", "/api/models/nobody/nothing", 404),
    ]
    first = log[0]
    assert first["query"] == "author=google&limit=5"
    assert first["headers"]["user-agent"] == "toolscout-test/1.0"
    assert first["headers"]["if-none-match"] == '"x"'
    assert first["headers"]["cache-control"] == "max-age=0"
    assert abs(first["time"] - time.time()) < 60
    hub.clear_log()
    assert hub.request_log() == []


def test_control_api_over_http(hub):
    rules = [{"match": "gemma-3-4b-pt", "fault": "503"}]
    assert request(f"{hub.url}/_replay/faults", "POST", body=rules).status == 200
    assert request(f"{hub.url}/api/models/google/gemma-3-4b-pt").status == 503
    request(f"{hub.url}/_replay/faults", "POST", body=rules)
    assert request(f"{hub.url}/_replay/faults", "DELETE").status == 200
    assert request(f"{hub.url}/api/models/google/gemma-3-4b-pt").status == 200
    log = request(f"{hub.url}/_replay/log").json()
    assert [e["status"] for e in log] == [503, 200]
    assert log[0]["fault"] == "503"
    assert request(f"{hub.url}/_replay/log", "DELETE").status == 200
    assert request(f"{hub.url}/_replay/log").json() == []
    bad = request(f"{hub.url}/_replay/faults", "POST", body=[{"fault": "nope"}])
    assert bad.status == 400
    roots = {"roots": [str(HUB), str(HUB_LATER)]}
    assert request(f"{hub.url}/_replay/roots", "POST", body=roots).json()["models"] == len(
        MODELS
    ) + len(LATER)


def test_set_roots_adds_the_later_models(hub):
    def newest(author: str) -> list[str]:
        return [
            m["id"]
            for m in request(f"{hub.url}/api/models?author={author}&sort=createdAt&limit=3").json()
        ]

    assert "google/gemma-3-270m-it" not in newest("google")
    hub.set_roots([HUB, HUB_LATER])
    assert newest("google")[:2] == ["google/gemma-3-270m-it", "google/gemma-3-270m"]
    assert newest("Qwen")[0] == "Qwen/Qwen3-14B"
    assert request(f"{hub.url}/Qwen/Qwen3-14B/raw/main/README.md").status == 200
    hub.set_roots([HUB])
    assert request(f"{hub.url}/api/models/Qwen/Qwen3-14B").status == 404


def test_later_models_are_newer_than_every_first_run_model():
    first_newest = max(m["createdAt"] for m in MODELS.values())
    assert all(m["createdAt"] > first_newest for m in LATER.values())
    assert not set(LATER) & set(MODELS)


def test_command_line_server_prints_url_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "fixtures.replay", "--root", str(HUB), "--port", "0"],
        cwd=FIXTURES.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert request(f"{url}/_replay/health").json()["models"] == len(MODELS)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_catalog_pages_a_large_synthetic_catalog_quickly():
    models = [
        {"_id": f"{i:024x}", "id": f"org{i % 50}/m{i}", "author": f"org{i % 50}",
         "likes": i % 997, "createdAt": "2025-01-01T00:00:00.000Z"}
        for i in range(200_000)
    ]  # fmt: skip
    catalog = HubCatalog(models)
    began = time.monotonic()
    after, seen = None, 0
    while True:
        page, after = catalog.page(ListQuery(author="org7", sort="likes", limit=1000, after=after))
        seen += len(page)
        if after is None:
            break
    assert seen == 4000
    assert time.monotonic() - began < 5


# --------------------------------------------------------------------------- fixture integrity

REQUIRED_KEYS = {
    "_id", "id", "private", "tags", "downloads", "likes", "modelId", "author", "sha",
    "lastModified", "gated", "disabled", "config", "siblings", "spaces", "createdAt",
}  # fmt: skip
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


@pytest.mark.parametrize("repo_id", sorted(MODELS) + sorted(LATER))
def test_fixture_model_has_the_real_keys_and_matches_its_card(repo_id):
    root = HUB if repo_id in MODELS else HUB_LATER
    model = {**MODELS, **LATER}[repo_id]
    assert set(model) >= REQUIRED_KEYS
    assert model["id"] == model["modelId"] == repo_id
    assert model["author"] == repo_id.split("/")[0]
    assert re.fullmatch(r"[0-9a-f]{40}", model["sha"])
    assert re.fullmatch(r"[0-9a-f]{24}", model["_id"])
    assert DATE_RE.match(model["createdAt"]) and DATE_RE.match(model["lastModified"])
    assert model["lastModified"] >= model["createdAt"]
    created = datetime.fromisoformat(model["createdAt"])
    assert int(model["_id"][:8], 16) == int(created.timestamp())  # ObjectId time prefix
    assert model["gated"] in (False, "auto", "manual")
    assert "region:us" in model["tags"]
    files = [s["rfilename"] for s in model["siblings"]]
    assert "README.md" in files and files == sorted(files)
    if model.get("gguf"):
        assert model["safetensors"] == {}
        assert model["gguf"]["total"] > 0 and any(f.endswith(".gguf") for f in files)
    else:
        st = model["safetensors"]
        assert st["total"] == sum(st["parameters"].values())
        assert any(f.endswith(".safetensors") for f in files)

    card = (root / "cards" / f"{repo_id}.md").read_bytes().decode("utf-8")
    meta = front_matter(card)
    assert model.get("cardData") == meta
    license_ = (meta or {}).get("license")
    assert (model.get("cardData") or {}).get("license") == license_
    for lic in license_ if isinstance(license_, list) else [license_] if license_ else []:
        assert f"license:{lic}" in model["tags"]
    bases = (meta or {}).get("base_model") or []
    bases = [bases] if isinstance(bases, str) else bases
    for base in bases:
        assert f"base_model:{base}" in model["tags"]
    if bases:
        assert [m["id"] for m in model["baseModels"]["models"]] == bases
        relation = model["baseModels"]["relation"]
        assert all(f"base_model:{relation}:{b}" in model["tags"] for b in bases)


@pytest.mark.parametrize(
    ("repo_id", "total"),
    [
        ("google/gemma-3-27b-it", 27432406640),
        ("google/gemma-3-1b-pt", 999885952),
        ("meta-llama/Llama-4-Scout-17B-16E", 108641793536),
        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", 401583781376),
        ("mistralai/Mistral-Small-Instruct-2409", 22247282688),
        ("Qwen/Qwen3-30B-A3B", 30532122624),
        ("deepseek-ai/DeepSeek-R1", 684531386000),
        ("microsoft/Phi-3-mini-4k-instruct", 3821079552),
        ("mlx-community/gemma-3-27b-it-4bit", 463375600 + 26893352960),
    ],
)
def test_fixture_parameter_totals(repo_id, total):
    assert MODELS[repo_id]["safetensors"]["total"] == total


def test_fixture_edge_cases_are_present():
    cards = {i: (HUB / "cards" / f"{i}.md").read_bytes() for i in MODELS}
    metas = {i: front_matter(c.decode()) for i, c in cards.items()}
    assert any(b"\r\n" in c for c in cards.values())
    assert any(m is None for m in metas.values())
    assert any(isinstance((m or {}).get("license"), list) for m in metas.values())
    assert any((m or {}).get("license") == "license:gemma" for m in metas.values())
    assert any(
        (m or {}).get("license") == "other" and m.get("license_name") == "apache-2.0"
        for m in metas.values()
    )
    assert any(isinstance((m or {}).get("base_model"), list) for m in metas.values())
    assert any(isinstance((m or {}).get("model-index"), dict) for m in metas.values())
    assert MODELS["google/flan-t5-base"]["createdAt"] == "2022-03-02T23:29:04.000Z"
    scout = metas["meta-llama/Llama-4-Scout-17B-16E-Instruct"]
    assert (scout["license"], scout["license_name"]) == ("other", "llama4")
    maverick = metas["meta-llama/Llama-4-Maverick-17B-128E-Instruct"]
    assert (maverick["license"], maverick["license_name"]) == ("llama4", "llama4")
    assert b"109B (Total)" in cards["meta-llama/Llama-4-Scout-17B-16E"]
    assert b"The 27B model was trained with 14 trillion tokens" in cards["google/gemma-3-27b-pt"]
    assert b"30.5B in total and 3.3B activated" in cards["Qwen/Qwen3-30B-A3B"]
    assert b"46.7B" in cards["mistralai/Mixtral-8x7B-Instruct-v0.1"]
    assert not re.search(rb"\d+(\.\d+)?\s?B\b", cards["deepseek-ai/DeepSeek-R1"])
    assert (
        "base_model:quantized:google/gemma-3-27b-it"
        in MODELS["unsloth/gemma-3-27b-it-GGUF"]["tags"]
    )
