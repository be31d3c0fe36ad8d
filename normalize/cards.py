"""Model cards: splitting a README.md into its YAML front matter and its Markdown body.

This module owns only the split. What the front matter means (licenses, base models) is read by
`normalize.licenses` and `normalize.record`; what the body says is read by the text extractors.
"""

from __future__ import annotations

import re

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


def card_text(text: str | bytes | None) -> str:
    """The card as `str`: bytes are decoded as UTF-8 (bad bytes replaced), a BOM is dropped."""
    if isinstance(text, bytes | bytearray):
        text = bytes(text[: MAX_CARD_CHARS * 4]).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    text = text[:MAX_CARD_CHARS]
    return text[1:] if text.startswith("\ufeff") else text


def split_card(text: str | bytes | None) -> tuple[dict, str]:
    """(front matter as a dict, Markdown body). A card without valid YAML mapping gives `{}`."""
    try:
        return _split(card_text(text))
    except Exception:  # noqa: BLE001 - a hostile card must never stop a run
        return {}, ""


def _split(text: str) -> tuple[dict, str]:
    opening = _OPENING.match(text)
    if not opening:
        return {}, text
    closing = _CLOSING.search(text, opening.end())
    if not closing:
        # An unterminated fence is not front matter; keep the whole text as the body.
        return {}, text
    yaml_text = text[opening.end() : closing.start()]
    body = text[closing.end() :].lstrip("\r\n")
    return _front_matter(yaml_text), body


def _front_matter(yaml_text: str) -> dict:
    if not yaml_text.strip() or len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        return {}
    if _too_deep(yaml_text):
        return {}
    try:
        data = yaml.load(yaml_text, Loader=_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader only
    except Exception:  # noqa: BLE001 - invalid YAML, deep nesting, bad aliases
        return {}
    return data if isinstance(data, dict) else {}


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
