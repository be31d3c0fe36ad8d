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

from normalize import pricing
from normalize.evidence import compact
from normalize.params.counts import _UNIT_SCALE
from normalize.params.prose import (
    _LABEL_END,
    _QUALIFIER_AFTER,
    _RANGE_AFTER,
    _RANGE_STARTS,
    _before_label,
    _first_after_spaces,
    _mention_from_span,
    _size_span,
    _word_at,
    _words_in,
)
from normalize.text import MAX_WORD_STARTS, lower_ascii, matches_at_words

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


# ---------------------------------------------------------------------------------------------
# A size's value: read digit by digit, against the float parsing and 6-digit rounding it
# replaced ('1.5' -> 1.5e9 must be the very float that `float('1.5e9')` is).


def _value_by_parsing(num: str, unit: str) -> float:
    value = float(num) * _UNIT_SCALE[unit]
    return float(f"{value:.6g}") if "." in num else value


@pytest.mark.parametrize(
    ("text", "value", "label", "precision"),
    [
        ("27B", 27e9, "27B", 2),
        ("1.5B", 1.5e9, "1.5B", 2),
        ("0.6B", 0.6e9, "0.6B", 1),
        ("3.3 billion", 3.3e9, "3.3B", 2),
        ("46.7B", 46.7e9, "46.7B", 3),
        ("1.234T", 1.234e12, "1.234T", 4),
        ("999.999T", 999.999e12, "999.999T", 6),
        ("1234.567B", 1.23457e12, "1234.567B", 7),  # seven digits: rounded to six
        ("135M", 135e6, "135M", 3),
        ("0,6B", 0.6e9, "0.6B", 1),
        ("7.00B", 7e9, "7.00B", 3),
        ("4.1B", 4.1e9, "4.1B", 2),  # float('4.1') * 1e9 is 4099999999.9999995
        ("0.067B", 6.7e7, "0.067B", 2),
    ],
)
def test_size_values_are_the_decimal_written(text, value, label, precision):
    mention = _mention_from_span(_size_span(text, 0))
    assert (mention.value, mention.label, mention.precision) == (value, label, precision)


@settings(max_examples=1000, deadline=None)
@given(
    st.builds(
        lambda whole, fraction: whole + (f".{fraction}" if fraction else ""),
        st.text("0123456789", min_size=1, max_size=4),
        st.text("0123456789", max_size=3),
    ),
    st.sampled_from(["b", "m", "t", "bn", "billion", "million", "trillion"]),
)
def test_size_value_agrees_with_parsing_and_rounding(num, unit):
    text = f"{num}{unit if len(unit) < 3 else ' ' + unit}"
    mention = _mention_from_span(_size_span(text, 0))
    expected = _value_by_parsing(num, unit)
    if not 1e4 <= expected <= 1e15 or not 1e4 <= float(num) * _UNIT_SCALE[unit] <= 1e15:
        return  # out of range either way (a boundary rounding may differ: no size is there)
    assert mention is not None and mention.value == expected
    assert mention.precision == (len(num.replace(".", "").lstrip("0")) or 1)


# ---------------------------------------------------------------------------------------------
# Gates: cheap tests that decide whether a regex is tried at all. A gate may let through what
# the regex then rejects, but must never stop what the regex would match.

GATE_TEXT = st.text(" \t\u00a0\n*:=|-–—~toTOparmeinlvdbyc(0123456789", max_size=30)


@settings(max_examples=1000, deadline=None)
@given(GATE_TEXT)
def test_range_gate_lets_every_range_through(text):
    if _RANGE_AFTER.match(text):
        assert _first_after_spaces(text, 0, len(text)) in _RANGE_STARTS


@settings(max_examples=1000, deadline=None)
@given(GATE_TEXT.map(str.lower))
def test_qualifier_gate_lets_every_qualifier_through(lowered):
    if _QUALIFIER_AFTER.match(lowered):
        assert _first_after_spaces(lowered, 0, len(lowered), " \t") in "p(taon"


@settings(max_examples=1000, deadline=None)
@given(st.text("Number of paramets \t\u00a0*:=|", max_size=30))
def test_label_gate_lets_every_label_end_through(before):
    if _LABEL_END.search(before[-12:]) is None:
        assert _before_label(before) is None
    else:
        # the gate passes, so the answer is the regex's own
        assert before.rstrip().rstrip("*").rstrip()[-1:] in (":", "=", "|")


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
