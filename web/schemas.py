"""The public JSON schema of the read API: what downstream sites may rely on.

Keys are only ever added, never renamed or removed (README, "Web"). Counts are numbers of
parameters (2.7e10, not 27); times are ISO 8601 in UTC; a value nobody stated is null
("unknown is not zero": a missing price or license is null, never free or open).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def F(default: Any = ..., description: str = "", example: Any = None, **kw: Any) -> Any:
    """A field with its description and one example, so /openapi.json documents each key."""
    examples = [example] if example is not None else None
    if "default_factory" in kw:
        return Field(description=description, examples=examples, **kw)
    return Field(default, description=description, examples=examples, **kw)


class Size(BaseModel):
    label: str | None = F(None, 'As the vendor names it: "27B", "30B-A3B".', "30B-A3B")
    total: float | None = F(None, "Total parameters (a count, not billions).", 3.05e10)
    active: float | None = F(None, "Active parameters per token (MoE); null if dense.", 3.3e9)


class License(BaseModel):
    id: str | None = F(
        None, "SPDX id where one exists, else the Hub id, else other:<name>.", "Apache-2.0"
    )
    name: str | None = F(None, "The license's full name.", "Apache License 2.0")
    family: str | None = F(
        None, "permissive, copyleft, non-commercial, research, custom, …", "permissive"
    )
    commercial_use: bool | None = F(None, "Commercial use allowed; null: not known.", True)
    osi_approved: bool | None = F(None, "Approved by the Open Source Initiative.", True)


class PriceTier(BaseModel):
    above_tokens: int = F(
        description="The prices below apply once a request's context is above this many tokens.",
        example=200000,
    )
    input_usd_per_mtok: float | None = F(None, "USD per 1M input tokens above it.", 2.5)
    output_usd_per_mtok: float | None = F(None, "USD per 1M output tokens above it.", 15.0)


class UnitPrice(BaseModel):
    unit: str = F(
        description="What one unit is: image, second, minute, request, character, web_search, "
        "pixel, … (the vocabulary is normalize/data/price_units.toml).",
        example="image",
    )
    direction: Literal["input", "output"] = F(
        description="Whether the unit is sent or produced.", example="output"
    )
    usd: float = F(description="USD per one unit.", example=0.04)


_PRICE_DOCS = {
    "tier": (
        'free, freemium, paid, open-weights or unknown ("0" is free; unstated is unknown).',
        "paid",
    ),
    "input_usd_per_mtok": (
        "USD per 1M input tokens; null when unstated (never 0 for unknown).",
        0.1,
    ),
    "output_usd_per_mtok": ("USD per 1M output tokens; null when unstated.", 0.4),
    "subscription_usd_per_month": ("A plan's monthly price, USD; null when none.", 20.0),
    "cache_read_usd_per_mtok": ("USD per 1M input tokens read from the prompt cache.", 0.025),
    "cache_write_usd_per_mtok": ("USD per 1M input tokens written to the prompt cache.", 3.75),
    "batch_input_usd_per_mtok": ("USD per 1M input tokens through the batch API.", 1.25),
    "batch_output_usd_per_mtok": ("USD per 1M output tokens through the batch API.", 5.0),
}


class PriceFields(BaseModel):
    """The price model of issue 20: what an offer costs, as its catalog states it."""

    tier: str = F("unknown", *_PRICE_DOCS["tier"])
    input_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["input_usd_per_mtok"])
    output_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["output_usd_per_mtok"])
    subscription_usd_per_month: float | None = F(None, *_PRICE_DOCS["subscription_usd_per_month"])
    cache_read_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["cache_read_usd_per_mtok"])
    cache_write_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["cache_write_usd_per_mtok"])
    batch_input_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["batch_input_usd_per_mtok"])
    batch_output_usd_per_mtok: float | None = F(None, *_PRICE_DOCS["batch_output_usd_per_mtok"])
    tiers: list[PriceTier] = F(
        default_factory=list,
        description="Context-length pricing (LiteLLM `_above_200k_tokens`, models.dev "
        "`context_over_200k`), lowest threshold first.",
        example=[{"above_tokens": 200000, "input_usd_per_mtok": 2.5, "output_usd_per_mtok": 15.0}],
    )
    units: list[UnitPrice] = F(
        default_factory=list,
        description="Prices per other units than the token: images, seconds of audio, "
        "characters, requests, web searches.",
        example=[{"unit": "image", "direction": "output", "usd": 0.04}],
    )


class Pricing(PriceFields):
    """The release's price: the cheapest paid offer's price model, and the tier over all
    its offers (free and paid offers make it freemium). Each value's evidence is the
    `pricing` evidence of /api/tools/{slug} whose source_url this names."""

    source_url: str | None = F(
        None,
        "The catalog entry the prices were read from.",
        "https://models.dev/api.json#google/gemini-2.5-flash-lite",
    )


class Offer(PriceFields):
    """One catalog's price of the release at one provider, under one model id."""

    catalog: Literal["openrouter", "litellm", "models.dev"] = F(
        description="The price catalog that states it.", example="litellm"
    )
    provider: str | None = F(
        None,
        "Who bills the use: LiteLLM's `litellm_provider`, models.dev's provider key; "
        '"openrouter" for OpenRouter, which resells every model it lists.',
        "deepinfra",
    )
    model_id: str = F(
        description="The id the provider's API takes (a LiteLLM key without its provider "
        "prefix; the models.dev model key; OpenRouter's id).",
        example="google/gemma-3-27b-it",
    )
    catalog_model_id: str | None = F(
        None,
        "The id in the catalog itself (a LiteLLM key, models.dev's provider/model).",
        "deepinfra/google/gemma-3-27b-it",
    )
    context_window: int | None = F(
        None,
        "Tokens of context this offer takes (LiteLLM max_input_tokens, models.dev "
        "limit.context, OpenRouter context_length); null when unstated.",
        131072,
    )
    deprecated_at: str | None = F(
        None, "When the catalog says this offer is (or was) deprecated.", "2026-02-20"
    )
    source_url: str | None = F(
        None,
        "The catalog entry (the document#id).",
        "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
        "#deepinfra/google/gemma-3-27b-it",
    )
    seen_at: str | None = F(
        None,
        "Since when the catalog states this price (ISO 8601); older prices are in "
        "/api/tools/{slug}/prices.",
        "2025-06-01T08:00:00+00:00",
    )


