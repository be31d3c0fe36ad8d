"""Sizes in running text (cards, announcements) and whether each one is a declaration.

Every size written in the text is found ('27B', '1.5 billion', '8x7B', '17Bx16E'), then the
words after it and the text before it decide whether it states the model's parameter count
(and whether the total, the active or the non-embedding count), or something else: tokens,
context, a range, a model named in passing. Lists ('1B, 4B and 27B sizes') share a verdict.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from normalize.params.counts import (
    _UNIT_SCALE,
    MAX_COUNT,
    MAX_MENTIONS,
    MIN_COUNT,
    _close,
    _label,
    _precision,
    _scaled,
)
from normalize.params.size_words import (
    PROSE_ABBREVIATIONS_RE,
    PROSE_INITIALS,
    PROSE_LETTERS_RE,
    PROSE_WORDS,
    PROSE_WORDS_RE,
)
from normalize.text import contains_any

# The words after a size, read on the lower-case ASCII copy of the text: a word is letters
# (with '-' and '#'), or a number (with letters, '_', '.' and ','), or one of the marks that
# end a clause. Commas are words too for the full reading: one before a qualifier ends it
# (`_clause_words`); the first two words are read without them.
_WORD = re.compile(r"[a-z][a-z#-]*|[0-9][a-z0-9_.,]*|[|\n:;.!?,]")
_WORD_NO_COMMA = re.compile(r"[a-z][a-z#-]*|[0-9][a-z0-9_.,]*|[|\n:;.!?]")


_PARAM_WORDS = frozenset({"parameter", "parameters", "params", "param", "parameter-count"})
_SIZE_WORDS = frozenset(
    {"model", "models", "variant", "variants", "size", "sizes", "checkpoint", "checkpoints"}
    | {"llm", "llms", "version", "versions", "slm", "slms", "network"}
)
_TOTAL_WORDS = frozenset({"total", "(total)", "overall"})
_ACTIVE_WORDS = frozenset({"active", "activated", "(activated)", "(active)"})
_QUALIFIER_WORDS = _TOTAL_WORDS | _ACTIVE_WORDS
_FILLER_WORDS = frozenset(
    {"in", "and", "the", "of", "a", "an", "dense", "sparse", "moe", "language", "base"}
    | {"instruct", "instruction-tuned", "pretrained", "pre-trained", "multimodal", "text"}
    | {"vision", "open", "open-weight", "open-source", "chat", "reasoning", "mixture-of-experts"}
    | {"decoder-only", "transformer", "foundation", "large", "small", "parameter", "-"}
)
_EXCLUDE_WORDS = frozenset(
    {"token", "tokens", "word", "words", "context", "images", "image", "hours", "hour", "gpu"}
    | {"flops", "flop", "bytes", "gb", "tb", "users", "downloads", "dollars", "usd", "samples"}
    | {"examples", "sentences", "documents", "pages", "steps", "rows", "pairs", "characters"}
    | {"chars", "frames", "videos", "people", "customers", "scale", "range", "tokens/s"}
    | {"-token", "seconds", "times", "requests", "queries", "lines", "files", "repositories"}
)
_LABEL_END = re.compile(r"\s*\**\s*[:=|]\s*\**\s*\Z")
_LABEL_WORDS = re.compile(r"param[a-z]*|\bsize\b", re.IGNORECASE)
_LABEL_TEXT = re.compile(r"[\w#()\- ]{1,70}")
_BEFORE_SIZES = re.compile(r"\b(?:sizes?|param[a-z]*)\s*(?:of|:|\()?\s*$", re.IGNORECASE)
_BEFORE_QUALIFIER = re.compile(
    r"\b(?P<q>total|activated|active)\s+(?:of\s+)?(?:about\s+|~)?$", re.IGNORECASE
)
_RANGE_BEFORE = re.compile(
    rf"\d\s*(?:{PROSE_LETTERS_RE}|{PROSE_WORDS_RE})?\s*(?:to|–|—|-|~)\s*$", re.IGNORECASE
)
_RANGE_AFTER = re.compile(r"\s*(?:to|–|—|~|-)\s*\d", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and|or|&)?|and|or|&|/)\s*\Z", re.IGNORECASE)
_PAREN_REFINE = re.compile(r"\s*\(\s*\Z")
_EXPERTS_AFTER = re.compile(r"\bwith\s+(?P<n>\d{1,4})\s+(?:routed\s+)?experts\b", re.IGNORECASE)
_EXPERTS_NUMBER_OF = re.compile(
    r"number\s+of\s+(?:routed\s+)?experts\s*\**\s*[:|]\s*\**\s*(?P<n>\d{1,4})"
)
# Led by a literal (the regex engine skips ahead to it); the word boundary before 'with' is
# checked in Python.
_EXPERTS_WITH = re.compile(r"with\s+(?P<n>\d{1,4})\s+(?:routed\s+)?experts\b")
_PARAMS_AFTER = re.compile(r"\s*(?:active\s+|activated\s+)?param[a-z]*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;]\s|\n")
_THOUSANDS_SIZE = re.compile(r"\d{1,3},\d{1,2}")
# A qualifier right after the size or its 'parameters' (read on the lower-cased text).
_QUALIFIER_AFTER = re.compile(
    r"[ \t]*(?:param(?:eter)?s?[ \t]+(?:(?:in|are|is|being)[ \t]+)?)?\(?(total|overall|activated|active|"
    r"non[ -]?embedding)\b"
)
_AFTER_QUALIFIERS = {"total": "total", "overa": "total", "activ": "active", "non-e": "nonembedding"}
_AFTER_QUALIFIERS |= {"non e": "nonembedding", "nonem": "nonembedding"}
_NON_EMBEDDING = re.compile(r"non[\s-]?embedding", re.IGNORECASE)
_PER_TOKEN = re.compile(r"\s*(?:per|for\s+each|each)\s+(?:token|forward)", re.IGNORECASE)


_MENTION_SEQ = itertools.count()


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    value: float | None
    label: str
    precision: int
    experts: int | None = None
    moe: bool = False
    kind: str = "plain"  # plain | total | active | nonembedding
    accepted: bool = False
    hint: str = ""
    snippet: str = ""
    # Creation order: prose before tables within a text, a card before a text (see
    # `_variants_evidence`).
    seq: int = field(init=False, default_factory=lambda: next(_MENTION_SEQ))


# A size as written:
#
#   [experts 'x'] num unit ['x' experts 'E'], then no word character and no '$'
#   - experts: 1-3 digits, an optional space, 'x' or '×', an optional space ('8x7B', '8 x 22B')
#   - num: 1-4 digits, optionally '.' or ',' and 1-3 digits ('27', '1.5', '0,6')
#   - unit: an abbreviation of a prose scale ('B', 'bn'), or, after an optional space or
#     hyphen, its word ('billion'), plural too ('(?a:…)': ASCII letters only, so a dotless
#     'ı' or a long 'ſ' does not spell one); both from normalize/data/size_words.toml
#   - the 'x16E' suffix ('17Bx16E'): kept only when what follows it ends the size
_SIZE = re.compile(
    r"(?=\d)"
    r"(?:(?P<experts>\d{1,3})\s?[x×]\s?)?"
    r"(?P<num>\d{1,4}(?:[.,]\d{1,3})?)"
    rf"(?:(?P<letter>{PROSE_ABBREVIATIONS_RE})|[\s-]?(?P<word>(?a:{PROSE_WORDS_RE}))(?a:s)?)"
    r"(?:\s?[x×]\s?(?P<aexperts>\d{1,4})\s?e)?"
    r"(?![\w$])",
    re.IGNORECASE,
)
# The signs of an expert count ('8x7B', '8 × 7B', '17Bx16E').
_X_SIGNS = "xX×"


def _size_at(text: str, start: int) -> re.Match | None:
    """The size written at `start` ('27B', '1.5 billion', '8x7B', '17Bx16E'), or None."""
    return _SIZE.match(text, start)


def _mention_from_size(size: re.Match) -> _Mention | None:
    """A `_Mention` for a size as written, or None when it is no size ('1,000B', '0.001M')."""
    experts, num, letter, word, active_experts = size.group(
        "experts", "num", "letter", "word", "aexperts"
    )
    unit = (letter or word).lower()
    if "," in num:
        if not _THOUSANDS_SIZE.fullmatch(num):
            return None  # '1,000B' style thousands are not how sizes are written
        value = _scaled(num, unit)
        if value is None:
            return None
    else:
        value = float(num) * _UNIT_SCALE[unit]
        # Rounded to the six digits a size is written with (7.61 * 1e9 carries float noise).
        # ASCII digits are range-checked after rounding, other digits ('٢٧B') before it.
        rounded = float(f"{value:.6g}") if "." in num else value
        if not MIN_COUNT <= (rounded if num.isascii() else value) <= MAX_COUNT:
            return None
        value = rounded
    label = _label(num, unit)
    if experts:
        label = f"{experts}x{label}"
        return _Mention(size.start(), size.end(), None, label, 0, int(experts), True)
    mention = _Mention(size.start(), size.end(), value, label, _precision(num))
    if active_experts:
        mention.experts = int(active_experts)
        mention.kind = "active"
    return mention


def _window_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the context read around a size: 80 characters before it and 160 after,
    within its line. Searching only that far keeps a long line linear."""
    line_start = text.rfind("\n", max(0, start - 80), start) + 1
    line_end = text.find("\n", end, end + 160)
    return max(line_start, start - 80), min(len(text), end + 160) if line_end < 0 else line_end


