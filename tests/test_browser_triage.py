"""Daily triage in a real browser, on the demo's data: the system's Chromium (Playwright)
against uvicorn on a store that `toolscout demo --once` filled, as an editor's first run.

The queue at 1440×900 (one line per row, sortable, per-status counts, new since the last
visit, the research-only badge, the duplicate hint, undo, the current row kept in view) and
at phone width (390 px); the candidate page (summary card, Hub links, conflicts grouped by
value, evidence as text, the live preview following the edit boxes, a made-up license id
refused). Screenshots and the measured numbers go to tests/artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session, select

from store.db import make_engine
from store.models import Candidate, utcnow
from tests.conftest import _free_port
from tests.test_cli_errors import toolscout
from web.app import create_app
from web.config import EditorConfig

CHROMIUM = os.environ.get("TOOLSCOUT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MEASURED = ARTIFACTS / "triage-measurements.json"

pytestmark = [
    pytest.mark.crawl,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium is not installed (make test installs it: scripts/ensure-chromium.sh)",
    ),
]


def record(**numbers) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    found = json.loads(MEASURED.read_text()) if MEASURED.exists() else {}
    found.update(numbers)
    MEASURED.write_text(json.dumps(found, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp / 'demo.db'}"
    result = toolscout(
        ["demo", "--once"], {"DATABASE_URL": url, "TOOLSCOUT_DEMO_PORT": str(_free_port())}, tmp
    )
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture
def server(demo_db, tmp_path):
    """A copy of the demo's store for each test, served by uvicorn; yields (base, engine)."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo_db.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    app = create_app(engine, EditorConfig(password="pw"), sync_interval=0)
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


@pytest.fixture(scope="module")
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


def logged_in(browser, base: str, width: int, height: int, cookies: list | None = None):
    context = browser.new_context(viewport={"width": width, "height": height})
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.goto(f"{base}/login?next=/queue")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=secret]", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    return page, errors


def status_of(engine, slug: str) -> str:
    with Session(engine) as s:
        return s.exec(select(Candidate.status).where(Candidate.slug == slug)).one()


def row_slugs(page) -> list[str]:
    return page.eval_on_selector_all(
        "table.queue tr[data-slug]", "rs => rs.map(r => r.dataset.slug)"
    )


