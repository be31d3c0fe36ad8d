"""Pricing from provider records (OpenRouter, LiteLLM, models.dev, HF router) and prose."""

import pytest

from normalize.pricing import pricing_from_record, pricing_from_text


def approx(value):
    return None if value is None else pytest.approx(value, rel=1e-3)


# (text, tier, input, output, subscription)
TEXTS = [
    # Priced per another unit than tokens: paid, with no per-token price.
    ("PaLM 2 for Text: $0.0005 / 1K characters", "paid", None, None, None),
    ("Imagen 3: $0.04 per image", "paid", None, None, None),
    ("Whisper: $0.006 per minute", "paid", None, None, None),
    ("Free", "free", None, None, None),
    ("Paid", "paid", None, None, None),
    ("Freemium", "freemium", None, None, None),
    ("$3 / 1M input tokens, $15 / 1M output tokens", "paid", 3.0, 15.0, None),
    ("$0.20 per million tokens", "paid", 0.2, 0.2, None),
    ("$0.0008 per 1K tokens", "paid", 0.8, 0.8, None),
    ("$20/month", "paid", None, None, 20.0),
    # Amounts in USD without '$', in cents, per token; a unit stated once before the prices.
    ("0.5 USD / 1M input tokens, 1.5 USD / 1M output tokens", "paid", 0.5, 1.5, None),
    (
        "USD 0.14 per million input tokens, USD 0.28 per million output tokens",
        "paid",
        0.14,
        0.28,
        None,
    ),
    (
        "15 cents per million input tokens and 60 cents per million output tokens",
        "paid",
        0.15,
        0.6,
        None,
    ),
    ("Prompt: $0.000003 per token; Completion: $0.000015 per token", "paid", 3.0, 15.0, None),
    ("Price per 1M tokens: Input $0.27 | Output $1.10", "paid", 0.27, 1.1, None),
    ("1M tokens: $0.50 input / $1.50 output", "paid", 0.5, 1.5, None),
    # A label followed by ':' heads the next price, not the one before it.
    ("Input: $3.00 / MTok Output: $15.00 / MTok", "paid", 3.0, 15.0, None),
    ("$0.60 / million output tokens; $0.15 / million input tokens", "paid", 0.15, 0.6, None),
    # Another currency: paid, at a price not converted.
    ("¥2 per million input tokens, ¥8 per million output tokens", "paid", None, None, None),
    ("€0.10 per million tokens", "paid", None, None, None),
    # Tier words.
    ("No free tier. $5 per 1M tokens.", "paid", 5.0, 5.0, None),
    ("Pay per use", "paid", None, None, None),
    ("Custom pricing for enterprise", "paid", None, None, None),
    ("Open source", "open-weights", None, None, None),
    ("free tier then pay-as-you-go", "freemium", None, None, None),
    (
        "Free (open weights, self-hosted) / Inference costs vary by provider",
        "open-weights",
        None,
        None,
        None,
    ),
    ("Input: $3 / MTok\nOutput: $15 / MTok", "paid", 3.0, 15.0, None),
    ("Input $0.15/M, Output $0.60/M", "paid", 0.15, 0.6, None),
    ("$2.50 per 1M input tokens and $10.00 per 1M output tokens", "paid", 2.5, 10.0, None),
    ("priced at $0.10/$0.40 per million input/output tokens", "paid", 0.1, 0.4, None),
    (
        "$1.25 / 1M input tokens, $0.125 / 1M cached input tokens, $10 / 1M output tokens",
        "paid",
        1.25,
        10.0,
        None,
    ),
    ("$0.03 per 1K prompt tokens and $0.06 per 1K completion tokens", "paid", 30.0, 60.0, None),
    ("ChatGPT Plus costs $20/month", "paid", None, None, 20.0),
    ("Free plan available; Pro at $20/month", "freemium", None, None, 20.0),
    ("Claude Max: $100 per month", "paid", None, None, 100.0),
    ("GitHub Copilot Business: $19 per user per month", "paid", None, None, 19.0),
    ("$240/year", "paid", None, None, 20.0),
    ("Pay-as-you-go", "paid", None, None, None),
    ("Contact sales", "paid", None, None, None),
    ("Free trial, then $10/month", "paid", None, None, 10.0),
    ("Open weights", "open-weights", None, None, None),
    ("Free to use", "free", None, None, None),
    ("$0 / 1M tokens", "free", 0.0, 0.0, None),
    (
        "| Model | Input | Output |\n|---|---|---|\n| Claude Sonnet 4 | $3 / MTok | $15 / MTok |",
        "paid",
        3.0,
        15.0,
        None,
    ),
    (
        "Prices per 1M tokens\n| Model | Input | Cached input | Output |\n|---|---|---|---|\n"
        "| gpt-4.1 | $2.00 | $0.50 | $8.00 |",
        "paid",
        2.0,
        8.0,
        None,
    ),
    (
        "<table><tr><th>Model</th><th>Input price</th><th>Output price</th></tr>"
        "<tr><td>mistral-small</td><td>$0.1 / M tokens</td><td>$0.3 / M tokens</td></tr></table>",
        "paid",
        0.1,
        0.3,
        None,
    ),
    (
        "Gemini 2.0 Flash has a free tier in the Gemini API, and paid pricing of $0.10 per 1M "
        "input tokens and $0.40 per 1M output tokens.",
        "freemium",
        0.1,
        0.4,
        None,
    ),
    # A bare label after the price ('$0.15/M input'), as provider pages and changelogs write it.
    ("Pricing: $0.15/M input, $0.60/M output", "paid", 0.15, 0.6, None),
    ("$1.10 per million input, $4.40 per million output", "paid", 1.1, 4.4, None),
    # A label that names both directions leaves the price on both.
    ("$0.20 per 1M tokens input and output", "paid", 0.2, 0.2, None),
    # Each price names its direction and one unit after both covers the pair.
    ("$0.4 input / $2 output per M token", "paid", 0.4, 2.0, None),
    ("$0.40 input and $1.60 output per 1M tokens", "paid", 0.4, 1.6, None),
    ("GPT-4.1 mini: $0.40 input / $1.60 output per million tokens", "paid", 0.4, 1.6, None),
    ("$0.10 (input) / $0.40 (output) per million tokens", "paid", 0.1, 0.4, None),
    ("Claude Sonnet 4: $3 input, $15 output per MTok", "paid", 3.0, 15.0, None),
    ("$1.25 input | $10 output /M tok", "paid", 1.25, 10.0, None),
    ("$0.075 prompt / $0.30 completion per 1K tokens", "paid", 75.0, 300.0, None),
    (
        "Pricing: $0.27 input / $1.10 output per M tokens; free tier available",
        "freemium",
        0.27,
        1.1,
        None,
    ),
    # The same units written each time, in the spellings vendors use.
    ("$0.15 per M input tokens, $0.60 per M output tokens", "paid", 0.15, 0.6, None),
    ("$0.15/M tok input, $0.60/M tok output", "paid", 0.15, 0.6, None),
    ("Input $3 per MTok, output $15 per MTok", "paid", 3.0, 15.0, None),
    ("$0.5 per million input tokens and $1.5 per million output tokens", "paid", 0.5, 1.5, None),
    ("$1 per 1M tokens", "paid", 1.0, 1.0, None),
    ("$0.20 / M tokens", "paid", 0.2, 0.2, None),
    # Tables with a row per price and a column per model: the first model's list prices;
    # a cache hit is not the input price, a cache miss is.
    (
        "| MODEL | deepseek-chat | deepseek-reasoner |\n|---|---|---|\n"
        "| 1M INPUT TOKENS (CACHE HIT) | $0.07 | $0.14 |\n"
        "| 1M INPUT TOKENS (CACHE MISS) | $0.27 | $0.55 |\n"
        "| 1M OUTPUT TOKENS | $1.10 | $2.19 |",
        "paid",
        0.27,
        1.1,
        None,
    ),
    (
        "<table><tr><th>Model</th><th>deepseek-chat</th></tr>"
        "<tr><td>1M input tokens (cache hit)</td><td>$0.07</td></tr>"
        "<tr><td>1M input tokens (cache miss)</td><td>$0.27</td></tr>"
        "<tr><td>1M output tokens</td><td>$1.10</td></tr></table>",
        "paid",
        0.27,
        1.1,
        None,
    ),
    # A free plan's column beside a paid one: freemium, at the paid plan's prices.
    (
        "| | Free Tier | Paid Tier, per 1M tokens in USD |\n|---|---|---|\n"
        "| Input price | Free of charge | $0.10 (text / image / video) |\n"
        "| Output price | Free of charge | $0.40 |\n"
        "| Context caching price | Not available | $0.025 |",
        "freemium",
        0.1,
        0.4,
        None,
    ),
    # 'Free' cells are stated zero prices.
    (
        "| Model | Input | Output |\n|---|---|---|\n| Llama 3.1 8B | Free | Free |",
        "free",
        0.0,
        0.0,
        None,
    ),
    # A per-1K-token table; a header naming the currency lets cells be bare numbers.
    (
        "| Model | Input (per 1K tokens) | Output (per 1K tokens) |\n|---|---|---|\n"
        "| gpt-3.5-turbo | $0.0015 | $0.002 |",
        "paid",
        1.5,
        2.0,
        None,
    ),
    (
        "| Model | Input ($/1M tokens) | Output ($/1M tokens) |\n|---|---|---|\n| mistral-large | 2 | 6 |",
        "paid",
        2.0,
        6.0,
        None,
    ),
    # Context-length tiers: the base tier is the price, in a cell, in columns, in prose.
    (
        "| | Paid Tier, per 1M tokens in USD |\n|---|---|\n"
        "| Input price | $1.25, prompts <= 200k tokens $2.50, prompts > 200k tokens |\n"
        "| Output price (including thinking tokens) | $10.00, prompts <= 200k tokens "
        "$15.00, prompts > 200k |",
        "paid",
        1.25,
        10.0,
        None,
    ),
    (
        "| Model | Input (>128K) | Input (≤128K) | Output (>128K) | Output (≤128K) |\n"
        "|---|---|---|---|---|\n| gemini-1.5-pro | $2.50 | $1.25 | $10.00 | $5.00 |",
        "paid",
        1.25,
        5.0,
        None,
    ),
    (
        "Input price: $1.25, prompts <= 128k tokens; $2.50, prompts > 128k tokens. Output "
        "price: $5.00, prompts <= 128k tokens; $10.00, prompts > 128k tokens (per 1M tokens)",
        "paid",
        1.25,
        5.0,
        None,
    ),
    (
        "Input: $3 / MTok (≤ 200K tokens), $6 / MTok (> 200K tokens); Output: $15 / MTok "
        "(≤ 200K tokens), $22.50 / MTok (> 200K tokens)",
        "paid",
        3.0,
        15.0,
        None,
    ),
    # Cache hits and batch prices are never the list price.
    (
        "Input (cache hit): $0.07 / 1M tokens; Input (cache miss): $0.27 / 1M tokens; "
        "Output: $1.10 / 1M tokens",
        "paid",
        0.27,
        1.1,
        None,
    ),
    (
        "$0.07 per 1M input tokens (cache hit), $0.27 per 1M input tokens (cache miss), "
        "$1.10 per 1M output tokens",
        "paid",
        0.27,
        1.1,
        None,
    ),
    (
        "Batch API: $1.25 / 1M input tokens, $5.00 / 1M output tokens. Standard: $2.50 / 1M "
        "input tokens, $10.00 / 1M output tokens.",
        "paid",
        2.5,
        10.0,
        None,
    ),
    (
        "| Model | Batch input | Batch output | Input | Output |\n|---|---|---|---|---|\n"
        "| gpt-4o | $1.25 | $5.00 | $2.50 | $10.00 |",
        "paid",
        2.5,
        10.0,
        None,
    ),
    # 'over 50%' is no context tier: only a token count after 'over' is.
    ("$0.10 / 1M tokens, over 50% cheaper than before", "paid", 0.1, 0.1, None),
]


