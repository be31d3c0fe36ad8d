"""Titles and opening lines of announcements → the release names they state.

"Welcome Gemma 3: Google's new…" names "Gemma 3"; "Medium is the new large." names nothing
(a slogan: the name is in the opening of the text, "Introducing Mistral Medium 3, …");
"v3.0.0" is a tag. Also how a stored release name is found in a title or a text, written
as announcements write names: lower case, '-' and '_' as spaces, without the date code a
repo carries ("Mistral Small 3.1" for `Mistral-Small-3.1-24B-Instruct-2503`).

Pure functions on text. Which stored release a name points at is the store's business
(store.announce); what a title says about a release is this module's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from normalize.names import slugify

_TITLE_NOISE = re.compile(
    r"^(?:welcome|introducing|announcing|meet|say hello to|hello)\s+|"
    r"\s+(?:on hugging face|(?:is|are) (?:now )?(?:here|out|live|available|stable|generally "
    r"available|open[- ]sourced?|released)|now available|released)\b.*$",
    re.I,
)
# A word of running text: lower-case letters only ("arrives", "with"); name parts are
# capitalised or carry a digit ("Small", "3n", "gpt-oss" opens a title and is kept).
_PLAIN_WORD = re.compile(r"[a-z]+")
_SIZES_IN_PARENS = re.compile(r"\s*\([^)]*\d[^)]*\)")
# A release tag ("v0.2.0", "b5478", "1.2") names a version, not a model.
_TAG_ONLY = re.compile(r"^(?:(?:release|version)\s+)?[vb]?\d+(?:[.\-_]\w+)*$", re.I)
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)*[a-z]*", re.I)
_DATE_SUFFIX = re.compile(r"\s+(?:2[3-9](?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])[0-3]\d)$")
# A model name in prose: capitalised words with a version or size among them
# ("Mistral Medium 3", "Gemini 2.5 Flash-Lite").
_NAME_IN_TEXT = re.compile(r"\b[A-Z][\w.]*(?:[ -](?:[A-Z][\w.]*|\d+(?:\.\d+)?[A-Za-z]?)){1,4}\b")
# Capitalised words that open a sentence rather than a name ("Adds Gemma 2 in…").
_SENTENCE_STARTERS = {
    "a", "add", "adds", "an", "announcing", "introducing", "meet", "new", "our", "release",
    "releases", "support", "supports", "the", "this", "today", "we", "welcome", "with",
}  # fmt: skip
_DATE_KEY = re.compile(r"-(?:2[3-9](?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])[0-3]\d)$")
_SEPARATORS = re.compile(r"[-_\s]+")
# How much of an entry's text may name the release a bare tag announces.
OPENING_CHARS = 600


def squash(key: str) -> str:
    """A family key without separators: "code-llama-4" and "codellama-4" are one family."""
    return "".join(ch for ch in key.lower() if ch.isalnum() or ch == ".")


def without_date_code(family_key: str) -> str:
    """ "mistral-small-3.1-2503" → "mistral-small-3.1": a date code is not part of how a
    release is announced."""
    return _DATE_KEY.sub("", family_key)


def family_from_title(title: str) -> str | None:
    """ "Welcome Gemma 3: Google's new…" → "Gemma 3"; "Code Llama 4 (70B & 400B)" → "Code Llama 4"."""
    head = re.split(r"\s*[:|–—]\s+|\s+-\s+", title or "", maxsplit=1)[0]
    head = _SIZES_IN_PARENS.sub("", _TITLE_NOISE.sub("", head)).strip(" .!")
    head = _name_before_predicate(re.split(r"\s*[,&]\s*|\s+and\s+", head)[0].strip())
    if _TAG_ONLY.match(head) or not re.search(r"[a-z]{2}", head, re.I):
        return None
    return head if 2 <= len(head) <= 80 else None


def _name_before_predicate(head: str) -> str:
    """ "Mistral Small 3.1 arrives with a 128K context" → "Mistral Small 3.1": a versioned
    name ends where the title's sentence goes on, at its first plain lower-case word. A name
    without a version is left whole ("Magistral arrives" cannot be told from a name)."""
    words = head.split(" ")
    for index, word in enumerate(words[1:], 1):
        if _PLAIN_WORD.fullmatch(word):
            name = " ".join(words[:index])
            return name if re.search(r"\d", name) else head
    return head


def looks_like_a_name(family: str) -> bool:
    """ "Gemma 3", "Magistral", "SmolLM3" are names; "Medium is the new large" is a slogan."""
    return bool(re.search(r"\d", family)) or len(family.split()) <= 3


def family_from_text(text: str) -> str | None:
    """The first model name the opening of an announcement states ("Introducing Mistral
    Medium 3, a new class of model…" → "Mistral Medium 3"), for a title that is a slogan."""
    for line in text[:1500].splitlines():
        for match in _NAME_IN_TEXT.finditer(line):
            words = match.group(0).split(" ")
            while words and words[0].lower() in _SENTENCE_STARTERS:
                words.pop(0)
            name = " ".join(words)
            if re.search(r"\d", name) and re.search(r"[a-z]{2}", name, re.I) and len(name) <= 60:
                return name
    return None


def preferred_family(hub_family: str, announced: str | None) -> str:
    """The Hub's family name, unless it is one squashed word the announcement spells better
    ("Embeddinggemma" from `embeddinggemma-300m` against "EmbeddingGemma")."""
    if announced and " " not in hub_family and squash(slugify(announced)) == squash(hub_family):
        return announced
    return hub_family


def title_words(text: str) -> frozenset[str]:
    """The words and numbers of a title, lower-cased ("Gemma 3n" → {"gemma", "3n"})."""
    return frozenset(w.lower() for w in _WORD.findall(text or ""))


def named_in(family: str, words: frozenset[str]) -> bool:
    """Whether every word of `family` is among a title's `words`."""
    found = title_words(family)
    return bool(found) and found <= words


def spaced(text: str) -> str:
    """Lower-cased, with '-' and '_' as spaces: "DeepSeek-R1-0528" reads "deepseek r1 0528"."""
    return _SEPARATORS.sub(" ", text.lower()).strip()


def searchable(text: str) -> str:
    """A text as names are looked for in it (`name_position`)."""
    return f" {spaced(text)} "


def name_forms(family: str) -> set[str]:
    """How a release name is written in announcements: as stored, and without a date code
    ("Mistral Small 3.1 2503" is announced as "Mistral Small 3.1")."""
    return {spaced(family), spaced(_DATE_SUFFIX.sub("", family))}


def name_position(name: str, text: str) -> int | None:
    """Where a `spaced` name stands as whole words in a `searchable` text, else None."""
    found = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text)
    return found.start() if found else None


def names_in(families: Iterable[tuple[int, str]], title: str) -> dict[str, set[int]]:
    """Which of these (id, family name) a title names: each name form found → its ids."""
    low = searchable(title)
    found: dict[str, set[int]] = {}
    for key, family in families:
        for name in name_forms(family):
            if name_position(name, low) is not None:
                found.setdefault(name, set()).add(key)
    return found
