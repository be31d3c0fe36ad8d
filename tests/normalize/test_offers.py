"""Offers, lifecycle dates and the pricing line, read from real catalog records (OpenRouter
`/api/v1/models` entries, LiteLLM price-map entries, models.dev provider models) in the
shape `spiders.openrouter.models_of` yields them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from normalize.draft import pricing_line
from normalize.lifecycle import lifecycle_from_record, listing_time, stage, stated_date
from normalize.offers import offer_facts
from store.prices import price_row
from tests.conftest import FIXTURES

READ_AT = datetime(2025, 8, 1, tzinfo=UTC)


def litellm(key: str, **entry) -> dict:
    return {**entry, "id": key, "_catalog": "litellm", "_model": key}


def models_dev(provider: str, model: str, **entry) -> dict:
    return {
        **entry,
        "id": f"{provider}/{model}",
        "_catalog": "models.dev",
        "_provider": provider,
        "_model": model,
    }


DEEPINFRA_GEMMA = litellm(
    "deepinfra/google/gemma-3-27b-it",
    input_cost_per_token=9e-08,
    output_cost_per_token=1.7e-07,
    litellm_provider="deepinfra",
    max_input_tokens=131072,
    max_output_tokens=131072,
    max_tokens=131072,
    mode="chat",
)
GPT_4O = litellm(
    "gpt-4o",
    cache_read_input_token_cost=1.25e-06,
    input_cost_per_token=2.5e-06,
    input_cost_per_token_batches=1.25e-06,
    litellm_provider="openai",
    max_input_tokens=128000,
    max_output_tokens=16384,
    max_tokens=16384,
    mode="chat",
    output_cost_per_token=1e-05,
    output_cost_per_token_batches=5e-06,
)
GPT_35_0613 = litellm(
    "gpt-3.5-turbo-0613",
    deprecation_date="2024-06-13",
    input_cost_per_token=1.5e-06,
    litellm_provider="openai",
    mode="chat",
    output_cost_per_token=2e-06,
)
WHISPER = litellm(
    "whisper-1",
    input_cost_per_second=0.0001,
    output_cost_per_second=0.0001,
    litellm_provider="openai",
    mode="audio_transcription",
)
GROQ_SCOUT = models_dev(
    "groq",
    "meta-llama/llama-4-scout-17b-16e-instruct",
    name="Llama 4 Scout 17B",
    knowledge="2024-08",
    release_date="2025-04-05",
    last_updated="2025-04-05",
    open_weights=True,
    cost={"input": 0.11, "output": 0.34},
    limit={"context": 131072, "output": 8192},
)
CLAUDE_SONNET_45 = models_dev(
    "anthropic",
    "claude-sonnet-4-5",
    name="Claude Sonnet 4.5",
    knowledge="2025-07",
    release_date="2025-09-29",
    last_updated="2025-09-29",
    open_weights=False,
    cost={
        "input": 3,
        "output": 15,
        "cache_read": 0.3,
        "cache_write": 3.75,
        "context_over_200k": {"input": 6, "output": 22.5, "cache_read": 0.6, "cache_write": 7.5},
    },
    limit={"context": 200000, "output": 64000},
)
GEMINI_15_FLASH = models_dev(
    "google",
    "gemini-1.5-flash",
    name="Gemini 1.5 Flash",
    knowledge="2024-04",
    release_date="2024-05-14",
    last_updated="2024-05-14",
    cost={"input": 0.075, "output": 0.3, "cache_read": 0.01875},
    limit={"context": 1000000, "output": 8192},
    status="deprecated",
)
# OpenRouter's Qwen3 8B entry as its /api/v1/models serves it (the replay fixture).
OPENROUTER_QWEN = json.loads((FIXTURES / "web/static/api/v1/models").read_text())["data"][0]

# (record, catalog, provider, model_id, catalog_model_id, context_window)
OFFERS = [
    (DEEPINFRA_GEMMA, "litellm", "deepinfra", "google/gemma-3-27b-it",
     "deepinfra/google/gemma-3-27b-it", 131072),
    (GPT_4O, "litellm", "openai", "gpt-4o", "gpt-4o", 128000),
    # max_tokens stands in for max_input_tokens, as LiteLLM's schema says
    (litellm("groq/llama-3.1-8b-instant", litellm_provider="groq", max_tokens=8192,
             input_cost_per_token=5e-08), "litellm", "groq", "llama-3.1-8b-instant",
     "groq/llama-3.1-8b-instant", 8192),
    # a schema text where a number belongs is no context window
    (litellm("x/y", litellm_provider="x", max_input_tokens="max input tokens"), "litellm", "x",
     "y", "x/y", None),
    (WHISPER, "litellm", "openai", "whisper-1", "whisper-1", None),
    (GROQ_SCOUT, "models.dev", "groq", "meta-llama/llama-4-scout-17b-16e-instruct",
     "groq/meta-llama/llama-4-scout-17b-16e-instruct", 131072),
    (CLAUDE_SONNET_45, "models.dev", "anthropic", "claude-sonnet-4-5",
     "anthropic/claude-sonnet-4-5", 200000),
    (OPENROUTER_QWEN, "openrouter", "openrouter", "qwen/qwen3-8b", "qwen/qwen3-8b", 131072),
    ({**OPENROUTER_QWEN, "context_length": None}, "openrouter", "openrouter", "qwen/qwen3-8b",
     "qwen/qwen3-8b", None),
    ({**OPENROUTER_QWEN, "context_length": True}, "openrouter", "openrouter", "qwen/qwen3-8b",
     "qwen/qwen3-8b", None),
]  # fmt: skip


@pytest.mark.parametrize(("record", "catalog", "provider", "model", "catalog_id", "window"), OFFERS)
def test_offer_facts(record, catalog, provider, model, catalog_id, window):
    facts, _ = offer_facts(record, catalog)
    assert facts == {
        "catalog": catalog,
        "provider": provider,
        "model_id": model,
        "catalog_model_id": catalog_id,
        "context_window": window,
    }


# (record, catalog, expected facts; None: the record states no date)
LIFECYCLE = [
    (GPT_35_0613, "litellm", {"deprecated_at": "2024-06-13", "status": "deprecated"}),
    (GPT_4O, "litellm", None),
    # not a date: no deprecation at all
    ({**GPT_35_0613, "deprecation_date": "2024-13-01"}, "litellm", None),
    ({**GPT_35_0613, "deprecation_date": "soon"}, "litellm", None),
    (CLAUDE_SONNET_45, "models.dev", {"released_at": "2025-09-29", "knowledge_cutoff": "2025-07"}),
    (GROQ_SCOUT, "models.dev", {"released_at": "2025-04-05", "knowledge_cutoff": "2024-08"}),
    # a month is kept a month
    ({**GROQ_SCOUT, "release_date": "2025-04", "knowledge": None}, "models.dev",
     {"released_at": "2025-04"}),
    # deprecated: dated by the entry's last update
    (GEMINI_15_FLASH, "models.dev", {"released_at": "2024-05-14", "knowledge_cutoff": "2024-04",
                                     "deprecated_at": "2024-05-14", "status": "deprecated"}),
    ({**GROQ_SCOUT, "status": "beta"}, "models.dev",
     {"released_at": "2025-04-05", "knowledge_cutoff": "2024-08"}),
    (OPENROUTER_QWEN, "openrouter", {"listed_at": "2025-04-28T21:43:52+00:00"}),
    ({**OPENROUTER_QWEN, "created": 0}, "openrouter", None),  # 1970
    ({**OPENROUTER_QWEN, "created": 725846400}, "openrouter", None),  # 1993
    ({**OPENROUTER_QWEN, "created": 1893456000}, "openrouter", None),  # 2030: not yet read
    ({**OPENROUTER_QWEN, "created": "1745876632"}, "openrouter", None),
    ({**OPENROUTER_QWEN, "created": 1e30}, "openrouter", None),
]  # fmt: skip


@pytest.mark.parametrize(("record", "catalog", "expected"), LIFECYCLE)
def test_lifecycle_from_record(record, catalog, expected):
    facts = lifecycle_from_record(record, catalog, READ_AT, source="https://catalog.test/")
    if expected is None:
        assert facts is None
        return
    evidence = facts.pop("evidence")
    stated = {k: v for k, v in facts.items() if v is not None}
    assert stated == expected
    assert evidence["source"] == "https://catalog.test/"
    assert evidence["extractor"] == f"lifecycle.{catalog.replace('.', '_')}"
    # every value is in the snippet it was read from
    for value in expected.values():
        if value != "deprecated" and catalog != "openrouter":
            assert value in evidence["snippet"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-05", "2025-04-05"),
        ("2025-04", "2025-04"),
        ("2025-04-05T10:00:00Z", "2025-04-05"),
        ("1999-12-31", None),
        ("2025-02-30", None),
        ("2025", None),
        (20250405, None),
        ("", None),
    ],
)
def test_stated_date(text, expected):
    assert stated_date(text) == expected


def test_a_listing_read_before_it_happened_is_no_listing():
    assert listing_time(1745876632, datetime(2025, 4, 1, tzinfo=UTC)) is None
    assert listing_time(1745876632, datetime(2025, 4, 28, 12, tzinfo=UTC)) is not None  # a day


@pytest.mark.parametrize(
    ("weights", "offers", "deprecated", "retired", "expected"),
    [
        (False, False, False, False, "announced"),
        (True, False, False, False, "available"),
        (False, True, False, False, "available"),
        (True, True, True, False, "deprecated"),
        (False, True, True, True, "retired"),
    ],
)
def test_stage(weights, offers, deprecated, retired, expected):
    assert stage(weights, offers, deprecated, retired) == expected


def offer(provider: str, input_: float | None, output: float | None, tier: str = "paid") -> dict:
    return {
        "catalog": "litellm",
        "provider": provider,
        "tier": tier,
        "input_usd_per_mtok": input_,
        "output_usd_per_mtok": output,
    }


PAID = {"tier": "paid", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.4}
# (open weights, offers, the line)
LINES = [
    (True, [offer("deepinfra", 0.1, 0.3), offer("groq", 0.11, 0.34), offer("openrouter", 0.12, 0.4)],
     "Free (open weights, self-hosted) / API from $0.10 per 1M input tokens (3 providers)"),
    # two entries of one provider are one provider
    (True, [offer("openrouter", 0.09, 0.17), offer("openrouter", 0.2, 0.5)],
     "Free (open weights, self-hosted) / API from $0.09 per 1M input / $0.17 per 1M output "
     "tokens via OpenRouter"),
    # a free offer or one without an input price is no "from" price
    (True, [offer("openrouter", 0.0, 0.0, "free"), offer("deepinfra", None, 0.4)],
     "Free (open weights, self-hosted) / API from $0.10 per 1M input / $0.40 per 1M output "
     "tokens"),
    (False, [offer("openrouter", 0.1, 0.4), offer("google", 0.1, 0.4)],
     "API from $0.10 per 1M input tokens (2 providers)"),
    (False, [offer("deepinfra", 0.23, 0.4)], "$0.23 per 1M input / $0.40 per 1M output tokens via DeepInfra"),
    (True, [], "Free (open weights, self-hosted) / API from $0.10 per 1M input / $0.40 per 1M "
     "output tokens"),
]  # fmt: skip


@pytest.mark.parametrize(("open_weights", "offers", "line"), LINES)
def test_pricing_line_from_offers(open_weights, offers, line):
    assert pricing_line(open_weights, PAID, None, offers) == line


# (record, the offer and lifecycle a stored price carries)
ROWS = [
    (GPT_35_0613, {"provider": "openai", "model_id": "gpt-3.5-turbo-0613"},
     {"deprecated_at": "2024-06-13"}),
    (GEMINI_15_FLASH, {"provider": "google", "context_window": 1000000},
     {"deprecated_at": "2024-05-14", "status": "deprecated"}),
    (DEEPINFRA_GEMMA, {"provider": "deepinfra", "context_window": 131072}, None),
]  # fmt: skip


@pytest.mark.parametrize(("record", "offer_", "dates"), ROWS)
def test_a_price_row_carries_its_offer_and_dates(record, offer_, dates):
    row = price_row("pricing:test", "https://catalog.test/prices.json", record)
    assert {k: row["pricing"]["offer"][k] for k in offer_} == offer_
    lifecycle = row["pricing"]["lifecycle"]
    if dates is None:
        assert lifecycle is None
    else:
        assert {k: lifecycle[k] for k in dates} == dates
    window = row["pricing"]["offer"]["context_window"]
    assert window is None or str(window) in row["snippet"]  # its evidence


# (record as spiders.openrouter.models_of yields it, the tier of its row; None: no row)
UNPRICED = [
    ({"id": "together_ai/Qwen/Qwen3-32B", "_catalog": "litellm", "_model": "together_ai/Qwen/Qwen3-32B",
      "litellm_provider": "together_ai", "mode": "chat"}, "unknown"),
    ({"id": "deepinfra/Qwen/Qwen3-32B", "_catalog": "models.dev", "_provider": "deepinfra",
      "_model": "Qwen/Qwen3-32B", "limit": {"context": 40960}}, "unknown"),
    # names no Hub repo: nothing to join it to
    ({"id": "together_ai/qwen3-32b", "_catalog": "litellm", "_model": "together_ai/qwen3-32b",
      "litellm_provider": "together_ai", "mode": "chat"}, None),
    # OpenRouter always states `pricing`: a model without it is a broken record
    ({"id": "qwen/qwen3-32b", "hugging_face_id": "Qwen/Qwen3-32B", "context_length": 40960}, None),
]  # fmt: skip


@pytest.mark.parametrize(("record", "tier"), UNPRICED)
def test_an_entry_stating_no_price_is_an_offer_of_unknown_price_where_its_format_allows(
    record, tier
):
    row = price_row("pricing:test", "https://catalog.test/prices.json", record)
    if tier is None:
        assert row is None
        return
    pricing = row["pricing"]
    assert pricing["tier"] == tier
    assert pricing["input_usd_per_mtok"] is None and pricing["output_usd_per_mtok"] is None
    assert "no price stated" in row["snippet"] and row["hf_key"] == "qwen/qwen3-32b"
