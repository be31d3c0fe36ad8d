"""Queue queries and editor decisions: what `toolscout queue` and the web pages read and do.

The JSON shapes built here (`candidate_summary`, `candidate_detail`) are the documented,
stable output of `toolscout queue list|show --json` (README, "JSON output").
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store.models import CANDIDATE_STATUSES, Candidate, Event, Observation, Variant, utcnow
from store.similar import similar_candidates


class QueueError(ValueError):
    """An editor action that cannot be done (unknown slug, bad status)."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def candidate_summary(c: Candidate) -> dict:
    fields = c.fields or {}
    lic = fields.get("license") or {}
    return {
        "slug": c.slug,
        "name": c.name,
        "vendor": c.vendor,
        "status": c.status,
        "announced_at": _iso(c.announced_at),
        "first_seen": _iso(c.first_seen),
        "sizes": [
            {"label": s["label"], "total": s["total"], "active": s["active"]}
            for s in fields.get("sizes") or []
        ],
        "license": {
            "id": lic.get("id"),
            "name": lic.get("name"),
            "commercial_use": lic.get("commercial_use"),
        }
        if lic
        else None,
        "repos": fields.get("repos") or [],
        "derivatives": fields.get("derivatives", 0),
        "conflicts": len(c.conflicts or []),
        "queued_reason": c.queued_reason,
    }


def list_candidates(session: Session, status: str | None = None) -> list[Candidate]:
    query = select(Candidate)
    if status:
        if status not in CANDIDATE_STATUSES:
            raise QueueError(f"unknown status {status!r} (one of {', '.join(CANDIDATE_STATUSES)})")
        query = query.where(Candidate.status == status)
    query = query.order_by(Candidate.announced_at.desc(), Candidate.slug)
    return list(session.exec(query))


def get_candidate(session: Session, slug: str) -> Candidate:
    cand = session.exec(select(Candidate).where(Candidate.slug == slug)).first()
    if cand is None:
        raise QueueError(f"no candidate with slug {slug!r} (see `toolscout queue list`)")
    return cand


def candidate_detail(session: Session, cand: Candidate) -> dict:
    variants = session.exec(
        select(Variant).where(Variant.candidate_id == cand.id).order_by(Variant.repo_id)
    )
    observations = session.exec(
        select(Observation)
        .where(Observation.candidate_id == cand.id)
        .order_by(Observation.field, Observation.subject, Observation.extractor)
    )
    events = session.exec(select(Event).where(Event.candidate_id == cand.id).order_by(Event.id))
    return {
        **candidate_summary(cand),
        "fields": cand.fields or {},
        "overrides": cand.overrides or {},
        "conflict_details": cand.conflicts or [],
        "similar": similar_candidates(session, cand),
        "variants": [
            {
                "repo_id": v.repo_id,
                "size_label": v.size_label,
                "flavour": v.flavour,
                "total_params": v.total_params,
                "active_params": v.active_params,
                "params_method": v.params_method,
                "license_id": v.license_id,
                "is_quantized": v.is_quantized,
                "is_derivative": v.is_derivative,
                "relation": v.relation,
                "base_model": v.base_model,
                "created_at": _iso(v.created_at),
            }
            for v in variants
        ],
        "observations": [
            {
                "field": o.field,
                "subject": o.subject,
                "value": o.value,
                "source_url": o.source_url,
                "snippet": o.snippet,
                "extractor": o.extractor,
                "extractor_version": o.extractor_version,
                "seen_at": _iso(o.seen_at),
            }
            for o in observations
        ],
        "history": [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "field": e.field,
                "old": e.old,
                "new": e.new,
            }
            for e in events
        ],
    }


def set_status(
    session: Session,
    slug: str,
    status: str,
    actor: str,
    reason: str | None = None,
    duplicate_of: str | None = None,
    until: datetime | None = None,
) -> Candidate:
    if status not in CANDIDATE_STATUSES:
        raise QueueError(f"unknown status {status!r}")
    cand = get_candidate(session, slug)
    old = cand.status
    if status == "duplicate":
        if not duplicate_of:
            raise QueueError("mark a duplicate with the slug of the candidate it duplicates")
        target = get_candidate(session, duplicate_of)
        if target.id == cand.id:
            raise QueueError("a candidate cannot duplicate itself")
        cand.duplicate_of = target.id
    if status == "snoozed":
        cand.snoozed_until = until
    cand.status = status
    cand.status_reason = reason
    cand.updated_at = utcnow()
    session.add(cand)
    session.add(
        Event(
            candidate_id=cand.id, actor=actor, action="status", field="status", old=old, new=status
        )
    )
    return cand
