"""End to end: the id map and disagreements (issue 20, items 5 and 6).

A real crawl of the replay server's Hub (google, meta-llama, Qwen) and three `[[pricing]]`
catalogs written in their published formats (fixtures/catalogs/static/ids/: OpenRouter's
`/api/v1/models`, LiteLLM's price map, models.dev's api.json), on SQLite and PostgreSQL;
then the real HTTP API and editor pages served by uvicorn on a free loopback port:

- `ids` of each joined tool and `GET /api/ids` lookups (exact, any case, 404, paging),
  `toolscout export --format ids`;
- a catalog entry that names the release only by vendor and name (OpenRouter's
  `meta-llama/llama-3.1-8b-instruct` names the Hub repo by its old name
  `meta-llama/Meta-Llama-3.1-8B-Instruct`) is suggested on the candidate page, confirmed
  through the page's form with a session and CSRF token, and then joins; another is rejected
  and never suggested again, also after the catalogs are read again;
- the adversarial entry: Llama 3.1 70B must not join Llama 3.3 70B (nor be suggested there);
- disagreements: LiteLLM's and models.dev's DeepInfra prices of Llama-3.3-70B-Instruct,
  OpenRouter's own price of Qwen3 8B and models.dev's OpenRouter entry.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from ingest.crawl import crawl
from store.models import Candidate, IdLink
from tests.catalog_world import PASSWORD, CatalogWorld
from tests.conftest import FIXTURES
from tests.web_seed import csrf_of
from web.export import export

pytestmark = pytest.mark.crawl

HUB = ["hf:google", "hf:meta-llama", "hf:Qwen"]
CATALOGS = ["pricing:or-ids", "pricing:litellm-ids", "pricing:modelsdev-ids"]
EXTRA = """
[[pricing]]
name = "or-ids"
url = "${HF_ENDPOINT}/ids/openrouter.json"
format = "openrouter"

[[pricing]]
name = "litellm-ids"
url = "${HF_ENDPOINT}/ids/litellm.json"
format = "litellm"

