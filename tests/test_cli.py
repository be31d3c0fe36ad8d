"""The `toolscout` command: its public JSON shapes and editor actions."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from ingest.cli import app
from store.db import make_engine, upgrade
from store.documents import save_document
from store.models import Candidate, Observation
from tests.conftest import FIXTURES

runner = CliRunner()
REPOS = [
    "google/gemma-3-27b-it",
    "google/gemma-3-27b-pt",
    "google/gemma-3-4b-it",
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "unsloth/gemma-3-27b-it-GGUF",
]


@pytest.fixture
def stored(monkeypatch, db_url, tmp_path):
    """A database holding raw documents of a few fixture repos, as a crawl leaves them."""
    sources = tmp_path / "sources.toml"
    sources.write_text('[hub]\norgs = ["google", "meta-llama"]\nderivative_orgs = ["unsloth"]\n')
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    upgrade(engine)
    with Session(engine) as s:
        for repo in REPOS:
            org = repo.split("/")[0]
            base = f"http://hub.test/api/models/{repo}"
            info = (FIXTURES / "hub" / "models" / f"{repo}.json").read_bytes()
            card = FIXTURES / "hub" / "cards" / f"{repo}.md"
            save_document(
                s,
                url=base,
                source=f"hf:{org}",
                kind="hf_model_info",
                status=200,
                body=info,
                repo_id=repo,
            )
            if card.exists():
                save_document(
                    s,
                    url=f"http://hub.test/{repo}/raw/main/README.md",
                    source=f"hf:{org}",
                    kind="hf_card",
                    status=200,
                    body=card.read_bytes(),
                    repo_id=repo,
                )
        s.commit()
    yield engine
    engine.dispose()


def invoke(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result


def test_renormalize_rebuilds_candidates_from_documents(stored):
    invoke("renormalize")
    with Session(stored) as s:
        slugs = {c.slug for c in s.exec(select(Candidate))}
    assert slugs == {"gemma-3", "llama-4-scout"}
    # running it again changes nothing
    invoke("renormalize")
    with Session(stored) as s:
        assert len(s.exec(select(Candidate)).all()) == 2


def test_queue_json_shapes(stored):
    invoke("renormalize")
    rows = json.loads(invoke("queue", "list", "--json").stdout)
    assert [r["slug"] for r in rows] == ["llama-4-scout", "gemma-3"]  # newest release first
    gemma = rows[1]
    # keys are only ever added (README, "JSON output"): these must stay
    assert set(gemma) >= {
        "slug",
        "name",
        "vendor",
        "status",
        "announced_at",
        "first_seen",
        "sizes",
        "license",
        "repos",
        "derivatives",
        "conflicts",
        "queued_reason",
    }
    assert gemma["name"] == "Gemma 3 (4B & 27B)"
    assert gemma["license"]["id"] == "gemma"
    assert gemma["derivatives"] == 1
    assert [s["label"] for s in gemma["sizes"]] == ["4B", "27B"]
    detail = json.loads(invoke("queue", "show", "gemma-3", "--json").stdout)
    assert {
        "fields",
        "overrides",
        "conflict_details",
        "variants",
        "observations",
        "history",
    } <= set(detail)
    evidence = [o for o in detail["observations"] if o["field"] == "params"]
    assert evidence and all(o["source_url"] and o["snippet"] for o in evidence)
    scout = json.loads(invoke("queue", "show", "llama-4-scout", "--json").stdout)
    assert scout["sizes"][0]["active"] == pytest.approx(17e9, rel=0.01)


def test_editor_decisions_from_the_cli(stored):
    invoke("renormalize")
    invoke("queue", "accept", "gemma-3")
    invoke("queue", "reject", "llama-4-scout", "--reason", "not a release")
    accepted = json.loads(invoke("queue", "list", "--status", "accepted", "--json").stdout)
    assert [r["slug"] for r in accepted] == ["gemma-3"]
    result = runner.invoke(app, ["queue", "accept", "no-such-tool"])
    assert result.exit_code == 2
    assert "no candidate with slug 'no-such-tool'" in result.output
    # a renormalize never undoes an editor's decision
    invoke("renormalize")
    assert [
        r["slug"]
        for r in json.loads(invoke("queue", "list", "--status", "accepted", "--json").stdout)
    ] == ["gemma-3"]


# What scraped pages put in names, reasons and snippets, read by Rich as markup unless escaped:
# a closing tag nothing opened (an error), a style, a link.
MARKUP_LIKE = ["see [/docs] for the weights", "Qwen [bold]3[/bold]", "[link=http://x]card[/link]"]


@pytest.mark.parametrize("scraped", MARKUP_LIKE)
def test_queue_prints_scraped_text_as_text(stored, scraped):
    invoke("renormalize")
    with Session(stored) as s:
        cand = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
        cand.name = scraped
        cand.queued_reason = f"feed:blog; announced before any Hub repo: {scraped}"
        s.add(
            Observation(
                candidate_id=cand.id,
                field="license",
                subject="https://blog.test/post",
                extractor="license.text",
                value={"id": "Apache-2.0"},
                source_url="https://blog.test/post",
                snippet=scraped,
            )
        )
        s.commit()
    shown = invoke("queue", "show", "gemma-3").stdout
    assert shown.count(scraped) >= 3  # the title, the reason, the evidence
    listed = invoke("queue", "list").stdout
    assert scraped[:12] in listed


def test_normalize_contract_one_bad_line_does_not_stop_the_rest():
    lines = [
        json.dumps({"text": "Qwen3-30B-A3B"}),
        "{not json",
        json.dumps({"card": "---\nlicense: apache-2.0\n---\n# A model\n"}),
    ]
    result = invoke("normalize", input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[0]["params"]["total"] == pytest.approx(3e10) and out[0]["params"][
        "active"
    ] == pytest.approx(3e9)
    assert "error" in out[1]
    assert out[2]["license"]["id"] == "Apache-2.0"
    assert out[2]["params"] is None


def test_crawl_without_names_says_what_to_do():
    result = runner.invoke(app, ["crawl"])
    assert result.exit_code == 2
    assert "--all" in result.output
