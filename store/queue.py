"""Queue queries and editor decisions: what `toolscout queue` and the web pages read and do.

The JSON shapes built here (`candidate_summary`, `candidate_detail`) are the documented,
stable output of `toolscout queue list|show --json` (README, "JSON output"). Both apply the
editors' overrides (`store.overrides`) on top of the derived fields, and a candidate that
others were marked duplicates of shows their sources too: marking a duplicate merges its
sources into the original when read, so a re-crawl of the duplicate keeps feeding it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from normalize.draft import DRAFT_FIELD
from store.draft import candidate_draft
from store.merge import duplicates_of, merged_fields
from store.models import (
    CANDIDATE_STATUSES,
    Candidate,
    Event,
    FeedEntry,
    Observation,
    Variant,
    utcnow,
)
from store.overrides import effective_fields, open_conflicts, override_conflicts
from store.publish import publish_candidate
from store.similar import similar_candidates


class QueueError(ValueError):
    """An editor action that cannot be done (unknown slug, bad status)."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def candidate_summary(c: Candidate) -> dict:
    fields = effective_fields(c.fields, c.overrides)
    lic = fields.get("license") or {}
    return {
        "slug": c.slug,
        "name": (c.overrides or {}).get("name") or c.name,
        "vendor": fields.get("vendor", c.vendor),
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
        "conflicts": len(open_conflicts(c)),
        "queued_reason": c.queued_reason,
        # Held (notable false): stored, not queued; `notability` says why either way.
        "notable": c.notable is not False,
        "notability": c.notability,
        "sources": fields.get("sources") or [],
        "pricing": fields.get("pricing"),
    }


# The views of the queue, one definition for the CLI (`toolscout queue list --status`) and
# the web queue page. "held": candidates notability keeps out of the queue (store.notability).
QUEUE_VIEWS = ("new", *[s for s in CANDIDATE_STATUSES if s != "new"], "held", "all")


def snooze_over(status: str | None, until: datetime | None, now: datetime) -> bool:
    """A snoozed candidate whose snooze has run out: it is back in the queue."""
    return status == "snoozed" and until is not None and until <= now


def view_condition(view: str | None, now: datetime) -> Any:
    """The condition on candidates of one view of the queue (None: no condition).

    - "new": what waits for an editor: new candidates notability queued, and snoozed ones
      whose snooze has run out (they show under "snoozed" too, as due);
    - "held": what notability holds out of the queue, whatever its status;
    - an editor's status ("accepted", "snoozed", …): the candidates an editor gave it;
    - "all": every candidate; no view (the CLI's default): every candidate but the held.
    """
    if view == "all":
        return None
    if view == "held":
        return col(Candidate.notable).is_(False)
    if view is None:
        return col(Candidate.notable).is_not(False)
    if view not in CANDIDATE_STATUSES:
        raise QueueError(f"unknown status {view!r} (one of {', '.join(QUEUE_VIEWS)})")
    if view == "new":
        waiting = or_(
            Candidate.status == "new",
            (Candidate.status == "snoozed") & (col(Candidate.snoozed_until) <= now),
        )
        return waiting & col(Candidate.notable).is_not(False)
    return Candidate.status == view


def list_candidates(
    session: Session, status: str | None = None, now: datetime | None = None
) -> list[Candidate]:
    """The candidates of one view of the queue (`view_condition`), newest first."""
    condition = view_condition(status, now or utcnow())
    query = select(Candidate)
    if condition is not None:
        query = query.where(condition)
    return list(session.exec(query.order_by(Candidate.announced_at.desc(), Candidate.slug)))


def get_candidate(session: Session, slug: str) -> Candidate:
    cand = session.exec(select(Candidate).where(Candidate.slug == slug)).first()
    if cand is None:
        raise QueueError(f"no candidate with slug {slug!r} (see `toolscout queue list`)")
    return cand


