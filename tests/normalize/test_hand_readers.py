"""The size reader reads by hand what regexes used to read; the regexes are the specification.

`params._size_span` reads a size ('27B', '8x7B', '17Bx16E') and `params._word_at` the words
after it. Both were regexes until they were replaced for speed (match objects and group
lookups were a third of a card's reading). The regexes stay here: every string is read the
same way by both, at every offset, apart from the size regex's Unicode case folding of the
unit words ('bıllion' with a dotless i), which the hand reader does not copy.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalize.params import _size_span, _word_at, _words_in

SIZE_REGEX = re.compile(
    r"(?=\d)"
    r"(?:(?P<experts>\d{1,3})\s?[x×]\s?)?"
    r"(?P<num>\d{1,4}(?:[.,]\d{1,3})?)"
    r"(?:(?P<letter>[BMT](?:n)?)|[\s-]?(?P<word>billion|million|trillion)s?)"
    r"(?:\s?[x×]\s?(?P<aexperts>\d{1,4})\s?E)?"
    r"(?![\w$])",
    re.IGNORECASE,
)


def _by_regex(text: str, start: int) -> tuple | None:
    match = SIZE_REGEX.match(text, start)
    if match is None:
        return None
    experts, num, letter, word, aexperts = match.group(1, 2, 3, 4, 5)
    unit = (letter or word).lower()
    return match.start(), match.end(), experts or "", num, unit, aexperts or ""


def _by_hand(text: str, start: int) -> tuple | None:
    span = _size_span(text, start)
    if span is None:
        return None
    return span.start, span.end, span.experts, span.num, span.unit, span.active_experts


CASES = [
    # (text, what is read at offset 0: (end, experts, num, unit, active experts) or None)
    ("27B", (3, "", "27", "b", "")),
    ("1.5B parameters", (4, "", "1.5", "b", "")),
    ("0,6B", (4, "", "0,6", "b", "")),
    ("7 billion", (9, "", "7", "billion", "")),
    ("7-billion-parameter", (9, "", "7", "billion", "")),
    ("70billions", (10, "", "70", "billion", "")),
    ("2.5bn tokens", (5, "", "2.5", "bn", "")),
    ("1Tn", (3, "", "1", "tn", "")),
    ("135M", (4, "", "135", "m", "")),
    ("8x7B", (4, "8", "7", "b", "")),
    ("8 x 22B", (7, "8", "22", "b", "")),
    ("8×7B", (4, "8", "7", "b", "")),
    ("17Bx16E", (7, "", "17", "b", "16")),
    ("17B x 16 E model", (10, "", "17", "b", "16")),
    ("17B x 16Experts", (3, "", "17", "b", "")),  # the suffix does not end the size
    ("17Bx16Experts", None),
    ("27\u00a0billion", (10, "", "27", "billion", "")),  # a no-break space from HTML
    ("12345B", None),  # five digits before the unit
    ("1.2345B", None),
    ("1,000B", (6, "", "1,000", "b", "")),  # read, then refused as a thousands figure
    ("27.B", None),
    ("27 B", None),
    ("27Bs", None),
    ("27B$", None),
    ("27B_x", None),
    ("7bn2", None),
    ("8x 7B", (5, "8", "7", "b", "")),
    ("8x B", None),
    ("1234x7B", None),
    ("٢٧B", (3, "", "٢٧", "b", "")),  # Arabic-Indic digits are digits to both
    ("B27", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_size_span_reads_the_size_at_the_start(text, expected):
    found = _by_hand(text, 0)
    assert (found[1:] if found else None) == expected
    assert found == _by_regex(text, 0)


ALPHABET = "0123456789.,xX× \u00a0-bBmMtTnNsSeEilo_$a\n٣"
WORDS = ["billion", "Million", "TRILLION", "bn", "x16E", " x 8 e", "B", "7", "12.5", "8x"]
TEXTS = st.lists(st.one_of(st.sampled_from(WORDS), st.text(ALPHABET, max_size=4)), max_size=12)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS.map("".join))
def test_size_span_agrees_with_the_regex_at_every_offset(text):
    for start in range(len(text)):
        assert _by_hand(text, start) == _by_regex(text, start), (text, start)


WORD_REGEX = re.compile(r"[a-z][a-z\-#]*|\d[\w.,]*|[|\n:;.!?,]")
TWO_WORDS_REGEX = re.compile(
    r"[^a-z\d|\n:;.!?]*([a-z][a-z\-#]*|\d[\w.,]*|[|\n:;.!?])"
    r"(?:[^a-z\d|\n:;.!?]*([a-z][a-z\-#]*|\d[\w.,]*|[|\n:;.!?]))?"
)
LOWERED = st.text("ab-#z09_.,|\n:;!? ()*x?", max_size=40)


def _two_words_by_hand(lowered: str, start: int, limit: int) -> tuple | None:
    first_start, first_end = _word_at(lowered, start, limit, False)
    if first_start < 0:
        return None
    second_start, second_end = _word_at(lowered, first_end, limit, False)
    second = lowered[second_start:second_end] if second_start >= 0 else None
    return lowered[first_start:first_end], second, second_end if second else first_end


@pytest.mark.parametrize(
    ("lowered", "words"),
    [
        (" parameters in total, and", ["parameters", "in", "total", ",", "and"]),
        ("-param (activated) | 8", ["param", "activated", "|", "8"]),
        (" 14t tokens; 2,048 gpus", ["14t", "tokens", ";", "2,048", "gpus"]),
        ("#1 q4_k_m?", ["1", "q", "4_k_m", "?"]),
    ],
)
def test_words_after_a_size(lowered, words):
    assert _words_in(lowered, 0, len(lowered)) == words
    assert [m.group() for m in WORD_REGEX.finditer(lowered)] == words


@settings(max_examples=2000, deadline=None)
@given(LOWERED, st.integers(0, 40), st.integers(0, 45))
def test_word_reader_agrees_with_the_regexes(lowered, start, limit):
    start, limit = min(start, len(lowered)), min(limit, len(lowered))
    by_regex = [m.group() for m in WORD_REGEX.finditer(lowered, start, limit)]
    assert _words_in(lowered, start, limit) == by_regex
    two = TWO_WORDS_REGEX.match(lowered, start, limit)
    assert _two_words_by_hand(lowered, start, limit) == (
        (*two.groups(), two.end()) if two else None
    )
