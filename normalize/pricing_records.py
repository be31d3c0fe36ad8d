"""Prices from a catalog's structured record: an OpenRouter model object, a LiteLLM price-map
entry, a models.dev model, a Hugging Face inference-router model, or a plan record.

This module owns how each catalog's keys map onto the price model. The key names themselves
(OpenRouter `pricing` keys, LiteLLM `*_cost_per_<unit>` keys, models.dev `cost` keys) are data,
in `normalize/data/price_units.toml` via `normalize.price_units`.

A record describes one offer: any price above zero, per token or per any other unit (an image,
a second, a character, a request), makes that offer paid, whatever the model's weights are.
All-zero is free, or open weights where the record says it runs on the user's own hardware.
"""

from __future__ import annotations

import json
import tomllib

from normalize.evidence import make_evidence
from normalize.price_units import (
    LITELLM_COST_KEY,
    LITELLM_KEYS,
    LITELLM_UNIT,
    MODELS_DEV_FIELDS,
    MODELS_DEV_TIERS,
    OPENROUTER_KEYS,
    TOKEN,
    tier_threshold,
)
from normalize.pricing_model import (
    FREE,
    MAX_PRICE,
    PAID,
    UNKNOWN,
    VERSION,
    PriceTier,
    Pricing,
    UnitPrice,
    decimal_price,
    scaled,
    tier_for,
)

MILLION = 1_000_000
MAX_RECORD_KEYS = 400
MAX_SNIPPET_PARTS = 12
MAX_STRING_RECORD = 200_000

# LiteLLM providers that run the model on the user's own hardware: a zero price there means
# self-hosted, not a free tier.
_SELF_HOSTED_PROVIDERS = frozenset(
    {"ollama", "ollama_chat", "vllm", "hosted_vllm", "lm_studio", "llamafile", "xinference"}
    | {"triton", "openai_like_local", "llamacpp", "local"}
)
_SUBSCRIPTION_KEYS = ("subscription_usd_per_month", "price_per_month", "monthly_price_usd")


def pricing_from_record(record: object, source: str = "") -> Pricing | None:
    """Prices from a provider record: OpenRouter, LiteLLM, models.dev or the HF router."""
    try:
        return _pricing_from_record(record, source)
    except Exception:  # noqa: BLE001 - a hostile record must not stop the run
        return None


# Catalogs whose format lets an entry leave its price out (LiteLLM's price map lists models
# with only `litellm_provider` and `mode`; a models.dev model may have no `cost`). An
# OpenRouter model always has `pricing`: one without is a broken record, not an offer.
PRICE_OPTIONAL = frozenset({"litellm", "models.dev"})


def unstated_pricing(record_id: str, source: str, catalog: str, extractor: str) -> Pricing | None:
    """The price of a catalog entry that lists a model but states no price for it: unknown,
    every price null — never 0, which would read as free. The entry still says who serves
    the model. None for a catalog whose entries always state a price."""
    if catalog not in PRICE_OPTIONAL:
        return None
    snippet = f"{record_id} (no price stated)".strip()
    return Pricing(UNKNOWN, None, None, None, [make_evidence(source, snippet, extractor, VERSION)])


