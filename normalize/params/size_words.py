"""Size words: how the scale of a count is written ("27B", "7bn", "1.5 billion"), read from
`normalize/data/size_words.toml`.

This module owns the loading of that file and every index derived from it: the value and the
label letter of each word, and the regex alternations the count reader (`counts`) and the
prose reader (`prose`) are built from. It reads no sizes itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalize.data import (
    DataFileError,
    data_path,
    entries,
    known_keys,
    parse_data,
    read_data,
    words,
)

SIZE_WORDS_FILE = "size_words.toml"
_KEYS = {"letter", "value", "abbreviations", "words", "prose"}


@dataclass(frozen=True, slots=True)
class Scale:
    letter: str  # "B"
    value: float  # 1e9
    abbreviations: tuple[str, ...]  # ("b", "bn")
    words: tuple[str, ...]  # ("billion",)
    prose: bool  # running text states sizes in it


def load_scales(text: str, where: str = data_path(SIZE_WORDS_FILE)) -> tuple[Scale, ...]:
    """The `[[scale]]` entries of a size-words file, checked; a word in two scales, a scale
    without a one-letter label or a positive value is a DataFileError naming the entry."""
    scales: list[Scale] = []
    seen: dict[str, str] = {}
    for number, entry in enumerate(entries(parse_data(text, where), "scale", where), 1):
        letter = entry.get("letter")
        label = f"[[scale]] entry {number}" + (f" ({letter!r})" if isinstance(letter, str) else "")
        known_keys(entry, _KEYS, where, label)
        if not isinstance(letter, str) or len(letter) != 1 or not letter.isupper():
            raise DataFileError(f"{where}: {label}: 'letter' must be one upper-case letter")
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise DataFileError(f"{where}: {label}: 'value' must be a positive number")
        prose = entry.get("prose")
        if not isinstance(prose, bool):
            raise DataFileError(f"{where}: {label}: 'prose' must be true or false")
        abbreviations = words(entry, "abbreviations", where, label)
        spelled = words(entry, "words", where, label)
        for word in (*abbreviations, *spelled):
            if not word.isalpha():
                raise DataFileError(f"{where}: {label}: {word!r} is not a word of letters")
            if word in seen:
                raise DataFileError(f"{where}: {label}: {word!r} is already {seen[word]!r}'s")
            seen[word] = letter
        scales.append(Scale(letter, float(value), tuple(abbreviations), tuple(spelled), prose))
    return tuple(scales)


def alternation(forms: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of `forms`, longest first, so 'bn' is tried before 'b'."""
    return "|".join(re.escape(form) for form in sorted(set(forms), key=lambda f: (-len(f), f)))


SCALES: tuple[Scale, ...] = load_scales(read_data(SIZE_WORDS_FILE))
_PROSE = tuple(scale for scale in SCALES if scale.prose)

# word ("bn", "billion") → what one of it counts, and the label letter written for it
UNIT_SCALE: dict[str, float] = {
    word: scale.value for scale in SCALES for word in (*scale.abbreviations, *scale.words)
}
UNIT_LETTER: dict[str, str] = {
    word: scale.letter for scale in SCALES for word in (*scale.abbreviations, *scale.words)
}
# A count as written on its own: every word of every scale.
COUNT_UNITS_RE = alternation(list(UNIT_SCALE))
# Running text: the abbreviations and words of the prose scales, and their label letters.
PROSE_ABBREVIATIONS_RE = alternation([w for s in _PROSE for w in s.abbreviations])
PROSE_WORDS: tuple[str, ...] = tuple(w for s in _PROSE for w in s.words)
PROSE_WORDS_RE = alternation(PROSE_WORDS)
PROSE_LETTERS_RE = alternation([s.letter.lower() for s in _PROSE])
# The first letters a prose abbreviation starts with, as a regex character class body.
PROSE_INITIALS = "".join(sorted({w[0] for s in _PROSE for w in s.abbreviations}))
