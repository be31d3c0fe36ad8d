"""The editor's day in a real browser: the system's Chromium driven by Playwright, against a
real uvicorn server on a free loopback port.

Log in, triage with the keyboard (j/k, s snooze, r reject with a reason, e edit, a accept),
then check what downstream sites see: the accepted tool in /api/tools and the Atom feed, the
rejected one in neither. Every page load is watched for XSS: any dialog (alert/confirm), a
CSP violation, or an element the payloads would inject fails the test. Screenshots of the
queue and candidate pages go to tests/artifacts/.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import feedparser
import httpx
import pytest
import uvicorn

from tests.conftest import _free_port
from tests.web_seed import HOSTILE_SLUG, seed, slugs
from web.app import create_app
from web.config import EditorConfig

CHROMIUM = os.environ.get("TOOLSCOUT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not shutil.which("chromium"),
    reason="Chromium is not installed (make test installs it: scripts/ensure-chromium.sh)",
)


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A seeded SQLite store served by uvicorn in a thread; yields its base URL."""
    from store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, monkeypatch, tmp_path, url)
    app = create_app(engine, EditorConfig(password="hunter2"), sync_interval=0.5)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine
    srv.should_exit = True
    thread.join(timeout=15)
    engine.dispose()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        yield chromium
        chromium.close()


