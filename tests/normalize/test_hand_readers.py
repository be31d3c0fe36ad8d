"""Readers that are faster than the regex they stand for; the regex is the specification.

Pricing's tier patterns are tried only where one of their words starts
(`text.matches_at_words`), and a long snippet is compacted from its start only
(`evidence.compact`); each is checked against the plain regex search or the whole-text
compaction it replaced. (The size readers of `normalize.params` are regexes now:
tests/normalize/test_size_reading.py.)
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normalize import pricing
from normalize.evidence import compact
from normalize.text import MAX_WORD_STARTS, lower_ascii, matches_at_words

# ---------------------------------------------------------------------------------------------
# Pricing's tier patterns are tried only where one of their words starts
# (`text.matches_at_words`); a search over the whole text is the specification.

TIER_PATTERNS = [
    (pricing._FREE, ("free",)),
    (pricing._FREEMIUM, ("free",)),
    (pricing._OPEN_WEIGHTS, pricing._OPEN_WORDS),
    (pricing._PAID, pricing._PAID_WORDS),
    (pricing._VARIES, ("cost", "pric")),
]
TIER_WORDS = st.sampled_from(
    ["free", "Free", "FREE", "freemium", "tier", "plan", "then", "pro", "open", "Open-weights",
     "self-hosted", "download", "the", "weights", "source", "paid", "pay", "as", "you", "go",
     "usage-based", "contact", "sales", "enterprise", "pricing", "subscription", "trial",
     "custom", "cost", "costs", "vary", "TBD", "not", "of", "bias", "feel", "$", "5", "é"]
)  # fmt: skip
TIER_TEXTS = st.lists(
    st.tuples(TIER_WORDS, st.sampled_from([" ", "-", "", ". ", "\n", "_"])), max_size=12
).map(lambda parts: "".join(word + gap for word, gap in parts))


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("Free tier, then pay as you go", pricing._FREEMIUM, True),
        ("carefree pricing", pricing._FREE, False),
        ("Free of bias. Free to use", pricing._FREE, True),
        ("Weights are self-hosted", pricing._OPEN_WEIGHTS, True),
        ("prepaid cards", pricing._PAID, False),
        ("Pricing not yet announced", pricing._VARIES, True),
    ],
)
def test_tier_patterns_at_their_words(text, pattern, expected):
    words = next(words for p, words in TIER_PATTERNS if p is pattern)
    assert matches_at_words(pattern, text, lower_ascii(text), words) is expected
    assert (pattern.search(text) is not None) is expected


@settings(max_examples=2000, deadline=None)
@given(TIER_TEXTS)
def test_tier_patterns_agree_with_a_whole_text_search(text):
    lowered = lower_ascii(text)
    for pattern, words in TIER_PATTERNS:
        assert matches_at_words(pattern, text, lowered, words) is (pattern.search(text) is not None)


def test_a_text_full_of_one_word_is_searched_the_plain_way():
    text = "free " * (MAX_WORD_STARTS + 5) + "freemium"
    assert matches_at_words(pricing._FREEMIUM, text, text, ("free",))


# ---------------------------------------------------------------------------------------------
# A snippet of a long text is compacted from its start only (`evidence.compact`); compacting
# the whole text is the specification.


def _compact_whole(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@settings(max_examples=2000, deadline=None)
@given(st.text("ab \n\t\u00a0\u2003", max_size=400), st.integers(1, 60))
def test_compact_reads_a_long_text_from_its_start_alike(text, limit):
    assert compact(text, limit) == _compact_whole(text, limit)
