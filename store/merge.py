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
    offers = list(fields.get("offers") or [])
    if duplicates and "offers" not in (cand.overrides or {}):
        # A duplicate's offers are the release's too, once each (catalog, provider, id).
        by_key = {_offer_key(o): o for o in offers if isinstance(o, dict)}
        for dup in duplicates:
            for offer in (dup.fields or {}).get("offers") or []:
                if isinstance(offer, dict):
                    by_key.setdefault(_offer_key(offer), offer)
        offers = [by_key[key] for key in sorted(by_key)]
    return {
        **fields,
        "sizes": sizes,
        "repos": sorted(repos),
        "derivatives": derivatives,
        "offers": offers,
    }


def _offer_key(offer: dict) -> tuple[str, str, str]:
    return tuple(str(offer.get(k) or "") for k in ("catalog", "provider", "model_id"))