[[pricing]]
name = "modelsdev-ids"
url = "${HF_ENDPOINT}/ids/models.dev.json"
format = "models.dev"
"""
ACCEPTED = ["llama-3.3", "llama-3.1", "qwen3", "gemma-3", "llama-4-scout"]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class World(CatalogWorld):
    def __init__(self, request, backend: str, tmp: Path, mp: pytest.MonkeyPatch) -> None:
        super().__init__(request, backend, tmp, mp, [FIXTURES / "catalogs"], EXTRA)

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params)

    def record(self, slug: str) -> dict:
        response = self.get(f"/api/tools/{slug}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, request.param, tmp_path_factory.mktemp("ids"), mp)
        made.crawl_and_accept(HUB + CATALOGS, ACCEPTED)
        made.serve()
        yield made
        made.close()


def test_the_crawl_reads_the_hub_and_the_three_catalogs(world):
    assert world.outcome.exit_code == 0
    runs = {r.source: r for r in world.outcome.runs}
    assert all(runs[name].requests == 1 and runs[name].items == 1 for name in CATALOGS)


# slug → the ids its record must carry (each catalog's list exactly)
IDS = {
    "llama-3.3": {
        "huggingface": ["meta-llama/Llama-3.3-70B-Instruct"],
        "openrouter": ["meta-llama/llama-3.3-70b-instruct"],
        "models_dev": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
        "litellm": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
    },
    "qwen3": {
        "openrouter": ["qwen/qwen3-8b"],
        "models_dev": ["openrouter/qwen/qwen3-8b"],
        "litellm": [],
    },
    "gemma-3": {"openrouter": ["google/gemma-3-27b-it"], "models_dev": [], "litellm": []},
    # Llama 3.1 is named by no entry's Hub repo: nothing joins before an editor says so.
    "llama-3.1": {
        "huggingface": ["meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B-Instruct"],
        "openrouter": [],
        "models_dev": [],
        "litellm": [],
    },
    "llama-4-scout": {"openrouter": [], "models_dev": [], "litellm": []},
}


@pytest.mark.parametrize("slug", list(IDS))
def test_each_record_carries_the_ids_joined_to_it(world, slug):
    record = world.record(slug)
    assert list(record["ids"]) == ["huggingface", "openrouter", "models_dev", "litellm"]
    for catalog, expected in IDS[slug].items():
        assert record["ids"][catalog] == expected, catalog
    assert record["ids"]["huggingface"] == record["repos"]


# (query parameter, id as a client may write it, slug or None for 404)
LOOKUPS = [
    ("huggingface", "meta-llama/Llama-3.3-70B-Instruct", "llama-3.3"),
    ("huggingface", "META-LLAMA/llama-3.3-70b-instruct", "llama-3.3"),  # as the Hub compares
    ("huggingface", "google/gemma-3-27b-pt", "gemma-3"),
    ("openrouter", "qwen/qwen3-8b", "qwen3"),
    ("openrouter", "Google/Gemma-3-27B-IT", "gemma-3"),
    ("models_dev", "deepinfra/meta-llama/Llama-3.3-70B-Instruct", "llama-3.3"),
    ("litellm", "deepinfra/meta-llama/llama-3.3-70b-instruct", "llama-3.3"),
    # the adversarial entry: Llama 3.1 70B is not Llama 3.3 70B, and joins nothing by itself
    ("openrouter", "meta-llama/llama-3.1-70b-instruct", None),
    ("litellm", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", None),
    ("huggingface", "meta-llama/Llama-3.1-70B-Instruct", None),
    ("huggingface", "Qwen/Qwen3-8B-not-a-repo", None),
    ("models_dev", "groq/llama-3.1-8b-instant", None),
]


@pytest.mark.parametrize(("param", "value", "slug"), LOOKUPS)
def test_an_id_answers_the_record_it_belongs_to(world, param, value, slug):
    response = world.get("/api/ids", **{param: value})
    if slug is None:
        assert response.status_code == 404
        assert set(response.json()) == {"detail"} and param in response.json()["detail"]
        return
    assert response.status_code == 200, response.text
    assert response.json() == {
        k: v for k, v in world.record(slug).items() if k not in ("sources", "evidence")
    }


def test_one_id_at_a_time(world):
    response = world.get("/api/ids", huggingface="Qwen/Qwen3-8B", openrouter="qwen/qwen3-8b")
    assert response.status_code == 400 and "one id at a time" in response.json()["detail"]
    assert world.get("/api/ids", cursor="not-a-cursor").status_code == 400


def test_the_map_pages_through_every_published_record_once(world):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = world.get("/api/ids", **params).json()
        pages += 1
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(item["slug"] for item in seen) == sorted(ACCEPTED)
    for item in seen:
        assert item["ids"] == world.record(item["slug"])["ids"]
    out = io.StringIO()
    assert export(world.engine, "ids", out) == len(ACCEPTED)
    import json

    assert [json.loads(line) for line in out.getvalue().splitlines()] == seen


def _login(world) -> httpx.Client:
    client = httpx.Client(base_url=world.base, timeout=30, follow_redirects=True)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"csrf": csrf_of(page.text), "secret": PASSWORD, "name": "alice", "next": "/queue"},
    )
    assert response.status_code in (200, 303), response.text
    return client


def _suggested(html: str) -> list[str]:
    return re.findall(r'<li class="suggestion" data-model="([^"]+)"', html)


def test_suggestions_by_name_are_confirmed_or_rejected_on_the_candidate_page(world):
    editor = _login(world)
    try:
        page = editor.get("/candidates/llama-3.1")
        assert page.status_code == 200
        # Best first: same vendor, family and size; then, tied, Ollama's alias (which names
        # no vendor) and the 70B (not this release's size), by catalog.
        assert _suggested(page.text) == [
            "meta-llama/llama-3.1-8b-instruct",
            "ollama/llama3.1",
            "meta-llama/llama-3.1-70b-instruct",
        ]
        assert "size 70B is not among the release&#39;s (8B)" in page.text
        # The adversarial entry is no suggestion for Llama 3.3 (another family).
        other = editor.get("/candidates/llama-3.3").text
        assert "llama-3.1-70b-instruct" not in other and _suggested(other) == []

        since = world.get("/api/changes", since="0", limit=5000).json()["next_since"]
        token = csrf_of(page.text)
        for model, decision in (
            ("meta-llama/llama-3.1-8b-instruct", "confirmed"),
            ("meta-llama/llama-3.1-70b-instruct", "rejected"),
        ):
            answer = editor.post(
                "/candidates/llama-3.1/ids",
                data={
                    "csrf": token,
                    "source": "pricing:or-ids",
                    "model_id": model,
                    "decision": decision,
                },
            )
            assert answer.status_code == 200  # redirected back to the page
            token = csrf_of(answer.text)
        page = editor.get("/candidates/llama-3.1").text
        assert _suggested(page) == ["ollama/llama3.1"]
        assert "2 answered" in page

        record = world.record("llama-3.1")
        assert record["ids"]["openrouter"] == ["meta-llama/llama-3.1-8b-instruct"]
        found = world.get("/api/ids", openrouter="meta-llama/llama-3.1-8b-instruct").json()
        assert found["slug"] == "llama-3.1"
        assert (
            world.get("/api/ids", openrouter="meta-llama/llama-3.1-70b-instruct").status_code == 404
        )
        # The change of `ids` flows to /api/changes like any field.
        changes = world.get("/api/changes", since=str(since), limit=5000).json()["changes"]
        assert any(
            c["slug"] == "llama-3.1"
            and c["action"] == "set"
            and c["field"] == "ids"
            and c["value"] == record["ids"]
            for c in changes
        )
        # A request without the token is refused.
        refused = editor.post(
            "/candidates/llama-3.1/ids",
            data={
                "source": "pricing:or-ids",
                "model_id": "ollama/llama3.1",
                "decision": "rejected",
            },
        )
        assert refused.status_code == 403

        # The catalogs read again (their documents changed: forced past the 304): the
        # rejected entry stays away, the confirmed one stays joined.
        with Session(world.engine) as s:
            from store.models import Document

            for doc in s.exec(select(Document).where(Document.kind == "pricing")):
                doc.etag = doc.last_modified = None
                s.add(doc)
            s.commit()
        assert crawl(CATALOGS).exit_code == 0
        page = editor.get("/candidates/llama-3.1").text
        assert _suggested(page) == ["ollama/llama3.1"]
        assert world.record("llama-3.1")["ids"]["openrouter"] == [
            "meta-llama/llama-3.1-8b-instruct"
        ]
        with Session(world.engine) as s:
            cand = s.exec(select(Candidate).where(Candidate.slug == "llama-3.1")).one()
            links = {
                link.model_id: link.decision
                for link in s.exec(select(IdLink).where(IdLink.candidate_id == cand.id))
            }
            assert cand.fields["pricing"]["input_usd_per_mtok"] == 0.02
        assert links == {
            "meta-llama/llama-3.1-8b-instruct": "confirmed",
            "meta-llama/llama-3.1-70b-instruct": "rejected",
        }
    finally:
        editor.close()


# (slug, field, subject, {catalog: value})
DISAGREEMENTS = [
    ("llama-3.3", "input_usd_per_mtok", "deepinfra: meta-llama/Llama-3.3-70B-Instruct", {"litellm": 0.23, "models.dev": 0.13}),
    ("llama-3.3", "output_usd_per_mtok", "deepinfra: meta-llama/Llama-3.3-70B-Instruct", {"litellm": 0.4, "models.dev": 0.39}),
    ("qwen3", "input_usd_per_mtok", "openrouter: Qwen/Qwen3-8B", {"models.dev": 0.028, "openrouter": 0.035}),
    ("qwen3", "output_usd_per_mtok", "openrouter: Qwen/Qwen3-8B", {"models.dev": 0.1104, "openrouter": 0.138}),
]  # fmt: skip


def test_disagreements_between_catalogs_are_listed(world):
    items = world.get("/api/disagreements").json()["items"]
    got = {
        (i["slug"], i["field"], i["subject"]): {v["catalog"]: v["value"] for v in i["values"]}
        for i in items
    }
    assert got == {(slug, field, subject): values for slug, field, subject, values in DISAGREEMENTS}
    for item in items:
        assert item["kind"] == "price"
        for side in item["values"]:
            assert side["seen_at"] and side["source"].startswith("pricing:") and "#" in side["url"]
    one = world.get("/api/disagreements", slug="qwen3").json()["items"]
    assert {i["slug"] for i in one} == {"qwen3"} and len(one) == 2
    assert world.get("/api/disagreements", slug="no-such-tool").status_code == 404
    page = world.get("/api/disagreements", limit=1).json()
    assert page["next_cursor"] and all(i["slug"] == page["items"][0]["slug"] for i in page["items"])


def test_the_candidate_page_shows_the_disagreements(world):
    editor = _login(world)
    try:
        html = editor.get("/candidates/llama-3.3").text
        section = html[html.index('id="ids"') : html.index('<section class="fields">')]
        assert section.count('class="disagreement"') == 2
        assert "$0.23 per 1M tokens" in section and "$0.13 per 1M tokens" in section
        quiet = editor.get("/candidates/gemma-3").text
        assert "Sources agree." in quiet
    finally:
        editor.close()
