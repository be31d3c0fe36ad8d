"""Web hardening over real HTTP (uvicorn on a loopback port, configured by `server_config`):
error pages keep their status in a browser's eyes, logout ends a session on the server,
X-Forwarded-For is believed only from configured proxies, the Host header never reaches a
link, and every odd query parameter answers 4xx, never 500."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import feedparser
import httpx
import pytest

from tests.conftest import _free_port
from tests.web_seed import csrf_of, seed
from web.app import create_app
from web.config import ConfigError, EditorConfig, config_from_env
from web.serve import server_config

PASSWORD = "correct horse"
HTML = {"Accept": "text/html,application/xhtml+xml"}


def start(engine, config: EditorConfig):
    port = _free_port()
    app = create_app(engine, config, sync_interval=0.2)
    import uvicorn

    server = uvicorn.Server(server_config("127.0.0.1", port, config, app, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def web(engine, db_url, monkeypatch, tmp_path):
    """A seeded store behind uvicorn; yields a function that serves it with a config."""
    seed(engine, monkeypatch, tmp_path, db_url)
    running = []

    def serve(**config) -> str:
        server, thread, base = start(engine, EditorConfig(password=PASSWORD, **config))
        running.append((server, thread))
        return base

    yield serve
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=15)


def login(client: httpx.Client, secret: str = PASSWORD, headers: dict | None = None):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "secret": secret, "name": "alice", "next": "/queue"},
        headers=headers or {},
    )


# -- error pages --------------------------------------------------------------------------
def test_html_error_pages_keep_their_status(web):
    base = web()
    with httpx.Client(base_url=base) as c:
        assert login(c).status_code == 303
        missing = c.get("/candidates/no-such-model", headers=HTML)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "no-such-model" in missing.text
        forged = c.post("/candidates/gemma-3/status", data={"action": "accept"}, headers=HTML)
        assert forged.status_code == 403 and "CSRF" in forged.text
    with httpx.Client(base_url=base) as c:
        for _ in range(5):
            assert login(c, "wrong").status_code == 401
        throttled = login(c, headers=HTML)
        assert throttled.status_code == 429
        assert throttled.headers["content-type"].startswith("text/html")


# -- sessions -----------------------------------------------------------------------------
def test_logout_ends_the_session_on_the_server(web):
    base = web()
    with httpx.Client(base_url=base) as c:
        assert login(c).status_code == 303
        stolen = dict(c.cookies)
        assert c.get("/queue").status_code == 200
        token = csrf_of(c.get("/queue").text)
        assert c.post("/logout", data={"csrf": token}).status_code == 303
    # The cookie as it was before logout (a copy an attacker kept) no longer logs in.
    with httpx.Client(base_url=base, cookies=stolen) as c:
        response = c.get("/queue")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_a_changed_password_ends_the_sessions_it_opened(engine, db_url, monkeypatch, tmp_path):
    seed(engine, monkeypatch, tmp_path, db_url)
    key = b"k" * 32  # the signing key stays: only the password changes
    first, thread, base = start(engine, EditorConfig(password="old", secret=key))
    with httpx.Client(base_url=base) as c:
        assert login(c, "old").status_code == 303
        cookies = dict(c.cookies)
    first.should_exit = True
    thread.join(timeout=15)
    second, thread, base = start(engine, EditorConfig(password="new", secret=key))
    try:
        with httpx.Client(base_url=base, cookies=cookies) as c:
            assert c.get("/queue").status_code == 303
    finally:
        second.should_exit = True
        thread.join(timeout=15)


# -- proxies ------------------------------------------------------------------------------
def test_rotating_x_forwarded_for_does_not_reset_the_throttle(web):
    base = web()
    with httpx.Client(base_url=base) as c:
        codes = [
            login(c, "wrong", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(8)
        ]
    assert codes[:5] == [401] * 5
    assert set(codes[5:]) == {429}


def test_x_forwarded_for_is_believed_from_a_configured_proxy(web):
    base = web(trusted_proxies=("127.0.0.1",))
    with httpx.Client(base_url=base) as c:
        for i in range(6):
            # Each attempt comes from another client behind the proxy: none is throttled.
            assert (
                login(c, "wrong", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 401
            )


# -- hosts and links ----------------------------------------------------------------------
def test_a_forged_host_is_refused_and_never_linked(web):
    base = web()
    with httpx.Client(base_url=base) as c:
        for path in ("/feeds/tools.atom", "/api/tools", "/queue", "/healthz"):
            assert c.get(path, headers={"Host": "evil.example"}).status_code == 400, path
        feed = feedparser.parse(c.get("/feeds/tools.atom").content)
        links = [feed.feed.link] + [link.href for e in feed.entries for link in e.links]
        assert links and all(urlsplit(link).hostname == "127.0.0.1" for link in links)


def test_public_url_makes_the_links(web):
    base = web(public_url="https://tools.example.com", allowed_hosts=frozenset({"tools.lan"}))
    with httpx.Client(base_url=base) as c:
        for host in ("tools.example.com", "tools.lan", "localhost"):
            body = c.get("/feeds/tools.atom", headers={"Host": host}).content
            feed = feedparser.parse(body)
            assert feed.feed.id == "https://tools.example.com/feeds/tools.atom", host
        assert c.get("/api/tools", headers={"Host": "evil.example"}).status_code == 400


ENV_ERRORS = [
    ({"TOOLSCOUT_PUBLIC_URL": "tools.example.com"}, "TOOLSCOUT_PUBLIC_URL"),
    ({"TOOLSCOUT_PUBLIC_URL": "ftp://tools.example.com"}, "TOOLSCOUT_PUBLIC_URL"),
    ({"TOOLSCOUT_ALLOWED_HOSTS": "https://tools.example.com"}, "TOOLSCOUT_ALLOWED_HOSTS"),
    ({"TOOLSCOUT_ALLOWED_HOSTS": "tools.example.com:8000"}, "TOOLSCOUT_ALLOWED_HOSTS"),
    ({"TOOLSCOUT_TRUSTED_PROXIES": "proxy.lan"}, "TOOLSCOUT_TRUSTED_PROXIES"),
    ({"TOOLSCOUT_EDITOR_TOKENS": "alice"}, "TOOLSCOUT_EDITOR_TOKENS"),
]


@pytest.mark.parametrize(("env", "named"), ENV_ERRORS)
def test_web_settings_that_cannot_work_name_their_variable(env, named):
    with pytest.raises(ConfigError, match=named):
        config_from_env(env)


def test_web_settings_from_the_environment():
    config = config_from_env(
        {
            "TOOLSCOUT_PUBLIC_URL": "https://Tools.example.com/",
            "TOOLSCOUT_ALLOWED_HOSTS": "a.example, [::2],10.0.0.5",
            "TOOLSCOUT_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        }
    )
    assert config.public_url == "https://Tools.example.com"
    assert config.allowed_hosts == {"a.example", "::2", "10.0.0.5"}
    assert config.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert [config.host_allowed(h) for h in ("tools.example.com", "127.0.0.9", "b.example")] == [
        True,
        True,
        False,
    ]
    assert config_from_env({}).allowed_hosts == frozenset()


# -- query parameters ---------------------------------------------------------------------
def _cursor(text: str) -> str:
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


ODD_QUERIES = [
    "/api/changes?since=" + "9" * 40,
    "/api/changes?since=" + "9" * 19,
    "/api/changes?since=%C2%B2",  # "²": a digit to str.isdigit(), not to int()
    "/api/changes?since=%E0%A5%A7",  # Devanagari one
    "/api/changes?since=" + "1" * 41,
    "/api/changes?since=2025-13-45",
    "/api/changes?limit=0",
    "/api/changes?limit=abc",
    "/api/tools?cursor=" + "A" * 101,
    "/api/tools?cursor=" + _cursor("t" + "9" * 60),
    "/api/tools?cursor=" + _cursor("t-1"),
    "/api/tools?cursor=%FF%FE",
    "/api/tools?since=2025-01-01&cursor=" + _cursor("u1|9999-99-99"),
    "/api/tools?since=2025-01-01&cursor=" + _cursor("u" + "9" * 30 + "|2025-01-01"),
    "/api/tools?since=nope",
    "/api/tools?min_params=-1",
    "/api/tools?min_params=nan",
    "/api/tools?limit=100000",
    "/api/tools?commercial=maybe",
    "/feeds/tools.atom?limit=-5",
]


@pytest.mark.parametrize("path", ODD_QUERIES)
def test_odd_query_parameters_answer_4xx_with_one_detail(web, path):
    base = web()
    response = httpx.get(base + path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    assert "detail" in response.json()


def test_a_deeply_nested_edit_is_refused_not_a_500(web):
    base = web()
    with httpx.Client(base_url=base) as c:
        assert login(c).status_code == 303
        token = csrf_of(c.get("/candidates/gemma-3").text)
        deep = "[" * 9999 + "]" * 9999
        response = c.post(
            "/candidates/gemma-3/edit",
            data={"csrf": token, "field": "notes", "value": deep},
            headers=HTML,
        )
        assert response.status_code == 303
        page = c.get(response.headers["location"])
        assert page.status_code == 200 and "nested more than" in page.text


ODD_FORMS = [
    ("/candidates/gemma-3/choose", {"field": "license", "option": "9" * 30}),
    ("/candidates/gemma-3/choose", {"field": "license", "option": "-1"}),
    ("/candidates/gemma-3/choose", {"field": "nosuch", "option": "0"}),
    ("/candidates/gemma-3/status", {"action": "snooze", "until": "9999-12-31T23:59:59-23:59"}),
    ("/candidates/gemma-3/status", {"action": "snooze", "until": "²"}),
    ("/candidates/gemma-3/status", {"action": "duplicate", "of": "gemma-3"}),
    ("/candidates/gemma-3/status", {"action": "launch"}),
    ("/candidates/gemma-3/edit", {"field": "sizes", "value": "9" * 500 + "B"}),
    ("/candidates/gemma-3/edit", {"field": "announced_at", "value": "99999-01-01"}),
    ("/candidates/gemma-3/edit", {"field": "x" * 70, "value": "1"}),
    ("/candidates/gemma-3/edit", {"field": "notes", "value": "{" * 5000}),
    ("/candidates/gemma-3/edit", {"field": "license", "value": "(" * 3000}),
    ("/candidates/gemma-3/clear", {"field": "nosuch"}),
    ("/queue/bulk", {"action": "bogus", "slug": "gemma-3"}),
    ("/queue?status=%ED%A0%80", None),
    ("/api/tools?vendor=%FF", None),
    ("/login?next=%C0%AF", None),
]


@pytest.mark.parametrize(("path", "form"), ODD_FORMS)
def test_odd_forms_and_bytes_never_answer_500(web, path, form):
    base = web()
    with httpx.Client(base_url=base) as c:
        assert login(c).status_code == 303
        if form is None:
            response = c.get(path, headers=HTML)
        else:
            token = csrf_of(c.get("/queue").text)
            response = c.post(path, data={"csrf": token, **form}, headers=HTML)
        assert response.status_code < 500, (path, response.status_code)
