"""The editor pages: login, CSRF, queue filters, candidate page, actions, escaping, binding.

TestClient drives the app in-process; `test_run_serves_and_stops_on_sigterm` starts the real
`toolscout run` (scheduler and uvicorn) in a child process and stops it with SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from store.models import Candidate, Event
from tests.conftest import ROOT, _free_port
from tests.web_seed import (
    HOSTILE_SLUG,
    IMG,
    PAYLOADS,
    SCRIPT,
    csrf_of,
    seed,
    slugs,
)
from web.app import create_app
from web.config import ConfigError, EditorConfig, check_bind, parse_tokens

# TestClient names its server "testserver"; the https test, "tools.example".
TEST_HOSTS = frozenset({"testserver", "tools.example"})
CONFIG = EditorConfig(
    password="correct horse", tokens={"tok-bob-123": "bob"}, allowed_hosts=TEST_HOSTS
)


@pytest.fixture
def store(engine, db_url, monkeypatch, tmp_path):
    seed(engine, monkeypatch, tmp_path, db_url)
    return engine


@pytest.fixture
def anon(store):
    with TestClient(create_app(store, CONFIG, sync_interval=0)) as c:
        yield c


def login(client: TestClient, secret: str = "correct horse", name: str = "alice"):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "secret": secret, "name": name, "next": "/queue"},
        follow_redirects=False,
    )


@pytest.fixture
def editor(anon):
    assert login(anon).status_code == 303
    return anon


def post(client: TestClient, path: str, **data):
    page = client.get("/queue")
    return client.post(path, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False)


def history(engine, slug: str) -> list[Event]:
    with Session(engine) as s:
        cand = s.exec(select(Candidate).where(Candidate.slug == slug)).one()
        return list(s.exec(select(Event).where(Event.candidate_id == cand.id).order_by(Event.id)))


def cand(engine, slug: str) -> Candidate:
    with Session(engine) as s:
        return s.exec(select(Candidate).where(Candidate.slug == slug)).one()


# -- login and CSRF -----------------------------------------------------------------------
def test_pages_need_a_login(anon):
    response = anon.get("/queue?status=all", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fqueue%3Fstatus%3Dall"
    assert anon.get("/candidates/gemma-3", follow_redirects=False).status_code == 303
    assert anon.get("/status", follow_redirects=False).status_code == 303


def _post_routes(routes) -> list[str]:
    paths = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router (our routers: no prefix)
            paths += _post_routes(route.original_router.routes)
        elif "POST" in (getattr(route, "methods", None) or ()):
            if route.path.startswith("/hooks/"):  # machine posts: a secret, not a session
                continue
            paths.append(route.path.replace("{slug}", "gemma-3"))
    return paths


def test_every_post_is_refused_without_session_or_csrf(anon, store):
    routes = _post_routes(anon.app.routes)
    assert {"/login", "/logout", "/queue/bulk", "/candidates/gemma-3/status"} <= set(routes)
    fresh = TestClient(anon.app)  # no cookie at all
    for path in routes:
        assert fresh.post(path, data={"action": "accept"}).status_code == 403, path
    assert login(anon).status_code == 303
    token = csrf_of(anon.get("/queue").text)
    for path in routes:
        response = anon.post(path, data={"action": "accept", "field": "name", "option": "0"})
        assert response.status_code == 403, path  # a session but no token
        wrong = anon.post(path, data={"csrf": token[::-1], "action": "accept"})
        assert wrong.status_code == 403, path
    cross = anon.post(
        "/candidates/gemma-3/status",
        data={"csrf": token, "action": "accept"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert cand(store, "gemma-3").status == "new"


LOGINS = [
    ("correct horse", "alice", 303, "alice"),
    ("correct horse", "", 401, None),  # the shared password needs a name for the audit log
    ("wrong", "alice", 401, None),
    ("tok-bob-123", "", 303, "bob"),  # a token names its editor
    ("tok-bob-123", "mallory", 303, "bob"),
]


@pytest.mark.parametrize(("secret", "name", "status", "who"), LOGINS)
def test_login_with_password_or_token(anon, secret, name, status, who):
    response = login(anon, secret, name)
    assert response.status_code == status
    if who:
        assert f"editor: <strong>{who}</strong>" in anon.get("/queue").text


def test_session_cookie_flags_and_logout(store):
    app = create_app(store, CONFIG, sync_interval=0)
    with TestClient(app, base_url="https://tools.example") as c:
        response = login(c)
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        before = csrf_of(c.get("/queue").text)
        out = c.post("/logout", data={"csrf": before}, follow_redirects=False)
        assert out.headers["location"] == "/login"
        assert c.get("/queue", follow_redirects=False).status_code == 303
    with TestClient(app) as c:  # plain http: no Secure flag, or the browser would drop it
        assert "Secure" not in login(c).headers["set-cookie"]


def test_login_is_throttled_after_repeated_failures(anon):
    for _ in range(5):
        assert login(anon, "nope").status_code == 401
    assert login(anon).status_code == 429


def test_tokens_from_the_environment():
    assert parse_tokens("alice:tok1, bob:tok2") == {"tok1": "alice", "tok2": "bob"}
    assert parse_tokens("") == {}
    for bad in ("alice", "alice:", ":tok", "a:x,b:x"):
        with pytest.raises(ConfigError):
            parse_tokens(bad)


# -- binding without a password -----------------------------------------------------------
BINDS = [
    ("127.0.0.1", False),
    ("::1", False),
    ("localhost", False),
    ("0.0.0.0", True),
    ("::", True),
    ("192.168.1.10", True),
    ("tools.example.com", True),
]


@pytest.mark.parametrize(("host", "refused"), BINDS)
def test_no_password_means_loopback_only(host, refused):
    open_config = EditorConfig()
    if refused:
        with pytest.raises(ConfigError, match="TOOLSCOUT_EDITOR_PASSWORD"):
            check_bind(host, open_config)
    else:
        check_bind(host, open_config)
    check_bind(host, EditorConfig(password="x"))  # with a login any address may be served


def test_serve_refuses_the_network_without_a_password(monkeypatch):
    from ingest.cli import app

    monkeypatch.delenv("TOOLSCOUT_EDITOR_PASSWORD", raising=False)
    monkeypatch.delenv("TOOLSCOUT_EDITOR_TOKENS", raising=False)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0" in result.output


def test_open_mode_answers_loopback_hosts_only(store):
    app = create_app(store, EditorConfig(open_editor="dev"), sync_interval=0)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        page = c.get("/queue")
        assert page.status_code == 200 and "editor: <strong>dev</strong>" in page.text
        response = c.post(
            "/candidates/gemma-3/status", data={"csrf": csrf_of(page.text), "action": "accept"}
        )
        assert response.status_code == 200
    assert [e.editor for e in history(store, "gemma-3") if e.action == "status"] == ["dev"]
    with TestClient(app, base_url="http://rebound.evil.example") as c:  # DNS rebinding
        assert c.get("/queue").status_code == 400  # a host not allowed, before any page


# -- queue ----------------------------------------------------------------------------------
def queue_slugs(client, query: str = "") -> list[str]:
    html = client.get(f"/queue?{query}").text
    return re.findall(r'<tr id="c-[^"]*" data-slug="([^"]+)"', html)


QUEUE_FILTERS = [
    ("", ["evil-7b", "qwen3", "llama-4-scout", "gemma-3"]),  # newest release first
    ("vendor=Meta", ["llama-4-scout"]),
    ("family=permissive", ["qwen3"]),
    ("family=none", ["evil-7b"]),
    ("commercial=unknown", ["evil-7b"]),
    ("commercial=yes", ["qwen3", "llama-4-scout", "gemma-3"]),
    ("min_params=50B", ["llama-4-scout"]),
    ("max_params=8B", ["evil-7b", "gemma-3"]),
    ("min_params=10&max_params=20", ["gemma-3"]),  # a bare number means billions
    ("source=feed", ["evil-7b"]),
    ("source=hub", ["qwen3", "llama-4-scout", "gemma-3"]),
    ("conflicts=1", ["evil-7b"]),
    ("q=gemma", ["gemma-3"]),
    ("q=google%2Fgemma-3-4b", ["gemma-3"]),  # a repo id
    ("q=nothing+like+this", []),
    ("status=accepted", []),
]


@pytest.mark.parametrize(("query", "expected"), QUEUE_FILTERS)
def test_queue_filters_and_search(editor, query, expected):
    assert queue_slugs(editor, query) == expected


def test_queue_rows_show_what_an_editor_needs(editor):
    html = editor.get("/queue").text
    row = re.search(r'<tr id="c-gemma-3".*?</tr>', html, re.S).group(0)
    for text in (
        "Gemma 3 (4B &amp; 27B)",
        "Google DeepMind",
        "4B, 27B",
        "gemma",
        "Free",
        "2 repos",
    ):
        assert text in row, text
    assert "new release by watched org google" in row  # why queued
    assert re.search(
        r"col-first_seen\" title=\"\d{4}-\d\d-\d\d \d\d:\d\d\">\d{4}-\d\d-\d\d<", row
    )  # first seen, as a date


def test_snoozed_candidates_come_back_when_due(editor, store):
    assert (
        post(editor, "/candidates/qwen3/status", action="snooze", until="2099-01-01").status_code
        == 303
    )
    assert "qwen3" not in queue_slugs(editor)
    assert queue_slugs(editor, "status=snoozed") == ["qwen3"]
    assert (
        post(editor, "/candidates/qwen3/status", action="snooze", until="2000-01-01").status_code
        == 303
    )
    assert "qwen3" in queue_slugs(editor)  # its date has passed


def test_bulk_actions(editor, store):
    response = post(
        editor, "/queue/bulk", action="reject", slug=["qwen3", "llama-4-scout"], reason="old news"
    )
    assert response.status_code == 303
    assert slugs(store, status="rejected") == ["llama-4-scout", "qwen3"]
    assert cand(store, "qwen3").status_reason == "old news"
    # one bad slug changes nothing at all
    post(editor, "/queue/bulk", action="accept", slug=["gemma-3", "no-such-thing"])
    assert cand(store, "gemma-3").status == "new"
    assert "no candidate with slug" in editor.get("/queue").text


# -- candidate page and actions -------------------------------------------------------------
def test_candidate_page_shows_fields_evidence_variants_and_history(editor):
    html = editor.get("/candidates/gemma-3").text
    for text in (
        "Gemma 3 (4B &amp; 27B)",
        "google/gemma-3-27b-it",  # a variant
        "unsloth/gemma-3-27b-it-GGUF",  # a derivative
        "safetensors",  # evidence: where the params were read
        # a repo's evidence links to its model page on the Hub, and to its card
        'href="https://huggingface.co/google/gemma-3-27b-it"',
        'href="https://huggingface.co/google/gemma-3-27b-it/blob/main/README.md"',
        "crawler:hf:google",  # history
        'name="csrf"',
    ):
        assert text in html, text
    assert editor.get("/candidates/no-such").status_code == 404


def test_actions_are_recorded_with_the_editor(editor, store):
    assert (
        post(
            editor, "/candidates/llama-4-scout/status", action="reject", reason="not new"
        ).status_code
        == 303
    )
    post(editor, "/candidates/qwen3/status", action="duplicate", of="gemma-3")
    post(editor, "/candidates/gemma-3/status", action="accept")
    post(editor, "/candidates/llama-4-scout/status", action="reopen")
    assert cand(store, "llama-4-scout").status == "new"
    assert cand(store, "qwen3").duplicate_of == cand(store, "gemma-3").id
    events = [e for e in history(store, "llama-4-scout") if e.action == "status"]
    assert [(e.editor, e.field, e.new) for e in events] == [
        ("alice", "status", "rejected"),
        ("alice", "status_reason", "not new"),
        ("alice", "status", "new"),
    ]
    page = editor.get("/candidates/gemma-3").text
    assert "Sources merged from duplicates" in page and "Qwen/Qwen3-30B-A3B" in page
    bad = post(editor, "/candidates/gemma-3/status", action="duplicate", of="gemma-3")
    assert bad.status_code == 303
    assert "cannot duplicate itself" in editor.get("/candidates/gemma-3").text


def test_possible_duplicates_are_suggested_with_scores(editor, store):
    with Session(store) as s:
        s.add(
            Candidate(
                slug="gemma-3-repost",
                name="Gemma 3 (27B)",
                org="reposter",
                family="Gemma 3 (27B)",
                family_key="gemma-3",
            )
        )
        s.commit()
    html = editor.get("/candidates/gemma-3-repost").text
    similar = html[html.index('<section class="similar"') :]
    assert "Gemma 3 (4B &amp; 27B)" in similar and "<td>1.00</td>" in similar
    post(editor, "/candidates/gemma-3-repost/status", action="duplicate", of="gemma-3")
    assert cand(store, "gemma-3-repost").duplicate_of == cand(store, "gemma-3").id


EDITS = [
    ("sizes", "1B, 4B, 12B & 27B", lambda v: [s["label"] for s in v] == ["1B", "4B", "12B", "27B"]),
    ("license", "apache-2.0", lambda v: v["id"] == "Apache-2.0" and v["commercial_use"] is True),
    ("commercial_use", "no", lambda v: v is False),
    ("announced_at", "2025-03-12", lambda v: v.startswith("2025-03-12T00:00:00")),
    ("tagline", "Open models from Google", lambda v: v == "Open models from Google"),
]


@pytest.mark.parametrize(("field", "text", "check"), EDITS)
def test_edit_any_field_as_an_override(editor, store, field, text, check):
    assert post(editor, "/candidates/gemma-3/edit", field=field, value=text).status_code == 303
    c = cand(store, "gemma-3")
    assert check(c.overrides[field])
    assert field not in (c.fields or {}) or c.fields[field] != c.overrides[field]
    edit = [e for e in history(store, "gemma-3") if e.action == "override"]
    assert [(e.editor, e.field) for e in edit] == [("alice", field)]
    page = editor.get("/candidates/gemma-3").text
    assert 'class="override-note"' in page
    post(editor, "/candidates/gemma-3/clear", field=field)
    assert field not in (cand(store, "gemma-3").overrides or {})


def test_a_bad_edit_is_explained_not_saved(editor, store):
    post(editor, "/candidates/gemma-3/edit", field="sizes", value="big")
    assert not cand(store, "gemma-3").overrides
    assert "is not a parameter count" in editor.get("/candidates/gemma-3").text
    post(editor, "/candidates/gemma-3/edit", field="repos", value="[]")
    assert "cannot be edited" in editor.get("/candidates/gemma-3").text


def test_one_click_conflict_choice(editor, store):
    page = editor.get(f"/candidates/{HOSTILE_SLUG}").text
    assert 'id="conflict-license"' in page
    post(editor, f"/candidates/{HOSTILE_SLUG}/choose", field="license", option="1")
    c = cand(store, HOSTILE_SLUG)
    assert c.overrides["license"]["id"] == "MIT"  # the observed license, whole
    assert 'id="conflict-license"' not in editor.get(f"/candidates/{HOSTILE_SLUG}").text
    assert editor.get("/queue?conflicts=1").text.count("data-slug=") == 0


def test_a_recrawl_that_disagrees_with_an_edit_shows_a_conflict(editor, store):
    from ingest.renormalize import renormalize_all

    post(editor, "/candidates/gemma-3/edit", field="license", value="apache-2.0")
    with Session(store) as s:  # the derived value changes under the editor's override
        c = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
        c.fields = {**c.fields, "license": {"id": "gemma-2", "name": "Gemma 2 terms"}}
        s.add(c)
        s.commit()
    page = editor.get("/candidates/gemma-3").text
    assert 'id="conflict-license"' in page and "the crawl now says something else" in page
    post(editor, "/candidates/gemma-3/choose", field="license", option="0")  # keep mine
    assert 'id="conflict-license"' not in editor.get("/candidates/gemma-3").text
    renormalize_all()  # derives `gemma` again: a change since the editor looked
    assert cand(store, "gemma-3").overrides["license"]["id"] == "Apache-2.0"
    assert 'id="conflict-license"' in editor.get("/candidates/gemma-3").text
    post(editor, "/candidates/gemma-3/choose", field="license", option="1")  # the crawl's
    c = cand(store, "gemma-3")
    assert "license" not in c.overrides and c.fields["license"]["id"] == "gemma"


# -- status page ----------------------------------------------------------------------------
def test_status_page_shows_source_health(editor):
    html = editor.get("/status").text
    assert "hf:google" in html and "healthy" in html
    assert "hf:Qwen" in html and "unhealthy" in html and "last run failed" in html
    assert "HTTP 500 on https://hub.test/api" in html
    assert SCRIPT not in html
    google = re.search(r'<tr class="health-healthy">.*?</tr>', html, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", google, re.S)
    assert cells[4:8] == ["ok", "3", "0", "5"]  # status, requests, 304, items


# -- hostile content ------------------------------------------------------------------------
PAGES = [
    "/queue",
    "/queue?status=all&q=evil",
    f"/candidates/{HOSTILE_SLUG}",
    "/status",
    "/api/docs",
]


@pytest.mark.parametrize("path", PAGES)
def test_hostile_content_is_escaped(editor, path):
    response = editor.get(path)
    html = response.text
    assert response.status_code == 200
    for payload in PAYLOADS:
        assert payload not in html
    assert "onerror=" not in html.replace("onerror=alert(&#39;xss-img&#39;)", "")
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I)
    assert "<script" not in html.replace('<script src="/static/app.js" defer></script>', "")
    assert not re.search(r"\sstyle=", html)  # no inline style: the CSP forbids it anyway
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp


def test_hostile_candidate_text_is_shown_escaped(editor):
    html = editor.get(f"/candidates/{HOSTILE_SLUG}").text
    assert "&lt;script&gt;alert(&#39;xss-script&#39;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(&#39;xss-img&#39;)&gt;" in html
    assert "javascript:alert(&#39;xss-link&#39;)" in html  # shown as text, never as a link
    assert IMG not in html


# -- toolscout run --------------------------------------------------------------------------
def test_run_serves_and_stops_on_sigterm(tmp_path, replay):
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[hub]\nendpoint = "{replay.url}"\ninterval = "1h"\norgs = ["google"]\n')
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "TOOLSCOUT_SOURCES": str(sources),
        "HF_ENDPOINT": replay.url,
        "TOOLSCOUT_EDITOR_PASSWORD": "pw",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("toolscout")), "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/api/tools").json()["items"] == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        log = proc.stdout.read().decode()
        assert "scheduler stopped" in log and "web server stopped" in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- small pure parts -------------------------------------------------------------------------
URLS = [
    ("https://huggingface.co/google/gemma-3-27b-it", True),
    ("http://127.0.0.1:8765/api/models/x#cardData", True),
    ("javascript:alert(1)", False),
    ("JavaScript:alert(1)", False),
    (" javascript:alert(1)", False),
    ("java\tscript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("//evil.example/x", False),
    ("https:///nohost", False),
    ("vbscript:msgbox(1)", False),
    (None, False),
]


@pytest.mark.parametrize(("url", "linked"), URLS)
def test_only_plain_http_links_become_links(url, linked):
    from web.render import safe_url

    assert (safe_url(url) is not None) is linked


VALUES = [
    ("sizes", "70B & 400B", ["70B", "400B"]),
    ("sizes", "(1B, 4B, 12B & 27B)", ["1B", "4B", "12B", "27B"]),
    ("sizes", "30B-A3B, 235B-A22B", ["30B-A3B", "235B-A22B"]),
    ("sizes", "135m", ["135M"]),
    ("license", "Apache-2.0", "Apache-2.0"),
    ("license", "gemma", "gemma"),
    ("license", "llama3.1", "llama3.1"),
    ("license", "A research license", "other:a research license"),
    ("commercial_use", "unknown", None),
    ("announced_at", "2025-03-12T07:58:02Z", "2025-03-12T07:58:02+00:00"),
    ("description", "  Runs on one GPU.  ", "Runs on one GPU."),
    ("gated", "true", True),  # an unknown field takes JSON
]


@pytest.mark.parametrize(("field", "text", "expected"), VALUES)
def test_what_an_editor_types_is_parsed_to_the_fields_shape(field, text, expected):
    from store.overrides import parse_value

    value = parse_value(field, text)
    if field == "sizes":
        value = [s["label"] for s in value]
    elif field == "license":
        value = value["id"]
    assert value == expected


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/queue?status=all", "/queue?status=all"),
        ("/candidates/gemma-3", "/candidates/gemma-3"),
        ("//evil.example/", "/queue"),
        ("https://evil.example/", "/queue"),
        ("/\\evil.example", "/queue"),
        ("/queue\r\nSet-Cookie: x=1", "/queue"),
    ],
)
def test_redirects_stay_on_this_site(target, safe):
    from web.auth import safe_next

    assert safe_next(target) == safe
