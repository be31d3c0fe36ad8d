"""Sizes stated in a repo id or a title: "Qwen3-30B-A3B", "Mixtral-8x7B", "gemma-3n-E2B".

A name is split into words and each word read on its own (a size, an active size, an expert
count, an effective size); the words together give the total, the active count and the
variants. Names repeat across a crawl, so words and names are read once (cached).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from normalize.evidence import Evidence, make_evidence
from normalize.params.counts import (
    MAX_NAME_CHARS,
    VERSION,
    Params,
    ParamVariant,
    _label,
    _precision,
    _scaled,
)

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
