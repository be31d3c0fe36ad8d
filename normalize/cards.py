"""Model cards: splitting a README.md into its YAML front matter and its Markdown body.

This module owns only the split. What the front matter means (licenses, base models) is read by
`normalize.licenses` and `normalize.record`; what the body says is read by the text extractors.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection

import yaml

# A model card is a small document; anything larger is hostile or not a card. The cap keeps the
# YAML parser and the text extractors bounded.
MAX_CARD_CHARS = 2_000_000
MAX_FRONT_MATTER_CHARS = 256_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The opening fence must be the first non-blank line; the closing fence is a line of exactly
# '---' (or YAML's document end marker '...'), optionally followed by spaces.
_OPENING = re.compile(r"\A(?:[ \t]*\r?\n)*---[ \t]*\r?\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
# libyaml recurses once per nesting level in C: a few thousand '[' or '- - - …' overflow the C
# stack and kill the process (a Python exception is never raised). Real front matter nests a few
# levels deep, so anything past this limit is refused before it reaches the parser.
MAX_NESTING = 48
_FLOW_OPEN = re.compile(r"[\[{]")
_BLOCK_CHAIN = re.compile(rf"^(?:[ \t]*[-?][ \t]+){{{MAX_NESTING},}}", re.MULTILINE)


def card_text(text: object) -> str:
    """The card as `str`: bytes are decoded as UTF-8 (bad bytes replaced), a BOM is dropped."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text[: MAX_CARD_CHARS * 4]).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    text = text[:MAX_CARD_CHARS]
    return text[1:] if text.startswith("\ufeff") else text


def split_card(text: object, keys: Collection[str] | None = None) -> tuple[dict, str]:
    """(front matter as a dict, Markdown body). A card without valid YAML mapping gives `{}`.

    With `keys`, only those top-level keys are read: the caller names what it uses, and the
    rest of the front matter (widgets, eval results, gated-access forms) is never parsed.
    """
    try:
        return _split(card_text(text), keys)
    except Exception:  # noqa: BLE001 - a hostile card must never stop a run
        return {}, ""


def _split(text: str, keys: Collection[str] | None) -> tuple[dict, str]:
    opening = _OPENING.match(text)
    if not opening:
        return {}, text
    closing = _closing_fence(text, opening.end())
    if closing is None:
        # An unterminated fence is not front matter; keep the whole text as the body.
        return {}, text
    yaml_text = text[opening.end() : closing[0]]
    body = text[closing[1] :].lstrip("\r\n")
    return _front_matter(yaml_text, keys), body


def _closing_fence(text: str, start: int) -> tuple[int, int] | None:
    """(start, end) of the first closing fence line ('---' or '...') at or after `start`.

    Found with `str.find`, which is many times faster than a multi-line regex over the card.
    """
    found = None
    limit = len(text)
    for fence in ("---", "..."):
        pos = start
        while pos < limit:
            pos = text.find(fence, pos, limit)
            if pos < 0:
                break
            if pos == start or text[pos - 1] == "\n":
                match = _CLOSING.match(text, pos)
                if match is not None:
                    found, limit = (pos, match.end()), pos
                    break
            pos += 1
    return found


def _front_matter(yaml_text: str, keys: Collection[str] | None = None) -> dict:
    if not yaml_text.strip() or len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        return {}
    if keys is not None:
        subset = _front_matter_subset(yaml_text, frozenset(keys))
        if subset is not None:
            return subset
    data = _mapping(yaml_text) or {}
    return data if keys is None else {key: data[key] for key in keys if key in data}


