"""Parameter counts: how big a model is, read from its weights, its card, or its name.

This module owns three readers and the rule that combines them:

- `params_from_weights`: the Hub's `safetensors` / `gguf` totals (exact, unless quantized
  tensors are packed, in which case the sum is not a parameter count and is refused);
- `params_from_text`: statements in model cards and announcements ("30.5B in total and 3.3B
  activated", "available in 1B, 4B, 12B and 27B sizes", a table with a Params column);
- `params_from_name`: repo ids and titles ("Qwen3-30B-A3B", "Mixtral-8x7B", "SmolLM2-135M");
- `best_params`: weights > declared > name, keeping the pieces each source is good at.

Counts are plain numbers of parameters (2.7e10, never 27). Nothing here does I/O or raises on
hostile input: unreadable input gives `None`.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass, field

from normalize.evidence import Evidence, compact, make_evidence, snippet_around
from normalize.text import ascii_lower, contains_any, find_all, lower_ascii

VERSION = "1"
MAX_TEXT_CHARS = 400_000
MAX_NAME_CHARS = 300
MAX_EVIDENCE = 4
# Real cards state a size a few dozen times at most; the caps keep hostile text linear.
MAX_MENTIONS = 400
MAX_TABLE_ROWS = 200
MAX_TABLE_LINES = 10_000
MAX_TABLE_CELLS = 64
MAX_VARIANTS = 64
# Below this a "count" is a typo or a unit-less label ("27"), above it no model exists.
MIN_COUNT = 1e4
MAX_COUNT = 1e15

_UNIT_SCALE = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_UNIT_LETTER = {
    "k": "K", "thousand": "K", "m": "M", "mn": "M", "million": "M", "b": "B", "bn": "B",
    "billion": "B", "t": "T", "tn": "T", "trillion": "T",
}  # fmt: skip
_TENS = (1.0, 10.0, 100.0, 1000.0)


@dataclass(slots=True)
class ParamVariant:
    label: str
    total: float | None
    active: float | None
    # Where the variant was declared (a table row's first cell, say); used only to match a
    # family card's variants against a repo name. Not part of the JSON.
    hint: str = ""
    precision: int = 0
    # The statements this variant was read from, as (text, source, mention): its evidence is
    # built from them only when the variant is part of the answer. Not part of the JSON.
    origins: list = field(default_factory=list, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"label": self.label, "total": self.total, "active": self.active}


@dataclass(slots=True)
class Params:
    total: float | None
    active: float | None
    variants: list[ParamVariant] = field(default_factory=list)
    method: str | None = None
    experts: int | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "total": self.total,
            "active": self.active,
            "variants": [variant.to_json() for variant in self.variants],
            "method": self.method,
            "experts": self.experts,
            "evidence": [item.to_json() for item in self.evidence],
        }


# ---------------------------------------------------------------------------------------------
# Numbers


_COUNT = re.compile(
    r"\s*(?:~|≈|about\s+|approx(?:imately|\.)?\s+|over\s+)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:_\d{3})+|\d{1,16}(?:[.,]\d{1,6})?)"
    r"\s*-?\s*(?P<unit>thousand|million|billion|trillion|mn|bn|tn|[kmbt])?"
    r"\s*\+?\s*(?:(?:total\s+|active\s+|activated\s+)?param(?:eter)?s?)?\s*",
    re.IGNORECASE,
)


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number(text: str) -> float | None:
    """A decimal number, with ',' read as a thousands separator only before exactly 3 digits."""
    if "," in text or "_" in text:
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        else:
            text = text.replace("_", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _scaled(num: str, unit: str | None) -> float | None:
    value = _number(num)
    if value is None:
        return None
    if unit:
        value *= _UNIT_SCALE[unit.lower()]
    elif value < 1000:
        # A bare small number ("27") is a label without its unit, not a count.
        return None
    if not MIN_COUNT <= value <= MAX_COUNT:
        return None
    if unit and ("." in num or "," in num):
        return float(f"{value:.6g}")  # 7.61 * 1e9 carries float noise; whole numbers do not
    return value


def parse_param_count(text: str) -> float | None:
    """A parameter count from "27B", "1.5b", "135M", "7 billion", "27,432,406,640"."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    match = _COUNT.fullmatch(text)
    if not match:
        return None
    return _scaled(match["num"], match["unit"])


def _label(num: str, unit: str) -> str:
    unit = _UNIT_LETTER.get(unit.lower(), unit.upper())
    return f"{num.replace(',', '.')}{unit}"


def _precision(num: str) -> int:
    """Significant digits as written: '1.23' is more precise than '1'."""
    return len(num.replace(".", "").replace(",", "").lstrip("0")) or 1