def _variant_json(v: Variant) -> dict:
    return {
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


def _observation_json(o: Observation, slugs: dict[int, str]) -> dict:
    return {
        "field": o.field,
        "subject": o.subject,
        "value": o.value,
        "source_url": o.source_url,
        "snippet": o.snippet,
        "extractor": o.extractor,
        "extractor_version": o.extractor_version,
        "seen_at": _iso(o.seen_at),
        "candidate": slugs.get(o.candidate_id),
    }


def candidate_observations(session: Session, ids: list[int]) -> list[Observation]:
    return list(
        session.exec(
            select(Observation)
            .where(col(Observation.candidate_id).in_(ids))
            # A draft's inputs are no evidence of a value: the draft itself is shown.
            .where(Observation.field != DRAFT_FIELD)
            .order_by(Observation.field, Observation.subject, Observation.extractor)
        )
    )


def candidate_detail(session: Session, cand: Candidate) -> dict:
    duplicates = duplicates_of(session, cand)
    ids = [cand.id, *(d.id for d in duplicates)]
    slugs = {c.id: c.slug for c in (cand, *duplicates)}
    variants = session.exec(
        select(Variant).where(col(Variant.candidate_id).in_(ids)).order_by(Variant.repo_id)
    )
    observations = candidate_observations(session, ids)
    events = session.exec(select(Event).where(Event.candidate_id == cand.id).order_by(Event.id))
    entries = session.exec(
        select(FeedEntry)
        .where(col(FeedEntry.candidate_id).in_(ids))
        .order_by(col(FeedEntry.published_at).desc(), FeedEntry.id)
    )
    overrides = cand.overrides or {}
    target = session.get(Candidate, cand.duplicate_of) if cand.duplicate_of else None
    return {
        **candidate_summary(cand),
        "fields": cand.fields or {},
        "overrides": overrides,
        "effective": merged_fields(cand, duplicates),
        "conflict_details": [
            {**c, "settled": c.get("field") in overrides} for c in cand.conflicts or []
        ]
        + override_conflicts(cand),
        "status_reason": cand.status_reason,
        "snoozed_until": _iso(cand.snoozed_until),
        "duplicate_of": target.slug if target else None,
        "merged_from": [d.slug for d in duplicates],
        "similar": similar_candidates(session, cand),
        "draft": candidate_draft(session, cand),
        "variants": [_variant_json(v) for v in variants],
        "observations": [_observation_json(o, slugs) for o in observations],
        "announcements": [
            {
                "title": e.page_title or e.title,
                "url": e.page_url or e.link,
                "source": e.source,
                "published_at": _iso(e.published_at),
                "summary": (e.summary or "")[:500] or None,
            }
            for e in entries
        ],
        "history": [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "editor": e.editor,
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
    """An editor's decision on one candidate, recorded in its history and published.

    `actor` is "editor:<name>". Accepting publishes the record (`store.publish`); any other
    status withdraws it. A duplicate points at the original's original when that is itself
    a duplicate, and candidates that pointed at this one follow it, so merges stay one level.
    """
    if status not in CANDIDATE_STATUSES:
        raise QueueError(f"unknown status {status!r}")
    cand = get_candidate(session, slug)
    old = cand.status
    touched = [cand]
    if status == "duplicate":
        if not duplicate_of:
            raise QueueError("mark a duplicate with the slug of the candidate it duplicates")
        target = get_candidate(session, duplicate_of)
        seen = {cand.id}
        while target.status == "duplicate" and target.duplicate_of and target.id not in seen:
            seen.add(target.id)
            target = session.get(Candidate, target.duplicate_of)
        if target.id == cand.id:
            raise QueueError("a candidate cannot duplicate itself")
        if old == "duplicate" and cand.duplicate_of and cand.duplicate_of != target.id:
            touched.append(session.get(Candidate, cand.duplicate_of))
        cand.duplicate_of = target.id
        for dup in duplicates_of(session, cand):
            dup.duplicate_of = target.id
            dup.updated_at = utcnow()
            session.add(dup)
        touched.append(target)
    elif cand.duplicate_of is not None:
        previous = session.get(Candidate, cand.duplicate_of)
        cand.duplicate_of = None
        if previous is not None:
            touched.append(previous)
    if until is not None:
        if until.tzinfo is None:
            until = until.replace(tzinfo=UTC)  # a date typed without a zone is UTC
        try:
            until = until.astimezone(UTC)
        except OverflowError:
            raise QueueError(
                f"snooze until {until.isoformat()}: not a date a store can keep"
            ) from None
    cand.snoozed_until = until if status == "snoozed" else None
    cand.status = status
    cand.status_reason = reason
    cand.updated_at = utcnow()
    session.add(cand)
    editor = actor.removeprefix("editor:") if actor.startswith("editor:") else None
    session.add(
        Event(
            candidate_id=cand.id,
            actor=actor,
            editor=editor,
            action="status",
            field="status",
            old=old,
            new=status,
        )
    )
    if reason:
        session.add(
            Event(
                candidate_id=cand.id,
                actor=actor,
                editor=editor,
                action="status",
                field="status_reason",
                new=reason,
            )
        )
    session.flush()
    for each in touched:
        publish_candidate(session, each)
    return cand
