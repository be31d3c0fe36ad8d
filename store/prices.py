"""Provider prices (a price catalog: OpenRouter's model list, LiteLLM's price map, models.dev)
→ price rows → observations of the candidates whose Hub repo they name.

The join key is the Hub repo a record names: OpenRouter's `hugging_face_id`; a LiteLLM key
that is the provider's prefix and a Hub repo id (`deepinfra/meta-llama/Llama-3.3-70B-Instruct`);
a models.dev model id that is a Hub repo id (`qwen/qwen3-8b` under a provider). It is compared
without case as the Hub does
(`Qwen/Qwen3-8B` and `qwen/qwen3-8b` are one repo). Every price read is kept in
`provider_price`, so a repo that appears on the Hub after its price was read (the list is
revalidated with a 304 and not parsed again) is priced the moment it is stored.
An entry without a Hugging Face id (a closed, API-only model) joins only a release without
Hub repos of the same vendor and the same name ("Google: Gemini 2.5 Flash Lite" and the
announced "Gemini 2.5 Flash-Lite" of org google), never by name alone across vendors.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from normalize.catalog_names import same_vendor
from normalize.licenses import stated_open_weights
from normalize.lifecycle import lifecycle_from_record
from normalize.offers import offer_facts
from normalize.pricing import UNKNOWN, pricing_from_record, unstated_pricing
from normalize.titles import squash
from store.models import (
    Candidate,
    DelistedOffer,
    IdLink,
    Observation,
    PriceHistory,
    ProviderPrice,
    Variant,
    utcnow,
)
from store.upsert import insert_new, upsert

PRICE_COLUMNS = ("hf_key", "name", "pricing", "source_url", "snippet", "content_hash", "seen_at")
TRUST = 20  # a provider's structured price list: above prose, the only source of prices
# The observation extractor of each catalog (a row without `catalog` is OpenRouter's, as
# every row was before there were others).
CATALOG_EXTRACTORS = {
    "openrouter": "pricing.openrouter",
    "litellm": "pricing.litellm",
    "models.dev": "pricing.models_dev",
}
PRICE_LIST_EXTRACTORS = tuple(CATALOG_EXTRACTORS.values())


def _str(value: object, limit: int) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


# The fields of an offer's price (normalize.pricing_model.Pricing.to_json, no evidence):
# a change of any of them is a new period of its price history.
PRICE_FIELDS = (
    "tier",
    "input_usd_per_mtok",
    "output_usd_per_mtok",
    "subscription_usd_per_month",
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
    "tiers",
    "units",
)


def price_row(source: str, url: str, model: dict) -> dict | None:
    """One provider model → a price row, or None when it states no usable price."""
    model_id = _str(model.get("id"), 300)
    if not model_id:
        return None
    catalog = model.get("_catalog") if isinstance(model.get("_catalog"), str) else "openrouter"
    hf_id = _hub_id(model, catalog)
    pricing = pricing_from_record(model, source=f"{url}#{model_id}")
    if pricing is None and hf_id and "/" in hf_id:
        # An entry that names a Hub repo but no price is still an offer and an id of that
        # release (who serves it, under which id), where the catalog's format allows it;
        # its prices stay unknown. An entry naming neither says nothing we could join.
        extractor = CATALOG_EXTRACTORS.get(catalog, "pricing.openrouter")
        pricing = unstated_pricing(model_id, f"{url}#{model_id}", catalog, extractor)
    if pricing is None:
        return None
    data = pricing.to_json()
    evidence = (data.pop("evidence", None) or [{}])[0]
    data["catalog"] = catalog
    now = utcnow()
    offer, window_parts = offer_facts(model, catalog)
    data["offer"] = offer
    data["lifecycle"] = lifecycle_from_record(model, catalog, now, source=f"{url}#{model_id}")
    open_weights = stated_open_weights(model, catalog)
    if open_weights is not None:  # kept for store.disagreements: a catalog against the card
        data["open_weights"] = open_weights
    digest = json.dumps([hf_id, data, model.get("name")], sort_keys=True, default=str)
    snippet = " ".join([evidence.get("snippet") or "", *window_parts]).strip()
    return {
        "source": source,
        "model_id": model_id,
        "hf_key": hf_id.lower() if hf_id and "/" in hf_id else None,
        "name": _str(model.get("name"), 300),
        "pricing": data,
        "source_url": evidence.get("source") or url,
        "snippet": snippet[:500],
        "content_hash": hashlib.sha256(digest.encode()).hexdigest(),
        "seen_at": now,
    }


def states_a_price(pricing: dict | None) -> bool:
    """Whether a stored price states anything: not an entry read as `unstated_pricing`."""
    pricing = pricing or {}
    return (
        pricing.get("tier") not in (UNKNOWN, None)
        or any(
            pricing.get(key) is not None
            for key in PRICE_FIELDS
            if key not in ("tier", "tiers", "units")
        )
        or bool(pricing.get("tiers") or pricing.get("units"))
    )


def _keep_known_prices(session: Session, source: str, rows: list[dict]) -> list[dict]:
    """The rows to store, less those of entries that state no price now but did before: a
    price a catalog once stated is not lost to one publish that leaves its keys out (an
    entry still listed keeps its last price, as one whose price cannot be read does)."""
    unstated = [r["model_id"] for r in rows if not states_a_price(r["pricing"])]
    known: set[str] = set()
    for start in range(0, len(unstated), 500):
        stored = session.exec(
            select(ProviderPrice.model_id, ProviderPrice.pricing).where(
                ProviderPrice.source == source,
                col(ProviderPrice.model_id).in_(unstated[start : start + 500]),
            )
        ).all()
        known.update(model_id for model_id, pricing in stored if states_a_price(pricing))
    return [r for r in rows if r["model_id"] not in known]


def price_of(pricing: dict | None) -> dict:
    """The price fields of a stored price (what a period of its history holds); a price
    stored before tiers and units were read has none of either."""
    found = {key: (pricing or {}).get(key) for key in PRICE_FIELDS}
    return {**found, "tiers": found["tiers"] or [], "units": found["units"] or []}


def _hub_id(model: dict, catalog: str) -> str | None:
    """The Hub repo id a catalog record names, or None: `owner/name`, nothing more."""
    if catalog == "openrouter":
        return _str(model.get("hugging_face_id"), 300)
    name = _str(model.get("_model"), 300) or ""
    provider = model.get("litellm_provider")
    if catalog == "litellm" and isinstance(provider, str) and provider:
        prefix = provider.lower() + "/"
        name = name[len(prefix) :] if name.lower().startswith(prefix) else ""
    return name if name.count("/") == 1 and all(name.split("/")) else None


def _observations(price: ProviderPrice | dict, candidate_id: int, repo_id: str | None) -> list:
    """A price as observations of a candidate: its price (field `pricing`, with the offer it
    is) and the dates its catalog states (field `lifecycle`, when it states any); `repo_id`
    is the repo it was joined by (None for a join by vendor and name)."""
    get = price.get if isinstance(price, dict) else lambda k: getattr(price, k)
    pricing = dict(get("pricing") or {})
    lifecycle = pricing.pop("lifecycle", None)
    catalog = pricing.get("catalog")
    subject = f"{get('source')}:{get('model_id')}"
    found = [
        {
            "candidate_id": candidate_id,
            "field": "pricing",
            "subject": subject,
            "extractor": CATALOG_EXTRACTORS.get(catalog, "pricing.openrouter"),
            "value": {
                **pricing,
                "provider": get("source"),
                "provider_model": get("model_id"),
                "repo": repo_id,
            },
            "source_url": get("source_url"),
            "snippet": get("snippet"),
            "extractor_version": "1",
            "trust": TRUST,
            "seen_at": utcnow(),
        }
    ]
    if isinstance(lifecycle, dict):
        evidence = lifecycle.get("evidence") or {}
        found.append(
            {
                "candidate_id": candidate_id,
                "field": "lifecycle",
                "subject": subject,
                "extractor": evidence.get("extractor") or "lifecycle",
                "value": {k: v for k, v in lifecycle.items() if k != "evidence"},
                "source_url": evidence.get("source") or get("source_url"),
                "snippet": evidence.get("snippet"),
                "extractor_version": evidence.get("version") or "1",
                "trust": TRUST,
                "seen_at": utcnow(),
            }
        )
    return found


def _observation_rows(prices: list, candidate_id: int, repo_id: str | None) -> list[dict]:
    return [o for price in prices for o in _observations(price, candidate_id, repo_id)]


def _drop_stale_lifecycle(session: Session, observations: list[dict]) -> None:
    """A catalog entry that no longer states a date loses the lifecycle it stated."""
    stating = {(o["candidate_id"], o["subject"]) for o in observations if o["field"] == "lifecycle"}
    silent = [
        (o["candidate_id"], o["subject"])
        for o in observations
        if o["field"] == "pricing" and (o["candidate_id"], o["subject"]) not in stating
    ]
    by_candidate: dict[int, list[str]] = {}
    for cid, subject in silent:
        by_candidate.setdefault(cid, []).append(subject)
    for cid, subjects in sorted(by_candidate.items()):
        for start in range(0, len(subjects), 500):
            session.execute(
                delete(Observation).where(
                    Observation.candidate_id == cid,
                    Observation.field == "lifecycle",
                    col(Observation.subject).in_(subjects[start : start + 500]),
                )
            )


def _upsert_observations(session: Session, rows: list[dict]) -> None:
    # In key order: two crawls of the price list (on two hosts) lock the same rows in the
    # same order, so neither waits for a row the other holds while holding one it wants.
    rows = sorted(rows, key=lambda r: (r["candidate_id"], r["subject"]))
    upsert(
        session,
        Observation.__table__,
        rows,
        key=("candidate_id", "field", "subject", "extractor"),
        update=("value", "source_url", "snippet", "trust", "seen_at"),
    )


def save_prices(session: Session, source: str, url: str, models: list[dict]) -> dict[int, int]:
    """Store a catalog document's prices (read whole: a failed or cut read never comes
    here); returns {candidate id: prices joined} of the candidates whose offers it touched,
    0 for one that only lost offers (`drop_unlisted`)."""
    now = utcnow()
    rows = [r for r in (price_row(source, url, m) for m in models) if r]
    # One row per model id: a list that repeats an id keeps its last entry. In id order,
    # as the observations below, whatever order the provider lists them in.
    rows = sorted({r["model_id"]: r for r in rows}.values(), key=lambda r: r["model_id"])
    rows = _keep_known_prices(session, source, rows)
    # Listed is listed, priced or not: an entry whose price cannot be read keeps its offer.
    listed = {_str(m.get("id"), 300) for m in models if isinstance(m, dict)} - {None}
    lost = drop_unlisted(session, source, url, listed, now)
    record_history(session, source, rows, now)
    for start in range(0, len(rows), 500):
        upsert(
            session,
            ProviderPrice.__table__,
            rows[start : start + 500],
            key=("source", "model_id"),
            update=PRICE_COLUMNS,
            where_changed="content_hash",
        )
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        if row["hf_key"]:
            by_key.setdefault(row["hf_key"], []).append(row)
    joined: dict[int, int] = {}
    observations = []
    unnamed = [row for row in rows if not row["hf_key"]]
    if unnamed:
        for row, cid in _name_matches(unnamed, _api_only_candidates(session)):
            observations += _observations(row, cid, None)
            joined[cid] = joined.get(cid, 0) + 1
    for row, cid in _confirmed(session, source, rows):
        observations += _observations(row, cid, None)
        joined[cid] = joined.get(cid, 0) + 1
    keys = list(by_key)
    for start in range(0, len(keys), 500):
        variants = session.exec(
            select(Variant.repo_id, Variant.candidate_id).where(
                func.lower(Variant.repo_id).in_(keys[start : start + 500]),
                Variant.candidate_id.is_not(None),
            )
        ).all()
        for repo_id, cid in variants:
            for row in by_key[repo_id.lower()]:
                observations += _observations(row, cid, repo_id)
                joined[cid] = joined.get(cid, 0) + 1
    _upsert_observations(session, observations)
    _drop_stale_lifecycle(session, observations)
    for cid in lost:
        joined.setdefault(cid, 0)
    return joined


def _read_from(source_url: str, url: str) -> bool:
    """Whether an entry was last read from the document at `url`: its evidence is that
    document's URL and the entry's id as the fragment (`price_row`)."""
    return source_url == url or source_url.startswith(url + "#")


def drop_unlisted(
    session: Session, source: str, url: str, listed: set[str], now: datetime
) -> set[int]:
    """The entries the document at `url` listed before and lists no longer (a provider
    stopped serving a model): their open price periods close at `now` (when the document
    without them was read), their offers, lifecycle dates and ids leave the releases they
    were joined to, and their stored prices go (nothing joins them later). Returns the
    candidates that lost an offer. Which releases it was an offer of is kept
    (`delisted_offer`): its periods stay their price history.

    Only this document's entries: another page of the same catalog lists its own. A
    document that lists nothing at all drops nothing: a catalog emptied at once is a broken
    publish, not every provider stopping together."""
    if not listed:
        return set()
    stored = session.execute(
        select(ProviderPrice.model_id, ProviderPrice.source_url).where(
            ProviderPrice.source == source
        )
    ).all()
    gone = sorted(m for m, where in stored if m not in listed and _read_from(where, url))
    lost: set[int] = set()
    history = PriceHistory.__table__
    for start in range(0, len(gone), 500):
        batch = gone[start : start + 500]
        session.execute(
            update(history)
            .where(
                history.c.source == source,
                history.c.model_id.in_(batch),
                history.c.valid_to.is_(None),
            )
            .values(valid_to=now)
        )
        subjects = [f"{source}:{m}" for m in batch]
        joined_to = (
            col(Observation.field).in_(("pricing", "lifecycle")),
            col(Observation.subject).in_(subjects),
        )
        offers = session.exec(
            select(Observation.candidate_id, Observation.subject).where(
                *joined_to, Observation.field == "pricing"
            )
        ).all()
        lost.update(cid for cid, _ in offers)
        # Sorted, as every writer of these rows: two crawls at once lock in one order.
        delisted = [
            {
                "candidate_id": cid,
                "source": source,
                "model_id": subject[len(source) + 1 :],
                "delisted_at": now,
            }
            for cid, subject in sorted(set(offers))
        ]
        insert_new(session, DelistedOffer.__table__, delisted)
        session.execute(delete(Observation).where(*joined_to))
        session.execute(
            delete(ProviderPrice).where(
                ProviderPrice.source == source, col(ProviderPrice.model_id).in_(batch)
            )
        )
    return lost


def record_history(
    session: Session, source: str, rows: list[dict], now: datetime | None = None
) -> None:
    """Close the open price period of each entry whose price changed and open the next, at
    `now` (the read); each row's offer learns since when its price holds (`offer.seen_at`)."""
    now = now or utcnow()
    table = PriceHistory.__table__
    open_: dict[str, tuple[int, dict, datetime]] = {}
    ids = [r["model_id"] for r in rows]
    for start in range(0, len(ids), 500):
        for pid, model_id, pricing, since in session.execute(
            select(table.c.id, table.c.model_id, table.c.pricing, table.c.valid_from).where(
                table.c.source == source,
                table.c.valid_to.is_(None),
                table.c.model_id.in_(ids[start : start + 500]),
            )
        ):
            open_[model_id] = (pid, pricing or {}, since)
    closed, opened = [], []
    for row in rows:
        price = price_of(row["pricing"])
        current = open_.get(row["model_id"])
        if current is not None and price_of(current[1]) == price:
            since = current[2]
        else:
            if current is not None:
                closed.append(current[0])
            since = now
            offer = row["pricing"].get("offer") or {}
            opened.append(
                {
                    "source": source,
                    "model_id": row["model_id"],
                    "pricing": {**price, **{k: offer.get(k) for k in HISTORY_OFFER_KEYS}},
                    "source_url": row["source_url"],
                    "valid_from": now,
                    "valid_to": None,
                }
            )
        offer = row["pricing"].get("offer")
        if isinstance(offer, dict):
            offer["seen_at"] = _iso(since)
    for start in range(0, len(closed), 500):
        session.execute(
            update(table)
            .where(table.c.id.in_(closed[start : start + 500]), table.c.valid_to.is_(None))
            .values(valid_to=now)
        )
    # Two crawls of one catalog at once: the second finds the period opened (the partial
    # unique index on open periods) and leaves it.
    for start in range(0, len(opened), 500):
        insert_new(session, table, opened[start : start + 500])


