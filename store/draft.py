"""Drafts read from the store: a candidate's draft from the draft inputs its announcements
and model cards were observed with (normalize.draft.DraftSource, stored as observations
when each document was read), composed by normalize.draft, which owns every rule of the
draft's text. No document body is read here.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from normalize.draft import (
    ANNOUNCEMENT_EXTRACTOR,
    CARD_EXTRACTOR,
    DRAFT_FIELD,
    DraftSource,
    draft_from_sources,
)
from store.models import Candidate, Observation, Variant
from store.prices import PRICE_LIST_EXTRACTORS

__all__ = ["candidate_draft", "draft_from_sources"]
CARD_LIMIT = 2


def _announcements(session: Session, cand: Candidate) -> list[DraftSource]:
    """The announcements' draft inputs in publication order (undated first, ties by URL),
    one per URL."""
    values = session.exec(
        select(Observation.value).where(
            Observation.candidate_id == cand.id,
            Observation.field == DRAFT_FIELD,
            Observation.extractor == ANNOUNCEMENT_EXTRACTOR,
        )
    ).all()
    sources = [s for s in map(DraftSource.from_json, values) if s is not None]
    sources.sort(key=lambda s: (s.published is not None, s.published or "", s.url or ""))
    found: dict[str | None, DraftSource] = {}
    for source in sources:
        found.setdefault(source.url, source)
    return list(found.values())


def _cards(session: Session, cand: Candidate) -> list[DraftSource]:
    rows = session.exec(
        select(Variant.repo_id, Variant.is_quantized)
        .where(Variant.candidate_id == cand.id, Variant.is_derivative.is_(False))
        .order_by(Variant.repo_id)
    ).all()
    # The full-precision repos' cards first; a release published only quantized (an FP8
    # original, an AWQ build) has only those.
    repos = [r for r, quantized in rows if not quantized] or [r for r, _ in rows]
    if not repos:
        return []
    # Stored with the candidate the repo was with when its card was read (a repo that moves
    # has its card read again: store.batch asks for it).
    observed = session.exec(
        select(Observation.subject, Observation.value)
        .where(
            Observation.candidate_id == cand.id,
            Observation.field == DRAFT_FIELD,
            Observation.extractor == CARD_EXTRACTOR,
            col(Observation.subject).in_(repos),
        )
        .order_by(Observation.seen_at, Observation.id)
    ).all()
    latest = {subject: value for subject, value in observed}
    chosen = sorted(latest, key=repos.index)[:CARD_LIMIT]
    return [s for s in (DraftSource.from_json(latest[r]) for r in chosen) if s is not None]


def candidate_draft(session: Session, cand: Candidate) -> dict:
    """The draft of one candidate, from its stored observations."""
    source = session.exec(
        select(Observation.value).where(
            Observation.candidate_id == cand.id,
            Observation.field == "pricing",
            Observation.extractor.in_(PRICE_LIST_EXTRACTORS),
        )
    ).first()
    provider = source.get("provider") if isinstance(source, dict) else None
    return draft_from_sources(cand, _announcements(session, cand), _cards(session, cand), provider)
