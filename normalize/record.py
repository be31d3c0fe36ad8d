"""One input record in, one normalized record out: the `toolscout normalize` contract.

This module owns the order of trust between sources for each field (which extractor's answer
wins) and the JSON-lines wrapper. The extractors themselves live in `normalize.params`,
`normalize.licenses` and `normalize.pricing`; this module never parses values itself.

Input keys (any of): `text`, `model_info` (a Hub `/api/models/{id}` object), `card` (README.md
with front matter), `pricing` (a provider record). Output: `{"params", "license", "pricing"}`,
each `null` when no source stated it.
"""

from __future__ import annotations

import json
import re

from normalize.cards import split_card
from normalize.licenses import (
    License,
    license_from_card,
    license_from_tags,
    license_from_text,
)
from normalize.params import best_params
from normalize.pricing import pricing_from_record, pricing_from_text

MAX_LINE_CHARS = 8_000_000
ERROR_LINE_CHARS = 200
# A text this short on one line is a name or a title ('Code Llama 4 (70B & 400B)'), so the
# name rules apply to it as well as the prose rules.
NAME_LIKE_CHARS = 120
HUB = "https://huggingface.co"

_HEADING = re.compile(r"^#\s+(.{1,160})$", re.MULTILINE)

try:  # orjson parses JSON lines several times faster; the stdlib is the fallback.
    import orjson

    def _loads(line: str) -> object:
        return orjson.loads(line)

except ImportError:  # pragma: no cover - orjson is a declared dependency

    def _loads(line: str) -> object:
        return json.loads(line)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> dict | None:
    return value if isinstance(value, dict) else None


def _repo_id(model_info: dict | None) -> str | None:
    if model_info is None:
        return None
    return _str(model_info.get("id")) or _str(model_info.get("modelId"))


def _card_name(front: dict, body: str) -> str | None:
    """The model's name as the card gives it: model_name, model-index, or the first heading."""
    name = _str(front.get("model_name"))
    if name:
        return name
    index = front.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict):
        name = _str(index[0].get("name"))
        if name:
            return name
    heading = _HEADING.search(body[:20_000])
    return heading[1].strip() if heading else None


def _is_name_like(text: str | None) -> bool:
    """A title or id: short, one line, not a sentence."""
    if not text or len(text) > NAME_LIKE_CHARS or "\n" in text:
        return False
    return ". " not in text and text.count(" ") <= 12


def _sources(obj: dict, repo_id: str | None) -> dict[str, str]:
    base = _str(obj.get("source")) or _str(obj.get("url"))
    if repo_id:
        return {
            "model_info": base or f"{HUB}/api/models/{repo_id}",
            "card": base or f"{HUB}/{repo_id}/raw/main/README.md",
            "text": base or "text",
            "pricing": base or "pricing",
        }
    return {key: base or key for key in ("model_info", "card", "text", "pricing")}


def _license(
    front: dict, model_info: dict | None, text: str | None, body: str, sources: dict[str, str]
) -> License | None:
    """Card front matter > model_info.cardData > Hub tags > the text > the card's prose."""
    result = license_from_card(front, sources["card"]) if front else None
    if result is None and model_info is not None:
        card_data = _dict(model_info.get("cardData"))
        if card_data:
            result = license_from_card(card_data, sources["model_info"] + "#cardData")
        if result is None and isinstance(model_info.get("tags"), list):
            result = license_from_tags(model_info["tags"], sources["model_info"] + "#tags")
    if result is None and text:
        result = license_from_text(text, sources["text"])
    if result is None and body:
        result = license_from_text(body, sources["card"])
    return result


def _pricing(pricing: object, text: str | None, sources: dict[str, str]):
    """A provider's structured record wins over prose; a price nobody stated stays null."""
    result = None
    if isinstance(pricing, dict):
        result = pricing_from_record(pricing, sources["pricing"])
    elif isinstance(pricing, str):
        result = pricing_from_text(pricing, sources["pricing"])
    if result is None and text:
        result = pricing_from_text(text, sources["text"])
    return result


def normalize_record(obj: dict) -> dict:
    """The normalized `{"params", "license", "pricing"}` for one input object."""
    if not isinstance(obj, dict):
        return {"params": None, "license": None, "pricing": None, "error": "not a JSON object"}
    try:
        return _normalize(obj)
    except Exception as exc:  # noqa: BLE001 - one bad record fails alone, with a reason
        return {
            "params": None,
            "license": None,
            "pricing": None,
            "error": f"normalizer failed: {type(exc).__name__}",
        }


def _normalize(obj: dict) -> dict:
    text = _str(obj.get("text"))
    model_info = _dict(obj.get("model_info"))
    front, body = split_card(obj.get("card")) if obj.get("card") else ({}, "")
    repo_id = _repo_id(model_info)
    sources = _sources(obj, repo_id)
    # A one-line name the caller gave says which repo this is more precisely than a card's
    # heading ("# Gemma 3 model card" covers four sizes).
    name = (
        repo_id
        or _str(obj.get("name"))
        or (text if _is_name_like(text) else None)
        or _card_name(front, body)
    )
    params = best_params(
        model_info,
        card=body or None,
        text=text,
        name=name,
        source=sources["model_info"] if model_info else sources["card" if body else "text"],
    )
    if params is None and text and name != text and _is_name_like(text):
        params = best_params(name=text, source=sources["text"])
    license_ = _license(front, model_info, text, body, sources)
    pricing = _pricing(obj.get("pricing"), text, sources)
    return {
        "params": params.to_json() if params else None,
        "license": license_.to_json() if license_ else None,
        "pricing": pricing.to_json() if pricing else None,
    }


def normalize_line(line: str) -> dict:
    """One JSON line in, one result out; bad JSON gives an error object, never an exception."""
    if isinstance(line, bytes | bytearray):
        line = bytes(line).decode("utf-8", errors="replace")
    if not isinstance(line, str):
        return {"error": "input is not text", "input_line": ""}
    if len(line) > MAX_LINE_CHARS:
        return {"error": "line too long", "input_line": line[:ERROR_LINE_CHARS]}
    try:
        obj = _loads(line)
    except Exception as exc:  # noqa: BLE001 - orjson and json raise different errors
        return {"error": f"invalid JSON: {exc}"[:300], "input_line": line[:ERROR_LINE_CHARS]}
    if not isinstance(obj, dict):
        return {"error": "expected a JSON object", "input_line": line[:ERROR_LINE_CHARS]}
    return normalize_record(obj)
