"""Reading a release's price history (`price_history`, written by `store.prices`): which
catalog entries are the release's, and each period one of them held a price.

One reader for `GET /api/tools/{slug}/prices` and the editor's candidate page.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Row

from store.models import Candidate, DelistedOffer, Observation, PriceHistory
from store.prices import PRICE_FIELDS, PRICE_LIST_EXTRACTORS


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def price_entries(conn: Connection, candidate_id: int) -> list[tuple[str, str]]:
    """(source, catalog model id) of every catalog entry priced for the release (its merged
    duplicates' too), from the subjects of its price observations ("pricing:NAME:ID"), and
    of those it lost when their catalog stopped listing them."""
    merged = select(Candidate.id).where(
        Candidate.duplicate_of == candidate_id, Candidate.status == "duplicate"
    )
    o = Observation
    subjects = conn.execute(
        select(o.subject).where(
            or_(o.candidate_id == candidate_id, o.candidate_id.in_(merged)),
            o.field == "pricing",
            o.extractor.in_(PRICE_LIST_EXTRACTORS),
        )
    ).scalars()
    found = set()
    for subject in subjects:
        name, _, model_id = subject.removeprefix("pricing:").partition(":")
        if model_id:
            found.add((f"pricing:{name}", model_id))
    # Entries that were its offers until their catalog dropped them: their periods are still
    # its history (`store.prices.drop_unlisted`).
    d = DelistedOffer
    delisted = conn.execute(
        select(d.source, d.model_id).where(
            or_(d.candidate_id == candidate_id, d.candidate_id.in_(merged))
        )
    )
    found.update((source, model_id) for source, model_id in delisted)
    return sorted(found)


def period(row: Row) -> dict:
    """One price period as the API serves it: the price fields, the offer, `from`, `to`."""
    pricing = row.pricing if isinstance(row.pricing, dict) else {}
    return {
        **{key: pricing.get(key) for key in PRICE_FIELDS},
        "tiers": list(pricing.get("tiers") or []),
        "units": list(pricing.get("units") or []),
        "catalog": pricing.get("catalog"),
        "provider": pricing.get("provider"),
        "model_id": pricing.get("model_id") or row.model_id,
        "catalog_model_id": pricing.get("catalog_model_id") or row.model_id,
        "source": row.source,
        "source_url": row.source_url,
        "from": _utc(row.valid_from).isoformat(),
        "to": _utc(row.valid_to).isoformat() if row.valid_to is not None else None,
    }


def price_periods(conn: Connection, candidate_id: int, limit: int) -> tuple[list[dict], bool]:
    """The release's newest `limit` price periods, newest first, and whether there are more."""
    entries = price_entries(conn, candidate_id)
    if not entries:
        return [], False
    history = PriceHistory.__table__
    rows = conn.execute(
        select(history)
        .where(history.c.source.in_({s for s, _ in entries}))
        .where(history.c.model_id.in_({m for _, m in entries}))
        .order_by(history.c.valid_from.desc(), history.c.id.desc())
    ).all()
    wanted = set(entries)
    found = [period(r) for r in rows if (r.source, r.model_id) in wanted]
    return found[:limit], len(found) > limit
