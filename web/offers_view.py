"""What the candidate page's offers section shows: each offer of the release (catalog,
provider, model id, prices, context window, deprecation), its lifecycle dates, and the
price history of its offers. Reads the store (the release's resolved fields and
`store.price_history`); decides nothing. Every link passes `safe_url`: catalog documents
are hostile data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlmodel import Session

from store.models import Candidate
from store.price_history import price_periods
from web.render import safe_url

MAX_HISTORY_ROWS = 20  # the page shows the newest; the API pages through all of them
LIFECYCLE_KEYS = (
    "lifecycle",
    "released_at",
    "first_listed_at",
    "knowledge_cutoff",
    "deprecated_at",
    "retired_at",
)
PRICE_KEYS = ("input_usd_per_mtok", "output_usd_per_mtok", "cache_read_usd_per_mtok")


def price_text(value: Any) -> str:
    """A price per 1M tokens as the catalog states it ($0.117), '—' when unstated."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"${value:g}"


def tokens_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return "—"
    return f"{value:,}"


def offer_rows(offers: object) -> list[dict]:
    """The offers table: one row per offer, each price as stated, a link only when http(s)."""
    return (
        [_offer_row(o) for o in offers if isinstance(o, dict)] if isinstance(offers, list) else []
    )


def _offer_row(offer: dict) -> dict:
    return {
        "catalog": offer.get("catalog") or "—",
        "provider": offer.get("provider") or "—",
        "model_id": offer.get("model_id") or "—",
        **{key: price_text(offer.get(key)) for key in PRICE_KEYS},
        "context_window": tokens_text(offer.get("context_window")),
        "deprecated_at": offer.get("deprecated_at") or "—",
        "url": safe_url(offer.get("source_url")),
    }


def _history_row(p: dict) -> dict:
    return {
        "catalog": p.get("catalog") or p.get("source") or "—",
        "provider": p.get("provider") or "—",
        "model_id": p.get("model_id") or "—",
        **{key: price_text(p.get(key)) for key in PRICE_KEYS},
        "from": p.get("from"),
        "to": p.get("to"),
        "url": safe_url(p.get("source_url")),
    }


def panel(session: Session, cand: Candidate, d: dict) -> dict:
    """The section's rows: offers, lifecycle, price history (newest first) and, for a
    published release, the API address of its full history."""
    fields = d["effective"] if isinstance(d.get("effective"), dict) else {}
    history, more = price_periods(session.connection(), cand.id, MAX_HISTORY_ROWS)
    return {
        "offers": offer_rows(fields.get("offers")),
        "lifecycle": {key: fields.get(key) for key in LIFECYCLE_KEYS},
        "history": [_history_row(p) for p in history],
        "more_history": more,
        "prices_api": (
            f"/api/tools/{quote(cand.slug, safe='')}/prices" if cand.status == "accepted" else None
        ),
    }