def record_from_string(text: str) -> dict | None:
    """A catalog record passed as text: a JSON object, or a models.dev model file (TOML with
    a `[cost]` table). None for anything else (prose is read by the text reader)."""
    if len(text) > MAX_STRING_RECORD:
        return None
    stripped = text.strip()
    try:
        if stripped.startswith("{") and stripped.endswith("}"):
            value = json.loads(stripped)
        elif "[cost]" in stripped:
            value = tomllib.loads(stripped)
        else:
            return None
    except (ValueError, tomllib.TOMLDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _pricing_from_record(record: object, source: str) -> Pricing | None:
    if not isinstance(record, dict):
        return None
    record = _unwrap(record)
    if isinstance(record.get("providers"), list):
        return _from_hf_router(record, source)
    if isinstance(record.get("pricing"), dict):
        return _from_openrouter(record, source)
    if _is_litellm(record):
        return _from_litellm(record, source)
    if isinstance(record.get("cost"), dict):
        return _from_models_dev(record, source)
    return _from_subscription(record, source)


def _is_litellm(record: dict) -> bool:
    return any(
        isinstance(key, str) and (key in LITELLM_KEYS or LITELLM_COST_KEY.match(key))
        for key in list(record)[:MAX_RECORD_KEYS]
    )


def _single_model(mapping: object) -> dict | None:
    """The one model of a map of models (LiteLLM's price map, models.dev's `models`), with its
    key as its id; None unless the map holds exactly one (its schema entry aside)."""
    if not isinstance(mapping, dict):
        return None
    entries = [(k, v) for k, v in mapping.items() if k != "sample_spec" and isinstance(v, dict)]
    if len(entries) != 1 or len(entries) != len(mapping) - ("sample_spec" in mapping):
        return None
    key, value = entries[0]
    return {"id": key, **value} if "id" not in value else value


def _unwrap(record: dict) -> dict:
    """A list envelope ({"data": [model]}), a one-entry LiteLLM map ({"gpt-4o": {...}}) or a
    models.dev provider with one model ({id, models: {id: {...}}}) is that model."""
    data = record.get("data")
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        return data[0]
    if isinstance(record.get("models"), dict):
        model = _single_model(record["models"])
        return model if model is not None else record
    single = _single_model(record)
    if single is not None and (_is_litellm(single) or isinstance(single.get("cost"), dict)):
        return single
    if single is not None and isinstance(single.get("models"), dict):
        return _single_model(single["models"]) or record
    return record


def _record_id(record: dict) -> str:
    for key in ("id", "model", "name", "key"):
        value = record.get(key)
        if isinstance(value, str):
            return value[:200]
    return ""


def _snippet(record_id: str, parts: list[str], unit_note: str) -> str:
    shown = " ".join(parts[:MAX_SNIPPET_PARTS])
    return f"{record_id} {shown} ({unit_note})".strip()


def _unit_prices(prices: list[UnitPrice]) -> list[float | None]:
    return [unit.usd for unit in prices]


def _from_openrouter(record: dict, source: str) -> Pricing | None:
    pricing = record["pricing"]
    model_id = _record_id(record)
    fields: dict[str, float | None] = {}
    units: list[UnitPrice] = []
    parts: list[str] = []
    for key, spec in OPENROUTER_KEYS.items():
        raw = pricing.get(key)
        if raw is None:
            continue
        parts.append(f"pricing.{key}={raw!s:.30}")
        if spec.field is not None:
            fields[spec.field] = scaled(raw, MILLION)
        elif spec.unit != TOKEN:
            usd = scaled(raw, 1)
            if usd:
                units.append(UnitPrice(spec.unit, spec.direction, usd))
    evidence = [
        make_evidence(
            source or "openrouter",
            _snippet(model_id, parts, "USD per token; per unit for request, image, web_search"),
            "pricing.openrouter",
            VERSION,
        )
    ]
    input_m, output_m = fields.get("input"), fields.get("output")
    if model_id.endswith(":free"):
        tier = FREE
    else:
        tier = tier_for([input_m, output_m, *_unit_prices(units)])
    return Pricing(
        tier,
        input_m,
        output_m,
        None,
        evidence,
        cache_read_usd_per_mtok=fields.get("cache_read"),
        cache_write_usd_per_mtok=fields.get("cache_write"),
        units=units,
    )


def _search_cost(value: object) -> float | None:
    """LiteLLM's `search_context_cost_per_query`: a price per search, or one per context size
    (low / medium / high); the lowest is the entry price."""
    if isinstance(value, dict):
        prices = [p for p in (scaled(v, 1) for v in list(value.values())[:10]) if p is not None]
        return min(prices) if prices else None
    return scaled(value, 1)


def _from_litellm(record: dict, source: str) -> Pricing | None:
    fields: dict[str, float | None] = {}
    tiers: dict[int, dict[str, float | None]] = {}
    units: list[UnitPrice] = []
    parts: list[str] = []
    for key, raw in list(record.items())[:MAX_RECORD_KEYS]:
        if not isinstance(key, str):
            continue
        named = LITELLM_KEYS.get(key)
        match = None if named else LITELLM_COST_KEY.match(key)
        if named is None and match is None:
            continue
        if not isinstance(raw, dict):
            parts.append(f"{key}={raw!s:.30}")
        if named == "web_search":
            usd = _search_cost(raw)
            if usd:
                units.append(UnitPrice("web_search", "input", usd))
        elif named is not None:
            fields[named] = scaled(raw, MILLION)
        elif match["offer"]:
            continue  # priority, flex: another service level than the standard offer
        elif LITELLM_UNIT[match["unit"]] == TOKEN:
            value = scaled(raw, MILLION)
            if match["above"]:
                above = int(match["above"]) * (1000 if match["scale"] == "k" else MILLION)
                tiers.setdefault(above, {})[match["direction"]] = value
            else:
                fields[match["direction"]] = value
        elif not match["above"]:
            usd = scaled(raw, 1)
            if usd:
                units.append(UnitPrice(LITELLM_UNIT[match["unit"]], match["direction"], usd))
    provider = record.get("litellm_provider")
    self_hosted = isinstance(provider, str) and provider.lower() in _SELF_HOSTED_PROVIDERS
    parts.append(f"litellm_provider={provider!s:.40}")
    if isinstance(record.get("mode"), str):
        parts.append(f"mode={record['mode']:.30}")
    evidence = [
        make_evidence(
            source or "litellm",
            _snippet(_record_id(record), parts, "USD per token or per the unit the key names"),
            "pricing.litellm",
            VERSION,
        )
    ]
    input_m, output_m = fields.get("input"), fields.get("output")
    batch = [fields.get("batch_input"), fields.get("batch_output")]
    tier = tier_for([input_m, output_m, *batch, *_unit_prices(units)], self_hosted)
    return Pricing(
        tier,
        input_m,
        output_m,
        None,
        evidence,
        cache_read_usd_per_mtok=fields.get("cache_read"),
        cache_write_usd_per_mtok=fields.get("cache_write"),
        batch_input_usd_per_mtok=batch[0],
        batch_output_usd_per_mtok=batch[1],
        tiers=[
            PriceTier(above, prices.get("input"), prices.get("output"))
            for above, prices in sorted(tiers.items())
        ],
        units=units,
    )


def _from_models_dev(record: dict, source: str) -> Pricing | None:
    cost = record["cost"]
    fields = {field: scaled(cost.get(key), 1) for key, field in MODELS_DEV_FIELDS.items()}
    parts = [f"cost.{key}={cost[key]!s:.30}" for key in MODELS_DEV_FIELDS if key in cost]
    tiers = []
    for key in MODELS_DEV_TIERS:
        above, tier_cost = tier_threshold(key), cost.get(key)
        if above is None or not isinstance(tier_cost, dict):
            continue
        tier_in, tier_out = scaled(tier_cost.get("input"), 1), scaled(tier_cost.get("output"), 1)
        if tier_in is not None or tier_out is not None:
            tiers.append(PriceTier(above, tier_in, tier_out))
            parts.append(f"cost.{key}.input={tier_in} cost.{key}.output={tier_out}")
    self_hosted = record.get("open_weights") is True
    evidence = [
        make_evidence(
            source or "models.dev",
            _snippet(_record_id(record), parts, "USD per million tokens"),
            "pricing.models_dev",
            VERSION,
        )
    ]
    input_m, output_m = fields.get("input"), fields.get("output")
    return Pricing(
        tier_for([input_m, output_m], self_hosted),
        input_m,
        output_m,
        None,
        evidence,
        cache_read_usd_per_mtok=fields.get("cache_read"),
        cache_write_usd_per_mtok=fields.get("cache_write"),
        tiers=tiers,
    )


def _from_hf_router(record: dict, source: str) -> Pricing | None:
    """The cheapest live provider's prices (input + output), as the router lists them."""
    best: tuple[float, str, float | None, float | None] | None = None
    for provider in record["providers"][:200]:
        if not isinstance(provider, dict):
            continue
        status = provider.get("status")
        if status is not None and status != "live":
            continue
        pricing = provider.get("pricing")
        if not isinstance(pricing, dict):
            continue
        input_m = scaled(pricing.get("input"), 1)
        output_m = scaled(pricing.get("output"), 1)
        if input_m is None and output_m is None:
            continue
        cost = (input_m or 0.0) + (output_m or 0.0)
        name = provider["provider"] if isinstance(provider.get("provider"), str) else "?"
        if best is None or cost < best[0]:
            best = (cost, name[:60], input_m, output_m)
    if best is None:
        return None
    _, name, input_m, output_m = best
    snippet = (
        f"{_record_id(record)} cheapest live provider {name}: input {input_m} / output "
        f"{output_m} USD per million tokens"
    )
    evidence = [make_evidence(source or "hf-router", snippet, "pricing.hf_router", VERSION)]
    return Pricing(tier_for([input_m, output_m]), input_m, output_m, None, evidence)


def _from_subscription(record: dict, source: str) -> Pricing | None:
    for key in _SUBSCRIPTION_KEYS:
        price = decimal_price(record.get(key))
        if price is not None and float(price) <= MAX_PRICE:
            monthly = float(price)
            snippet = f"{_record_id(record)} {key}={monthly}"
            evidence = [make_evidence(source or "record", snippet, "pricing.record", VERSION)]
            tier = PAID if monthly > 0 else FREE
            return Pricing(tier, None, None, monthly, evidence)
    return None
