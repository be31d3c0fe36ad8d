"""Lifecycle: the dates a catalog record states about a model, and the stage they put a
release in.

This module owns what each catalog's date keys mean and which values are believable:

- LiteLLM `deprecation_date` (YYYY-MM-DD) is a deprecation date.
- models.dev `release_date` is a release date, `knowledge` the training cutoff as stated
  ("2024-08"), `status: deprecated` a deprecation; its date is the entry's `last_updated`
  (when the entry was marked so), else none. `status: retired` is a retirement.
- OpenRouter `created` (a Unix time) is when OpenRouter listed the model, never its release:
  listings from before MIN_LISTING (1970 and 1993 occur) or later than the record was read
  are not dates at all.

Dates stay as precise as the source states them: "2025-04-05", or "2025-04" for a month.
`stage` turns a release's facts into `announced`, `available`, `deprecated` or `retired`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from normalize.evidence import make_evidence
from normalize.versions import ruleset_version

VERSION = ruleset_version("lifecycle")
MIN_DATE = date(2000, 1, 1)  # no model in any catalog was released or retired before this
MIN_LISTING = datetime(2015, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(days=1)  # clocks differ; a listing a day ahead is still a listing
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
STAGES = ("announced", "available", "deprecated", "retired")
LIFECYCLE_KEYS = ("released_at", "listed_at", "knowledge_cutoff", "deprecated_at", "retired_at")


def stated_date(value: object) -> str | None:
    """An ISO date as a catalog states it ("2025-04-05", "2025-04", a date-time's day), or
    None when it is no date or an implausible one (before 2000, after 2100)."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip()[:10] if "T" in value else value.strip())
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        parsed = date(year, month, day)
    except ValueError:
        return None
    if parsed < MIN_DATE or year > 2100:
        return None
    return parsed.isoformat() if match[3] else f"{year:04d}-{month:02d}"


def listing_time(value: object, read_at: datetime) -> str | None:
    """OpenRouter's `created` as an ISO date-time, or None when it cannot be a listing."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    try:
        when = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if when < MIN_LISTING or when > _utc(read_at) + MAX_AHEAD:
        return None
    return when.isoformat()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def lifecycle_from_record(
    record: dict, catalog: str, read_at: datetime, source: str = ""
) -> dict | None:
    """The dates one catalog record states ({released_at, listed_at, knowledge_cutoff,
    deprecated_at, retired_at, status, evidence}), or None when it states none."""
    facts: dict = dict.fromkeys(LIFECYCLE_KEYS)
    facts["status"] = None
    parts: list[str] = []
    if catalog == "litellm":
        _take(facts, parts, record, "deprecation_date", "deprecated_at")
        if facts["deprecated_at"]:
            facts["status"] = "deprecated"
    elif catalog == "models.dev":
        _take(facts, parts, record, "release_date", "released_at")
        knowledge = stated_date(record.get("knowledge"))
        if knowledge:
            facts["knowledge_cutoff"] = knowledge
            parts.append(f"knowledge={knowledge}")
        status = record.get("status")
        if status in ("deprecated", "retired"):
            facts["status"] = status
            parts.append(f"status={status}")
            key = "deprecated_at" if status == "deprecated" else "retired_at"
            _take(facts, parts, record, "last_updated", key)
    else:
        listed = listing_time(record.get("created"), read_at)
        if listed:
            facts["listed_at"] = listed
            parts.append(f"created={record['created']} (listed, not released)")
    if not parts:
        return None
    model = record.get("id") if isinstance(record.get("id"), str) else ""
    snippet = f"{model[:200]} {' '.join(parts)}".strip()
    extractor = f"lifecycle.{catalog.replace('.', '_')}"
    facts["evidence"] = make_evidence(source or catalog, snippet, extractor, VERSION).to_json()
    return facts


def _take(facts: dict, parts: list[str], record: dict, key: str, field: str) -> None:
    value = stated_date(record.get(key))
    if value:
        facts[field] = value
        parts.append(f"{key}={value}")


def stage(has_weights: bool, has_offers: bool, deprecated: bool, retired: bool) -> str:
    """Where a release is: retired or deprecated as a source states; available once its
    weights or an offer exist; announced before either."""
    if retired:
        return "retired"
    if deprecated:
        return "deprecated"
    if has_weights or has_offers:
        return "available"
    return "announced"
