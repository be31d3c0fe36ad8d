"""One input record in, one normalized record out: the `toolscout normalize` contract.

This module owns the order of trust between sources for each field (which extractor's answer
wins) and the JSON-lines wrapper. The extractors themselves live in `normalize.params`,
`normalize.licenses` and `normalize.pricing`; this module never parses values itself.

Input keys (any of): `text`, `model_info` (a Hub `/api/models/{id}` object), `card` (README.md
with front matter), `pricing` (a provider record). Output: `{"params", "license", "pricing"}`,
each `null` when no source stated it.
"""

from __future__ import annotations

import io
import json
import os
import re
import select
import stat
from typing import BinaryIO

import orjson

from normalize.cards import split_card
from normalize.licenses import (
    License,
    license_from_card,
    license_from_tags,
    license_from_text,
)
from normalize.params import Params, best_params, params_from_name, params_from_text
from normalize.pricing import pricing_from_record, pricing_from_text

MAX_LINE_CHARS = 8_000_000
READ_BLOCK = 1 << 20
# Repeated short lines are answered from a memo (`_answer`).
MEMO_LINE_BYTES = 512
MEMO_ENTRIES = 50_000
ERROR_LINE_CHARS = 200
# A text this short on one line is a name or a title ('Code Llama 4 (70B & 400B)'), so the
# name rules apply to it as well as the prose rules.
NAME_LIKE_CHARS = 120
HUB = "https://huggingface.co"

# The front matter keys this module reads; the rest of the front matter is never parsed.
CARD_KEYS = frozenset({"license", "license_name", "license_link", "model_name", "model-index"})

_HEADING = re.compile(r"^#\s+(.{1,160})$", re.MULTILINE)
HEADING_CHARS = 20_000


# orjson parses and writes JSON lines several times faster than the stdlib.
def _loads(line: str | bytes) -> object:
    return orjson.loads(line)


def _dumps(obj: dict) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # a huge integer or a lone surrogate: the stdlib escapes anything
        return json.dumps(obj, separators=(",", ":")).encode()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> dict | None:
    return value if isinstance(value, dict) else None


def _repo_id(model_info: dict | None) -> str | None:
    if model_info is None:
        return None
    return _str(model_info.get("id")) or _str(model_info.get("modelId"))


def _card_name(front: dict, body: str) -> str | None:
    """The model's name as the card gives it: model_name, then the first heading when it states
    a size, then model-index, then the heading.

    model-index is often copied from another card of the family (Hermes 3 8B's card names
    'Hermes-3-Llama-3.1-70B' there), so the heading readers see comes first when it says which
    size this is.
    """
    name = _str(front.get("model_name"))
    if name:
        return name
    heading = _first_heading(body)
    if heading and params_from_name(heading) is not None:
        return heading
    index = front.get("model-index")
    if isinstance(index, list) and index and isinstance(index[0], dict):
        name = _str(index[0].get("name"))
        if name:
            return name
    return heading


def _first_heading(body: str) -> str | None:
    """The first level-1 heading in the first 20,000 characters: what `_HEADING.search` finds,
    tried only where a line starts with '#' (a multi-line '^' is tried at every character)."""
    limit = min(len(body), HEADING_CHARS)
    line = 0 if body.startswith("#") else body.find("\n#", 0, limit) + 1
    if line == 0 and not body.startswith("#"):
        return None
    while True:
        match = _HEADING.match(body, line, limit)
        if match is not None:
            return match[1].strip()
        line = body.find("\n#", line, limit) + 1
        if line == 0:
            return None


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


def normalize_record(obj: object) -> dict:
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
    front, body = split_card(obj.get("card"), CARD_KEYS) if obj.get("card") else ({}, "")
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
    pricing_ = _pricing(obj.get("pricing"), text, sources)
    out = {
        "params": params.to_json() if params else None,
        "license": license_.to_json() if license_ else None,
        "pricing": pricing_.to_json() if pricing_ else None,
    }
    conflicts = _license_conflicts(license_, text, sources)
    conflicts += _params_conflicts(params, text, body, name, sources)
    if conflicts:
        out["conflicts"] = conflicts
    return out


