"""How a size is read in running text: the size regex, the words after it, and its value.

`normalize.params.prose` reads a size ('27B', '8x7B', '17Bx16E') with one regex and the words
after it with another; these tables pin down what each reads, including the edges the
hand-written readers they replaced had (no Unicode case folding of the unit words, ASCII
digits range-checked after rounding).
"""

import pytest

from normalize.params.prose import _mention_from_size, _size_at, _words_in

CASES = [
    # (text, what is read at offset 0: (end, experts, num, unit, active experts) or None)
    ("27B", (3, "", "27", "b", "")),
    ("1.5B parameters", (4, "", "1.5", "b", "")),
    ("0,6B", (4, "", "0,6", "b", "")),
    ("7 billion", (9, "", "7", "billion", "")),
    ("7-billion-parameter", (9, "", "7", "billion", "")),
    ("70billions", (10, "", "70", "billion", "")),
    ("7 BILLIONS", (10, "", "7", "billion", "")),
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
    ("٢٧B", (3, "", "٢٧", "b", "")),  # Arabic-Indic digits are digits
    ("B27", None),
    # Unit words in ASCII letters only: a dotless 'ı' or a long 'ſ' spells no unit.
    ("7 bıllion", None),
    ("7 BİLLION", None),
    ("7 billionſ", None),
]


def _read(text: str, start: int) -> tuple | None:
    size = _size_at(text, start)
    if size is None:
        return None
    experts, num, letter, word, active = size.group("experts", "num", "letter", "word", "aexperts")
    return size.end(), experts or "", num, (letter or word).lower(), active or ""


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_size_read_at_the_start(text, expected):
    assert _read(text, 0) == expected


def test_size_read_at_an_offset():
    assert _read("a 27B model", 2) == (5, "", "27", "b", "")
    assert _read("a 27B model", 1) is None  # a size starts with its digits


@pytest.mark.parametrize(
    ("lowered", "words"),
    [
        (" parameters in total, and", ["parameters", "in", "total", ",", "and"]),
        ("-param (activated) | 8", ["param", "activated", "|", "8"]),
        (" 14t tokens; 2,048 gpus", ["14t", "tokens", ";", "2,048", "gpus"]),
        ("#1 q4_k_m?", ["1", "q", "4_k_m", "?"]),
        ("open-weight #moe", ["open-weight", "moe"]),
        ("", []),
    ],
)
def test_words_after_a_size(lowered, words):
    assert _words_in(lowered, 0, len(lowered)) == words


def test_words_stop_at_the_limit():
    assert _words_in(" parameters in total", 0, 8) == ["paramet"]


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
        ("12,5B", 12.5e9, "12.5B", 3),  # a decimal comma
        ("7.00B", 7e9, "7.00B", 3),
        ("4.1B", 4.1e9, "4.1B", 2),  # float('4.1') * 1e9 is 4099999999.9999995
        ("0.067B", 6.7e7, "0.067B", 2),
        ("0.01M", 1e4, "0.01M", 1),  # the smallest count there is
        ("1000.001T", 1e15, "1000.001T", 7),  # rounded to 1e15 first, so in range
    ],
)
def test_size_values_are_the_decimal_written(text, value, label, precision):
    mention = _mention_from_size(_size_at(text, 0))
    assert (mention.value, mention.label, mention.precision) == (value, label, precision)


@pytest.mark.parametrize(
    "text",
    [
        "0.001M",  # below the smallest count
        "1001T",  # above the largest
        "١٠٠٠.٠٠١T",  # other digits are range-checked before rounding
        "1,000B",  # a thousands figure
    ],
)
def test_sizes_that_are_no_count(text):
    size = _size_at(text, 0)
    assert size is not None and _mention_from_size(size) is None


def test_expert_sizes():
    moe = _mention_from_size(_size_at("8x7B", 0))
    assert (moe.value, moe.label, moe.experts, moe.moe) == (None, "8x7B", 8, True)
    active = _mention_from_size(_size_at("17Bx16E", 0))
    assert (active.value, active.label, active.experts, active.kind) == (17e9, "17B", 16, "active")
