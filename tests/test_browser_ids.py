"""The candidate page's catalog ids, offers, lifecycle and disagreements in a real browser:
the system's Chromium (Playwright) against uvicorn on a store filled by a real crawl of the
replay Hub and the three id-map catalogs (tests/test_ids.py's world, on SQLite).

An editor confirms one suggested catalog entry and rejects another with the page's buttons;
the page (joined ids, the suggestions left, the answers, the new offer) and `GET /api/ids`
then say so. Llama 3.3 70B's page shows its offers, lifecycle and the catalogs' price
disagreements. A screenshot goes to tests/artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from store.models import Candidate, IdLink
from tests.test_ids import ACCEPTED, CATALOGS, HUB, PASSWORD, World

CHROMIUM = os.environ.get("TOOLSCOUT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [
    pytest.mark.crawl,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Chromium is not installed (make test installs it: scripts/ensure-chromium.sh)",
    ),
]


@pytest.fixture(scope="module")
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, "sqlite", tmp_path_factory.mktemp("browser-ids"), mp)
        made.crawl_and_accept(HUB + CATALOGS, ACCEPTED)
        assert made.outcome.exit_code == 0
        made.serve()
        yield made
        made.close()


@pytest.fixture(scope="module")
def page(world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
        )
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
        tab.goto(f"{world.base}/login?next=/queue")
        tab.fill("input[name=name]", "alice")
        tab.fill("input[name=secret]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{world.base}/queue")
        tab.errors = errors
        yield tab
        browser.close()


def suggested(tab) -> list[str]:
    return tab.eval_on_selector_all("#ids li.suggestion", "els => els.map(e => e.dataset.model)")


def answer(tab, model: str, label: str) -> None:
    row = tab.locator(f'#ids li.suggestion[data-model="{model}"]')
    with tab.expect_navigation():
        row.get_by_role("button", name=label).click()


def test_suggestions_are_answered_with_the_buttons(world, page):
    page.goto(f"{world.base}/candidates/llama-3.1")
    assert suggested(page) == [
        "meta-llama/llama-3.1-8b-instruct",
        "ollama/llama3.1",
        "meta-llama/llama-3.1-70b-instruct",
    ]
    assert page.locator("#offers tr.offer-row").count() == 0  # nothing joined yet
    answer(page, "meta-llama/llama-3.1-8b-instruct", "Same release: join")
    assert "joined" in page.locator(".flash, [role=status], .notice").first.inner_text()
    answer(page, "meta-llama/llama-3.1-70b-instruct", "Not this release")
    assert page.url.endswith("/candidates/llama-3.1#ids")

    # The page: one suggestion left, two answers, the confirmed entry joined and offered.
    assert suggested(page) == ["ollama/llama3.1"]
    assert page.locator("#ids details.answered summary").inner_text() == "2 answered"
    joined = page.locator("#ids .ids-joined").inner_text()
    assert "meta-llama/llama-3.1-8b-instruct" in joined
    offer = page.locator('#offers tr.offer-row[data-model="meta-llama/llama-3.1-8b-instruct"]')
    assert offer.is_visible()
    cells = offer.locator("td").all_inner_texts()
    assert cells[:5] == ["openrouter", "openrouter", "meta-llama/llama-3.1-8b-instruct", "$0.02", "$0.03"]  # fmt: skip
    assert cells[6] == "131,072"

    # The API: the confirmed id answers the record; the rejected one is nobody's.
    found = page.request.get(f"{world.base}/api/ids?openrouter=meta-llama/llama-3.1-8b-instruct")
    assert found.status == 200 and found.json()["slug"] == "llama-3.1"
    assert found.json()["ids"]["openrouter"] == ["meta-llama/llama-3.1-8b-instruct"]
    missing = page.request.get(f"{world.base}/api/ids?openrouter=meta-llama/llama-3.1-70b-instruct")
    assert missing.status == 404
    with Session(world.engine) as s:
        cand = s.exec(select(Candidate).where(Candidate.slug == "llama-3.1")).one()
        links = {
            link.model_id: (link.decision, link.editor)
            for link in s.exec(select(IdLink).where(IdLink.candidate_id == cand.id))
        }
    assert links == {
        "meta-llama/llama-3.1-8b-instruct": ("confirmed", "alice"),
        "meta-llama/llama-3.1-70b-instruct": ("rejected", "alice"),
    }
    assert page.errors == []


def test_offers_lifecycle_and_disagreements_are_shown(world, page):
    page.goto(f"{world.base}/candidates/llama-3.3")
    section = page.locator("#offers")
    section.scroll_into_view_if_needed()
    rows = {
        tuple(r.locator("td").all_inner_texts()[:3]) for r in section.locator("tr.offer-row").all()
    }
    assert rows == {
        ("openrouter", "openrouter", "meta-llama/llama-3.3-70b-instruct"),
        ("litellm", "deepinfra", "meta-llama/Llama-3.3-70B-Instruct"),
        ("models.dev", "deepinfra", "meta-llama/Llama-3.3-70B-Instruct"),
    }
    record = page.request.get(f"{world.base}/api/tools/llama-3.3").json()
    for key in ("lifecycle", "released_at", "first_listed_at", "knowledge_cutoff"):
        assert section.locator(f".lc-{key}").inner_text() == (record[key] or "—"), key
    assert record["lifecycle"] == "available" and record["knowledge_cutoff"] == "2023-12"
    periods = section.locator("tr.period")
    assert periods.count() == 3 and not periods.first.is_visible()  # collapsed until asked
    section.locator("details.price-history > summary").click()
    assert periods.first.is_visible()
    assert {tuple(r.locator("td").all_inner_texts()[3:5]) for r in periods.all()} == {
        ("$0.13", "$0.4"),  # OpenRouter
        ("$0.23", "$0.4"),  # LiteLLM's DeepInfra entry
        ("$0.13", "$0.39"),  # models.dev's DeepInfra entry
    }
    assert section.locator("a.prices-api").get_attribute("href") == "/api/tools/llama-3.3/prices"

    disagreements = page.locator("#ids li.disagreement")
    assert disagreements.count() == 2
    text = " ".join(disagreements.all_inner_texts())
    assert "$0.23 per 1M tokens" in text and "$0.13 per 1M tokens" in text
    for link in page.locator("#ids a, #offers a").all():
        href = link.get_attribute("href") or ""
        assert href.startswith(("http://", "https://", "/")), href
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "candidate-offers-ids.png"), full_page=True)
    assert page.errors == []