def _mapping(yaml_text: str) -> dict | None:
    """The YAML text as a mapping; None when it is not valid YAML or not a mapping."""
    simple = _simple_front_matter(yaml_text)
    if simple is not None:
        return simple
    if _too_deep(yaml_text):
        return None
    try:
        data = yaml.load(yaml_text, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader only
    except Exception:  # noqa: BLE001 - invalid YAML, deep nesting, bad aliases
        return None
    return data if isinstance(data, dict) else None


# A top-level key starts a line at column 0; its block goes on over indented lines, comments
# and column-0 '- ' list items, up to the next line that starts anything else.
_NEXT_TOP_LINE = re.compile(r"\n(?=[^ \t\r\n#-])")


@functools.lru_cache(maxsize=32)
def _key_lines(keys: frozenset[str]) -> re.Pattern:
    names = "|".join(re.escape(key) for key in sorted(keys))
    # Led by a literal newline (the text gets one prepended), which the regex engine finds
    # fast; a '^' in multi-line mode is tried at every character.
    return re.compile(rf"\n([\"']?)(?:{names})\1[ \t]*:(?=[ \t\r\n]|$)")


def _front_matter_subset(yaml_text: str, keys: frozenset[str]) -> dict | None:
    """Only the blocks of `keys`, parsed alone; None when the whole document must be parsed
    (a key written in a form only the parser sees, or a block that does not parse alone)."""
    blocks = []
    text = "\n" + yaml_text
    for match in _key_lines(keys).finditer(text):
        following = _NEXT_TOP_LINE.search(text, match.end())
        end = following.start() if following else len(text)
        blocks.append(text[match.start() + 1 : end].rstrip("\r\n") + "\n")
    if not blocks:
        # No key line: the keys may still be there, inside a flow mapping say.
        return None if any(key in yaml_text for key in keys) else {}
    return _mapping("".join(blocks))


def _too_deep(yaml_text: str) -> bool:
    """True when the YAML could nest deeper than `MAX_NESTING` (a cheap, conservative scan)."""
    if _BLOCK_CHAIN.search(yaml_text):
        return True
    if len(_FLOW_OPEN.findall(yaml_text)) <= MAX_NESTING:
        return False
    depth = 0
    for char in yaml_text:
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif char in "]}" and depth:
            depth -= 1
    return False


# Most front matter is flat 'key: word' lines and '- word' lists. Those are read here directly,
# several times faster than the YAML parser; anything else (quotes, flow collections, block
# scalars, anchors, words YAML would turn into booleans or null) goes to the YAML parser.
_SIMPLE_KEY = re.compile(r"([A-Za-z_][\w.\-]*):(?:[ \t]+(.*?))?[ \t]*")
_SIMPLE_ITEM = re.compile(r"([ \t]*)-[ \t]+(.*?)[ \t]*")
_PLAIN = re.compile(r"[A-Za-z_](?:[\w.\-/+@=()?&%,~]|:(?=[^\s])| (?=[^\s#]))*")
_YAML_WORDS = frozenset(
    {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
)  # YAML 1.1 reads these as booleans or null, in any case


# A value may start with digits when a letter follows them ('7B', '30B-A3B', '128k'), but not
# when YAML would read a number ('2506', '1e5', '0x1F', '0b101').
_DIGIT_WORD = re.compile(r"\d+(?:\.\d+)?[A-Za-z][\w.\-]*")
_YAML_NUMBER = re.compile(r"0[box].*|\d+(?:\.\d+)?[eE][-+]?\d+", re.IGNORECASE)


def _plain(value: str) -> bool:
    if value[0].isdigit():
        return bool(_DIGIT_WORD.fullmatch(value)) and not _YAML_NUMBER.fullmatch(value)
    return bool(_PLAIN.fullmatch(value)) and value.lower() not in _YAML_WORDS


def _simple_front_matter(yaml_text: str) -> dict | None:
    """The mapping when the YAML is flat and plain, else None (use the real parser)."""
    data: dict = {}
    list_key: str | None = None
    for line in yaml_text.splitlines():
        if not line.strip():
            continue
        item = _SIMPLE_ITEM.fullmatch(line)
        if item is not None:
            if list_key is None or not _plain(item[2]):
                return None
            data[list_key].append(item[2])
            continue
        if line[0] in " \t":
            return None  # nested mappings and continuation lines need the real parser
        key = _SIMPLE_KEY.fullmatch(line)
        if key is None or key[1] in data:
            return None
        value = key[2]
        if value:
            if not _plain(value):
                return None
            data[key[1]] = value
            list_key = None
        else:
            data[key[1]] = []
            list_key = key[1]
    # 'key:' with no items is null in YAML, not an empty list.
    return {k: (None if v == [] else v) for k, v in data.items()}