def _license_conflicts(chosen: License | None, text: str | None, sources: dict) -> list[dict]:
    """The text's license claim when a more trusted source (the card, the Hub) says otherwise:
    'Gemma 3 27B … released under Apache 2.0' against `license: gemma`. The trusted source
    still wins; the editor sees both, each with its evidence."""
    if chosen is None or not text or not chosen.evidence:
        return []
    if chosen.evidence[0].extractor == "license.text":
        return []  # the text is the source chosen: nothing more trusted disagrees
    claim = license_from_text(text, sources["text"])
    if claim is None or claim.id is None or claim.id == chosen.id:
        return []
    values = [
        {"value": license.id, "source": item.source, "snippet": item.snippet}
        for license in (chosen, claim)
        for item in license.evidence[:1]
    ]
    return [{"field": "license", "chosen": chosen.id, "values": values}]


# Two counts of one model agree when they are this close: a name's nominal size and the exact
# count ('Gemma 2B' has 2.5B, 'Qwen2.5-7B' 7.6B) are the same statement, 8B and 70B are not.
SAME_SIZE_RATIO = 1.35


def _params_conflicts(
    chosen: Params | None, text: str | None, body: str, name: str | None, sources: dict
) -> list[dict]:
    """Sizes that a less trusted source states against the chosen one: the text's claim
    against the weights or the card ('a 70B model' for a repo whose weights hold 8B), and the
    card's against the weights. The chosen count still wins; the editor sees every value, each
    with its evidence."""
    if chosen is None or not chosen.evidence or not (text or body):
        return []
    claims: list[Params] = []
    # The text is compared only with a more trusted source: the weights, or a card read with it.
    if text and (chosen.method == "weights" or (body and chosen.method == "declared")):
        claim = params_from_text(text, sources["text"])
        if claim is None and _is_name_like(text) and text != name:
            claim = params_from_name(text, sources["text"])
        if claim is not None:
            claims.append(claim)
    if body and chosen.method == "weights":
        claim = best_params(card=body, name=name or "", source=sources["card"])
        if claim is not None and claim.method == "declared":
            claims.append(claim)
    disagreeing = [claim for claim in claims if _disagrees(chosen, claim)]
    if not disagreeing:
        return []
    values = [_params_value(params) for params in (chosen, *disagreeing)]
    return [{"field": "params", "chosen": chosen.total, "values": values}]


def _disagrees(chosen: Params, claim: Params) -> bool:
    """True when `claim` states one size (a total, or else an active count) that `chosen`
    contradicts; a family's list of sizes states none in particular."""
    if claim.total is not None and chosen.total is not None:
        return not _same_size(claim.total, chosen.total)
    if claim.total is None and claim.active is not None and chosen.active is not None:
        return not _same_size(claim.active, chosen.active)
    return False


def _same_size(a: float, b: float) -> bool:
    return a > 0 and b > 0 and max(a, b) / min(a, b) <= SAME_SIZE_RATIO


def _params_value(params: Params) -> dict:
    item = params.evidence[0] if params.evidence else None
    return {
        "value": params.total,
        "active": params.active,
        "source": item.source if item else None,
        "snippet": item.snippet if item else None,
    }


def _error(message: str, line: str | bytes) -> dict:
    if isinstance(line, bytes | bytearray):
        line = bytes(line[: ERROR_LINE_CHARS * 4]).decode("utf-8", errors="replace")
    return {"error": message, "input_line": line[:ERROR_LINE_CHARS]}


def _loads_repaired(line: str | bytes) -> object | None:
    """A line that is JSON apart from bad UTF-8 bytes (a scraped card cut mid-character) is
    read with those bytes replaced, as a crawl reads documents; anything else stays an error."""
    if isinstance(line, str):
        return None
    text = bytes(line).decode("utf-8", errors="replace")
    if "\ufffd" not in text:
        return None
    try:
        return _loads(text)
    except Exception:  # noqa: BLE001 - not JSON after all
        return None