HISTORY_OFFER_KEYS = ("catalog", "provider", "model_id", "catalog_model_id")


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def name_key(model_id: str, name: str | None) -> tuple[str, str] | None:
    """(vendor prefix, squashed name) of a provider entry: "google/gemini-2.5-flash-lite",
    "Google: Gemini 2.5 Flash Lite" → ("google", "gemini2.5flashlite")."""
    if "/" not in model_id or not name or ":" in model_id.split("/", 1)[1]:
        return None  # ":free", ":beta" variants are priced under their own id
    display = name.split(":", 1)[1] if ":" in name else name
    display = re.sub(r"\s*\([^)]*\)\s*$", "", display)
    return model_id.split("/", 1)[0].lower(), squash(display)


def _api_only_candidates(session: Session) -> list[Candidate]:
    has_repo = select(Variant.candidate_id).where(Variant.candidate_id.is_not(None))
    return list(session.exec(select(Candidate).where(Candidate.id.not_in(has_repo))))


def _name_matches(rows: list, candidates: list[Candidate]) -> list[tuple[object, int]]:
    found = []
    for row in rows:
        get = row.get if isinstance(row, dict) else lambda k, r=row: getattr(r, k)
        key = name_key(get("model_id"), get("name"))
        if key is None:
            continue
        for cand in candidates:
            # The vendor rule of the id map: "deepseek" / "deepseek-ai", and orgs the vendor
            # table gives one vendor ("meta-llama" / "facebook").
            if same_vendor(key[0], cand.org, cand.vendor) and squash(cand.family) == key[1]:
                found.append((row, cand.id))
    return found