class Watch:
    """Everything that would mean a payload ran, or tried to."""

    def __init__(self, page) -> None:
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        self.expected_dialogs = 0
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.csp.append(f"page error: {exc}"))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept() if self.expected_dialogs else dialog.dismiss()
        self.expected_dialogs = max(0, self.expected_dialogs - 1)

    def _console(self, msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.csp.append(msg.text)


def no_injection(page) -> None:
    """No element or attribute that a payload would have created."""
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1  # /static/app.js only
    assert page.locator("script[src='/static/app.js']").count() == 1
    injected = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter(el =>
             [...el.attributes].some(a => a.name.startsWith('on'))
             || (el.href && String(el.href).startsWith('javascript:'))).length"""
    )
    assert injected == 0


def test_triage_in_the_browser(server, browser):
    base, engine = server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = Watch(page)

    # log in: the pages send us to the login form first
    page.goto(f"{base}/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", "alice")
    page.fill("input[name=secret]", "hunter2")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    rows = page.locator("table.queue tr[data-slug]")
    order = [rows.nth(i).get_attribute("data-slug") for i in range(rows.count())]
    assert order == [HOSTILE_SLUG, "qwen3", "llama-4-scout", "gemma-3"]
    no_injection(page)
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

    # j moves down; s snoozes the current row (Qwen3) after asking for a date
    assert page.locator("tr.current").get_attribute("data-slug") == HOSTILE_SLUG
    page.keyboard.press("j")
    assert page.locator("tr.current").get_attribute("data-slug") == "qwen3"
    page.keyboard.press("s")
    until = page.locator("#act input[name=until]")
    assert until.is_visible()
    until.fill("2099-01-01")
    with page.expect_navigation():
        until.press("Enter")
    assert "qwen3" in slugs(engine, status="snoozed")
    # the selection lands on the row after the snoozed one
    assert page.locator("tr.current").get_attribute("data-slug") == "llama-4-scout"

    # r rejects with a reason typed in place
    page.keyboard.press("r")
    reason = page.locator("#act input[name=reason]")
    reason.fill("an old release")
    with page.expect_navigation():
        reason.press("Enter")
    assert slugs(engine, status="rejected") == ["llama-4-scout"]

    # k back up, j down to Gemma 3, e opens it for editing
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert page.locator("tr.current").get_attribute("data-slug") == "gemma-3"
    page.keyboard.press("e")
    page.wait_for_url(f"{base}/candidates/gemma-3#edit")
    first_edit = page.locator("section.fields details").first
    assert first_edit.get_attribute("open") is not None
    tagline = page.locator("#field-tagline")
    tagline.locator("summary").click()
    tagline.locator("input[name=value]").fill("Google's open models, 4B and 27B")
    tagline.locator("input[name=value]").press("Enter")
    page.wait_for_url(f"{base}/candidates/gemma-3")
    assert (
        "Google's open models, 4B and 27B" in page.locator("#field-tagline td.value").inner_text()
    )
    no_injection(page)
    page.screenshot(path=str(ARTIFACTS / "candidate.png"), full_page=True)

    # a accepts
    with page.expect_navigation():
        page.keyboard.press("a")
    assert "accepted" in page.locator("h1 .badge").inner_text()
    assert slugs(engine, status="accepted") == ["gemma-3"]

    # downstream: the accepted tool is published, the rejected one is not
    tools = httpx.get(f"{base}/api/tools").json()["items"]
    assert [t["slug"] for t in tools] == ["gemma-3"]
    assert tools[0]["tagline"] == "Google's open models, 4B and 27B"
    feed = feedparser.parse(httpx.get(f"{base}/feeds/tools.atom").content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Gemma 3 (4B & 27B)"]
    assert httpx.get(f"{base}/api/tools/llama-4-scout").status_code == 404

    # the hostile candidate's page: payloads shown as text, nothing runs
    page.goto(f"{base}/candidates/{HOSTILE_SLUG}")
    assert "<script>alert('xss-script')</script>" in page.locator("h1").inner_text()
    no_injection(page)
    page.screenshot(path=str(ARTIFACTS / "candidate-hostile.png"), full_page=True)
    page.goto(f"{base}/queue?status=all")
    no_injection(page)
    page.goto(f"{base}/status")
    no_injection(page)
    assert watch.dialogs == []
    assert watch.csp == []


def test_bulk_selection_with_the_keyboard(server, browser):
    base, engine = server
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{base}/login")
    page.fill("input[name=name]", "bob")
    page.fill("input[name=secret]", "hunter2")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    page.keyboard.press("x")  # the hostile one
    page.keyboard.press("j")
    page.keyboard.press("x")  # Qwen3
    page.select_option("#bulk select[name=action]", "reject")
    page.fill("#bulk input[name=reason]", "spam")
    watch.expected_dialogs = 1  # "reject 2 candidate(s)?"
    with page.expect_navigation():
        page.click("#bulk button[type=submit]")
    assert watch.dialogs == ["reject 2 candidate(s)?"]
    assert slugs(engine, status="rejected") == [HOSTILE_SLUG, "qwen3"]
    assert watch.csp == []


def test_error_pages_in_the_browser(server, browser):
    """What an editor sees on a wrong link, a stale form and too many failed logins: a page
    with the right status (a browser sends Accept: text/html), never 'Internal Server Error'."""
    base, _engine = server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    Watch(page)
    page.goto(f"{base}/login")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=secret]", "hunter2")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")

    missing = page.goto(f"{base}/candidates/no-such-model")
    assert missing.status == 404
    assert page.locator("h1").inner_text() == "404"
    assert "no-such-model" in page.locator("p.error").inner_text()
    page.screenshot(path=str(ARTIFACTS / "error-404.png"))

    # A form whose CSRF token went stale (another tab logged in again): 403, explained.
    page.goto(f"{base}/queue")
    page.evaluate("document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'x')")
    with page.expect_navigation() as nav:
        page.evaluate("document.querySelector('form[action=\"/logout\"]').submit()")
    assert nav.value.status == 403
    assert "CSRF" in page.locator("p.error").inner_text()
    page.screenshot(path=str(ARTIFACTS / "error-403.png"))

    # Five wrong passwords, then the sixth attempt is throttled: 429 as a page.
    other = browser.new_page()
    for _ in range(5):
        other.goto(f"{base}/login")
        other.fill("input[name=name]", "mallory")
        other.fill("input[name=secret]", "guess")
        with other.expect_navigation() as nav:
            other.click("button[type=submit]")
        assert nav.value.status == 401
    other.goto(f"{base}/login")
    other.fill("input[name=name]", "mallory")
    other.fill("input[name=secret]", "hunter2")
    with other.expect_navigation() as nav:
        other.click("button[type=submit]")
    assert nav.value.status == 429
    assert other.locator("h1").inner_text() == "429"
    other.screenshot(path=str(ARTIFACTS / "error-429.png"))
