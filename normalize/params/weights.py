"""The Hub's exact parameter totals (`safetensors`, `gguf` in `/api/models` objects).

A total is a parameter count unless packed quantized tensors (integer dtypes) make up more
than a small share of it; then it is refused rather than reported wrong.
"""

from __future__ import annotations

import math

from normalize.evidence import make_evidence
from normalize.params.counts import MIN_COUNT, VERSION, Params, ParamVariant, format_count

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
