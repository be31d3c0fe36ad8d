"""Fast scanning of long texts, shared by the text extractors (params, licenses, pricing).

Python's regex engine tries a pattern at every character unless the pattern starts with a
literal, so a handful of case-insensitive patterns over a 20 KB model card costs milliseconds.
The extractors therefore find a few anchors with `str.find` (a fast C search) in a lower-case
copy of the text and run their patterns only at or around those anchors. This module owns that
lower-case copy and the anchor search; what a pattern means stays with its extractor.
"""

from __future__ import annotations

import functools
import re


def lower_ascii(text: str) -> str:
    """`ascii_lower` without the cache, for short texts such as table cells."""
    if text.isascii():
        return text.lower()
    return text.encode("ascii", "replace").lower().decode("ascii")


@functools.lru_cache(maxsize=4)
def ascii_lower(text: str) -> str:
    """`text` in lower case, ASCII only, with exactly the same length and offsets.

    `str.lower()` can change the length of a text ('İ' becomes two characters), which would
    shift every offset after it, and it is slow on non-ASCII text. Here each non-ASCII
    character becomes '?', so an offset found in the copy is the same offset in `text`.
    The few most recent texts are kept, because one record's text is read by several
    extractors; the result is an immutable string, so sharing it is safe.
    """
    return lower_ascii(text)


def find_all(text: str, needle: str, limit: int = 1000, start: int = 0) -> list[int]:
    """Offsets of `needle` in `text` from `start`, at most `limit` of them (bounded work)."""
    found: list[int] = []
    pos = text.find(needle, start)
    for _ in range(limit):
        if pos < 0:
            break
        found.append(pos)
        pos = text.find(needle, pos + 1)
    return found


def contains_any(text: str, needles: tuple[str, ...], start: int = 0, end: int = -1) -> bool:
    """True when any of `needles` occurs in `text[start:end]` (the whole text when `end` is
    -1): one C search per needle."""
    start = max(0, start)
    if end < 0:
        end = len(text)
    for needle in needles:  # noqa: SIM110 - a plain loop is cheaper than any(generator)
        if text.find(needle, start, end) >= 0:
            return True
    return False


MAX_WORD_STARTS = 200


def matches_at_words(pattern: re.Pattern, text: str, lowered: str, words: tuple[str, ...]) -> bool:
    """`pattern.search(text) is not None` for a pattern whose every match starts with one of
    `words` (case-insensitive; `lowered` is `text` in ASCII lower case, offset for offset):
    the pattern is tried only where a word starts, not at every character. A text with more
    than `MAX_WORD_STARTS` of one word is searched the plain way."""
    for word in words:
        found = find_all(lowered, word, MAX_WORD_STARTS)
        if len(found) == MAX_WORD_STARTS:
            return pattern.search(text) is not None
        for pos in found:
            if pattern.match(text, pos) is not None:
                return True
    return False
