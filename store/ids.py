"""The id map: every id under which a catalog knows a release, and the suggested joins.

- `release_ids`: a published record's `ids` — its Hub repos and the ids of the catalog
  entries joined to it (the price observations `store.prices` writes: by the Hub repo an entry
  names, exactly, or by an editor's confirmation).
- `index_ids`: the `tool_id` rows `GET /api/ids` looks ids up in, rewritten with the record.
- `suggestions`: catalog entries that name a release only by vendor and name
  (`normalize.catalog_names`), computed when the candidate page is read, so the order in
  which the Hub and the catalogs were crawled does not matter. Never merged silently: an
  editor confirms (the entry's prices and id join, `store.prices.join_link`) or rejects (it is
  never suggested for that release again); both are kept in `id_link`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, or_
from sqlmodel import Session, col, select

from normalize.catalog_names import catalog_names, name_match
from store.models import (
    Candidate,
    Event,
    IdLink,
    Observation,
    ProviderPrice,
    ToolId,
    Variant,
    utcnow,
)
from store.prices import CATALOG_EXTRACTORS, join_link

# The record's `ids` keys, in this order; a catalog's key is its name as a JSON key.
ID_KEYS = ("huggingface", "openrouter", "models_dev", "litellm")
CATALOG_KEY = {"openrouter": "openrouter", "litellm": "litellm", "models.dev": "models_dev"}
EXTRACTOR_KEY = {CATALOG_EXTRACTORS[c]: key for c, key in CATALOG_KEY.items()}
DECISIONS = ("confirmed", "rejected")
MAX_SUGGESTIONS = 20
BATCH = 500


class IdsError(ValueError):
    """An editor's answer that cannot be taken: one sentence saying why."""


def empty_ids() -> dict[str, list[str]]:
    return {key: [] for key in ID_KEYS}


def release_ids(session: Session, members: dict[int, list[int]]) -> dict[int, dict]:
    """The catalog ids of each release, `members` giving the candidates whose entries count
    (the release and the duplicates merged into it); the Hub repos are the caller's."""
    owner = {m: cid for cid, ms in members.items() for m in ms}
    found: dict[int, dict[str, set[str]]] = {cid: {} for cid in members}
    wanted = sorted(owner)
    o = Observation
    for start in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(o.candidate_id, o.extractor, o.value).where(
                col(o.candidate_id).in_(wanted[start : start + BATCH]),
                o.field == "pricing",
                col(o.extractor).in_(list(EXTRACTOR_KEY)),
            )
        ).all()
        for cid, extractor, value in rows:
            model = (value or {}).get("provider_model") if isinstance(value, dict) else None
            if isinstance(model, str) and model:
                found[owner[cid]].setdefault(EXTRACTOR_KEY[extractor], set()).add(model)
    return {
        cid: {key: sorted(ids.get(key, ())) for key in ID_KEYS[1:]} for cid, ids in found.items()
    }


def record_ids(repos: Iterable[str], catalog_ids: dict | None) -> dict[str, list[str]]:
    """The `ids` of a record: its Hub repos first, then each catalog's ids."""
    ids = empty_ids()
    ids["huggingface"] = sorted(set(repos))
    for key in ID_KEYS[1:]:
        ids[key] = list((catalog_ids or {}).get(key) or [])
    return ids


def index_ids(session: Session, records: dict[int, dict | None]) -> None:
    """Rewrite the looked-up ids of these candidates: their published `ids`, or none when
    the record is withdrawn (None)."""
    cids = sorted(records)
    for start in range(0, len(cids), BATCH):
        session.execute(
            delete(ToolId).where(col(ToolId.candidate_id).in_(cids[start : start + BATCH]))
        )
    rows = []
    for cid in cids:
        seen = set()
        for catalog, values in (records[cid] or {}).items():
            for value in values or []:
                key = (catalog, value.lower()[:300])
                if catalog in ID_KEYS and key not in seen:
                    seen.add(key)
                    rows.append(
                        {
                            "candidate_id": cid,
                            "catalog": catalog,
                            "external_id": value[:300],
                            "key": key[1],
                        }
                    )
    for start in range(0, len(rows), BATCH):
        session.execute(insert(ToolId.__table__), rows[start : start + BATCH])


# -- suggestions ------------------------------------------------------------------------------
def _joined_keys(session: Session, cid: int) -> set[str]:
    """ "<source>:<model id>" of the entries already joined to the candidate."""
    subjects = session.exec(
        select(Observation.subject).where(
            Observation.candidate_id == cid,
            Observation.field == "pricing",
            col(Observation.extractor).in_(list(EXTRACTOR_KEY)),
        )
    ).all()
    return set(subjects)