def in_view_below_header(page, selector: str) -> bool:
    """The element is inside the viewport and not under the sticky header row."""
    return page.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    const head = document.querySelector('table.queue thead th').getBoundingClientRect();
                    return r.top >= head.bottom - 1 && r.bottom <= innerHeight + 1; }""",
        selector,
    )


def test_queue_for_daily_triage_at_1440(server, browser):
    base, engine = server
    page, errors = logged_in(browser, base, 1440, 900)

    # one line per row: every row as tall as the shortest
    heights = page.eval_on_selector_all(
        "table.queue tr[data-slug]", "rs => rs.map(r => r.getBoundingClientRect().height)"
    )
    assert len(heights) == 28 and max(heights) - min(heights) < 1, heights
    visible = page.evaluate(
        """() => [...document.querySelectorAll('table.queue tr[data-slug]')].filter(r => {
             const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight;
           }).length"""
    )
    record(queue_rows_visible_1440x900=visible, queue_row_height_px=min(heights))
    assert visible >= 20
    page.screenshot(path=str(ARTIFACTS / "queue-1440.png"))

    # per-status counts
    tabs = dict(
        page.eval_on_selector_all(
            ".status-tabs a",
            "as => as.map(a => [a.dataset.status, a.querySelector('.count').textContent])",
        )
    )
    assert tabs["new"] == "28" and tabs["held"] == "1" and tabs["accepted"] == "0"

    # the research-only / non-commercial badge and the duplicate hint with its score
    meta = page.locator("#c-codellama-4")
    assert meta.locator(".badge.restricted").inner_text() == "non-commercial"
    assert page.locator("#c-code-llama-4 .badge.restricted").inner_text() == ("research only")
    assert page.locator("#c-gemma-3 .badge.restricted").count() == 0
    hint = meta.locator("a.dup")
    assert "Code Llama 4 70B" in hint.inner_text() and hint.locator(".score").inner_text() == "1.00"
    assert "♥" in meta.locator(".col-popular").inner_text()

    # sortable: by name, then the other way
    page.click("th.col-name a")
    names = page.eval_on_selector_all("table.queue a.name", "as => as.map(a => a.textContent)")
    assert names == sorted(names, key=str.lower)
    page.click("th.col-name a")
    names = page.eval_on_selector_all("table.queue a.name", "as => as.map(a => a.textContent)")
    assert names == sorted(names, key=str.lower, reverse=True)
    assert page.locator("th.col-name").get_attribute("aria-sort") == "descending"

    # the keyboard: far down the list, the current row stays in view below the header
    page.goto(f"{base}/queue")
    for _ in range(24):
        page.keyboard.press("j")
    current = page.locator("tr.current").get_attribute("data-slug")
    current_name = page.locator("tr.current a.name").inner_text()
    assert in_view_below_header(page, "tr.current")
    slugs = row_slugs(page)
    following = slugs[slugs.index(current) + 1]
    with page.expect_navigation():
        page.keyboard.press("a")
    assert status_of(engine, current) == "accepted"
    assert page.locator("tr.current").get_attribute("data-slug") == following
    assert in_view_below_header(page, "tr.current")

    # undo the last decision with u: back in the queue, as it was
    assert current_name in page.locator("#undo .undo-label").inner_text()
    with page.expect_navigation():
        page.keyboard.press("u")
    assert status_of(engine, current) == "new"
    assert "undone" in page.locator(".flash").inner_text()
    assert page.locator("#undo").count() == 0
    assert errors == []


@pytest.mark.parametrize(
    ("mark", "new_rows"),
    [
        (timedelta(days=-3650), 28),  # the last visit was long before the crawl: all new
        (timedelta(days=1), 0),  # after it: nothing new
    ],
)
def test_new_since_your_last_visit(server, browser, mark, new_rows):
    base, _engine = server
    last = utcnow() - timedelta(hours=5)  # the visit is over: its end becomes the mark
    value = f"{(utcnow() + mark).isoformat()}|{(last if mark.days < 0 else utcnow() + mark).isoformat()}"
    cookie = {"name": "toolscout_visit", "value": value, "url": f"{base}/queue"}
    page, _ = logged_in(browser, base, 1440, 900, cookies=[cookie])
    assert page.locator("tr.is-new").count() == new_rows
    assert f"{new_rows} new since your last visit" in page.locator(".summary").inner_text()


def test_queue_at_phone_width(server, browser):
    base, _engine = server
    page, errors = logged_in(browser, base, 390, 844)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the queue scrolls sideways at 390 px: {width}"
    name = page.locator("#c-codellama-4 a.name")
    box = name.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("#c-codellama-4 .badge.restricted").is_visible()
    page.keyboard.press("j")
    assert page.locator("tr.current").is_visible()
    page.screenshot(path=str(ARTIFACTS / "queue-390.png"))
    page.goto(f"{base}/candidates/codellama-4")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".preview .site-card").is_visible()
    page.screenshot(path=str(ARTIFACTS / "candidate-390.png"))
    assert errors == []


def test_candidate_page_summary_preview_and_edits(server, browser):
    base, engine = server
    page, errors = logged_in(browser, base, 1440, 900)
    page.goto(f"{base}/candidates/codellama-4")

    # the summary card
    card = page.locator(".summary-card")
    assert "70B: 70.6B total" in card.inner_text() and "400B: 401.6B total" in card.inner_text()
    assert card.locator(".badge.commercial-no").is_visible()
    hrefs = card.locator(".s-hub a").evaluate_all("as => as.map(a => a.href)")
    assert "https://huggingface.co/meta-llama/CodeLlama-4-70B-Instruct" in hrefs
    assert "https://huggingface.co/meta-llama/CodeLlama-4-70B-Instruct/blob/main/README.md" in hrefs
    assert not any("/api/models?" in h for h in hrefs)
    assert "1 conflict" in card.inner_text() and "1 possible duplicate" in card.inner_text()
    assert "likes" in card.locator(".s-popular").inner_text()

    # values and evidence as text, never JSON
    text = page.locator("article.candidate").inner_text()
    assert '{"' not in text and "[{" not in text
    assert page.locator(".ev-line").count() > 0

    # the preview follows the edit box as the editor types, before saving
    preview = page.locator(".preview .site-card")
    assert preview.locator("[data-preview=name]").inner_text() == "CodeLlama 4 (70B & 400B)"
    row = page.locator("#field-tagline")
    row.locator("summary").click()
    row.locator("input[name=value]").fill("Meta's code models for agents")
    assert preview.locator(".site-tagline").inner_text() == "Meta's code models for agents"
    assert preview.locator("[data-preview=best_for]").inner_text() == (
        "Meta's code models for agents"
    )
    name_row = page.locator("#field-name")
    name_row.locator("summary").click()
    name_row.locator("input[name=value]").fill("Xylo Coder")
    assert preview.locator(".site-initial").inner_text() == "X"
    page.screenshot(path=str(ARTIFACTS / "candidate-preview-editing.png"))
    with page.expect_navigation():
        row.locator("input[name=value]").press("Enter")
    assert page.locator(".preview .site-tagline").inner_text() == "Meta's code models for agents"

    # a made-up license id is refused, unless the editor says it is a custom license
    lic = page.locator("#field-license")
    lic.locator("summary").click()
    lic.locator("input[name=value]").fill("Apache-2.O")
    with page.expect_navigation():
        lic.locator("button[type=submit]").click()
    assert "not an SPDX or Hugging Face Hub license id" in page.locator(".flash").inner_text()
    with Session(engine) as s:
        cand = s.exec(select(Candidate).where(Candidate.slug == "codellama-4")).one()
        assert "license" not in (cand.overrides or {})
    lic = page.locator("#field-license")
    lic.locator("input[name=value]").fill("Acme Model License")
    lic.locator("input[name=custom]").check()
    with page.expect_navigation():
        lic.locator("button[type=submit]").click()
    assert "unknown license id" in page.locator("#field-license").inner_text()
    assert "custom license" in page.locator(".summary-card .s-license").inner_text()
    assert errors == []


def test_a_conflict_lists_each_value_once(server, browser):
    base, _engine = server
    page, _ = logged_in(browser, base, 1440, 900)
    page.goto(f"{base}/candidates/gemma-3n")
    values = page.locator("#conflict-license .conflict-value .value").all_inner_texts()
    assert sorted(values) == ["Apache-2.0", "gemma"]
    gemma = page.locator("#conflict-license .conflict-value").filter(has_text="from 2 sources")
    assert gemma.locator(".src").count() == 2
    page.screenshot(path=str(ARTIFACTS / "candidate-conflict.png"), full_page=True)


def test_candidate_page_heights(server, browser):
    """The tallest candidate page of the demo (the largest release), measured."""
    base, engine = server
    page, _ = logged_in(browser, base, 1440, 900)
    with Session(engine) as s:
        slugs = s.exec(select(Candidate.slug)).all()
    heights = {}
    for slug in slugs:
        page.goto(f"{base}/candidates/{slug}")
        heights[slug] = page.evaluate("document.documentElement.scrollHeight")
    tallest = max(heights, key=heights.get)
    record(
        candidate_page_height_px=heights,
        candidate_page_tallest={"slug": tallest, "height_px": heights[tallest]},
        candidate_page_height_qwen3_px=heights["qwen3"],
    )
    page.goto(f"{base}/candidates/{tallest}")
    page.screenshot(path=str(ARTIFACTS / "candidate-tallest.png"), full_page=True)
    assert heights[tallest] < 3000


def test_public_record_page_and_its_404(server, browser):
    base, engine = server
    page, _ = logged_in(browser, base, 1440, 900)
    page.goto(f"{base}/candidates/gemma-3")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert status_of(engine, "gemma-3") == "accepted"
    public = browser.new_page()
    response = public.goto(f"{base}/tools/gemma-3")
    assert response.status == 200
    assert public.locator(".site-name").inner_text() == "Gemma 3 (1B, 4B, 12B & 27B)"
    public.screenshot(path=str(ARTIFACTS / "tool-page.png"))
    missing = public.goto(f"{base}/tools/no-such-tool")
    assert missing.status == 404 and "No published tool" in public.locator("p.error").inner_text()
