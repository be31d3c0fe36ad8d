"""Editor overrides: values an editor set, applied whenever a candidate is read.

Editors win (ARCHITECTURE, "Rules of the house"): the resolver keeps deriving
`Candidate.fields` from observations and never looks at `Candidate.overrides`; every reader
(`store.queue`, `store.publish`, the web pages) applies the overrides on top. So a re-crawl
cannot overwrite an editor's value, and it needs no knowledge of editors to be safe.

When a crawl later derives a different value for an overridden field, the override stays
and the difference is shown as a conflict (`override_conflicts`): the derived value at the
time of the edit is kept in `Candidate.override_basis` to tell a new value from an old one.

This module parses what an editor typed (sizes "1B, 4B & 27B", a license id, a date, …)
into the shapes the resolver writes, so an overridden field reads like a derived one.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from normalize.licenses import license_from_id
from normalize.params import format_count, parse_param_count
from store.models import Candidate, Event, Observation, utcnow

MAX_TEXT = 20_000

# What an editor may type for each field; any other field takes JSON, else plain text.
TEXT_FIELDS = frozenset(
    {
        "name",
        "vendor",
        "family",
        "category",
        "tagline",
        "best_for",
        "description",
        "entry_price",
        "pricing_line",
        "pipeline_tag",
    }
)
STRUCTURED_FIELDS = ("sizes", "license", "commercial_use", "announced_at")
# The form fields the candidate page offers, in its order (others are edited as JSON).
EDIT_ORDER = (
    "name",
    "vendor",
    "family",
    "category",
    "tagline",
    "description",
    "entry_price",
    "pricing_line",
    "sizes",
    "license",
    "commercial_use",
    "announced_at",
)
# Keys the resolver computes that are not editor facts (counts of what was crawled).
READ_ONLY = frozenset({"repos", "quantizations", "derivatives", "sources"})
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class OverrideError(ValueError):
    """A value an editor typed that cannot be used; the message says why."""


# -- reading ------------------------------------------------------------------------------
def effective_fields(fields: dict | None, overrides: dict | None) -> dict:
    """The derived fields with the editor's values on top."""
    out = dict(fields or {})
    over = overrides or {}
    for key, value in over.items():
        if key == "commercial_use":
            continue
        out[key] = value
    if "commercial_use" in over:
        lic = dict(out.get("license") or {})
        lic["commercial_use"] = over["commercial_use"]
        out["license"] = lic
    return out


def override_conflicts(cand: Candidate) -> list[dict]:
    """Overridden fields whose derived value changed since the editor set them."""
    found = []
    fields, basis = cand.fields or {}, cand.override_basis or {}
    for key, value in (cand.overrides or {}).items():
        derived = _derived(fields, key)
        if key in basis and basis[key] != derived:
            found.append(
                {
                    "field": key,
                    "chosen": value,
                    "kind": "override",
                    "values": [
                        {"value": value, "subject": "editor", "source": None, "snippet": None},
                        {
                            "value": derived,
                            "subject": "crawl",
                            "source": None,
                            "snippet": f"derived before the edit: {_short(basis[key])}",
                        },
                    ],
                }
            )
    return found


def open_conflicts(cand: Candidate) -> list[dict]:
    """Conflicts an editor still has to look at: the resolver's, less those an override
    settled, plus overrides the crawl now disagrees with."""
    over = cand.overrides or {}
    pending = [c for c in cand.conflicts or [] if c.get("field") not in over]
    return pending + override_conflicts(cand)


def _derived(fields: dict, key: str) -> Any:
    if key == "commercial_use":
        return (fields.get("license") or {}).get("commercial_use")
    return fields.get(key)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "…"