def join_announced(session: Session, candidate_id: int) -> int:
    """Prices already read for a release announced without a Hub repo (by vendor and name)."""
    cand = session.get(Candidate, candidate_id)
    rows = session.exec(select(ProviderPrice).where(ProviderPrice.hf_key.is_(None))).all()
    matches = _name_matches(list(rows), [cand] if cand else [])
    observations = [o for row, cid in matches for o in _observations(row, cid, None)]
    _upsert_observations(session, observations)
    return len(matches)


def join_repo(session: Session, repo_id: str, candidate_id: int) -> int:
    """Prices already read for a repo that has just been stored; returns how many."""
    prices = session.exec(
        select(ProviderPrice).where(ProviderPrice.hf_key == repo_id.lower())
    ).all()
    _upsert_observations(session, _observation_rows(list(prices), candidate_id, repo_id))
    return len(prices)


def _confirmed(session: Session, source: str, rows: list[dict]) -> list[tuple[dict, int]]:
    """(row, candidate) of the entries an editor confirmed for a release (`store.ids`): a
    join by name made certain, kept up to date by every read of the catalog."""
    by_model = {row["model_id"]: row for row in rows}
    links = session.exec(
        select(IdLink.model_id, IdLink.candidate_id).where(
            IdLink.source == source, IdLink.decision == "confirmed"
        )
    ).all()
    return [(by_model[m], cid) for m, cid in links if m in by_model]


def join_link(session: Session, candidate_id: int, source: str, model_id: str) -> int:
    """The prices of one catalog entry an editor confirmed for a release; returns how many."""
    prices = session.exec(
        select(ProviderPrice).where(
            ProviderPrice.source == source, ProviderPrice.model_id == model_id
        )
    ).all()
    _upsert_observations(session, _observation_rows(list(prices), candidate_id, None))
    return len(prices)
