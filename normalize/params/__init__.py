"""Parameter counts: how big a model is, read from its weights, its card, or its name.

This package owns three readers and the rule that combines them:

- `params_from_weights`: the Hub's `safetensors` / `gguf` totals (exact, unless quantized
  tensors are packed, in which case the sum is not a parameter count and is refused);
- `params_from_text`: statements in model cards and announcements ("30.5B in total and 3.3B
  activated", "available in 1B, 4B, 12B and 27B sizes", a table with a Params column);
- `params_from_name`: repo ids and titles ("Qwen3-30B-A3B", "Mixtral-8x7B", "SmolLM2-135M");
- `best_params`: weights > declared > name, keeping the pieces each source is good at.

One module per job: `counts` (the result types, reading and formatting a count), `names`
(sizes in repo ids and titles), `weights` (the Hub's totals), `prose` (sizes in running text
and whether each is a declaration), `tables` (Markdown and HTML tables with a Params column),
`merge` (variants from statements, and the answer from every source).

Counts are plain numbers of parameters (2.7e10, never 27). Nothing here does I/O or raises on
hostile input: unreadable input gives `None`.
"""

from normalize.params.counts import (
    MAX_COUNT,
    MAX_EVIDENCE,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MIN_COUNT,
    VERSION,
    Params,
    ParamVariant,
    describe,
    format_count,
    parse_param_count,
)
from normalize.params.merge import best_params, params_from_text
from normalize.params.names import params_from_name
from normalize.params.weights import params_from_weights

__all__ = [
    "MAX_COUNT",
    "MAX_EVIDENCE",
    "MAX_NAME_CHARS",
    "MAX_TEXT_CHARS",
    "MIN_COUNT",
    "VERSION",
    "ParamVariant",
    "Params",
    "best_params",
    "describe",
    "format_count",
    "params_from_name",
    "params_from_text",
    "params_from_weights",
    "parse_param_count",
]