def _read_after(lowered: str, end: int, limit: int) -> tuple[bool, str | None]:
    """(accepted, qualifier) from up to seven words after a size (in lower-cased text).

    The first two words decide almost always ('7B parameters', '14T tokens', '7B total
    parameters'); the rest are read only when those two do not.
    """
    limit = min(end + 80, limit, len(lowered))
    two = list(itertools.islice(_WORD_NO_COMMA.finditer(lowered, end, limit), 2))
    if not two:
        return False, None
    first = two[0].group()
    second = two[1].group() if len(two) > 1 else None
    # A qualifier after a comma belongs to the next clause ('235B, activated parameters:
    # 22B'): then the comma counts, and the full reading decides.
    commas = (first in _QUALIFIER_WORDS or second in _QUALIFIER_WORDS) and (
        lowered.find(",", end, two[-1].end()) >= 0
    )
    if not commas:
        decided = _read_words((first, second))
        if decided is not None:
            return decided
    read = _read_words(_clause_words(_words_in(lowered, end, limit)), True)
    return read if read is not None else (False, None)  # a complete reading always decides


def _words_in(lowered: str, start: int, limit: int) -> list[str]:
    """Every word of `lowered[start:limit]`, commas included."""
    return _WORD.findall(lowered, start, limit)


def _clause_words(words: list[str]) -> list[str]:
    """The first seven words, commas left out but for one that starts a qualified clause
    ('235B, activated parameters: 22B'): that comma ends the reading."""
    kept = []
    for index, word in enumerate(words):
        if word == ",":
            following = words[index + 1] if index + 1 < len(words) else None
            if following not in _QUALIFIER_WORDS:
                continue
        kept.append(word)
        if len(kept) == 7:
            break
    return kept