@pytest.mark.parametrize(("text", "tier", "input_", "output", "subscription"), TEXTS)
def test_pricing_from_text(text, tier, input_, output, subscription):
    result = pricing_from_text(text, "https://example.org/pricing")
    assert result is not None
    assert result.tier == tier
    assert result.input_usd_per_mtok == approx(input_)
    assert result.output_usd_per_mtok == approx(output)
    assert result.subscription_usd_per_month == approx(subscription)
    assert result.evidence[0].extractor == "pricing.text"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Gemma 3 is a family of lightweight open models with a 128K context window.",
        "Feel free to open an issue on GitHub.",
        "The model is released under a royalty-free license.",
        "We raised $1B in funding.",
        "A 27B model trained on 14 trillion tokens.",
    ],
)
def test_pricing_from_text_none(text):
    assert pricing_from_text(text) is None


def test_long_announcement_ignores_tier_words_outside_pricing_sentences():
    text = (
        "Today we release Gemma 3 with open weights for both pre-trained and instruction-tuned "
        "variants. It is free of many limitations of earlier models. " * 5
    )
    assert pricing_from_text(text) is None


# (record, tier, input, output)
RECORDS = [
    (
        {
            "id": "qwen/qwen3-8b",
            "canonical_slug": "qwen/qwen3-8b-04-28",
            "pricing": {"prompt": "0.000000117", "completion": "0.000000455"},
        },
        "paid",
        0.117,
        0.455,
    ),
    (
        {
            "id": "openai/gpt-4",
            "pricing": {"prompt": "0.00003", "completion": "0.00006", "image": "0", "request": "0"},
        },
        "paid",
        30.0,
        60.0,
    ),
    (
        {
            "id": "meta-llama/llama-3.1-8b-instruct",
            "pricing": {"prompt": "0.000000035", "completion": "0.00000005"},
        },
        "paid",
        0.035,
        0.05,
    ),
    (
        {"id": "deepseek/deepseek-r1:free", "pricing": {"prompt": "0", "completion": "0"}},
        "free",
        0.0,
        0.0,
    ),
    (
        {"id": "google/gemma-3-27b-it", "pricing": {"prompt": "0", "completion": "0"}},
        "free",
        0.0,
        0.0,
    ),
    (
        {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}},
        "unknown",
        None,
        None,
    ),
    ({"id": "x/y", "pricing": {}}, "unknown", None, None),
    (
        {
            "data": [
                {
                    "id": "qwen/qwen3-8b",
                    "pricing": {"prompt": "0.000000117", "completion": "0.000000455"},
                }
            ]
        },
        "paid",
        0.117,
        0.455,
    ),
    (
        {
            "input_cost_per_token": 2e-06,
            "litellm_provider": "bedrock",
            "mode": "chat",
            "output_cost_per_token": 8e-06,
        },
        "paid",
        2.0,
        8.0,
    ),
    (
        {
            "input_cost_per_token": 3e-07,
            "output_cost_per_token": 2.5e-06,
            "litellm_provider": "bedrock_converse",
        },
        "paid",
        0.3,
        2.5,
    ),
    (
        {
            "input_cost_per_token": 1e-07,
            "output_cost_per_token": 3e-07,
            "litellm_provider": "openrouter",
        },
        "paid",
        0.1,
        0.3,
    ),
    (
        {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "ollama"},
        "open-weights",
        0.0,
        0.0,
    ),
    (
        {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "gemini"},
        "free",
        0.0,
        0.0,
    ),
    ({"input_cost_per_token": 1.5e-07, "litellm_provider": "vertex_ai"}, "paid", 0.15, None),
    (
        {
            "name": "Qwen: Qwen3 8B",
            "open_weights": False,
            "cost": {"input": 0.028, "output": 0.1104},
        },
        "paid",
        0.028,
        0.1104,
    ),
    (
        {"name": "Llama 3.1 8B", "open_weights": True, "cost": {"input": 0, "output": 0}},
        "open-weights",
        0.0,
        0.0,
    ),
    ({"name": "x", "cost": {}}, "unknown", None, None),
    (
        {
            "id": "deepseek-ai/DeepSeek-V4-Pro",
            "providers": [
                {
                    "provider": "novita",
                    "status": "live",
                    "pricing": {"input": 1.69, "output": 3.38},
                },
                {
                    "provider": "together",
                    "status": "live",
                    "pricing": {"input": 2.1, "output": 4.4},
                },
                {"provider": "fireworks-ai", "status": "live"},
                {
                    "provider": "deepinfra",
                    "status": "live",
                    "pricing": {"input": 1.74, "output": 3.48},
                },
            ],
        },
        "paid",
        1.69,
        3.38,
    ),
    (
        {
            "id": "m",
            "providers": [
                {
                    "provider": "cheap",
                    "status": "staging",
                    "pricing": {"input": 0.1, "output": 0.1},
                },
                {"provider": "live", "status": "live", "pricing": {"input": 0.5, "output": 1.0}},
            ],
        },
        "paid",
        0.5,
        1.0,
    ),
]