# One release's `ids`, as the record and the id map's pages show them.
IDS_EXAMPLE = {
    "huggingface": ["meta-llama/Llama-3.3-70B-Instruct"],
    "openrouter": ["meta-llama/llama-3.3-70b-instruct"],
    "models_dev": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
    "litellm": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
}


class Ids(BaseModel):
    """Every id under which a catalog knows the release (`GET /api/ids` looks them up)."""

    huggingface: list[str] = F(
        default_factory=list,
        description="Hub repo ids of its variants (compared without case, as the Hub does).",
        example=["meta-llama/Llama-3.3-70B-Instruct"],
    )
    openrouter: list[str] = F(
        default_factory=list,
        description="OpenRouter model ids (`/api/v1/models` `id`), `:free` variants included.",
        example=["meta-llama/llama-3.3-70b-instruct"],
    )
    models_dev: list[str] = F(
        default_factory=list,
        description='models.dev ids, "<provider>/<model>" as in its api.json.',
        example=["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
    )
    litellm: list[str] = F(
        default_factory=list,
        description="Keys of LiteLLM's model_prices_and_context_window.json.",
        example=["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
    )


class ToolRecord(BaseModel):
    """One published tool: an accepted candidate with the editors' values applied."""

    model_config = ConfigDict(extra="allow")

    slug: str = F(description="Stable identifier; the path of /api/tools/{slug}.", example="qwen3")
    name: str = F(description="Display name, sizes included.", example="Qwen3 (0.6B, 4B & 8B)")
    vendor: str | None = F(None, "Who released it.", "Alibaba (Qwen)")
    family: str | None = F(None, "The release family.", "Gemma 3")
    category: str | None = F(None, "The comparison site's category.", "Developer Tools")
    tagline: str | None = F(None, 'One line, "best for".', "Open-weight models from 0.6B to 235B")
    description: str | None = F(
        None, "A paragraph on what it is.", "Qwen3 is a family of dense and MoE models…"
    )
    entry_price: str | None = F(None, '"Free", "Paid", …; null when unknown.', "Free")
    pricing_line: str | None = F(
        None,
        "The pricing line; null when unknown.",
        "Free (open weights, self-hosted) / Inference costs vary by provider",
    )
    sizes: list[Size] = F(default_factory=list, description="Smallest first.", example=[])
    params_min: float | None = F(None, "Smallest size's total parameters.", 6e8)
    params_max: float | None = F(None, "Largest size's total parameters.", 2.35e11)
    license: License | None = F(None, "The license; null when no source states one.")
    commercial_use: bool | None = F(None, "Copy of license.commercial_use.", True)
    announced_at: str | None = F(
        None, "First release or announcement (ISO 8601).", "2025-04-29T00:00:00+00:00"
    )
    repos: list[str] = F(
        default_factory=list, description="Hugging Face Hub repo ids.", example=["Qwen/Qwen3-8B"]
    )
    derivatives: int = F(0, "Quantizations and fine-tunes by others.", 3)
    published_at: str = F(
        description="When an editor accepted it (ISO 8601).", example="2025-05-01T09:30:00+00:00"
    )
    updated_at: str = F(
        description="Last change of any field of this record.", example="2025-05-02T10:00:00+00:00"
    )
    pricing: Pricing | None = F(
        None,
        "What using it costs; null when no source states a price (unknown is not $0).",
        {
            "tier": "paid",
            "input_usd_per_mtok": 0.1,
            "output_usd_per_mtok": 0.4,
            "subscription_usd_per_month": None,
            "cache_read_usd_per_mtok": 0.025,
            "cache_write_usd_per_mtok": None,
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "tiers": [],
            "units": [],
            "source_url": "https://openrouter.ai/api/v1/models#google/gemini-2.5-flash-lite",
        },
    )
    offers: list[Offer] = F(
        default_factory=list,
        description="Every catalog price of it, one per (catalog, provider, model_id), in that "
        "order.",
        example=[],
    )
    released_at: str | None = F(
        None,
        "The vendor's release or announcement (ISO date, as precise as stated): the earliest "
        "announcement, Hub repo or catalog release date; never a catalog's listing date.",
        "2025-03-12",
    )
    first_listed_at: str | None = F(
        None,
        "First seen on the Hub (a repo's creation) or listed by a catalog (OpenRouter "
        "`created`; 1970-style placeholders are ignored).",
        "2025-03-12",
    )
    knowledge_cutoff: str | None = F(
        None, "Training data cutoff as a catalog states it; null if none does.", "2024-08"
    )
    deprecated_at: str | None = F(
        None,
        "The earliest deprecation a catalog states for one of its offers (LiteLLM "
        "deprecation_date; models.dev status deprecated, dated by its last_updated).",
        "2026-02-20",
    )
    retired_at: str | None = F(
        None, "When a catalog says it was retired (shut down); null if none does.", "2026-06-01"
    )
    lifecycle: Literal["announced", "available", "deprecated", "retired"] = F(
        "announced",
        "announced: no weights or offer yet; available; deprecated or retired as a catalog "
        "states for one of its offers.",
        "available",
    )
    ids: Ids = F(
        default_factory=Ids,
        description="The id map: this release's id in each catalog. A catalog entry joins by "
        "the Hub repo it names; one that matches by vendor and name only joins once an editor "
        "confirms it.",
        example=IDS_EXAMPLE,
    )


class PricePeriod(PriceFields):
    """One price an offer held, and when."""

    catalog: str | None = F(None, "The price catalog.", "openrouter")
    provider: str | None = F(None, "Who bills the use.", "openrouter")
    model_id: str | None = F(None, "The id the provider's API takes.", "qwen/qwen3-8b")
    catalog_model_id: str | None = F(None, "The id in the catalog.", "qwen/qwen3-8b")
    source: str = F(
        description="The [[pricing]] source that read it.", example="pricing:openrouter"
    )
    source_url: str | None = F(None, "The catalog document.", "https://openrouter.ai/api/v1/models")
    from_: str = F(
        alias="from",
        description="When toolscout first read this price (ISO 8601).",
        example="2025-05-01T08:00:00+00:00",
    )
    to: str | None = F(
        None,
        "When the catalog first stated another price, or was first read without the entry "
        "(it stopped listing it); null while the price still holds.",
        "2025-06-01T08:00:00+00:00",
    )


class PriceHistoryPage(BaseModel):
    slug: str = F(description="The tool.", example="qwen3")
    prices: list[PricePeriod] = F(description="Newest first (by `from`).", example=[])
    next_cursor: str | None = F(
        None, "Pass as `cursor` for older prices; null on the last page.", "dTQyfDIwMjU"
    )


class ToolPage(BaseModel):
    items: list[ToolRecord] = F(description="This page's records.", example=[])
    next_cursor: str | None = F(
        None, "Pass as `cursor` for the next page; null on the last page.", "dDQy"
    )


class Evidence(BaseModel):
    field: str = F(
        description="params, license, announcement, … or an edited field.", example="license"
    )
    subject: str = F(
        description="The repo or URL the value is about, or 'editor'.",
        example="google/gemma-3-27b-it",
    )
    value: Any = F(None, "The value read, in the field's shape.", {"id": "gemma"})
    source_url: str | None = F(
        None,
        "The document it was read from.",
        "https://huggingface.co/api/models/google/gemma-3-27b-it",
    )
    snippet: str | None = F(None, "The text the value was read from.", "license: gemma")
    extractor: str = F(description="Which reader produced it.", example="license.card")
    seen_at: str | None = F(None, "When it was read (ISO 8601).", "2025-03-12T08:00:00+00:00")


class Source(BaseModel):
    url: str = F(
        description="The document crawled (for a Hub repo, often the API listing it came in).",
        example="https://huggingface.co/api/models/google/gemma-3-27b-it",
    )
    kind: Literal["hub", "announcement", "page", "pricing"] = F(
        description="hub: a model repo; announcement: a feed entry or its article; page: "
        "another page; pricing: a provider's price list.",
        example="hub",
    )
    title: str | None = F(None, "What to call the link.", "google/gemma-3-27b-it")
    seen_at: str | None = F(None, "When it was last read (ISO 8601).", "2025-03-12T08:00:00+00:00")
    page_url: str | None = F(
        None,
        "Where a person reads it: a Hub repo's model page, the article, the price entry.",
        "https://huggingface.co/google/gemma-3-27b-it",
    )


class ToolDetail(ToolRecord):
    sources: list[Source] = F(
        default_factory=list, description="Every document behind it.", example=[]
    )
    evidence: list[Evidence] = F(
        default_factory=list, description="Every value read, with where from.", example=[]
    )


class Change(BaseModel):
    """One change. Replay in order: `publish` → records[slug] = value (the whole record);
    `set` → records[slug][field] = value; `delete` → remove records[slug]."""

    seq: int = F(description="Increasing; pass the last one seen as `since`.", example=42)
    at: str = F(description="When it happened (ISO 8601).", example="2025-05-02T10:00:00+00:00")
    slug: str = F(description="The record changed.", example="qwen3")
    action: Literal["publish", "set", "delete"] = F(description="What to do.", example="set")
    field: str | None = F(None, "The field `set` assigns.", "tagline")
    value: Any = F(None, "The new value (a whole record for `publish`).", "Open-weight models")


class ChangePage(BaseModel):
    changes: list[Change] = F(description="In order of seq.", example=[])
    next_since: int = F(description="Pass as `since` to continue.", example=42)
    has_more: bool = F(description="More changes wait: ask again at once.", example=False)


class Problem(BaseModel):
    """Every error, on every route: one sentence saying what is wrong and what to do."""

    detail: str = F(
        description="What went wrong, for a person.",
        example="min_params: 'seven' is not a size like 7B, 135M or 7e9 (parameters)",
    )