def _read_words(words, complete: bool = False) -> tuple[bool, str | None] | None:
    """`_read_after`'s rule over `words`; None when they run out before a decision and more
    words may follow (`complete` false). A comma is read by `_clause_words` first."""
    qualifier: str | None = None
    for index, word in enumerate(words):
        if word is None:
            complete = True
            break
        if word == ",":
            break  # a comma `_clause_words` kept starts another clause
        if word in _PARAM_WORDS or word in _SIZE_WORDS:
            if word in _SIZE_WORDS and qualifier is None and index > 3:
                return False, None
            return True, qualifier
        if word in _TOTAL_WORDS or word in _ACTIVE_WORDS:
            qualifier = "total" if word in _TOTAL_WORDS else "active"
            continue
        if word in _EXCLUDE_WORDS:
            return False, None
        if qualifier is not None:
            return True, qualifier  # '37B activated for each token', '17B (Activated) 109B'
        if word in _FILLER_WORDS:
            continue
        return False, None
    if not complete:
        return None
    return qualifier is not None, qualifier


# Substrings of every word that can make a size a declaration; a cheap test before the full read.
_TRIGGER_SUBSTRINGS = (
    "param", "model", "variant", "size", "checkpoint", "llm", "version", "slm", "network",
    "total", "activ", "overall",
)  # fmt: skip
_BEFORE_TRIGGERS = ("param", "size", "total", "activ")