def normalize_line(line: str | bytes) -> dict:
    """One JSON line in, one result out; bad JSON gives an error object, never an exception."""
    if not isinstance(line, str | bytes | bytearray):
        return {"error": "input is not text", "input_line": ""}
    if len(line) > MAX_LINE_CHARS:
        return _error("line too long", line)
    try:
        obj = _loads(bytes(line) if isinstance(line, bytearray) else line)
    except Exception as exc:  # noqa: BLE001 - orjson and json raise different errors
        obj = _loads_repaired(line)
        if obj is None:
            return _error(f"invalid JSON: {exc}"[:300], line)
    if not isinstance(obj, dict):
        return _error("expected a JSON object", line)
    return normalize_record(obj)


def normalize_json_line(line: str | bytes) -> bytes:
    """The `toolscout normalize` step for one input line: the output line, newline included."""
    return _dumps(normalize_line(line)) + b"\n"


def _is_regular_file(source: BinaryIO) -> bool:
    """True when `source` reads a file on disk, which never makes a reader wait."""
    try:
        return stat.S_ISREG(os.fstat(source.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False  # in-memory streams and pipes: ask before each line


def _input_waiting(source: BinaryIO) -> bool:
    """True when more input is already readable, so the output need not be flushed yet."""
    try:
        return bool(select.select([source], [], [], 0)[0])
    except (OSError, ValueError, TypeError):  # not a file descriptor (tests, in-memory streams)
        return True


def normalize_stream(source: BinaryIO, sink: BinaryIO) -> int:
    """The `toolscout normalize` loop: JSON lines from `source` to `sink`; the number written.

    Input is read in blocks of what is available (up to `READ_BLOCK` bytes) and the answers to
    a block's lines are written together: two calls per block instead of two per line. A line
    longer than `MAX_LINE_CHARS` gives one error object and is skipped to its end, so an
    endless line costs bounded memory. Output is flushed whenever the input has nothing more
    ready, so a caller that writes one line and waits for its answer gets it.
    """
    read = getattr(source, "read1", None) or source.read  # read1: what is there, no waiting
    # Input from a file is always ready: no need to ask (a system call per block).
    from_file = _is_regular_file(source)
    memo: dict[bytes, bytes] = {}
    pending = bytearray()  # the start of a line whose end has not been read yet
    skipping = False  # inside a line already answered as too long
    number = written = 0
    while True:
        block = read(READ_BLOCK)
        if not block:
            break
        lines = block.split(b"\n")
        tail = lines.pop()  # after the block's last newline: the start of the next line
        if lines:
            if skipping:
                del lines[0]  # the end of the line already answered as too long
                skipping = False
            elif pending:
                lines[0] = bytes(pending) + lines[0]
            pending.clear()
        output: list[bytes] = []
        for line in lines:
            number += 1
            answer = _answer(line, number, memo)
            if answer:
                output.append(answer)
        if not skipping:
            pending += tail
            if len(pending) > MAX_LINE_CHARS:
                number += 1
                output.append(_error_line("line too long", bytes(pending[:1024]), number))
                pending.clear()
                skipping = True
        if output:
            sink.write(b"".join(output))
            written += len(output)
        if not from_file and not _input_waiting(source):
            sink.flush()
    if pending and not skipping:
        number += 1
        if answer := _answer(bytes(pending), number, memo):
            sink.write(answer)
            written += 1
    sink.flush()
    return written


def _answer(line: bytes, number: int, memo: dict[bytes, bytes]) -> bytes:
    """The output line for input line `number` (b'' for a blank line, which is skipped).

    A stream repeats its short lines (a repo id or a pricing line comes back with every crawl
    that sees it): the answer to a line up to `MEMO_LINE_BYTES` is kept and written again for
    an equal line. Normalizing is a pure function of the line, so the copy is exactly what a
    fresh run would write; errors are not kept, since they carry their line number.
    """
    short = len(line) <= MEMO_LINE_BYTES
    if short and (known := memo.get(line)) is not None:
        return known
    if not line.strip():
        return b""
    out = normalize_line(line)
    if "error" in out:
        out["line"] = number  # which input line failed, for the person reading it
        return _dumps(out) + b"\n"
    answer = _dumps(out) + b"\n"
    if short:
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        memo[line] = answer
    return answer


def _error_line(message: str, line: bytes, number: int) -> bytes:
    out = _error(message, line)
    out["line"] = number
    return _dumps(out) + b"\n"