def format_count(value: float) -> str:
    """A short label for a count: 2.7e10 -> '27B', 1.35e8 -> '135M'."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.0f}"


# ---------------------------------------------------------------------------------------------
# Names


_NAME_SPLIT = re.compile(r"[\s\-/()\[\]{}<>&,+|:;'\"`!?*=#@~]+")
_TOK_UNDERSCORE = re.compile(r"(?P<int>\d{1,3})_(?P<frac>\d{1,2})(?P<unit>[mb])", re.I)
_HAS_SIZE_HINT = re.compile(r"\d[\d._]*[mbtMBT]|\d[eE]\b|\d[xX×]\d")


@dataclass(frozen=True, slots=True)
class _NameSize:
    kind: str  # plain | active | effective | moe | active_experts | experts
    value: float | None
    label: str
    unit: str
    experts: int | None = None
    precision: int = 0


def _name_tokens(name: str) -> list[str]:
    tokens: list[str] = []
    for token in _NAME_SPLIT.split(name):
        if not token:
            continue
        if "_" in token and not _TOK_UNDERSCORE.fullmatch(token):
            # 'Llama_3_8B' is three words; '1_8B' (Qwen-1_8B) is a decimal.
            tokens.extend(part for part in token.split("_") if part)
        else:
            tokens.append(token)
    return tokens


_NAME_TOKEN = re.compile(
    r"(?P<experts>\d{1,3})[x×](?P<mnum>\d{1,4}(?:\.\d{1,3})?)(?P<munit>[mb])"
    r"|(?P<aenum>\d{1,4}(?:\.\d{1,3})?)b[x×](?P<aexp>\d{1,4})e"
    r"|(?P<pre>[a-z])?(?P<num>\d{1,4}(?:\.\d{1,3})?)(?P<unit>[mbt])"
    r"|(?P<dint>\d{1,3})(?:_(?P<ufrac>\d{1,2})(?P<uunit>[mb])|(?P<iunit>[mb])(?P<ifrac>\d{1,2}))"
    r"|(?P<nexp>\d{1,4})e",
    re.IGNORECASE,
)
_SIZE_TOKEN_END = frozenset("bmtBMTeE0123456789")


# Names are made of a few thousand distinct words ('8B', 'Instruct', 'GGUF', 'Q4_K_M'), so a
# word is read once; the result is frozen and shared.
@functools.lru_cache(maxsize=16384)
def _name_size(token: str) -> _NameSize | None:
    # Every size form ends in a unit letter, 'E' or a digit ('7b1'); most words do not.
    if len(token) > 12 or token[-1] not in _SIZE_TOKEN_END:
        return None
    match = _NAME_TOKEN.fullmatch(token)
    if match is None:
        return None
    if match["experts"]:
        label = f"{match['experts']}x{_label(match['mnum'], match['munit'])}"
        return _NameSize("moe", None, label, match["munit"].lower(), int(match["experts"]))
    if match["aenum"]:
        value = _scaled(match["aenum"], "b")
        label = f"{_label(match['aenum'], 'b')}x{match['aexp']}E"
        return _NameSize("active_experts", value, label, "b", int(match["aexp"]))
    if match["num"]:
        return _prefixed_size(match)
    if match["dint"]:
        unit = match["uunit"] or match["iunit"]
        num = f"{match['dint']}.{match['ufrac'] or match['ifrac']}"
        value = _scaled(num, unit)
        if value is None:
            return None
        return _NameSize("plain", value, _label(num, unit), unit.lower())
    return _NameSize("experts", None, token.upper(), "", int(match["nexp"]))


def _prefixed_size(match: re.Match) -> _NameSize | None:
    value = _scaled(match["num"], match["unit"])
    if value is None:
        return None
    unit = match["unit"].lower()
    label = _label(match["num"], unit)
    prefix = (match["pre"] or "").lower()
    precision = _precision(match["num"])
    if prefix == "a":
        return _NameSize("active", value, f"A{label}", unit, precision=precision)
    if prefix == "e":
        # Gemma 3n's E2B/E4B are *effective* sizes (the raw count is larger): a label, no count.
        return _NameSize("effective", None, f"E{label}", unit)
    return _NameSize("plain", value, label, unit, precision=precision)


def _name_sizes(name: str) -> list[_NameSize]:
    sizes = [size for token in _name_tokens(name) if (size := _name_size(token))]
    has_billions = any(size.unit == "b" for size in sizes)
    kept: list[_NameSize] = []
    for size in sizes:
        if size.kind == "plain" and size.unit == "m" and has_billions:
            continue  # 'Qwen2.5-7B-Instruct-1M': the M is the context window
        if size.kind == "plain" and size.unit == "t" and has_billions:
            continue  # 'TinyLlama-1.1B-…-3T': the T counts training tokens
        if size.kind == "plain" and size.unit == "m" and (size.value or 0) < 1e7:
            continue  # '…-1M', '…-4M': context windows, not 1M-parameter models
        kept.append(size)
    return kept


def _repo_part(name: str) -> str:
    name = name.strip()
    if "/" in name and len(name.split()) == 1:
        name = name.rstrip("/").rsplit("/", 1)[-1]
    return name


def params_from_name(name: object, source: str = "") -> Params | None:
    """Sizes stated in a repo id or title; `None` when the name states none."""
    if not isinstance(name, str) or not name:
        return None
    name = name[:MAX_NAME_CHARS]
    shape = _name_shape(_repo_part(name))
    if shape is None:
        return None
    total, active, experts, variants = shape
    return Params(
        total,
        active,
        [ParamVariant(*variant) for variant in variants],
        "name",
        experts,
        [_name_evidence(source or name, name)],
    )


# The same repo ids come back again and again in a crawl (its info, its card, its prices), and
# the same model name under many orgs (quantizers and mirrors republish 'Qwen3-8B' as
# 'unsloth/Qwen3-8B', 'mlx-community/Qwen3-8B', …), so a name (without its org) is parsed
# once. The cached value is an immutable tuple; every call builds fresh `Params` from it, so
# callers may still change what they get.
_NameShape = tuple[float | None, float | None, int | None, tuple[tuple, ...]]


@functools.lru_cache(maxsize=8192)
def _name_shape(name: str) -> _NameShape | None:
    """(total, active, experts, variant fields) the name (a repo part) states, or None."""
    if not _HAS_SIZE_HINT.search(name):
        return None
    sizes = _name_sizes(name)
    if not sizes:
        return None
    if len(sizes) > 1 and (encoder_decoder := _encoder_decoder_size(name)) is not None:
        sizes = [encoder_decoder]
    params = _params_from_name_sizes(sizes)
    if params is None:
        return None
    variants = tuple((v.label, v.total, v.active, v.hint, v.precision) for v in params.variants)
    return params.total, params.active, params.experts, variants


# Names of encoder-decoder models (T5 and its descendants, their pretraining objectives).
_ENCODER_DECODER = re.compile(
    r"(?<![a-z])(?:flan-?|m|by|long)?t5|ul2|prefixlm|seq2seq|enc-?dec|encoder-decoder"
    r"|(?<![a-z])bart(?![a-z])",
    re.IGNORECASE,
)


def _encoder_decoder_size(name: str) -> _NameSize | None:
    """'t5gemma-2b-2b', 't5gemma-9b-2b': an encoder-decoder model named by the sizes of its
    encoder and its decoder, side by side. The model holds both, so its size is their sum
    (label '9B-2B'); elsewhere two sizes side by side are other things ('OLMoE-1B-7B' is
    active and total) and stay as they are."""
    if not _ENCODER_DECODER.search(name):
        return None
    tokens = _name_tokens(name)
    for first, second in zip(tokens, tokens[1:], strict=False):
        encoder, decoder = _name_size(first), _name_size(second)
        if encoder is None or decoder is None or not (encoder.value and decoder.value):
            continue
        if encoder.kind == decoder.kind == "plain":
            total = float(f"{encoder.value + decoder.value:.6g}")
            precision = min(encoder.precision, decoder.precision)
            label = f"{encoder.label}-{decoder.label}"
            return _NameSize("plain", total, label, encoder.unit, precision=precision)
    return None


@functools.lru_cache(maxsize=8192)
def _name_evidence(source: str, name: str) -> Evidence:
    # Evidence is frozen, so one instance can be shared by every record naming this repo.
    return make_evidence(source, name, "params.name", VERSION)


def _params_from_name_sizes(sizes: list[_NameSize]) -> Params | None:
    experts = None
    plain: list[_NameSize] = []
    actives: list[_NameSize] = []
    labels: list[_NameSize] = []
    for index, size in enumerate(sizes):
        following = sizes[index + 1] if index + 1 < len(sizes) else None
        if size.kind == "experts":
            continue
        if size.kind == "plain" and following is not None and following.kind == "experts":
            # 'Llama-4-Scout-17B-16E': 17B is what each token uses, 16 the expert count.
            experts = following.experts
            actives.append(_NameSize("active", size.value, f"{size.label}-{following.label}", "b"))
        elif size.kind == "plain":
            if all(other.value != size.value for other in plain):
                plain.append(size)
        elif size.kind in ("active", "active_experts"):
            actives.append(size)
            experts = size.experts or experts
        else:  # moe ('8x7B') and effective ('E2B') sizes: labels without a trustworthy total
            labels.append(size)
            experts = size.experts or experts
    return _assemble_name_params(plain, actives, labels, experts)


def _assemble_name_params(
    plain: list[_NameSize], actives: list[_NameSize], labels: list[_NameSize], experts: int | None
) -> Params | None:
    active = actives[0] if actives else None
    if len(plain) > 1:
        # 'Code Llama 4 (70B & 400B)', 'OLMoE-1B-7B': several sizes, no single total.
        variants = [ParamVariant(size.label, size.value, None) for size in plain]
        return Params(None, None, variants, experts=experts)
    if plain:
        total = plain[0]
        label = f"{total.label}-{active.label}" if active else total.label
        variant = ParamVariant(label, total.value, active.value if active else None)
        variant.precision = total.precision
        return Params(total.value, variant.active, [variant], experts=experts)
    if active:
        variant = ParamVariant(active.label, None, active.value)
        return Params(None, active.value, [variant], experts=experts)
    if labels:
        variant = ParamVariant(labels[0].label, None, None)
        return Params(None, None, [variant], experts=experts)
    return None


# ---------------------------------------------------------------------------------------------
# Weights (Hub model info)

# Integer tensors hold packed quantized weights (4-bit in U32/I32, bitsandbytes in U8, …). Their
# element count is not a parameter count; a small share is normal (position ids, masks).
_INTEGER_DTYPES = frozenset({"U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "BOOL"})
_PACKED_SHARE = 0.01


def _count_value(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    return int(value)


def _safetensors_count(safetensors: dict, quantized: bool) -> tuple[int | None, str]:
    per_dtype = safetensors.get("parameters")
    counts: dict[str, int] = {}
    if isinstance(per_dtype, dict):
        for dtype, value in per_dtype.items():
            count = _count_value(value)
            if isinstance(dtype, str) and count:
                counts[dtype.upper()] = count
    total = _count_value(safetensors.get("total")) or (sum(counts.values()) if counts else None)
    if not total:
        return None, ""
    packed = sum(count for dtype, count in counts.items() if dtype in _INTEGER_DTYPES)
    if packed and (packed > total * _PACKED_SHARE or quantized):
        return None, ""
    dtypes = ", ".join(f"{dtype}: {count}" for dtype, count in sorted(counts.items()))
    return total, f"safetensors.parameters {{{dtypes}}} total {total}"


def _is_quantized(model_info: dict) -> bool:
    config = model_info.get("config")
    return isinstance(config, dict) and bool(config.get("quantization_config"))


def params_from_weights(model_info: object, source: str = "") -> Params | None:
    """The exact count the Hub computed from the weight files, when it is a real count."""
    if not isinstance(model_info, dict):
        return None
    repo_id = model_info.get("id") if isinstance(model_info.get("id"), str) else ""
    base = source or (f"https://huggingface.co/api/models/{repo_id}" if repo_id else "model_info")
    safetensors = model_info.get("safetensors")
    if isinstance(safetensors, dict):
        total, snippet = _safetensors_count(safetensors, _is_quantized(model_info))
        if total and total >= MIN_COUNT:
            return _weights_params(total, f"{base}#safetensors.total", snippet)
    gguf = model_info.get("gguf")
    if isinstance(gguf, dict):
        total = _count_value(gguf.get("total"))
        if total and total >= MIN_COUNT:
            return _weights_params(total, f"{base}#gguf.total", f"gguf.total {total}")
    return None


def _weights_params(total: int, source: str, snippet: str) -> Params:
    total_f = float(total)
    variant = ParamVariant(format_count(total_f), total_f, None, precision=12)
    evidence = [make_evidence(source, snippet, "params.weights", VERSION)]
    return Params(total_f, None, [variant], "weights", None, evidence)


# ---------------------------------------------------------------------------------------------
# Declared statements (cards, announcements)

# The words after a size are read on the lower-case ASCII copy of the text, by hand (one
# regex call per size cost more than the reading): a word is letters (with '-' and '#'), or a
# number (with letters, '_', '.' and ','), or one of the marks that end a clause. Commas are
# words too, for the full reading: one before a qualifier ends it (`_clause_words`).
_CLAUSE_MARKS = "|\n:;.!?"


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
    r"\d\s*(?:[bmt]|billion|million|trillion)?\s*(?:to|–|—|-|~)\s*$", re.IGNORECASE
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


# A size as written, read by hand rather than by a regex: on a card the regex, its match
# objects and their group lookups were a third of the reading. What it reads (the regex it
# replaced is kept in tests/normalize/test_hand_readers.py, which checks both agree):
#
#   [experts 'x'] num unit ['x' experts 'E'], then no word character and no '$'
#   - experts: 1-3 digits, an optional space, 'x' or '×', an optional space ('8x7B', '8 x 22B')
#   - num: 1-4 digits, optionally '.' or ',' and 1-3 digits ('27', '1.5', '0,6')
#   - unit: 'b', 'm' or 't' with an optional 'n' ('B', 'bn'), or, after an optional space or
#     hyphen, 'billion', 'million' or 'trillion', plural too; any case (ASCII letters)
#   - the 'x16E' suffix ('17Bx16E'): kept only when what follows it ends the size
# The signs of an expert count ('8x7B', '8 × 7B', '17Bx16E').
_X_SIGNS = "xX×"
_UNIT_WORDS = ("billion", "million", "trillion")
_NO_SUFFIX = (-1, -1, -1)


@dataclass(slots=True)
class _SizeSpan:
    """One size as written: where it starts and ends, and its parts ('' when absent)."""

    start: int
    end: int
    experts: str
    num: str
    unit: str  # lower case: 'b', 'bn', 'billion' …
    active_experts: str


def _is_digit(text: str, index: int) -> bool:
    """A decimal digit at `index`, in any script (as a regex's `\\d` reads it)."""
    if index >= len(text):
        return False
    code = ord(text[index])
    if code < 128:
        return 48 <= code <= 57
    return text[index].isdecimal()


def _digits_end(text: str, index: int) -> int:
    while _is_digit(text, index):
        index += 1
    return index


def _is_space(text: str, index: int) -> bool:
    return index < len(text) and text[index].isspace()


def _is_one_of(text: str, index: int, chars: str) -> bool:
    return index < len(text) and text[index] in chars


def _ends_size(text: str, index: int) -> bool:
    """Nothing at `index` continues the size: the end of the text, or neither a word
    character nor '$'."""
    if index >= len(text):
        return True
    char = text[index]
    return not (char.isalnum() or char == "_" or char == "$")


def _times_end(text: str, index: int) -> int:
    """Where the digits after an 'x' sign start ('8x7B', '8 x 7B'), or -1 without a sign."""
    if _is_space(text, index) and _is_one_of(text, index + 1, _X_SIGNS):
        index += 2
    elif _is_one_of(text, index, _X_SIGNS):
        index += 1
    else:
        return -1
    # A space after the sign belongs to it only when digits follow.
    return index + 1 if _is_space(text, index) and _is_digit(text, index + 1) else index


def _experts_suffix(text: str, index: int) -> tuple[int, int, int]:
    """(digits start, digits end, end) of an 'x16E' suffix at `index`, or (-1, -1, -1)."""
    first = _times_end(text, index)
    if first < 0:
        return _NO_SUFFIX
    last = _digits_end(text, first)
    if not 1 <= last - first <= 4:
        return _NO_SUFFIX
    if _is_space(text, last) and _is_one_of(text, last + 1, "eE"):
        return first, last, last + 2
    if _is_one_of(text, last, "eE"):
        return first, last, last + 1
    return _NO_SUFFIX


def _size_end(text: str, unit_end: int) -> int:
    """Where a size ends after its unit: after an 'x16E' suffix when one is written and ends
    the size, else right after the unit when that ends it; -1 when neither does."""
    suffix_end = _experts_suffix(text, unit_end)[2]
    if suffix_end >= 0 and _ends_size(text, suffix_end):
        return suffix_end
    return unit_end if _ends_size(text, unit_end) else -1


def _unit_at(text: str, index: int) -> tuple[str, int, int]:
    """(unit in lower case, unit end, size end) for the unit at `index`, or ('', -1, -1).

    A letter ('B', 'bn') is tried first and a word ('billion') after it, so '7b' and
    '7billion' are both read.
    """
    if _is_one_of(text, index, "bBmMtT"):
        unit_end = index + 2 if _is_one_of(text, index + 1, "nN") else index + 1
        end = _size_end(text, unit_end)
        if end >= 0:
            return text[index:unit_end].lower(), unit_end, end
    if _is_space(text, index) or _is_one_of(text, index, "-"):
        index += 1
    for word in _UNIT_WORDS:
        unit_end = index + len(word)
        if text[index:unit_end].lower() == word:
            if _is_one_of(text, unit_end, "sS"):
                unit_end += 1
            end = _size_end(text, unit_end)
            return (word, unit_end, end) if end >= 0 else ("", -1, -1)
    return "", -1, -1


def _size_span(text: str, start: int) -> _SizeSpan | None:
    """The size written at `start` ('27B', '1.5 billion', '8x7B', '17Bx16E'), or None."""
    first = _digits_end(text, start)
    if first == start:
        return None
    experts = ""
    num_start = start
    # Up to three digits and an 'x' sign are an expert count ('8x7B'); a size must follow.
    if first - start <= 3:
        after = _times_end(text, first)
        if after >= 0:
            experts, num_start = text[start:first], after
    num_end = _digits_end(text, num_start)
    if not 1 <= num_end - num_start <= 4:
        return None
    if _is_one_of(text, num_end, ".,"):
        fraction_end = _digits_end(text, num_end + 1)
        if not 1 <= fraction_end - num_end - 1 <= 3:
            return None  # no unit follows a '.' or ','; '1.2345B' is not a size
        num_end = fraction_end
    unit, unit_end, end = _unit_at(text, num_end)
    if end < 0:
        return None
    active_experts = ""
    if end != unit_end:
        first_digit, last_digit, _ = _experts_suffix(text, unit_end)
        active_experts = text[first_digit:last_digit]
    return _SizeSpan(start, end, experts, text[num_start:num_end], unit, active_experts)


def _mention_from_span(span: _SizeSpan) -> _Mention | None:
    """A `_Mention` for a size as written, or None when it is no size ('1,000B', '0.001M')."""
    num, unit = span.num, span.unit
    if "," in num:
        if not _THOUSANDS_SIZE.fullmatch(num):
            return None  # '1,000B' style thousands are not how sizes are written
        value = _scaled(num, unit)
        if value is None:
            return None
    elif num.isascii():
        # `_scaled` for the usual '27' / '1.5' (ASCII digits, no separators, always a unit),
        # read digit by digit, as a card has dozens of these: the digits as one integer,
        # how many follow the '.', and how many are significant (`_precision`).
        whole = 0
        places = -1
        significant = 0
        for char in num:
            if char == ".":
                places = 0
                continue
            whole = whole * 10 + ord(char) - 48
            if places >= 0:
                places += 1
            if whole:
                significant += 1
        if places <= 0:
            value = whole * _UNIT_SCALE[unit]
        elif significant <= 6:
            # `whole` times the scale is exact in a double (whole * 5**12 < 2**53, the rest is
            # a power of two) and one division is correctly rounded, so this is the float
            # nearest the decimal written: what `float(f"{value:.6g}")` gives for six digits
            # or fewer (tests/normalize/test_hand_readers.py checks both agree).
            value = whole * _UNIT_SCALE[unit] / _TENS[places]
        else:
            value = float(f"{float(num) * _UNIT_SCALE[unit]:.6g}")
        if not MIN_COUNT <= value <= MAX_COUNT:
            return None
        return _new_mention(span, value, num + _unit_letter(unit), significant or 1)
    else:
        value = float(num) * _UNIT_SCALE[unit]
        if not MIN_COUNT <= value <= MAX_COUNT:
            return None
        if "." in num:
            value = float(f"{value:.6g}")
    # `_precision`, inline: significant digits as written.
    precision = len(num.replace(".", "").replace(",", "").lstrip("0")) or 1
    return _new_mention(span, value, num.replace(",", ".") + _unit_letter(unit), precision)


def _unit_letter(unit: str) -> str:
    return _UNIT_LETTER.get(unit) or unit.upper()


def _new_mention(span: _SizeSpan, value: float, label: str, precision: int) -> _Mention:
    if span.experts:
        label = f"{span.experts}x{label}"
        return _Mention(span.start, span.end, None, label, 0, int(span.experts), True)
    mention = _Mention(span.start, span.end, value, label, precision)
    if span.active_experts:
        mention.experts = int(span.active_experts)
        mention.kind = "active"
    return mention


def _window_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the context read around a size: 80 characters before it and 160 after,
    within its line. Searching only that far keeps a long line linear."""
    line_start = text.rfind("\n", max(0, start - 80), start) + 1
    line_end = text.find("\n", end, end + 160)
    return max(line_start, start - 80), min(len(text), end + 160) if line_end < 0 else line_end


def _word_at(lowered: str, index: int, limit: int, commas: bool) -> tuple[int, int]:
    """(start, end) of the first word in `lowered[index:limit]`, or (-1, -1); what is not a
    word is skipped (spaces, brackets, quotes, and commas unless `commas`). `limit` is at
    most the length of `lowered`."""
    while index < limit:
        code = ord(lowered[index])
        if 97 <= code <= 122:  # a-z, then letters, '-' and '#'
            end = index + 1
            while end < limit:
                code = ord(lowered[end])
                if not (97 <= code <= 122 or code == 45 or code == 35):
                    break
                end += 1
            return index, end
        if 48 <= code <= 57:  # a digit, then letters, digits, '_', '.' and ','
            end = index + 1
            while end < limit:
                code = ord(lowered[end])
                if not (97 <= code <= 122 or 48 <= code <= 57 or code in (95, 46, 44)):
                    break
                end += 1
            return index, end
        char = lowered[index]
        if char in _CLAUSE_MARKS or (commas and char == ","):
            return index, index + 1
        index += 1
    return -1, -1


def _read_after(lowered: str, end: int, limit: int) -> tuple[bool, str | None]:
    """(accepted, qualifier) from up to seven words after a size (in lower-cased text).

    The first two words decide almost always ('7B parameters', '14T tokens', '7B total
    parameters'); the rest are read only when those two do not.
    """
    limit = min(min(end + 80, limit), len(lowered))  # two at a time: compiled, not a call
    first_start, first_end = _word_at(lowered, end, limit, False)
    if first_start < 0:
        return False, None
    second_start, second_end = _word_at(lowered, first_end, limit, False)
    first = lowered[first_start:first_end]
    second = lowered[second_start:second_end] if second_start >= 0 else None
    # A qualifier after a comma belongs to the next clause ('235B, activated parameters:
    # 22B'): then the comma counts, and the full reading decides.
    read_end = second_end if second_start >= 0 else first_end
    commas = (first in _QUALIFIER_WORDS or second in _QUALIFIER_WORDS) and (
        lowered.find(",", end, read_end) >= 0
    )
    if not commas:
        decided = _read_words((first, second))
        if decided is not None:
            return decided
    read = _read_words(_clause_words(_words_in(lowered, end, limit)), True)
    return read if read is not None else (False, None)  # a complete reading always decides


def _words_in(lowered: str, start: int, limit: int) -> list[str]:
    """Every word of `lowered[start:limit]`, commas included."""
    words: list[str] = []
    while True:
        word_start, start = _word_at(lowered, start, limit, True)
        if word_start < 0:
            return words
        words.append(lowered[word_start:start])


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
    tail = before.rstrip()[-1:]
    # The regexes here are tried only where they can match: each needs a certain character
    # first, or a certain word, and most sizes are followed by ' parameters'.
    following = _first_after_spaces(text, end, after_end)
    if (tail and tail in "o–—-~" and _RANGE_BEFORE.search(before)) or (
        following in _RANGE_STARTS and _RANGE_AFTER.match(text, end, after_end)
    ):
        return  # '3B–4B scale', 'from 0.5 to 72 billion parameters' describe ranges
    mention.accepted = True
    if qualifier is None and _first_after_spaces(lowered, end, after_end, " \t") in "p(taon":
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


# What `_RANGE_AFTER` can start with once spaces are skipped ('to', a dash, a tilde).
_RANGE_STARTS = frozenset("tT–—~-")


def _first_after_spaces(text: str, index: int, limit: int, spaces: str = "") -> str:
    """The first character of `text[index:limit]` that is not a space ('' when there is
    none); a space is what `\\s` matches, or one of `spaces` when given."""
    limit = min(limit, len(text))
    while index < limit:
        char = text[index]
        if not (char in spaces if spaces else char.isspace()):
            return char
        index += 1
    return ""


def _before_label(before: str) -> str | None:
    """'Number of Parameters' in 'Number of Parameters: ', '| Total Parameters | ' …"""
    # `_LABEL_END` needs a ':', '=' or '|' last but for spaces and '*': test that first.
    if before.rstrip().rstrip("*").rstrip()[-1:] not in (":", "=", "|"):
        return None
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
    # `_LABEL_WORDS` ('param…' or the word 'size'), its regex run only when it can match.
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


def _close(a: float | None, b: float | None, ratio: float) -> bool:
    if not a or not b:
        return False
    return max(a, b) / min(a, b) <= ratio


# Tables --------------------------------------------------------------------------------------

_TABLE_CELL_TAG = re.compile(r"<t[hd]\b([^>]{0,300})>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_ROWSPAN = re.compile(r"rowspan\s*=\s*[\"']?(\d{1,2})", re.IGNORECASE)
_MD_SEPARATOR = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*")
_PARAM_HEADER = re.compile(r"param|^\s*#?\s*size\s*$|model\s+size", re.IGNORECASE)


def _table_line(text: str, start: int) -> tuple[str | None, int]:
    """(the line at `start`, stripped, when it is a table row or separator; next line start)."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    stripped = text[start:end].strip()
    is_row = stripped.startswith("|") and stripped.count("|") >= 2
    return (stripped if is_row else None), end + 1


def _markdown_param_tables(text: str, lowered: str) -> list[list[list[str]]]:
    """The Markdown tables with a line that says 'param' or 'size': only their header can name
    a Params column, so only they are parsed (a card's benchmark tables are skipped)."""
    tables: list[list[list[str]]] = []
    covered = -1
    words = sorted(find_all(lowered, "param", MAX_TABLE_ROWS) + find_all(lowered, "size", 200))
    for pos in words:
        if pos < covered:
            continue  # in a table already read
        line_start = text.rfind("\n", 0, pos) + 1
        if _table_line(text, line_start)[0] is None:
            continue
        rows, covered = _markdown_table_at(text, _table_start(text, line_start))
        if len(rows) > 1:
            tables.append(rows)
    return tables


def _table_start(text: str, line_start: int) -> int:
    """Where the table holding the line at `line_start` begins."""
    for _ in range(MAX_TABLE_LINES):
        if line_start == 0:
            break
        previous = text.rfind("\n", 0, line_start - 1) + 1
        if _table_line(text, previous)[0] is None:
            break
        line_start = previous
    return line_start


def _markdown_table_at(text: str, start: int) -> tuple[list[list[str]], int]:
    """(rows of the table starting at `start`, separators left out; where the table ends).

    A table whose header names no Params/Size column gives no rows (its header row is where
    reading stops), since `_table_mentions` would read nothing from it.
    """
    rows: list[list[str]] = []
    pos = start
    size = len(text)
    while pos <= size:
        stripped, following = _table_line(text, pos)
        if stripped is None:
            break
        if len(rows) < MAX_TABLE_ROWS and not _MD_SEPARATOR.fullmatch(stripped):
            cells = stripped.strip("|").split("|", MAX_TABLE_CELLS)[:MAX_TABLE_CELLS]
            row = [cell.strip() for cell in cells]
            if not rows and not any(_PARAM_HEADER.search(cell) for cell in row):
                return [], following
            rows.append(row)
        pos = following
    return rows, pos


def _html_tables(text: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    lowered = text.lower()
    for chunk in lowered.split("<table", 20)[1:20]:
        table_rows: list[list[str]] = []
        pending: dict[int, tuple[int, str]] = {}  # column -> (rows left, text) for rowspan
        for row_html in chunk.split("</table", 1)[0].split("<tr", MAX_TABLE_ROWS + 1)[1:]:
            table_rows.append(_html_row(row_html, pending))
        if len(table_rows) > 1:
            tables.append(table_rows)
    return tables


def _html_row(row_html: str, pending: dict[int, tuple[int, str]]) -> list[str]:
    parts = _TABLE_CELL_TAG.split(row_html, MAX_TABLE_CELLS)
    cells: list[str] = []
    column = 0
    for attributes, content in zip(parts[1::2], parts[2::2], strict=False):
        while column in pending:
            cells.append(_take_pending(pending, column))
            column += 1
        cell = compact(_TAG.sub(" ", content[:2000]), 400)
        span = _ROWSPAN.search(attributes)
        if span and int(span[1]) > 1:
            pending[column] = (int(span[1]) - 1, cell)
        cells.append(cell)
        column += 1
    while column in pending:
        cells.append(_take_pending(pending, column))
        column += 1
    return cells


def _take_pending(pending: dict[int, tuple[int, str]], column: int) -> str:
    left, cell = pending[column]
    if left <= 1:
        del pending[column]
    else:
        pending[column] = (left - 1, cell)
    return cell


def _table_mentions(table: list[list[str]]) -> list[_Mention]:
    header = table[0]
    columns = [i for i, cell in enumerate(header) if _PARAM_HEADER.search(cell)]
    mentions: list[_Mention] = []
    for column in columns[:4]:
        column_kind = _qualifier_in(header[column]) or "plain"
        for row in table[1:]:
            if column >= len(row):
                continue
            cell = row[column]
            hint = row[0] if row else ""
            mentions.extend(_cell_mentions(cell, column_kind, hint))
    return mentions


def _cell_mentions(cell: str, column_kind: str, hint: str) -> list[_Mention]:
    # Most cells of a Params column are one size and nothing else ('8B', '1.23B'): then the
    # general reading below would find exactly this one mention, with no words after it.
    whole = _size_span(cell, 0)
    if whole is not None and whole.end == len(cell) and "," not in cell:
        mention = _mention_from_span(whole)
        if mention is None:
            return []
        mention.accepted = True
        if mention.kind == "plain":
            mention.kind = column_kind
        mention.hint = hint
        mention.snippet = f"{hint} | {cell}"
        return [mention]
    lowered = lower_ascii(cell)
    spans = _iter_spans(cell, _unit_hits(lowered))
    found = [mention for span in spans if (mention := _mention_from_span(span))]
    for mention in found:
        _, qualifier = _read_after(lowered, mention.end, len(lowered))
        mention.accepted = True
        mention.kind = qualifier or (mention.kind if mention.kind != "plain" else column_kind)
        mention.hint = hint
        mention.snippet = f"{hint} | {cell}"
    _group_lists(cell, found)
    return [m for m in found if m.accepted]


# Assembly ------------------------------------------------------------------------------------


def _variants_from_mentions(
    mentions: list[_Mention], text: str = "", source: str = ""
) -> tuple[list[ParamVariant], int | None]:
    variants: list[ParamVariant] = []
    experts = {m.experts for m in mentions if m.experts}
    used: set[int] = set()
    for index, mention in enumerate(mentions):
        if index in used:
            continue
        partner = _partner(mentions, index, used, text)
        if partner is not None:
            used.add(partner)
            total, active = (
                (mentions[partner], mention)
                if mention.kind == "active"
                else (mention, mentions[partner])
            )
            label = f"{total.label}-A{active.label}"
            variant = ParamVariant(label, total.value, active.value, mention.hint, total.precision)
            variant.origins.append((text, source, mentions[partner]))
        elif mention.moe:
            variant = ParamVariant(mention.label, None, None, mention.hint)
        elif mention.kind == "active":
            variant = ParamVariant(mention.label, None, mention.value, mention.hint)
        else:
            variant = ParamVariant(
                mention.label, mention.value, None, mention.hint, mention.precision
            )
        variant.origins.append((text, source, mention))
        variants.append(variant)
    return _dedupe_variants(variants), (experts.pop() if len(experts) == 1 else None)


def _partner(mentions: list[_Mention], index: int, used: set[int], text: str) -> int | None:
    mention = mentions[index]
    if index + 1 >= len(mentions) or index + 1 in used:
        return None
    nxt = mentions[index + 1]
    if nxt.start - mention.end >= 160:
        return None
    if mention.kind == "total" and nxt.kind == "active":
        return index + 1
    if mention.kind == "active" and nxt.kind == "total":
        return index + 1
    # '117B parameters with 5.1B active parameters per token': a plain size followed by a
    # smaller active one in the same statement is that model's total.
    if (
        mention.kind == "plain"
        and nxt.kind == "active"
        and not mention.moe
        and (mention.value or 0) > (nxt.value or 0) > 0
        and nxt.start - mention.end < 100
        and not mention.hint
        and not nxt.hint
        and not _SENTENCE_END.search(text, mention.end, nxt.start)
    ):
        return index + 1
    return None


def _variant_key(variant: ParamVariant) -> tuple:
    return (variant.total, variant.active, variant.label if variant.total is None else "")


def _rounded_twin(kept: list[ParamVariant], variant: ParamVariant) -> ParamVariant | None:
    """A kept single-size variant with the same label and a total within rounding of this one."""
    if variant.total is None or variant.active is not None:
        return None
    for other in kept:
        if (
            other.label == variant.label
            and other.active is None
            and other.total != variant.total
            and _close(other.total, variant.total, 1.35)
        ):
            return other
    return None


def _rekey(
    by_key: dict[tuple, ParamVariant], kept: list[ParamVariant], old: tuple, variant: ParamVariant
) -> None:
    """After `variant`'s total changed, index the first kept variant for each of its keys."""
    for key in (old, _variant_key(variant)):
        by_key.pop(key, None)
        first = next((v for v in kept if _variant_key(v) == key), None)
        if first is not None:
            by_key[key] = first


def _dedupe_variants(variants: list[ParamVariant]) -> list[ParamVariant]:
    paired_totals = {v.total for v in variants if v.total and v.active}
    paired_actives = {v.active for v in variants if v.total and v.active}
    has_moe = any(v.total is None and v.active is None for v in variants)
    result: list[ParamVariant] = []
    by_key: dict[tuple, ParamVariant] = {}  # the first kept variant with each `_variant_key`
    for variant in variants:
        if variant.active is None and variant.total in paired_totals:
            _pair_for(variants, variant, "total")
            continue
        if variant.total is None and variant.active in paired_actives:
            _pair_for(variants, variant, "active")
            continue
        rounded = _rounded_twin(result, variant)
        if rounded is not None:
            rounded.origins.extend(variant.origins)
            # '1B' in prose and '1B (1.23B)' in a table: keep the precise count.
            if variant.precision > rounded.precision:
                old_key = _variant_key(rounded)
                rounded.total, rounded.precision = variant.total, variant.precision
                rounded.hint = rounded.hint or variant.hint
                _rekey(by_key, result, old_key, rounded)
            continue
        key = _variant_key(variant)
        kept = by_key.get(key)
        if kept is not None:
            # Keep the table row's name when prose and table state the same size.
            kept.hint = kept.hint or variant.hint
            kept.origins.extend(variant.origins)
            continue
        result.append(variant)
        by_key[key] = variant
    if has_moe:
        # 'Phi-3.5-MoE has 16x3.8B parameters with 6.6B active': one model, not two.
        moe = [v for v in result if v.total is None and v.active is None]
        actives = [v for v in result if v.total is None and v.active is not None]
        if len(moe) == 1 and len(actives) == 1:
            moe[0].active = actives[0].active
            moe[0].origins.extend(actives[0].origins)
            result.remove(actives[0])
    return result


def _pair_for(variants: list[ParamVariant], single: ParamVariant, field_name: str) -> None:
    """Give a single size's statements to the first total-and-active variant with the same
    total (or active count): '30.5B parameters' and '30.5B total, 3.3B active' are one size."""
    value = getattr(single, field_name)
    for variant in variants:
        if variant.total and variant.active and getattr(variant, field_name) == value:
            variant.origins.extend(single.origins)
            return


def params_from_text(text: object, source: str = "") -> Params | None:
    """Sizes a card or announcement declares; token counts, contexts and ranges are ignored."""
    declared = _declared_from_text(text, source)
    if declared is None:
        return None
    declared.params.evidence = declared.evidence()
    return declared.params


@dataclass(slots=True)
class _Declared:
    """What one text declares, before its evidence is built: `params`, and the statements it
    was read from, so that evidence is built only for what the caller keeps."""

    params: Params
    text: str
    source: str
    accepted: list[_Mention]

    def evidence(self) -> list[Evidence]:
        return _mention_evidence(self.text, self.accepted, self.source)


def _declared_from_text(text: object, source: str = "") -> _Declared | None:
    """`params_from_text` without its evidence: each variant keeps the statements it was read
    from (`ParamVariant.origins`), and the caller builds evidence for the variants it keeps."""
    if not isinstance(text, str) or not text:
        return None
    text = text[:MAX_TEXT_CHARS]
    lowered = ascii_lower(text)
    hits = _unit_hits(lowered)
    if not hits:
        return None  # no number with a unit: nothing here is a size
    if not contains_any(lowered, _TRIGGER_SUBSTRINGS):
        return None  # no word that could make a number a parameter count
    mentions = _text_mentions(text, lowered, hits)
    # Only a table with a Params/Size column is read; skip the parsing when no header can be one.
    if "param" in lowered or "size" in lowered:
        if "|" in text:
            for table in _markdown_param_tables(text, lowered):
                mentions.extend(_table_mentions(table))
        if "<table" in lowered:
            for table in _html_tables(text):
                mentions.extend(_table_mentions(table))
    accepted = [m for m in mentions if m.accepted and m.kind != "nonembedding"][:MAX_MENTIONS]
    if not accepted:
        return None
    variants, experts = _variants_from_mentions(accepted, text, source or "text")
    variants = variants[:MAX_VARIANTS]
    if not variants:
        return None
    if experts is None and not any(m.experts for m in accepted):
        experts = _stated_experts(lowered)
    params = _params_from_variants(variants, experts)
    params.method = "declared"
    return _Declared(params, text, source or "text", accepted)


def _variants_evidence(variants: list[ParamVariant]) -> list[Evidence]:
    """Evidence for these variants: the statements they were read from, in the order each text
    states them (prose first, then tables), one snippet per stretch of text, texts in the
    order they were read."""
    by_text: dict[tuple[str, str], dict[int, _Mention]] = {}
    for variant in variants:
        for text, source, mention in variant.origins:
            by_text.setdefault((text, source), {})[mention.seq] = mention
    evidence: list[Evidence] = []
    for (text, source), mentions in sorted(by_text.items(), key=lambda item: min(item[1])):
        ordered = [mentions[seq] for seq in sorted(mentions)]
        evidence.extend(_mention_evidence(text, ordered, source))
    return evidence[:MAX_EVIDENCE]


def _mention_evidence(text: str, mentions: list[_Mention], source: str) -> list[Evidence]:
    """One snippet per stretch of text: a list like '1B, 4B and 27B sizes' is one statement."""
    evidence: list[Evidence] = []
    seen: set[str] = set()
    last_end = -1000
    for mention in mentions:
        if mention.snippet:
            item = make_evidence(source, mention.snippet, "params.declared", VERSION)
        elif mention.start - last_end < 100:
            continue
        else:
            # `snippet_around` gives a compact snippet within the limit already.
            snippet = snippet_around(text, mention.start, mention.end, 60)
            item = Evidence(source, snippet, "params.declared", VERSION)
            last_end = mention.end
        if item.snippet not in seen:
            seen.add(item.snippet)
            evidence.append(item)
            if len(evidence) >= MAX_EVIDENCE:
                break
    return evidence


_LEFT_BLOCKERS = frozenset("_.$€£¥/")


def _inside_word(text: str, start: int) -> bool:
    """True when the number at `start` continues a word, a number, a price or a path, or is
    part of a hyphenated model name ('Qwen3-235B-A22B' names a model; it states nothing)."""
    before = text[start - 1]
    if before.isalnum() or before in _LEFT_BLOCKERS:
        return True
    return before == "-" and start > 1 and text[start - 2].isalnum()


# Every size ends in a digit followed by a unit: finding those first and reading the number
# backwards is many times cheaper than running the full pattern at every character. They are
# found with `bytes.find` in a copy where every digit is '0' and every unit letter 'u'.
# A real 'u' becomes 'x', so '0u' (a digit before the letter u) is not taken for a unit.
_UNIT_MARKS = bytes.maketrans(b"0123456789bmtu", b"0000000000uuux")
_NUMBER_CHARS = frozenset("0123456789.,")
MAX_UNIT_HITS = 20_000


def _unit_hits(lowered: str) -> list[int]:
    """Offsets of digits followed by a unit ('27B', '7b', '1.5 billion', '2-trillion')."""
    # Back to a str: compiled, `str.find` is a direct call and `bytes.find` a method lookup.
    marks = lowered.encode("ascii").translate(_UNIT_MARKS).decode("ascii")
    hits = find_all(marks, "0u", MAX_UNIT_HITS)
    if "illion" in lowered:
        words = []
        for pos in find_all(lowered, "illion", MAX_UNIT_HITS):
            unit = pos - 2 if lowered.startswith("trillion", pos - 2) else pos - 1
            if unit < 1 or lowered[unit] not in "bmt":
                continue
            digit = unit - 1 if lowered[unit - 1] in " -" else unit
            if digit >= 1 and marks[digit - 1] == "0":  # a digit right before
                words.append(digit - 1)
        if words:
            hits = sorted(set(hits).union(words))
    return hits


def _iter_spans(text: str, hits: list[int]):
    """The sizes written in `text` (`_size_span`), in order, found from their unit hits."""
    last_end = -1
    for pos in hits:
        if pos < last_end:
            continue
        start = _number_start(text, pos)
        if start and _inside_word(text, start):
            last_end = pos + 2
            continue  # part of a word or a model name ('Qwen3-30B-A3B'): not a statement
        span = _size_span(text, start) or _size_span(text, pos)
        if span is not None and span.end > pos:
            last_end = span.end
            yield span


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
    """Every size stated in `text`, each classified (declared or not, total or active).

    One loop does what `_iter_spans` does and classifies each size as it goes, because a
    card has dozens of sizes and the per-size cost is what makes a long card slow.
    """
    mentions: list[_Mention] = []
    number_chars = _NUMBER_CHARS
    blockers = _LEFT_BLOCKERS
    room = MAX_MENTIONS
    last_end = -1
    for pos in hits:
        if pos < last_end:
            continue
        # The common case of `_number_start` inline: plain digits, no '8x' prefix.
        start = pos
        while start and text[start - 1] in number_chars and pos - start < 8:
            start -= 1
        if start:
            before = text[start - 1]
            if before in _X_SIGNS or (before == " " and start > 1 and text[start - 2] in _X_SIGNS):
                start = _number_start(text, pos)
                before = text[start - 1] if start else " "
            # `_inside_word`: part of a word, a number, a price, a path or a hyphenated model
            # name ('Qwen3-30B-A3B'), so not a statement.
            if (
                before.isalnum()
                or before in blockers
                or (before == "-" and start > 1 and text[start - 2].isalnum())
            ):
                last_end = pos + 2
                continue
        span = _size_span(text, start) or _size_span(text, pos)
        if span is None or span.end <= pos:
            continue
        last_end = span.end
        mention = _mention_from_span(span)
        if mention is None:
            continue
        mentions.append(mention)
        end = mention.end
        # A size can be a declaration only with one of these words near it.
        before_words = contains_any(lowered, _BEFORE_TRIGGERS, mention.start - 80, mention.start)
        if before_words or contains_any(lowered, _TRIGGER_SUBSTRINGS, end, end + 70):
            _classify(text, lowered, mention, before_words)
        room -= 1
        if not room:
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


def _params_from_variants(variants: list[ParamVariant], experts: int | None) -> Params:
    if len(variants) == 1:
        only = variants[0]
        return Params(only.total, only.active, list(variants), experts=experts)
    ordered = sorted(variants, key=lambda v: v.total or v.active or 0.0)
    return Params(None, None, ordered, experts=experts)


# ---------------------------------------------------------------------------------------------
# Combining sources

# A declared count belongs to the repo named X when it is X or a more precise figure near it
# (7B -> 7.61B; 2B -> 2.61B); sizes further apart describe other members of the family.
_MATCH_LOW = 1 / 1.15
_MATCH_HIGH = 1.35


def _name_words(name: str) -> set[str]:
    return {word.lower() for word in _NAME_SPLIT.split(name) if len(word) > 2}


def _pick_variant(variants: list[ParamVariant], named: Params, name: str) -> ParamVariant | None:
    """The declared variant that this repo's name points at, or None when none fits."""
    target_total, target_active = named.total, named.active
    candidates = []
    for variant in variants:
        if target_total and variant.total:
            ratio = variant.total / target_total
        elif target_active and variant.active:
            ratio = variant.active / target_active
        else:
            continue
        if _MATCH_LOW <= ratio <= _MATCH_HIGH:
            overlap = len(_name_words(variant.hint) & _name_words(name)) if variant.hint else 0
            candidates.append((-overlap, -variant.precision, abs(math.log(ratio)), variant))
    if not candidates:
        return None
    candidates.sort(key=lambda item: item[:3])
    return candidates[0][3]


def _merge_declared(parts: list[_Declared]) -> Params | None:
    """One answer from what the card and the text declare (evidence is left to the caller)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0].params
    variants = _dedupe_variants([v for part in parts for v in part.params.variants])
    experts = next((part.params.experts for part in parts if part.params.experts), None)
    merged = _params_from_variants(variants, experts)
    merged.method = "declared"
    return merged


def best_params(
    model_info: dict | None = None,
    card: str | None = None,
    text: str | None = None,
    name: str | None = None,
    source: str = "",
) -> Params | None:
    """The best-supported size: weights > declared (card, text) > name, pieces combined."""
    try:
        return _best_params(model_info, card, text, name, source)
    except Exception:  # noqa: BLE001 - an extractor bug must not lose the whole record
        return None


def _best_params(
    model_info: dict | None, card: str | None, text: str | None, name: str | None, source: str
) -> Params | None:
    name = name if isinstance(name, str) else ""
    if not name and isinstance(model_info, dict) and isinstance(model_info.get("id"), str):
        name = model_info["id"]
    weights = params_from_weights(model_info, source) if isinstance(model_info, dict) else None
    parts = [
        part
        for part in (_declared_from_text(card, source), _declared_from_text(text, source))
        if part is not None
    ]
    declared = _merge_declared(parts)
    named = params_from_name(name, source) if name else None
    # A family card's sizes are narrowed to the one the repo name states; a title read as its
    # own name ('Kimi K2 (1T total, 32B active)') states its sizes itself.
    own_title = not card and text == name
    if declared is not None and named is not None and name and not own_title:
        declared = _declared_for_name(declared, named, name)
    if declared is not None and not declared.evidence:
        # Not narrowed to one size: every statement of the card, then of the text.
        declared.evidence = [item for part in parts for item in part.evidence()][:MAX_EVIDENCE]
    if weights is not None:
        return _with_weights(weights, declared, named)
    if declared is not None:
        return _fill_from_name(declared, named)
    return named


def _declared_for_name(declared: Params, named: Params, name: str) -> Params | None:
    """Narrow a family card's declared sizes to the one this repo's name states."""
    if named.total is None and named.active is None:
        return declared  # the name gives no size to choose by ('Phi-3-mini', 'gemma-3n-E2B')
    chosen = _pick_variant(declared.variants, named, name)
    if chosen is None:
        # The card talks about other models (a distill's card describing its teacher).
        return None
    narrowed = Params(chosen.total, chosen.active, [chosen], "declared", declared.experts)
    # Evidence for this size only: the card's statements about its siblings are not this
    # model's.
    narrowed.evidence = _variants_evidence([chosen])
    return narrowed


def _fill_from_name(declared: Params, named: Params | None) -> Params:
    if named is None:
        return declared
    if declared.active is None and declared.total is not None and named.active is not None:
        declared.active = named.active
        declared.evidence = (declared.evidence + named.evidence)[:MAX_EVIDENCE]
    if declared.experts is None:
        declared.experts = named.experts
    return declared


def _with_weights(weights: Params, declared: Params | None, named: Params | None) -> Params:
    """Weights give the total; MoE active counts and expert numbers come from card or name."""
    active = None
    experts = None
    extra: list[Evidence] = []
    for other in (declared, named):
        if other is None:
            continue
        single = len(other.variants) <= 1
        if (
            active is None
            and other.active is not None
            and single
            and other.active < (weights.total or 0.0)
        ):
            active = other.active
            extra.extend(other.evidence[:1])
        experts = experts or other.experts
    label = weights.variants[0].label
    if named is not None and named.variants and _close(named.total, weights.total, 1.6):
        label = named.variants[0].label
    variant = ParamVariant(label, weights.total, active, precision=12)
    evidence = (weights.evidence + extra)[:MAX_EVIDENCE]
    return Params(weights.total, active, [variant], "weights", experts, evidence)


def describe(params: Params | None) -> str:
    """A one-line human summary, for logs and the benchmark."""
    if params is None:
        return "unknown"
    parts = [format_count(params.total) if params.total else "?"]
    if params.active:
        parts.append(f"active {format_count(params.active)}")
    return " ".join(parts) + f" ({params.method})"