def _classify(text: str, lowered: str, mention: _Mention, before_words: bool) -> None:
    """Decide whether a size is a declaration, and of what (total, active, non-embedding).

    `before_words` says whether the 80 characters before it hold 'param', 'size', 'total' or
    'activ'; without them only the words after the size can make it a declaration.
    """
    start, end = mention.start, mention.end
    # The line's newline is a word of its own that ends the reading, so the words after a
    # size need no line bound.
    accepted, qualifier = _read_after(lowered, end, end + 80)
    if not accepted and not before_words:
        return
    before_start, after_end = _window_bounds(text, start, end)
    before = text[before_start:start]
    if before.endswith("-") and before[-2:-1].isalnum():
        return  # 'Qwen3-235B-A22B' inside running text names another model
    if before_words:
        before_lower = lowered[before_start:start]
        if "param" in before_lower or "size" in before_lower:
            label = _before_label(before)
            if label is not None:
                accepted = True
                qualifier = qualifier or _qualifier_in(label)
            elif _may_end_with_size_word(before_lower[-24:]) and _BEFORE_SIZES.search(before[-24:]):
                accepted = True
        if accepted and qualifier is None and ("total" in before_lower or "activ" in before_lower):
            # The qualifier must end the text before the size: searching its last 40
            # characters (with the real text before them for the word boundary) is enough.
            before_q = _BEFORE_QUALIFIER.search(before, max(0, len(before) - 40))
            if before_q:
                qualifier = "total" if before_q["q"].lower() == "total" else "active"
    if not accepted:
        return
    # A range before the size ends in a dash, a tilde or a lower-case 'to' ('3B to 7B').
    tail = before.rstrip()[-1:]
    if (tail and tail in "o–—-~" and _RANGE_BEFORE.search(before)) or _RANGE_AFTER.match(
        text, end, after_end
    ):
        return  # '3B–4B scale', 'from 0.5 to 72 billion parameters' describe ranges
    mention.accepted = True
    if qualifier is None:
        # '30.5B parameters in total', '6.5B non-embedding', '45.9B parameters activated'
        after = _QUALIFIER_AFTER.match(lowered, end, after_end)
        if after is not None:
            qualifier = _AFTER_QUALIFIERS[after.group(1)[:5]]
    if mention.kind == "plain":
        mention.kind = qualifier or "plain"
    sentence_end = min(after_end, end + 120)
    if (
        mention.kind == "plain"
        and contains_any(lowered, ("token", "forward"), end, sentence_end)
        and _per_token_after_params(text, end, sentence_end)
    ):
        mention.kind = "active"  # 'uses 12.9B parameters per token'
    if lowered.find("expert", end, sentence_end) < 0:
        return
    sentence = text[end:sentence_end]
    if experts := _EXPERTS_AFTER.search(sentence.split(".")[0]):
        # 'a 17 billion parameter model with 16 experts': the stated size is the active one.
        mention.experts = int(experts["n"])
        if mention.kind == "plain":
            mention.kind = "active"


def _before_label(before: str) -> str | None:
    """'Number of Parameters' in 'Number of Parameters: ', '| Total Parameters | ' …"""
    end = _LABEL_END.search(before[-12:])
    if end is None:
        return None
    label = before[: len(before) - len(end.group(0))]
    # The label starts after the cell, the previous label or the previous clause ('Total
    # parameters: 235B, activated parameters: 22B').
    cut = max(max(label.rfind("|"), label.rfind(":")), max(label.rfind(","), label.rfind(";")))
    label = label[max(cut, label.rfind("-  ")) + 1 :]
    label = label.strip().strip("*").strip()[-70:]
    if not label or not _LABEL_TEXT.fullmatch(label):
        return None
    # 'param…' anywhere, or the word 'size' (`_LABEL_WORDS`).
    lowered = label.lower()
    if "param" in lowered or ("size" in lowered and _LABEL_WORDS.search(label)):
        return label
    return None


def _may_end_with_size_word(tail: str) -> bool:
    """Whether `_BEFORE_SIZES` can match this (lower-cased) tail: it needs 'size' or 'param'."""
    return "size" in tail or "param" in tail


def _per_token_after_params(text: str, start: int, end: int) -> bool:
    match = _PARAMS_AFTER.match(text, start, end)
    return bool(match and _PER_TOKEN.match(text, match.end(), end))


def _qualifier_in(label: str) -> str | None:
    lowered = label.lower()
    if "embedding" in lowered and _NON_EMBEDDING.search(lowered):
        return "nonembedding"
    if "activ" in lowered:
        return "active"
    if "total" in lowered:
        return "total"
    return None


def _group_lists(text: str, mentions: list[_Mention]) -> None:
    """Spread acceptance along lists ('1B, 4B, 12B and 27B sizes') and merge '1B (1.23B)'."""
    count = len(mentions)
    index = 0
    while index < count:
        stop = index
        while stop + 1 < count:
            current, following = mentions[stop], mentions[stop + 1]
            if following.start - current.end > 12:
                break
            if not _LIST_SEPARATOR.match(text[current.end : following.start]):
                break
            stop += 1
        if stop > index:
            group = mentions[index : stop + 1]
            if any(m.accepted for m in group):
                kind = next((m.kind for m in group if m.accepted and m.kind != "plain"), "plain")
                for member in group:
                    if not member.accepted:
                        member.accepted = True
                        member.kind = kind
        index = stop + 1
    for index in range(count - 1):
        first, second = mentions[index], mentions[index + 1]
        if second.start - first.end > 6 or "(" not in text[first.end : second.start]:
            continue
        gap = text[first.end : second.start]
        refines = _PAREN_REFINE.fullmatch(gap) and _close(first.value, second.value, 1.5)
        if refines and (first.accepted or second.accepted):
            # '1B (1.23B)': a rounded label and its exact count are one size.
            second.accepted = True
            second.label = first.label
            if second.kind == "plain":
                second.kind = first.kind
            first.accepted = False