# -- parsing what an editor typed ---------------------------------------------------------
def parse_value(field: str, raw: str) -> Any:
    """The stored value of `field` from the text an editor typed."""
    if not _FIELD_NAME.match(field or ""):
        raise OverrideError(f"not a field name: {field!r}")
    if field in READ_ONLY:
        raise OverrideError(f"{field} is counted from the crawled repos and cannot be edited")
    raw = (raw or "").strip()
    if len(raw) > MAX_TEXT:
        raise OverrideError(f"{field}: at most {MAX_TEXT} characters")
    if field == "commercial_use":
        return parse_commercial(raw)
    if not raw:
        raise OverrideError(f"{field}: empty; to go back to the crawled value, clear the edit")
    if field == "sizes":
        return parse_sizes(raw)
    if field == "license":
        return parse_license(raw)
    if field == "announced_at":
        return parse_date(raw)
    if field in TEXT_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_commercial(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in ("yes", "true", "1", "allowed"):
        return True
    if value in ("no", "false", "0", "not allowed"):
        return False
    if value in ("", "unknown", "null", "none", "?"):
        return None
    raise OverrideError("commercial use: yes, no or unknown")


_SIZE_SPLIT = re.compile(r"\s*(?:,|&|/|\band\b|\+)\s*", re.I)
_MOE = re.compile(r"^(?P<total>[\d.,]+\s*[kmbt])\s*-?\s*a(?P<active>[\d.,]+\s*[kmbt])$", re.I)


def parse_sizes(raw: str) -> list[dict]:
    """ "1B, 4B, 12B & 27B" or "30B-A3B" -> the resolver's size entries, smallest first."""
    sizes = []
    for token in filter(None, _SIZE_SPLIT.split(raw.strip().strip("()"))):
        compact = token.replace(" ", "")
        moe = _MOE.match(compact)
        if moe:
            total, active = parse_param_count(moe["total"]), parse_param_count(moe["active"])
            label = compact.upper()
        else:
            total, active = parse_param_count(compact), None
            plain = re.fullmatch(r"[\d.]+[kmbt]", compact, re.I)
            label = compact[:-1] + compact[-1].upper() if plain else None
        if total is None:
            raise OverrideError(f"sizes: {token!r} is not a parameter count like 27B or 135M")
        sizes.append(
            {"label": label or format_count(total), "total": total, "active": active, "repos": []}
        )
    if not sizes:
        raise OverrideError("sizes: give one or more counts, e.g. 8B, 70B & 405B")
    return sorted(sizes, key=lambda s: (s["total"] or 0, s["label"]))


def parse_license(raw: str) -> dict:
    """A license id (SPDX or Hub id) -> the resolver's license shape."""
    found = license_from_id(raw, source="editor", extractor="editor")
    if found is not None:
        data = found.to_json()
        data.pop("evidence", None)
        return data
    return {
        "id": f"other:{raw.lower()}"[:200],
        "name": raw[:200],
        "family": None,
        "commercial_use": None,
        "conditions": None,
        "osi_approved": None,
    }


def parse_date(raw: str) -> str:
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise OverrideError("announced_at: a date like 2025-03-12") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


# -- writing ------------------------------------------------------------------------------
def set_override(
    session: Session, cand: Candidate, field: str, value: Any, editor: str
) -> Candidate:
    """Record an editor's value for one field; the crawl never touches it again."""
    if not _FIELD_NAME.match(field or "") or field in READ_ONLY:
        raise OverrideError(f"{field!r} cannot be edited")
    overrides = dict(cand.overrides or {})
    before = effective_fields(cand.fields, overrides)
    old = _derived(before, field) if field == "commercial_use" else before.get(field)
    basis = dict(cand.override_basis or {})
    derived = _derived(cand.fields or {}, field)
    if field in overrides and overrides[field] == value and basis.get(field) == derived:
        return cand
    basis[field] = derived  # an editor who keeps their value has seen the crawl's
    overrides[field] = value
    cand.overrides, cand.override_basis = overrides, basis
    _touch(session, cand, editor, "override", field, old, value)
    return cand


def clear_override(session: Session, cand: Candidate, field: str, editor: str) -> Candidate:
    """Go back to the crawled value of one field."""
    overrides = dict(cand.overrides or {})
    if field not in overrides:
        return cand
    old = overrides.pop(field)
    basis = dict(cand.override_basis or {})
    basis.pop(field, None)
    cand.overrides, cand.override_basis = overrides, basis
    _touch(
        session, cand, editor, "override-cleared", field, old, _derived(cand.fields or {}, field)
    )
    return cand


def conflict_choice(session: Session, cand: Candidate, field: str, index: int) -> Any:
    """The value behind one of a conflict's options, as the field stores it."""
    conflict = next((c for c in open_conflicts(cand) if c.get("field") == field), None)
    if conflict is None:
        raise OverrideError(f"no open conflict on {field}")
    values = conflict.get("values") or []
    if not 0 <= index < len(values):
        raise OverrideError(f"conflict on {field} has no option {index}")
    option = values[index]
    if field == "license":
        # The conflict lists license keys; the field stores the whole license as observed.
        obs = session.exec(
            select(Observation)
            .where(Observation.candidate_id == cand.id, Observation.field == "license")
            .where(Observation.subject == option.get("subject"))
            .order_by(Observation.trust.desc())
        ).first()
        if obs is not None and isinstance(obs.value, dict):
            return {k: v for k, v in obs.value.items() if k != "evidence"}
        if isinstance(option.get("value"), dict):
            return option["value"]
        return parse_license(str(option.get("value") or "").removeprefix("name:"))
    return option.get("value")


def _touch(
    session: Session, cand: Candidate, editor: str, action: str, field: str, old: Any, new: Any
) -> None:
    cand.updated_at = utcnow()
    session.add(cand)
    session.add(
        Event(
            candidate_id=cand.id,
            actor=f"editor:{editor}",
            editor=editor,
            action=action,
            field=field,
            old=old,
            new=new,
        )
    )
