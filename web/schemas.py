"""The public JSON schema of the read API: what downstream sites may rely on.

Keys are only ever added, never renamed or removed (README, "Web"). Counts are numbers of
parameters (2.7e10, not 27); times are ISO 8601 in UTC; a value nobody stated is null
("unknown is not zero": a missing price or license is null, never free or open).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Size(BaseModel):
    label: str | None = Field(None, description='As the vendor names it: "27B", "30B-A3B".')
    total: float | None = Field(None, description="Total parameters.")
    active: float | None = Field(None, description="Active parameters per token (MoE).")


class License(BaseModel):
    id: str | None = Field(
        None, description="SPDX id where one exists, else the Hub id, else other:<name>."
    )
    name: str | None = None
    family: str | None = Field(None, description="permissive, copyleft, non-commercial, …")
    commercial_use: bool | None = Field(None, description="null: not known.")
    osi_approved: bool | None = None


class ToolRecord(BaseModel):
    """One published tool: an accepted candidate with the editors' values applied."""

    model_config = ConfigDict(extra="allow")

    slug: str = Field(description="Stable identifier; the path of /api/tools/{slug}.")
    name: str
    vendor: str | None = None
    family: str | None = Field(None, description='The release family: "Gemma 3".')
    category: str | None = None
    tagline: str | None = Field(None, description='One line, "best for".')
    description: str | None = None
    entry_price: str | None = Field(None, description='"Free", "Paid", …; null when unknown.')
    pricing_line: str | None = Field(
        None, description='"Free (open weights, self-hosted) / …"; null when unknown.'
    )
    sizes: list[Size] = Field(default_factory=list, description="Smallest first.")
    params_min: float | None = Field(None, description="Smallest size's total parameters.")
    params_max: float | None = Field(None, description="Largest size's total parameters.")
    license: License | None = None
    commercial_use: bool | None = Field(None, description="Copy of license.commercial_use.")
    announced_at: str | None = Field(None, description="First release or announcement.")
    repos: list[str] = Field(default_factory=list, description="Hugging Face Hub repo ids.")
    derivatives: int = Field(0, description="Quantizations and fine-tunes by others.")
    published_at: str = Field(description="When an editor accepted it.")
    updated_at: str = Field(description="Last change of any field of this record.")


class ToolPage(BaseModel):
    items: list[ToolRecord]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class Evidence(BaseModel):
    field: str = Field(description="params, license, announcement, … or an edited field.")
    subject: str = Field(description="The repo or URL the value is about, or 'editor'.")
    value: Any = None
    source_url: str | None = None
    snippet: str | None = Field(None, description="The text the value was read from.")
    extractor: str
    seen_at: str | None = None


class Source(BaseModel):
    url: str
    kind: Literal["hub", "announcement", "page"]
    title: str | None = None
    seen_at: str | None = None


class ToolDetail(ToolRecord):
    sources: list[Source] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class Change(BaseModel):
    """One change. Replay in order: `publish` → records[slug] = value (the whole record);
    `set` → records[slug][field] = value; `delete` → remove records[slug]."""

    seq: int = Field(description="Increasing; pass the last one seen as `since`.")
    at: str
    slug: str
    action: Literal["publish", "set", "delete"]
    field: str | None = None
    value: Any = None


class ChangePage(BaseModel):
    changes: list[Change]
    next_since: int = Field(description="Pass as `since` to continue.")
    has_more: bool


class Problem(BaseModel):
    detail: str
