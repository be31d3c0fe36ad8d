"""Duplicates merged when read: a candidate that editors marked others duplicates of shows
their sizes and repos too (`toolscout queue show`, the published record).

Apart from `store.queue` (editor decisions, which publish) and `store.publish` (which reads
the merged fields), so that neither imports the other.
"""

from __future__ import annotations

from sqlmodel import Session, select

from store.models import Candidate
from store.overrides import effective_fields


def duplicates_of(session: Session, cand: Candidate) -> list[Candidate]:
    """Candidates an editor marked as duplicates of this one: their sources are its own."""
    if cand.id is None:
        return []
    query = select(Candidate).where(
        Candidate.duplicate_of == cand.id, Candidate.status == "duplicate"
    )
    return list(session.exec(query.order_by(Candidate.id)))


def merged_fields(cand: Candidate, duplicates: list[Candidate]) -> dict:
    """Effective fields, with the sizes and repos of the duplicates merged in."""
    fields = effective_fields(cand.fields, cand.overrides)
    if not duplicates or "sizes" in (cand.overrides or {}):
        sizes = list(fields.get("sizes") or [])
    else:
        by_label = {s["label"]: s for s in fields.get("sizes") or []}
        for dup in duplicates:
            for size in effective_fields(dup.fields, dup.overrides).get("sizes") or []:
                by_label.setdefault(size["label"], size)
        sizes = sorted(by_label.values(), key=lambda s: (s.get("total") or 0, s["label"]))
    repos = set(fields.get("repos") or [])
    derivatives = fields.get("derivatives") or 0
    for dup in duplicates:
        repos.update((dup.fields or {}).get("repos") or [])
        derivatives += (dup.fields or {}).get("derivatives") or 0
    return {**fields, "sizes": sizes, "repos": sorted(repos), "derivatives": derivatives}
