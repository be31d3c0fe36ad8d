"""Announcements resolved against the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from normalize.hub import model_facts
from store import announce
from store.models import Candidate, FeedEntry
from store.resolve import apply_model
from tests.conftest import FIXTURES


def add_repo(
    session: Session, repo: str, info: dict | None = None, card: str | None = None
) -> None:
    if info is None:
        info = json.loads((FIXTURES / "hub" / "models" / f"{repo}.json").read_text())
        card_path = FIXTURES / "hub" / "cards" / f"{repo}.md"
        card = card_path.read_text() if card_path.exists() else None
    facts = model_facts(info, card, source=f"http://hub.test/api/models/{repo}")
    apply_model(session, facts, f"hf:{repo.split('/')[0]}", "original", f"http://hub.test/{repo}")
    session.commit()


def add_entry(
    session: Session, source: str, key: str, title: str, text: str, repos=()
) -> FeedEntry:
    announce.save_entries(
        session,
        source,
        [
            {
                "key": key,
                "title": title,
                "link": key,
                "published": "2025-03-12T00:00:00Z",
                "text": text,
                "content_hash": str(hash(title + text)),
            }
        ],
    )
    item = announce.entry(session, source, key)
    announce.attach_page(
        session, item, {"url": key, "title": title, "text": text, "hub_repos": list(repos)}
    )
    return item


def by_slug(session: Session, slug: str) -> Candidate:
    return session.exec(select(Candidate).where(Candidate.slug == slug)).one()


def test_blog_license_claim_against_card_is_a_conflict(engine):
    with Session(engine) as s:
        add_repo(s, "google/gemma-3-27b-it")
        item = add_entry(
            s,
            "feed:vendor",
            "https://blog.test/gemma-3-27b",
            "Gemma 3 27B open weights",
            "Google DeepMind released the weights of Gemma 3 27B under Apache 2.0, a 27B model.",
            repos=["google/gemma-3-27b-it"],
        )
        ids = announce.judge_and_resolve(s, item, None, "crawler:feed:vendor")
        s.commit()
        gemma = by_slug(s, "gemma-3")
    assert ids == [gemma.id]
    assert gemma.fields["license"]["id"] == "gemma"  # the card is more trusted than a blog
    (conflict,) = gemma.conflicts
    assert conflict["field"] == "license"
    assert {v["value"] for v in conflict["values"]} == {"gemma", "Apache-2.0"}
    blog = next(v for v in conflict["values"] if v["value"] == "Apache-2.0")
    assert "Apache 2.0" in blog["snippet"] and blog["source"] == "https://blog.test/gemma-3-27b"


def test_feed_only_release_is_joined_by_its_repo_later(engine):
    with Session(engine) as s:
        item = add_entry(
            s,
            "feed:meta",
            "https://blog.test/code-llama-4",
            "Introducing Code Llama 4",
            "Meta has open-sourced Code Llama 4 in 70B and 400B parameter variants under a "
            "permissive research license.",
        )
        (cid,) = announce.judge_and_resolve(s, item, "meta-llama", "crawler:feed:meta")
        s.commit()
        cand = s.get(Candidate, cid)
        assert (cand.slug, cand.name, cand.status) == (
            "code-llama-4",
            "Code Llama 4 (70B & 400B)",
            "new",
        )
        assert [x["label"] for x in cand.fields["sizes"]] == ["70B", "400B"]
        assert cand.fields["license"]["family"] == "research"
        info = {
            "id": "meta-llama/CodeLlama-4-70B-Instruct",
            "createdAt": "2025-05-01T00:00:00.000Z",
            "sha": "a" * 40,
            "safetensors": {"parameters": {"BF16": 70553706496}, "total": 70553706496},
        }
        add_repo(s, "meta-llama/CodeLlama-4-70B-Instruct", info, "---\nlicense: llama4\n---\n")
        assert len(s.exec(select(Candidate)).all()) == 1  # joined, not a second candidate
        s.expire_all()
        joined = s.get(Candidate, cid)
    assert joined.fields["repos"] == ["meta-llama/CodeLlama-4-70B-Instruct"]
    assert {c["field"] for c in joined.conflicts} == {"license"}  # llama4 card vs research license


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("We're hiring: research engineers", "Join our team to work on Gemma."),
        ("v0.3.1", "Fix tokenizer path on Windows"),
    ],
)
def test_irrelevant_entries_are_stored_with_reason_and_not_queued(engine, title, text):
    with Session(engine) as s:
        item = add_entry(s, "feed:x", f"https://x.test/{title}", title, text)
        assert announce.judge_and_resolve(s, item, None, "crawler:feed:x") == []
        s.commit()
        stored = announce.entry(s, "feed:x", f"https://x.test/{title}")
        assert stored.relevant is False and stored.relevance_reason.startswith(
            "not an announcement"
        )
        assert s.exec(select(Candidate)).all() == []


def test_title_names_an_existing_release(engine):
    with Session(engine) as s:
        add_repo(s, "HuggingFaceTB/SmolLM3-3B")
        item = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/smollm3",
            "SmolLM3: smol, multilingual, long-context reasoner",
            "We release SmolLM3, a 3B model under Apache 2.0.",
        )
        ids = announce.judge_and_resolve(s, item, None, "crawler:feed:hf-blog")
        s.commit()
        assert ids == [by_slug(s, "smollm3").id]
        assert len(s.exec(select(Candidate)).all()) == 1


@pytest.mark.parametrize(
    ("title", "family"),
    [
        (
            "Welcome Gemma 3: Google's all new multimodal, multilingual, long context open LLM",
            "Gemma 3",
        ),
        ("Code Llama 4 (70B & 400B)", "Code Llama 4"),
        ("Introducing Mistral Small 3.1", "Mistral Small 3.1"),
        ("Welcome Llama 4 Maverick & Scout on Hugging Face", "Llama 4 Maverick"),
        ("Qwen3 is here", "Qwen3"),
        ("", None),
    ],
)
def test_family_from_title(title, family):
    assert announce.family_from_title(title) == family


@pytest.mark.parametrize(
    ("a", "b", "suggested"),
    [
        ("Code Llama 4", "Code Llama 4 (70B & 400B)", True),
        ("Code Llama 4", "CodeLlama 4", True),
        ("Gemma 3", "Gemma 3n", False),
        ("Gemma 3", "Gemma 2", False),
        ("Llama 4 Scout", "Llama 4 Maverick", False),
        ("Qwen3", "Qwen3 Coder", False),
        ("Mistral Small 3.1 2503", "Mistral Small 3.1", False),
        ("DeepSeek R1", "Deepseek-R1", True),
    ],
)
def test_similarity(a, b, suggested):
    from store.similar import THRESHOLD, similarity

    assert (similarity(a, b) >= THRESHOLD) is suggested, similarity(a, b)


def test_seed_duplicate_is_suggested_with_its_score_not_merged(engine):
    from store.queue import candidate_detail

    with Session(engine) as s:
        first = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/code-llama-4",
            "Code Llama 4",
            "Meta open-sourced Code Llama 4, a code model family.",
        )
        second = add_entry(
            s,
            "feed:site",
            "https://site.test/code-llama-4-70b-400b",
            "Code Llama 4 (70B & 400B)",
            "Code Llama 4 in 70B and 400B parameter variants.",
        )
        (a,) = announce.judge_and_resolve(s, first, None, "crawler:feed:hf-blog")
        (b,) = announce.judge_and_resolve(s, second, None, "crawler:feed:site")
        s.commit()
        assert a != b  # different sources, unknown vendor: never merged silently
        detail = candidate_detail(s, s.get(Candidate, a))
    assert detail["similar"][0]["slug"] == s.get(Candidate, b).slug
    assert detail["similar"][0]["score"] == 1.0