_LEFT_BLOCKERS = frozenset("_.$€£¥/")


def _inside_word(text: str, start: int) -> bool:
    """True when the number at `start` continues a word, a number, a price or a path, or is
    part of a hyphenated model name ('Qwen3-235B-A22B' names a model; it states nothing)."""
    before = text[start - 1]
    if before.isalnum() or before in _LEFT_BLOCKERS:
        return True
    return before == "-" and start > 1 and text[start - 2].isalnum()


# Every size ends in a digit followed by a unit: finding those first and reading the number
# backwards is many times cheaper than trying the size regex at every character.
_DIGIT_BEFORE_LETTER = re.compile(rf"[0-9](?=[{PROSE_INITIALS}])")
_DIGIT_BEFORE_WORD = re.compile(rf"[0-9](?=[ -]?(?:{PROSE_WORDS_RE}))")
_NUMBER_CHARS = frozenset("0123456789.,")
MAX_UNIT_HITS = 20_000


def _unit_hits(lowered: str) -> list[int]:
    """Offsets of digits followed by a unit ('27B', '7b', '1.5 billion', '2-trillion'), at
    most `MAX_UNIT_HITS` of each kind (letters, words)."""
    hits = [
        m.start() for m in itertools.islice(_DIGIT_BEFORE_LETTER.finditer(lowered), MAX_UNIT_HITS)
    ]
    if contains_any(lowered, PROSE_WORDS):
        words = _DIGIT_BEFORE_WORD.finditer(lowered)
        found = [m.start() for m in itertools.islice(words, MAX_UNIT_HITS)]
        if found:
            hits = sorted(set(hits).union(found))
    return hits


def _iter_spans(text: str, hits: list[int]) -> Iterator[re.Match]:
    """The sizes written in `text` (`_size_at`), in order, found from their unit hits."""
    last_end = -1
    for pos in hits:
        if pos < last_end:
            continue
        start = _number_start(text, pos)
        if start and _inside_word(text, start):
            last_end = pos + 2
            continue  # part of a word or a model name ('Qwen3-30B-A3B'): not a statement
        size = _size_at(text, start) or _size_at(text, pos)
        if size is not None and size.end() > pos:
            last_end = size.end()
            yield size


def _number_start(text: str, pos: int) -> int:
    """Where the number ending at `pos` starts, including an '8x' expert prefix."""
    start = pos
    while start > 0 and text[start - 1] in _NUMBER_CHARS and pos - start < 8:
        start -= 1
    edge = start - 1 if start > 0 and text[start - 1] == " " else start
    if edge > 0 and text[edge - 1] in _X_SIGNS:
        digits = edge - 1
        if digits > 0 and text[digits - 1] == " ":
            digits -= 1
        first = digits
        while first > 0 and text[first - 1].isdigit() and digits - first < 3:
            first -= 1
        if first < digits:
            start = first
    return start


def _text_mentions(text: str, lowered: str, hits: list[int]) -> list[_Mention]:
    """Every size stated in `text` (at most `MAX_MENTIONS`), each classified (declared or
    not, total or active)."""
    mentions: list[_Mention] = []
    for size in _iter_spans(text, hits):
        mention = _mention_from_size(size)
        if mention is None:
            continue
        mentions.append(mention)
        start, end = mention.start, mention.end
        # A size can be a declaration only with one of these words near it.
        before_words = contains_any(lowered, _BEFORE_TRIGGERS, start - 80, start)
        if before_words or contains_any(lowered, _TRIGGER_SUBSTRINGS, end, end + 70):
            _classify(text, lowered, mention, before_words)
        if len(mentions) == MAX_MENTIONS:
            break
    _group_lists(text, mentions)
    return mentions


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _stated_experts(lowered: str) -> int | None:
    """The expert count when the text states exactly one ('Number of Experts: 128')."""
    if "expert" not in lowered:
        return None
    found: set[int] = set()
    if "number of" in lowered:
        found |= {int(match["n"]) for match in _EXPERTS_NUMBER_OF.finditer(lowered)}
    if "with" in lowered:
        found |= {
            int(match["n"])
            for match in _EXPERTS_WITH.finditer(lowered)
            if match.start() == 0 or not _is_word_char(lowered[match.start() - 1])
        }
    return found.pop() if len(found) == 1 else None
