"""Draft inputs as observations (normalize.draft.DraftSource): what a document offers a
release's draft, read once when the document is observed, gives the draft the texts give."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from normalize.draft import (
    DraftSource,
    announcement_source,
    build_draft,
    candidate_sentences,
    card_source,
    draft_from_sources,
    extract_description,
    tagline_candidate,
)

SENTENCE_ROWS = [
    # (text, sentences kept; None ends a description begun before it)
    ("", []),
    (
        "Gemma 3 is a family of open models from Google. It runs on one GPU.",
        ["Gemma 3 is a family of open models from Google."],  # the second is too short
    ),
    (
        # boilerplate and a caption between two usable sentences: one marker for the run
        "Gemma 3 is a family of open models from Google. Sign in to see the files now. "
        "Figure 1\nThe models read images and text in 140 languages.",
        [
            "Gemma 3 is a family of open models from Google.",
            None,
            "The models read images and text in 140 languages.",
        ],
    ),
    # leading and trailing sentences that can never be chosen leave no marker
    ("Click here. Gemma 3 is out now for everyone to try. Read more", [
        "Gemma 3 is out now for everyone to try."
    ]),
    ("<b>Gemma 3</b> is a family of open models from Google.", [
        "Gemma 3 is a family of open models from Google."
    ]),
]  # fmt: skip


@pytest.mark.parametrize("text,sentences", SENTENCE_ROWS)
def test_candidate_sentences(text, sentences):
    assert candidate_sentences(text) == sentences


TAGLINE_ROWS = [
    ("Four sizes, open weights, one GPU.", "Four sizes, open weights, one GPU"),
    ("Short.", None),  # under 20 characters
    ("A" * 150 + ".", None),  # over a line
    ("<b>Gemma 3</b> is here for everyone. More below.", "Gemma 3 is here for everyone"),
    (None, None),
]


@pytest.mark.parametrize("description,tagline", TAGLINE_ROWS)
def test_tagline_candidate(description, tagline):
    assert tagline_candidate(description) == tagline


@dataclass
class Release:
    name: str = "Gemma 3 (4B & 27B)"
    vendor: str | None = "Google DeepMind"
    family: str = "Gemma 3"
    fields: dict | None = field(
        default_factory=lambda: {
            "repos": ["google/gemma-3-27b-it"],
            "sizes": [{"label": "4B"}, {"label": "27B"}],
        }
    )


CARD = """---
license: gemma
---
# Gemma 3

| Size | Params |
|---|---|
| 27B | 27.4B |

Gemma 3 models are multimodal, handling text and image input and generating text output.

```python
pip install -U transformers
```
"""
ANNOUNCEMENT = {
    "url": "https://huggingface.co/blog/gemma3",
    "title": "Welcome Gemma 3",
    "description": "Google's Gemma 3 brings four sizes of open multimodal models.",
    "text": "Gemma 3 is released in 1B, 4B, 12B and 27B sizes. It reads images too.",
}
DRAFT_CASES = [
    # (case, announcements, cards, family)
    ("nothing", [], [], "Gemma 3"),
    ("card only", [], [CARD], "Gemma 3"),
    ("announcement first", [ANNOUNCEMENT], [CARD], "Gemma 3"),
    ("no summary", [{**ANNOUNCEMENT, "description": None}], [CARD], "Gemma 3"),
    ("family not named", [ANNOUNCEMENT], [CARD], "Llama 4"),
    ("two announcements", [{**ANNOUNCEMENT, "description": "Short."}, ANNOUNCEMENT], [], "Gemma 3"),
]


@pytest.mark.parametrize(
    "case,announcements,cards,family", DRAFT_CASES, ids=[c[0] for c in DRAFT_CASES]
)
def test_the_stored_sources_draft_what_the_texts_draft(case, announcements, cards, family):
    release = Release(family=family)
    # through JSON, as the store keeps them
    sources = [
        DraftSource.from_json(
            json.loads(
                json.dumps(announcement_source(a["url"], a["description"], a["text"]).to_json())
            )
        )
        for a in announcements
    ]
    card_sources = [
        DraftSource.from_json(json.loads(json.dumps(card_source(c).to_json()))) for c in cards
    ]
    drafted = draft_from_sources(release, sources, card_sources, "pricing:openrouter")
    assert drafted == build_draft(release, announcements, cards, "pricing:openrouter")
    texts = [f"{a['description'] or ''}\n{a['text']}" for a in announcements]
    if case == "announcement first":
        assert drafted["tagline"] == "Google's Gemma 3 brings four sizes of open multimodal models"
        assert drafted["description"] == extract_description(texts, family)
        assert drafted["description"].startswith("Google's Gemma 3 brings four sizes")
    if case == "card only":
        assert drafted["description"].startswith("Gemma 3 models are multimodal")
        assert "pip install" not in drafted["description"]
    if case == "family not named":
        assert drafted["description"] is None


def test_a_card_source_reads_bytes_as_text():
    assert card_source(CARD.encode()) == card_source(CARD)
    assert card_source(CARD).kind == "card" and card_source(CARD).extractor == "draft.card"


GARBAGE = [None, [], "text", {"kind": "page"}, {"kind": "card", "sentences": "not a list"}]


@pytest.mark.parametrize("value", GARBAGE)
def test_a_stored_value_that_is_no_source_reads_as_nothing_or_empty(value):
    source = DraftSource.from_json(value)
    assert source is None or (source.kind == "card" and source.sentences == [])
