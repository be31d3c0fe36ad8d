"""Offers: who serves a model, under which id, with what context window, as a catalog
record says (an OpenRouter model, a LiteLLM price-map entry, a models.dev provider model).

This module owns the reading of a record's offer identity and its context window; what the
offer costs is `normalize.pricing_records`', its dates `normalize.lifecycle`'s.

- provider: LiteLLM's `litellm_provider`; models.dev's provider key; OpenRouter's is
  "openrouter". OpenRouter resells every model it lists under its own price, so the one
  who bills the user is OpenRouter: the vendor prefix of its ids (`qwen/qwen3-8b`) is the
  model's author, not the offer's provider.
- model_id: the id the provider's API takes: OpenRouter's `id`; the models.dev model key;
  the LiteLLM key without its `<provider>/` prefix (`deepinfra/google/gemma-3-27b-it` →
  `google/gemma-3-27b-it`). `catalog_model_id` is the id in the catalog itself.
- context_window: tokens, or None when unstated: OpenRouter `context_length`, models.dev
  `limit.context`, LiteLLM `max_input_tokens` (else its `max_tokens`, as its schema says).
"""

from __future__ import annotations

MAX_CONTEXT = 1_000_000_000  # tokens; larger is a typo or junk, not a context window
OPENROUTER = "openrouter"


def _text(value: object, limit: int = 300) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def tokens(value: object) -> int | None:
    """A positive token count, or None (booleans, strings and junk are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value <= 0 or value > MAX_CONTEXT or int(value) != value:
        return None
    return int(value)


def offer_facts(record: dict, catalog: str) -> tuple[dict, list[str]]:
    """({catalog, provider, model_id, catalog_model_id, context_window}, snippet parts) of
    one catalog record as `spiders.openrouter.models_of` yields it."""
    catalog_id = _text(record.get("id")) or ""
    if catalog == "litellm":
        provider = _text(record.get("litellm_provider"), 100)
        prefix = f"{provider}/".lower() if provider else None
        model_id = (
            catalog_id[len(prefix) :]
            if prefix and catalog_id.lower().startswith(prefix)
            else catalog_id
        )
        window, parts = _litellm_window(record)
    elif catalog == "models.dev":
        provider = _text(record.get("_provider"), 100)
        model_id = _text(record.get("_model")) or catalog_id
        limit = record.get("limit") if isinstance(record.get("limit"), dict) else {}
        window = tokens(limit.get("context"))
        parts = [f"limit.context={limit['context']!s:.20}"] if "context" in limit else []
    else:
        provider, model_id = OPENROUTER, catalog_id
        window = tokens(record.get("context_length"))
        parts = (
            [f"context_length={record['context_length']!s:.20}"]
            if "context_length" in record
            else []
        )
    facts = {
        "catalog": catalog,
        "provider": provider.lower() if provider else None,
        "model_id": model_id or catalog_id,
        "catalog_model_id": catalog_id,
        "context_window": window,
    }
    return facts, parts


def _litellm_window(record: dict) -> tuple[int | None, list[str]]:
    for key in ("max_input_tokens", "max_tokens"):
        window = tokens(record.get(key))
        if window is not None:
            return window, [f"{key}={record[key]}"]
    return None, []
