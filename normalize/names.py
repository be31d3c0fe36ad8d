"""Repo ids → family, size and flavour; candidate display names in the site's style.

`google/gemma-3-27b-it` is family "Gemma 3", size "27B", flavour instruct. The family key
(`gemma-3`) groups the repos of one release: sizes, -it/-pt flavours and same-org
quantizations. Version suffixes (`v0.3`) and date codes (`2501`, `0528`) are part of the
key because vendors use them for distinct releases; context lengths (`128k`) and file
formats (`GGUF`, `4bit`) are not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from normalize.vendors import VENDORS

_SIZE = re.compile(r"^(?:\d+x)?\d+(?:\.\d+)?[mbt]$", re.I)  # 27b, 1.5B, 135M, 1T, 8x7B
_ACTIVE = re.compile(r"^a\d+(?:\.\d+)?[mb]$", re.I)  # A3B (MoE active), only after a size
_EXPERTS = re.compile(r"^\d+e$", re.I)  # 16E, only after a size
_EFFECTIVE = re.compile(r"^e\d+(?:\.\d+)?[mb]$", re.I)  # Gemma 3n E2B: effective size
_CONTEXT = re.compile(r"^\d+k$", re.I)  # 4k, 128k
_DATE = re.compile(r"^(?:2[3-9](?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])[0-3]\d)$")  # 2501 / 0528
_VERSION = re.compile(r"^v\d+(?:\.\d+)*$", re.I)
_QUANT = re.compile(
    r"^(?:gguf|ggml|awq|gptq|exl2|exl3|mlx|onnx|bnb|qat|hqq|eetq|"
    r"\d+bits?|int[248]|fp[48]|bf16|fp16|f16|f32|nf4|mxfp4|nvfp4|w\d+a\d+|"
    r"q\d(?:_[a-z0-9]+)*|iq\d(?:_[a-z0-9]+)*|dynamic|unsloth|quantized|dwq)$",
    re.I,
)
_FLAVOURS = {
    "it": "instruct",
    "instruct": "instruct",
    "chat": "instruct",
    "hf": None,
    "pt": "base",
    "base": "base",
}
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_(?=\d)")
_LOWER_WORDS = {"mini", "small", "medium", "large", "nano", "micro", "tiny", "flash"}
# Repo names are often lower case; these words are written so by their makers. Display only:
# the family key stays lower case.
_CASED = {
    word.lower(): word
    for word in (
        "GPT", "GLM", "OPT", "MPT", "RWKV", "MoE", "LLM", "VL", "OCR", "TTS", "ASR", "BERT",
        "CLIP", "ViT", "SAM", "DiT", "OSS", "UL2", "R1", "LM", "RM", "SFT", "DPO", "ORPO",
        "PaliGemma", "PaliGemma2", "CodeGemma", "RecurrentGemma", "ShieldGemma", "DataGemma", "EmbeddingGemma",
        "StableLM", "SigLIP", "DeepSeek", "StarCoder", "StarCoder2", "CodeLlama", "TinyLlama",
        "SmolLM", "SmolLM2", "SmolLM3", "SmolVLM", "MiniCPM", "InternLM", "InternVL", "OLMo",
        "OLMoE", "FLAN", "QwQ", "LLaVA", "BLOOM", "BLOOMZ", "CodeT5", "CodeT5p", "WizardLM",
        "WizardCoder", "OpenChat", "MobileLLM", "NeMo", "Nemotron", "ModernBERT", "XLM", "XL",
        "T5Gemma",
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RepoName:
    org: str
    name: str
    family: str  # display, "Gemma 3"
    family_key: str  # grouping key, "gemma-3"
    size_label: str | None  # "27B", "30B-A3B", "17B-16E", "8x7B", "E2B"
    flavour: str | None  # instruct | base | None
    quantized: bool


def split_repo_id(repo_id: str) -> tuple[str, str]:
    org, _, name = (repo_id or "").strip().strip("/").partition("/")
    return (org, name) if name else ("", org)


def _display_token(token: str) -> str:
    low = token.lower()
    if low in _LOWER_WORDS:
        return token.capitalize()
    if low in _CASED and (token.islower() or token.isupper() or token.istitle()):
        return _CASED[low]  # 'gpt' -> 'GPT', 'paligemma' -> 'PaliGemma'; 'GPTQ' is not one
    if token.islower() and token.isalpha():
        return token.capitalize()
    if token[:1].islower() and token.isalnum():
        return token[:1].upper() + token[1:]
    return token


def _size_label(tokens: list[str]) -> str:
    parts = []
    for tok in tokens:
        if _EFFECTIVE.match(tok):
            parts.append("E" + tok[1:].upper())
        elif _ACTIVE.match(tok):
            parts.append("A" + tok[1:].upper())
        elif _EXPERTS.match(tok):
            parts.append(tok.upper())
        else:
            parts.append(tok[:-1] + tok[-1].upper())
    return "-".join(parts)


def _is_size_token(kind: _TokenKind, size_tokens: list[str], follows_size: bool) -> bool:
    """Whether a word of this kind belongs to the name's size label.

    The first size ('27b', '8x7B', 'E2B') starts it; an active count or an expert count may
    follow ('30B-A3B', '17B-16E'); an active count alone is the label when the name states no
    total ('Hunyuan-A13B'); a second plain size right after the first is part of it too:
    encoder and decoder ('t5gemma-9b-2b') or active and total ('OLMoE-1B-7B').
    """
    if not size_tokens:
        return kind.size or kind.effective or kind.active
    if len(size_tokens) >= 3:
        return False
    if kind.active or kind.experts:
        return True
    first = _token_kind(size_tokens[0])
    return (
        follows_size
        and len(size_tokens) == 1
        and kind.size
        and first.size
        and not (kind.experts_size or first.experts_size)
    )


def _without_org_prefix(name: str) -> str:
    """'Qwen_Qwen3-30B-A3B' -> 'Qwen3-30B-A3B': quantizers (bartowski, …) prefix a repo's
    name with its original org and '_'; the prefix is a known org, not part of the family."""
    prefix, sep, rest = name.partition("_")
    if sep and rest and prefix.lower() in VENDORS:
        return rest
    return name


def parse_repo_name(repo_id: str) -> RepoName:
    """Family, size and flavour read from a repo id (or a bare model name)."""
    org, name = split_repo_id(repo_id)
    tokens = [
        part for tok in _TOKEN_SPLIT.split(_without_org_prefix(name)) for part in _word_parts(tok)
    ]
    family_tokens: list[str] = []
    size_tokens: list[str] = []
    keys: list[str] = []  # version and date tokens: in the key, and shown after the family
    flavour = None
    quantized = False
    previous_was_size = False
    for tok in tokens:
        kind = _token_kind(tok)
        if _is_size_token(kind, size_tokens, previous_was_size):
            size_tokens.append(tok)
            previous_was_size = True
            continue
        previous_was_size = False
        if kind.flavour is not None:
            flavour = kind.flavour or flavour
        elif kind.quant:
            quantized = True
        elif kind.context:
            continue
        elif kind.key:
            keys.append(tok.lower())
        else:
            family_tokens.append(tok)
    if not family_tokens:
        family_tokens = [name or org]
    family = " ".join(_display_token(t) for t in family_tokens)
    extra = [k for k in keys if not _VERSION.match(k)]
    if extra:
        family = f"{family} {' '.join(extra)}"
    family_key = "-".join([t.lower() for t in family_tokens] + keys)
    return RepoName(
        org=org,
        name=name,
        family=family,
        family_key=_NOT_KEY.sub("-", family_key).strip("-"),
        size_label=_size_label(size_tokens) if size_tokens else None,
        flavour=flavour,
        quantized=quantized,
    )


_TOKEN_SPLIT = re.compile(r"[-\s]+")
_NOT_KEY = re.compile(r"[^a-z0-9.]+")


@functools.lru_cache(maxsize=16384)
def _word_parts(token: str) -> tuple[str, ...]:
    """Quantization names keep their underscores (Q4_K_M); elsewhere an underscore between
    digits is a decimal point ('Qwen-1_8B', 'internlm2_5', 'MiniCPM-V-2_6') and any other
    separates words."""
    if _QUANT.match(token):
        return (token,) if token else ()
    return tuple(part for part in _DIGIT_UNDERSCORE.sub(".", token).split("_") if part)


@dataclass(frozen=True, slots=True)
class _TokenKind:
    """What one word of a repo name can be; which it is depends on the words before it."""

    size: bool  # '27b', '8x7B', '1.5B'
    experts_size: bool  # '8x7B'
    effective: bool  # 'E2B'
    active: bool  # 'A3B'
    experts: bool  # '16E'
    flavour: str | None  # None: not a flavour word; '' for one that names none ('hf')
    quant: bool
    context: bool  # '128k'
    key: bool  # a version or date code


# Repo names reuse a few thousand words ('Instruct', 'GGUF', '8B'), so each is read once.
@functools.lru_cache(maxsize=16384)
def _token_kind(token: str) -> _TokenKind:
    low = token.lower()
    flavour = (_FLAVOURS[low] or "") if low in _FLAVOURS else None
    return _TokenKind(
        size=bool(_SIZE.match(token)),
        experts_size="x" in low,
        effective=bool(_EFFECTIVE.match(token)),
        active=bool(_ACTIVE.match(token)),
        experts=bool(_EXPERTS.match(token)),
        flavour=flavour,
        quant=bool(_QUANT.match(token)),
        context=bool(_CONTEXT.match(token)),
        key=bool(_DATE.match(token) or _VERSION.match(token)),
    )


def display_name(family: str, size_labels: list[str]) -> str:
    """The site's style: "Gemma 3 27B", "Code Llama 4 (70B & 400B)", or the family alone."""
    labels = list(dict.fromkeys(label for label in size_labels if label))
    if not labels:
        return family
    if len(labels) == 1:
        return f"{family} {labels[0]}"
    return f"{family} ({', '.join(labels[:-1])} & {labels[-1]})"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")[:180] or "unnamed"


def size_label_for(total: float | None) -> str | None:
    """ "14B" for 1.47e10: a size label when the repo name gives none (microsoft/phi-4)."""
    if not total:
        return None
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if total >= scale * 0.95:
            # One decimal: nominal sizes round both ways (Qwen3 32B is 32.8B, Mistral Small
            # 24B is 23.6B), so a rounded guess would often contradict the vendor's name.
            return f"{total / scale:.1f}".removesuffix(".0") + unit
    return None
