"""Drafts read from the store: a candidate's announcements and model cards, drafted by
normalize.draft (which owns every rule of the draft's text).
"""

from __future__ import annotations

from sqlmodel import Session, or_, select

from normalize.draft import build_draft
from store.documents import document_body
from store.models import Candidate, Document, FeedEntry, Observation, Variant
from store.prices import PRICE_LIST_EXTRACTORS

__all__ = ["build_draft", "candidate_draft"]


def _announcements(session: Session, cand: Candidate) -> list[dict]:
    urls = session.exec(
        select(Observation.source_url).where(
            Observation.candidate_id == cand.id, Observation.field == "announcement"
        )
    ).all()
    if not urls:
        return []
    rows = session.exec(
        select(FeedEntry)
        .where(or_(FeedEntry.page_url.in_(urls), FeedEntry.link.in_(urls)))
        .order_by(FeedEntry.published_at, FeedEntry.id)
    ).all()
    found: dict[str, dict] = {}
    for row in rows:
        url = row.page_url or row.link
        found.setdefault(
            url,
            {
                "url": url,
                "title": row.page_title or row.title,
                "description": row.page_description,
                "text": row.page_text or row.summary,
            },
        )
    return list(found.values())


def _cards(session: Session, cand: Candidate, limit: int = 2) -> list[str]:
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
    docs = session.exec(
        select(Document).where(
            Document.kind == "hf_card", Document.repo_id.in_(repos), Document.status == 200
        )
    ).all()
    docs = sorted(docs, key=lambda d: repos.index(d.repo_id))[:limit]
    return [(document_body(d) or b"").decode("utf-8", "replace") for d in docs]


def candidate_draft(session: Session, cand: Candidate) -> dict:
    """The draft of one candidate, read from the store."""
    source = session.exec(
        select(Observation.value).where(
            Observation.candidate_id == cand.id,
            Observation.field == "pricing",
            Observation.extractor.in_(PRICE_LIST_EXTRACTORS),
        )
    ).first()
    provider = source.get("provider") if isinstance(source, dict) else None
    return build_draft(cand, _announcements(session, cand), _cards(session, cand), provider)