@pytest.mark.parametrize(("record", "tier", "input_", "output"), RECORDS)
def test_pricing_from_record(record, tier, input_, output):
    result = pricing_from_record(record, "https://openrouter.ai/api/v1/models")
    assert result is not None
    assert result.tier == tier
    assert result.input_usd_per_mtok == approx(input_)
    assert result.output_usd_per_mtok == approx(output)
    assert result.evidence


def test_hf_router_evidence_names_the_provider():
    result = pricing_from_record(RECORDS[-2][0])
    assert "novita" in result.evidence[0].snippet


@pytest.mark.parametrize(
    "record",
    [
        {},
        {"id": "x"},
        {"providers": []},
        {"providers": [{"provider": "a"}]},
        [],
        None,
        "0.1",
        {"data": []},
    ],
)
def test_pricing_from_record_unstated(record):
    assert pricing_from_record(record) is None


def test_subscription_record():
    result = pricing_from_record({"id": "cursor-pro", "subscription_usd_per_month": 20})
    assert (result.tier, result.subscription_usd_per_month) == ("paid", 20.0)


def test_to_json_keys():
    data = pricing_from_text("$20/month").to_json()
    assert set(data) == {
        "tier",
        "input_usd_per_mtok",
        "output_usd_per_mtok",
        "subscription_usd_per_month",
        "cache_read_usd_per_mtok",
        "cache_write_usd_per_mtok",
        "batch_input_usd_per_mtok",
        "batch_output_usd_per_mtok",
        "tiers",
        "units",
        "evidence",
    }


