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
    ids: Ids = F(
        default_factory=Ids,
        description="The id map: this release's id in each catalog. A catalog entry joins by "
        "the Hub repo it names; one that matches by vendor and name only joins once an editor "
        "confirms it.",
        example={
            "huggingface": ["meta-llama/Llama-3.3-70B-Instruct"],
            "openrouter": ["meta-llama/llama-3.3-70b-instruct"],
            "models_dev": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
            "litellm": ["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
        },
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
