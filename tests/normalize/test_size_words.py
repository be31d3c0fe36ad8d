"""Size words as data: normalize/data/size_words.toml, the indexes and regexes derived from it,
what the count and prose readers make of each word, and the errors of a bad entry."""

from __future__ import annotations

import re

import pytest

from normalize.data import DataFileError, read_data
from normalize.params import params_from_text, parse_param_count
from normalize.params.size_words import (
    COUNT_UNITS_RE,
    PROSE_ABBREVIATIONS_RE,
    PROSE_WORDS_RE,
    SCALES,
    UNIT_LETTER,
    UNIT_SCALE,
    alternation,
    load_scales,
)

# Every word of the file, with what it counts and the label letter written for it.
WORD_ROWS = [
    ("k", 1e3, "K"),
    ("thousand", 1e3, "K"),
    ("m", 1e6, "M"),
    ("mn", 1e6, "M"),
    ("million", 1e6, "M"),
    ("b", 1e9, "B"),
    ("bn", 1e9, "B"),
    ("billion", 1e9, "B"),
    ("t", 1e12, "T"),
    ("tn", 1e12, "T"),
    ("trillion", 1e12, "T"),
]


@pytest.mark.parametrize("word,value,letter", WORD_ROWS)
def test_each_word_of_the_file(word, value, letter):
    assert (UNIT_SCALE[word], UNIT_LETTER[word]) == (value, letter)


def test_the_indexes_are_derived_from_the_file():
    assert load_scales(read_data("size_words.toml")) == SCALES
    assert sorted(UNIT_SCALE) == sorted(w for w, _, _ in WORD_ROWS)
    # longest first, so a longer spelling is never cut short by its first letters
    assert COUNT_UNITS_RE.split("|")[:4] == ["thousand", "trillion", "billion", "million"]
    assert re.fullmatch(PROSE_ABBREVIATIONS_RE, "bn") and not re.fullmatch(
        PROSE_ABBREVIATIONS_RE, "k"
    )
    assert sorted(PROSE_WORDS_RE.split("|")) == ["billion", "million", "trillion"]
    assert alternation(["b", "bn", "b"]) == "bn|b"


# A count written on its own (an editor's field, a table cell): every scale reads.
COUNT_ROWS = [
    ("27B", 27e9),
    ("7 billion", 7e9),
    ("7bn", 7e9),
    ("1.5 Trillion", 1.5e12),
    ("350 mn", 350e6),
    ("135M", 135e6),
    ("900 thousand", 900e3),
    ("50k", 50e3),
    ("27,432,406,640", 27432406640.0),
    ("7 gigabytes", None),
    ("7 bns", None),
]


@pytest.mark.parametrize("text,count", COUNT_ROWS)
def test_a_count_reads_every_scale(text, count):
    assert parse_param_count(text) == count


# Running text states sizes only in the prose scales: a "50K" or "900 thousand" is no size.
PROSE_ROWS = [
    ("The model has 7 billion parameters.", 7e9),
    ("The model has 2 billions parameters.", 2e9),
    ("A 3bn parameter model.", 3e9),
    ("Trained with 1.5-trillion parameters in total.", 1.5e12),
    ("It has 350M parameters.", 350e6),
    ("It has 900 thousand parameters.", None),
    ("It has 50K parameters.", None),
]


@pytest.mark.parametrize("text,total", PROSE_ROWS)
def test_prose_reads_only_the_prose_scales(text, total):
    params = params_from_text(text)
    assert (params.total if params else None) == total


def scale(
    letter='"B"', value="1e9", abbreviations='["b", "bn"]', words='["billion"]', prose="true"
):
    return (
        f"[[scale]]\nletter = {letter}\nvalue = {value}\nabbreviations = {abbreviations}\n"
        f"words = {words}\nprose = {prose}\n"
    )


MALFORMED = [
    # (file text, what the error says)
    ("[[scale]]\nletter = 'B'\nvalue = \n", "not valid TOML"),
    ("letter = 'B'\n", "no [[scale]] entries"),
    (scale(letter='"b"'), "[[scale]] entry 1 ('b'): 'letter' must be one upper-case letter"),
    (scale(letter='"BN"'), "'letter' must be one upper-case letter"),
    (scale(value="0"), "[[scale]] entry 1 ('B'): 'value' must be a positive number"),
    (scale(value='"1e9"'), "'value' must be a positive number"),
    (scale(prose='"yes"'), "'prose' must be true or false"),
    (scale(words="[]"), "'words' must be a non-empty list of strings"),
    (scale(abbreviations='["B"]'), "'abbreviations' holds 'B'; write it lower-case"),
    (scale(words='["bil lion"]'), "'bil lion' is not a word of letters"),
    (
        scale() + "\n" + scale(letter='"G"', abbreviations='["g", "bn"]', words='["giga"]'),
        "[[scale]] entry 2 ('G'): 'bn' is already 'B''s",
    ),
    (scale().replace("prose", "in_prose"), "unknown key(s) in_prose"),
]


@pytest.mark.parametrize("text,message", MALFORMED)
def test_a_malformed_entry_names_the_file_and_the_entry(text, message):
    with pytest.raises(DataFileError) as raised:
        load_scales(text)
    assert str(raised.value).startswith("normalize/data/size_words.toml: ")
    assert message in str(raised.value)