# A record describes one offer: a price above zero per any unit makes it paid; prices per
# other units than tokens leave the token prices as the record states them.
# (record, tier, input, output, units)
OFFER_RECORDS = [
    # OpenRouter: an image model priced per image, a router priced per request.
    (
        {"id": "openai/dall-e-3", "pricing": {"prompt": "0", "completion": "0", "image": "0.04"}},
        "paid",
        0.0,
        0.0,
        [{"unit": "image", "direction": "input", "usd": 0.04}],
    ),
    (
        {
            "id": "perplexity/sonar",
            "pricing": {"prompt": "0.000001", "completion": "0.000001", "request": "0.005"},
        },
        "paid",
        1.0,
        1.0,
        [{"unit": "request", "direction": "input", "usd": 0.005}],
    ),
    # LiteLLM entries priced per second, image, character, pixel: paid, no token price.
    (
        {
            "input_cost_per_second": 0.0001,
            "output_cost_per_second": 0.0,
            "litellm_provider": "openai",
            "mode": "audio_transcription",
        },
        "paid",
        None,
        None,
        [{"unit": "second", "direction": "input", "usd": 0.0001}],
    ),
    (
        {"output_cost_per_image": 0.052, "litellm_provider": "aiml", "mode": "image_generation"},
        "paid",
        None,
        None,
        [{"unit": "image", "direction": "output", "usd": 0.052}],
    ),
    (
        {"input_cost_per_character": 1.5e-05, "litellm_provider": "openai", "mode": "audio_speech"},
        "paid",
        None,
        None,
        [{"unit": "character", "direction": "input", "usd": 1.5e-05}],
    ),
    (
        {
            "input_cost_per_pixel": 1.9e-08,
            "output_cost_per_pixel": 0.0,
            "litellm_provider": "bedrock",
            "mode": "image_generation",
        },
        "paid",
        None,
        None,
        [{"unit": "pixel", "direction": "input", "usd": 1.9e-08}],
    ),
    # Open weights do not make a priced offer anything but paid.
    (
        {
            "id": "meta-llama/llama-3.1-8b-instruct",
            "open_weights": True,
            "cost": {"input": 0.02, "output": 0.05},
        },
        "paid",
        0.02,
        0.05,
        [],
    ),
    # Batch prices alone: paid, and never the standard price.
    (
        {
            "input_cost_per_token_batches": 1.25e-06,
            "output_cost_per_token_batches": 5e-06,
            "litellm_provider": "openai",
        },
        "paid",
        None,
        None,
        [],
    ),
    # A one-entry LiteLLM map is that entry; its key is the model id.
    (
        {"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}},
        "paid",
        2.5,
        10.0,
        [],
    ),
    # A models.dev provider with one model.
    (
        {"id": "deepseek", "models": {"deepseek-chat": {"cost": {"input": 0.27, "output": 1.1}}}},
        "paid",
        0.27,
        1.1,
        [],
    ),
]


@pytest.mark.parametrize(("record", "tier", "input_", "output", "units"), OFFER_RECORDS)
def test_offer_records(record, tier, input_, output, units):
    result = pricing_from_record(record, "https://example.org/catalog")
    assert (result.tier, result.input_usd_per_mtok, result.output_usd_per_mtok) == (
        tier,
        approx(input_),
        approx(output),
    )
    assert result.to_json()["units"] == units


# (record, cache_read, cache_write, batch_input, batch_output, tiers)
DETAIL_RECORDS = [
    (
        {
            "id": "anthropic/claude-sonnet-4",
            "pricing": {
                "prompt": "0.000003",
                "completion": "0.000015",
                "input_cache_read": "0.0000003",
                "input_cache_write": "0.00000375",
            },
        },
        0.3,
        3.75,
        None,
        None,
        [],
    ),
    (
        {
            "input_cost_per_token": 1.25e-06,
            "input_cost_per_token_above_200k_tokens": 2.5e-06,
            "output_cost_per_token": 1e-05,
            "output_cost_per_token_above_200k_tokens": 1.5e-05,
            "cache_read_input_token_cost": 3.1e-07,
            "litellm_provider": "gemini",
        },
        0.31,
        None,
        None,
        None,
        [{"above_tokens": 200000, "input_usd_per_mtok": 2.5, "output_usd_per_mtok": 15.0}],
    ),
    (
        {
            "input_cost_per_token": 2.5e-06,
            "output_cost_per_token": 1e-05,
            "cache_read_input_token_cost": 1.25e-06,
            "input_cost_per_token_batches": 1.25e-06,
            "output_cost_per_token_batches": 5e-06,
            "input_cost_per_token_priority": 4.25e-06,
            "litellm_provider": "openai",
        },
        1.25,
        None,
        1.25,
        5.0,
        [],
    ),
    (
        {
            "id": "claude-sonnet-4-5",
            "cost": {
                "input": 3,
                "output": 15,
                "cache_read": 0.3,
                "cache_write": 3.75,
                "context_over_200k": {"input": 6, "output": 22.5},
            },
        },
        0.3,
        3.75,
        None,
        None,
        [{"above_tokens": 200000, "input_usd_per_mtok": 6.0, "output_usd_per_mtok": 22.5}],
    ),
]


@pytest.mark.parametrize(
    ("record", "cache_read", "cache_write", "batch_in", "batch_out", "tiers"), DETAIL_RECORDS
)
def test_record_details(record, cache_read, cache_write, batch_in, batch_out, tiers):
    data = pricing_from_record(record, "https://example.org/catalog").to_json()
    assert data["cache_read_usd_per_mtok"] == approx(cache_read)
    assert data["cache_write_usd_per_mtok"] == approx(cache_write)
    assert data["batch_input_usd_per_mtok"] == approx(batch_in)
    assert data["batch_output_usd_per_mtok"] == approx(batch_out)
    assert data["tiers"] == tiers
    # the standard prices stay the base tier's, never a batch, priority or cache price
    assert data["input_usd_per_mtok"] in (1.25, 2.5, 3.0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.000000117", 0.117), ("0.0000003", 0.3), (3e-07, 0.3), (1.1e-07, 0.11), ("0", 0.0)],
)
def test_string_and_float_prices_read_exactly(value, expected):
    result = pricing_from_record({"id": "m", "pricing": {"prompt": value}})
    assert result.input_usd_per_mtok == expected  # exact, not approximately


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "openai/gpt-4o", "pricing": {"prompt": "0.0000025", "completion": "0.00001"}}',
        'name = "GPT-4o"\nopen_weights = false\n\n[cost]\ninput = 2.5\noutput = 10\n',
    ],
)
def test_records_passed_as_text_are_read_as_records(text):
    result = pricing_from_text(text)
    assert (result.tier, result.input_usd_per_mtok, result.output_usd_per_mtok) == (
        "paid",
        2.5,
        10.0,
    )
