"""One Hugging Face Hub model (info object + raw card) → the facts the store groups on.

Pure: no I/O. Decides what kind of repo this is (an original release, a same-org
quantization, or another org's derivative), reads its size, parameters and license with
the field normalizers, and keeps each value's evidence; a card's prose is read for the
release's draft too (normalize.draft).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from normalize.cards import split_card
from normalize.draft import DraftSource, card_source
from normalize.licenses import License, license_from_card, license_from_tags
from normalize.names import RepoName, parse_repo_name
from normalize.params import Params, best_params

# The Hub stamps every repo created before it stored dates with this instant.
LEGACY_CREATED_AT = "2022-03-02T23:29:04.000Z"
# The front matter keys read here (license and base model); nothing else is parsed.
CARD_KEYS = frozenset(
    {"license", "license_name", "license_link", "base_model", "base_model_relation"}
)
DERIVED_RELATIONS = ("quantized", "finetune", "adapter", "merge")
# Names of quantized builds: a derivative's is_quantized without parsing the whole name.
_QUANT_NAME = re.compile(
    r"gguf|ggml|awq|gptq|exl2|mlx|bnb|\d-?bit|fp8|int[48]|nf4|q[2-8]_|iq[1-4]_|quant", re.I
)
_QUANT_LIBRARIES = frozenset({"mlx", "gguf", "llama.cpp"})


@dataclass(slots=True)
class ModelFacts:
    repo_id: str
    org: str
    name: RepoName
    created_at: datetime | None
    last_modified: datetime | None
    sha: str | None
    relation: str | None  # quantized | finetune | adapter | merge | None
    base_model: str | None
    is_quantized: bool
    legacy_date: bool
    params: Params | None
    license: License | None
    likes: int | None = None
    downloads: int | None = None
    gated: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] = field(default_factory=list)
    # The card's draft inputs, when a card with text was read (None: no card, or an empty one)
    draft: DraftSource | None = None

    def is_derivative_of_other_org(self) -> bool:
        return bool(self.base_model) and str(self.base_model).split("/", 1)[0] != self.org


def parse_hub_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _tags(info: dict) -> list[str]:
    tags = info.get("tags")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def base_model_of(card: dict, tags: list[str]) -> tuple[str | None, str | None]:
    """(base repo id, relation) from the card's base_model or the Hub's base_model: tags."""
    for tag in tags:
        # The Hub adds "base_model:<relation>:<repo>" for every declared base.
        parts = tag.split(":")
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] in DERIVED_RELATIONS:
            return parts[2], parts[1]
    base = card.get("base_model")
    if isinstance(base, list):
        base = next((b for b in base if isinstance(b, str)), None)
    relation = card.get("base_model_relation")
    relation = relation if relation in DERIVED_RELATIONS else None
    if isinstance(base, str) and "/" in base:
        return base.strip(), relation or "finetune"
    return None, None


def _is_quantized(info: dict, name: RepoName, relation: str | None, tags: list[str]) -> bool:
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    return bool(
        name.quantized
        or relation == "quantized"
        or (isinstance(config, dict) and config.get("quantization_config"))
        or "gguf" in tags
        or info.get("library_name") in ("mlx", "gguf", "llama.cpp")
    )


def model_facts(info: dict, card_text: str | bytes | None = None, source: str = "") -> ModelFacts:
    """Facts of one Hub model; `info` is a listing entry or a full /api/models/{id} object."""
    repo_id = str(info.get("id") or info.get("modelId") or "")
    name = parse_repo_name(repo_id)
    front, body = split_card(card_text, CARD_KEYS) if card_text else ({}, "")
    card_data: dict = front or (info["cardData"] if isinstance(info.get("cardData"), dict) else {})
    tags = _tags(info)
    base, relation = base_model_of(card_data, tags)
    license_ = license_from_card(card_data, source=f"{source}#cardData") if card_data else None
    if license_ is None or license_.id is None:
        license_ = license_from_tags(tags, source=f"{source}#tags") or license_
    created = _as_str(info.get("createdAt"))
    gated = info.get("gated")
    return ModelFacts(
        repo_id=repo_id,
        org=name.org,
        name=name,
        created_at=parse_hub_time(created),
        last_modified=parse_hub_time(info.get("lastModified")),
        sha=_as_str(info.get("sha")),
        relation=relation,
        base_model=base,
        is_quantized=_is_quantized(info, name, relation, tags),
        legacy_date=created is not None and created.startswith(LEGACY_CREATED_AT[:19]),
        params=best_params(model_info=info, card=body or None, name=repo_id, source=source),
        license=license_,
        likes=_as_int(info.get("likes")),
        downloads=_as_int(info.get("downloads")),
        gated=str(gated).lower() if gated not in (None, "") else None,
        pipeline_tag=_as_str(info.get("pipeline_tag")),
        library_name=_as_str(info.get("library_name")),
        tags=tags,
        draft=card_source(card_text) if card_text else None,
    )


@dataclass(slots=True)
class Signals:
    """A listing entry's popularity: likes, downloads and the Hub's trendingScore."""

    likes: int | None
    downloads: int | None
    trending_score: float | None


@dataclass(slots=True)
class DerivativeFacts:
    """What a derivative's listing entry says, read without parsing its name or parameters
    (no candidate field uses them): the fast path for 85-90% of the Hub."""

    repo_id: str
    org: str
    base_model: str | None
    relation: str | None
    license_id: str | None
    is_quantized: bool
    created_at: datetime | None
    last_modified: datetime | None
    sha: str | None
    signals: Signals
    gated: str | None
    pipeline_tag: str | None
    library_name: str | None


def _number(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def listing_signals(entry: dict) -> Signals:
    likes, downloads = _number(entry.get("likes")), _number(entry.get("downloads"))
    trending = _number(entry.get("trendingScore"))
    return Signals(
        likes=int(likes) if likes is not None else None,
        downloads=int(downloads) if downloads is not None else None,
        trending_score=float(trending) if trending is not None else None,
    )


@lru_cache(maxsize=4096)
def _license_id(license_value: str | None, license_name: str | None) -> str | None:
    card = {"license": license_value, "license_name": license_name}
    found = license_from_card({k: v for k, v in card.items() if v})
    return found.id if found else None


def derivative_facts(entry: dict) -> DerivativeFacts:
    """A derivative's facts from its listing entry alone."""
    repo_id = entry["id"]
    tags = _tags(entry)
    card = entry.get("cardData") if isinstance(entry.get("cardData"), dict) else {}
    base, relation = base_model_of(card, tags)
    lic = card.get("license")
    lic = lic[0] if isinstance(lic, list) and lic else lic
    license_id = _license_id(_as_str(lic), _as_str(card.get("license_name"))) if lic else None
    if license_id is None:
        found = license_from_tags(tags)
        license_id = found.id if found else None
    library = _as_str(entry.get("library_name"))
    gated = entry.get("gated")
    return DerivativeFacts(
        repo_id=repo_id,
        org=repo_id.split("/", 1)[0],
        base_model=base,
        relation=relation,
        license_id=license_id,
        is_quantized=bool(
            relation == "quantized"
            or "gguf" in tags
            or library in _QUANT_LIBRARIES
            or _QUANT_NAME.search(repo_id)
        ),
        created_at=parse_hub_time(_as_str(entry.get("createdAt"))),
        last_modified=parse_hub_time(entry.get("lastModified")),
        sha=_as_str(entry.get("sha")),
        signals=listing_signals(entry),
        gated=str(gated).lower() if gated not in (None, "") else None,
        pipeline_tag=_as_str(entry.get("pipeline_tag")),
        library_name=library,
    )
