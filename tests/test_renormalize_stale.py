"""Versions that mean something: each extractor's version is a digest of its rules and data
(normalize.versions), stored with every observation, and `toolscout renormalize --stale`
reads again only the documents and entries read with another ruleset, and says how many."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from normalize import versions
from store import announce
from store.models import Document, FeedEntry, Observation, Variant, utcnow
from tests.test_cli import invoke, stored  # noqa: F401  (the fixture: five repos' documents)

HUB_DOCS = 5  # tests.test_cli.REPOS, one model info document each
INFO = Document.kind == "hf_model_info"


@pytest.fixture
def with_entry(stored):  # noqa: F811
    """The stored documents and one feed entry announcing one of their releases."""
    with Session(stored) as s:
        announce.save_entries(
            s,
            "feed:blog",
            [
                {
                    "key": "https://blog.test/gemma-3",
                    "title": "Welcome Gemma 3: Google's new open model family",
                    "link": "https://blog.test/gemma-3",
                    "published": "2025-03-12T00:00:00Z",
                    "text": "Gemma 3 comes in 4B and 27B sizes under the Gemma license.",
                    "content_hash": "1",
                    "hub_repos": ["google/gemma-3-27b-it"],
                }
            ],
        )
        s.commit()
    return stored


def said(output: str) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) stored document\(s\) and entr\(ies\) were read", output)
    assert found, output
    return int(found[1]), int(found[2])


def seen(engine) -> dict[str, object]:
    with Session(engine) as s:
        return dict(s.exec(select(Variant.repo_id, Variant.seen_at)).all())


def test_stale_reads_again_only_what_an_older_ruleset_read(with_entry):
    engine = with_entry
    # Stored before rulesets were recorded: everything is stale.
    first = invoke("renormalize", "--stale").output
    assert said(first) == (HUB_DOCS + 1, HUB_DOCS + 1)
    assert "0 error(s)" in first
    with Session(engine) as s:
        stamps = set(
            s.exec(select(Document.normalized_with).where(Document.kind == "hf_model_info"))
        )
        assert stamps == {versions.document_ruleset("hub")}
        entry = s.exec(select(FeedEntry)).one()
        assert entry.normalized_with == versions.document_ruleset("entry")
        # Every observation carries the version of the rules that read it.
        for o in s.exec(select(Observation).where(Observation.field != "announcement")):
            assert o.extractor_version == versions.extractor_version(o.extractor), o

    # Nothing changed since: nothing is read again.
    before = seen(engine)
    assert said(invoke("renormalize", "--stale").output) == (0, HUB_DOCS + 1)
    assert seen(engine) == before

    # One document read with an older ruleset: it alone is read again.
    with Session(engine) as s:
        doc = s.exec(select(Document).where(INFO, Document.repo_id == "google/gemma-3-4b-it")).one()
        doc.normalized_with = "0123456789ab"
        s.add(doc)
        s.commit()
    assert said(invoke("renormalize", "--stale").output) == (1, HUB_DOCS + 1)
    after = seen(engine)
    changed = {repo for repo in after if after[repo] != before[repo]}
    assert changed == {"google/gemma-3-4b-it"}

    # Without --stale, everything is read again, as before.
    invoke("renormalize")
    assert all(seen(engine)[repo] != after[repo] for repo in after)


def test_an_older_page_does_not_undo_a_newer_revision(with_entry):
    engine = with_entry
    invoke("renormalize")
    with Session(engine) as s:
        # The stored revision of gemma-3-27b-it came from a newer document than this one.
        variant = s.exec(select(Variant).where(Variant.repo_id == "google/gemma-3-27b-it")).one()
        variant.sha = "a-newer-revision"
        s.add(variant)
        doc = s.exec(select(Document).where(INFO, Document.repo_id == variant.repo_id)).one()
        doc.normalized_with = None
        doc.fetched_at = utcnow() - timedelta(days=30)
        s.add(doc)
        s.commit()
    assert said(invoke("renormalize", "--stale").output) == (1, HUB_DOCS + 1)
    with Session(engine) as s:
        variant = s.exec(select(Variant).where(Variant.repo_id == "google/gemma-3-27b-it")).one()
        assert variant.sha == "a-newer-revision"


# (extractor family, a file of its rules or data, created or changed) → only that family's
# version changes (and the documents read with it).
RULE_CHANGES = [
    ("license", "data/licenses.toml"),
    ("license", "licenses.py"),
    ("params", "params/counts.py"),
    ("params", "data/size_words.toml"),
    ("params", "params/size_words.py"),
    ("pricing", "data/pricing_units.toml"),
    ("pricing", "pricing.py"),
    ("names", "data/vendors.toml"),
    ("names", "vendors.py"),
    ("titles", "titles.py"),
    ("relevance", "relevance.py"),
]


@pytest.mark.parametrize(("family", "path"), RULE_CHANGES)
def test_a_changed_rule_or_data_file_is_a_new_version(tmp_path, monkeypatch, family, path):
    package = tmp_path / "normalize"
    shutil.copytree(versions.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(versions, "PACKAGE", package)

    def snapshot() -> dict[str, str]:
        versions.ruleset_version.cache_clear()
        versions.document_ruleset.cache_clear()
        found = {f: versions.ruleset_version(f) for f in versions.RULESETS}
        found |= {f"doc:{k}": versions.document_ruleset(k) for k in versions.DOCUMENT_RULESETS}
        return found

    try:
        before = snapshot()
        target = package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a") as fh:
            fh.write("\n# one more rule\n")
        after = snapshot()
    finally:
        monkeypatch.undo()
        versions.ruleset_version.cache_clear()
        versions.document_ruleset.cache_clear()
    changed = {k for k in before if before[k] != after[k]}
    readers = {f"doc:{k}" for k, fams in versions.DOCUMENT_RULESETS.items() if family in fams}
    assert changed == {family} | readers


def test_renormalize_rebuilds_the_drafts_inputs(with_entry):
    """Drafts read the draft inputs observed with each document; renormalize observes them
    again for documents already stored, and the draft is what the raw texts give."""
    from normalize.draft import build_draft
    from store.documents import document_body
    from store.draft import candidate_draft
    from store.models import Candidate

    engine = with_entry
    invoke("renormalize")

    def drafts() -> dict[str, dict]:
        with Session(engine) as s:
            return {c.slug: candidate_draft(s, c) for c in s.exec(select(Candidate))}

    def draft_rows() -> set[tuple[str, str]]:
        with Session(engine) as s:
            rows = s.exec(
                select(Observation.extractor, Observation.subject).where(
                    Observation.field == "draft"
                )
            ).all()
        return set(rows)

    first, rows = drafts(), draft_rows()
    assert ("draft.announcement", "https://blog.test/gemma-3") in rows
    assert ("draft.card", "google/gemma-3-27b-it") in rows
    # The same draft as the texts themselves give (what the store read at view time before).
    with Session(engine) as s:
        gemma = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
        entry = s.exec(select(FeedEntry)).one()
        announcement = {
            "url": entry.link,
            "title": entry.title,
            "description": entry.page_description,
            "text": entry.page_text or entry.summary,
        }
        cards = [
            document_body(d).decode()
            for d in s.exec(
                select(Document)
                .where(Document.kind == "hf_card", Document.repo_id.like("google/gemma-3-%"))
                .order_by(Document.repo_id)
            )
        ][:2]
        assert first["gemma-3"] == build_draft(gemma, [announcement], cards)
    assert first["gemma-3"]["description"].startswith("Gemma 3 comes in 4B and 27B sizes")

    with Session(engine) as s:
        for o in s.exec(select(Observation).where(Observation.field == "draft")):
            s.delete(o)
        s.commit()
    assert draft_rows() == set()
    assert drafts()["gemma-3"]["description"] is None  # nothing observed, nothing drafted
    invoke("renormalize")
    assert draft_rows() == rows
    assert drafts() == first