def _hub_keys_stored(session: Session, keys: set[str]) -> set[str]:
    """Which of these lower-cased repo ids are stored repos (joined exactly elsewhere)."""
    found: set[str] = set()
    wanted = sorted(keys)
    for start in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(func.lower(Variant.repo_id)).where(
                func.lower(Variant.repo_id).in_(wanted[start : start + BATCH])
            )
        ).all()
        found.update(rows)
    return found


def _words(cand: Candidate) -> list[str]:
    """Words an entry naming this release must contain (a prefilter the database runs):
    the family key's first word ("llama" of "llama-3.3")."""
    first = (cand.family_key or "").split("-", 1)[0]
    word = "".join(ch for ch in first if ch.isalpha())
    return [word.lower()] if len(word) >= 3 else []


def suggestions(session: Session, cand: Candidate) -> list[dict]:
    """Catalog entries that name this release by vendor and name only, best first; none
    that an editor answered for it, none joined to it, none naming a stored Hub repo (that
    one joined exactly wherever it belongs)."""
    words = _words(cand)
    if not words or cand.id is None:
        return []
    p = ProviderPrice
    pattern = f"%{words[0]}%"
    rows = session.exec(
        select(p).where(
            or_(func.lower(p.model_id).like(pattern), func.lower(p.hf_key).like(pattern))
        )
    ).all()
    answered = set(
        session.exec(
            select(IdLink.source, IdLink.model_id).where(IdLink.candidate_id == cand.id)
        ).all()
    )
    joined = _joined_keys(session, cand.id)
    stored = _hub_keys_stored(session, {r.hf_key for r in rows if r.hf_key})
    fields = cand.fields or {}
    labels = [s.get("label") for s in fields.get("sizes") or [] if isinstance(s, dict)]
    found = []
    for row in rows:
        if (row.source, row.model_id) in answered or f"{row.source}:{row.model_id}" in joined:
            continue
        if row.hf_key and row.hf_key in stored:
            continue
        catalog = (row.pricing or {}).get("catalog") or "openrouter"
        readings = catalog_names(row.model_id, catalog, row.hf_key)
        match = name_match(readings, cand.org, cand.family_key, cand.vendor, labels)
        if match is None:
            continue
        found.append(
            {
                "source": row.source,
                "catalog": CATALOG_KEY.get(catalog, catalog),
                "model_id": row.model_id,
                "name": row.name,
                "hub_id": row.hf_key,
                "score": match[0],
                "reason": match[1],
                "url": row.source_url,
                "seen_at": row.seen_at,
            }
        )
    found.sort(key=lambda s: (-s["score"], s["catalog"], s["model_id"]))
    return found[:MAX_SUGGESTIONS]


def answered_links(session: Session, cid: int) -> list[IdLink]:
    """The editors' answers for this release, newest first."""
    query = select(IdLink).where(IdLink.candidate_id == cid)
    return list(session.exec(query.order_by(col(IdLink.decided_at).desc(), IdLink.id)))


def decide(
    session: Session,
    cand: Candidate,
    source: str,
    model_id: str,
    decision: str,
    editor: str,
) -> IdLink:
    """An editor's answer to a suggested entry: kept (a rejection forever); a confirmation
    joins the entry's prices and id to the release, a rejection of a confirmed one takes
    them away again. The caller refreshes and publishes."""
    if decision not in DECISIONS:
        raise IdsError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    price = session.exec(
        select(ProviderPrice).where(
            ProviderPrice.source == source, ProviderPrice.model_id == model_id
        )
    ).first()
    if price is None:
        raise IdsError(f"{source}: no catalog entry {model_id!r} (read the catalog again?)")
    link = session.exec(
        select(IdLink).where(
            IdLink.candidate_id == cand.id, IdLink.source == source, IdLink.model_id == model_id
        )
    ).first()
    before = link.decision if link else None
    match = next(
        (
            s
            for s in suggestions(session, cand)
            if (s["source"], s["model_id"]) == (source, model_id)
        ),
        None,
    )
    if link is None:
        link = IdLink(candidate_id=cand.id, source=source, model_id=model_id, decision=decision)
    link.decision = decision
    link.editor = editor
    link.decided_at = utcnow()
    link.score = match["score"] if match else link.score
    session.add(link)
    subject = f"{source}:{model_id}"
    if decision == "confirmed":
        join_link(session, cand.id, source, model_id)
    elif before == "confirmed":
        session.execute(
            delete(Observation).where(
                Observation.candidate_id == cand.id,
                Observation.field == "pricing",
                Observation.subject == subject,
            )
        )
    session.add(
        Event(
            candidate_id=cand.id,
            actor=f"editor:{editor}",
            action="id_link",
            editor=editor,
            field="ids",
            old={"entry": subject, "decision": before},
            new={"entry": subject, "decision": decision},
        )
    )
    session.flush()
    return link
