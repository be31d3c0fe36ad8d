"""Publication: accepted candidates → the records downstream sites read, and their changes.

A published record (table `tool`) is what `/api/tools`, the Atom feed and `toolscout export`
serve: the candidate's fields with the editors' overrides applied and its duplicates'
sources merged (`store.merge.merged_fields`), in one stable shape (`RECORD_KEYS`). Every
difference between a record and its previous version is appended to `tool_change` as one
field-level event, in order, so a downstream site replaying `/api/changes` from the start
rebuilds exactly the published set:

- `publish`: `records[slug] = value` (the whole record: a first publication);
- `set`: `records[slug][field] = value` (one field changed; `updated_at` comes with it);
- `delete`: `records.pop(slug)` (the candidate was rejected, reopened, marked duplicate).

Who calls it: editor actions (`store.queue.set_status`, overrides) publish at once; the
crawler does not know about publication, so changes it makes to accepted candidates are
picked up by `sync_since` (the web server runs it every few seconds) and `reconcile` (at
start-up and before an export), both driven by the indexed `candidate.updated_at`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, text
from sqlmodel import Session, col, select

from normalize.draft import DRAFT_FIELD
from normalize.lifecycle import stage as lifecycle_stage
from store.ids import index_ids, record_ids, release_ids
from store.merge import merged_fields
from store.models import Candidate, Observation, Tool, ToolChange, ToolId, utcnow
from store.prices import PRICE_FIELDS

# The public record, in this order; keys are only ever added (README, "Web").
RECORD_KEYS = (
    "slug",
    "name",
    "vendor",
    "family",
    "category",
    "tagline",
    "description",
    "entry_price",
    "pricing_line",
    "sizes",
    "params_min",
    "params_max",
    "license",
    "commercial_use",
    "announced_at",
    "repos",
    "derivatives",
    "published_at",
    "updated_at",
    # Issue 20: the price model, the offers behind it, and the release's lifecycle.
    "pricing",
    "offers",
    "released_at",
    "first_listed_at",
    "knowledge_cutoff",
    "deprecated_at",
    "retired_at",
    "lifecycle",
    "ids",
)
# The site's text fields: an editor's value, else the draft's (`normalize.draft`).
TEXT_KEYS = ("category", "tagline", "description", "entry_price", "pricing_line")
_LICENSE_KEYS = ("id", "name", "family", "commercial_use", "osi_approved")
# The record's `pricing`: the chosen offer's price model (store.resolve._pricing), the
# release's tier over all its offers.
PRICING_KEYS = PRICE_FIELDS
LIFECYCLE_KEYS = (
    "released_at",
    "first_listed_at",
    "knowledge_cutoff",
    "deprecated_at",
    "retired_at",
)
BATCH = 500


def _text(*sources: dict, key: str) -> str | None:
    for source in sources:
        value = source.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def record_core(cand: Candidate, fields: dict, draft: dict | None = None) -> dict:
    """The record of one candidate, but its publication times, from its merged fields
    (overrides applied) and its draft."""
    sizes = [
        {"label": s.get("label"), "total": s.get("total"), "active": s.get("active")}
        for s in fields.get("sizes") or []
        if isinstance(s, dict)
    ]
    totals = [s["total"] for s in sizes if isinstance(s["total"], int | float)]
    lic = fields.get("license") if isinstance(fields.get("license"), dict) else None
    license_ = {k: lic.get(k) for k in _LICENSE_KEYS} if lic else None
    return {
        "slug": cand.slug,
        "name": (cand.overrides or {}).get("name") or fields.get("name") or cand.name,
        "vendor": fields.get("vendor"),
        "family": fields.get("family") or cand.family,
        **{key: _text(cand.overrides or {}, draft or {}, key=key) for key in TEXT_KEYS},
        "sizes": sizes,
        "params_min": min(totals) if totals else None,
        "params_max": max(totals) if totals else None,
        "license": license_,
        "commercial_use": license_["commercial_use"] if license_ else None,
        "announced_at": fields.get("announced_at")
        or (cand.announced_at.isoformat() if cand.announced_at else None),
        "repos": list(fields.get("repos") or []),
        "derivatives": int(fields.get("derivatives") or 0),
        "pricing": _pricing(fields.get("pricing")),
        "offers": [o for o in fields.get("offers") or [] if isinstance(o, dict)],
        **{key: fields.get(key) for key in LIFECYCLE_KEYS},
        "lifecycle": fields.get("lifecycle") or _stage(fields),
    }


def _pricing(pricing: object) -> dict | None:
    """The record's price model; None when no source states a price (unknown is not $0)."""
    if not isinstance(pricing, dict):
        return None
    out = {key: pricing.get(key) for key in PRICING_KEYS}
    out["tiers"], out["units"] = list(out["tiers"] or []), list(out["units"] or [])
    out["source_url"] = pricing.get("source")
    return out


def _stage(fields: dict) -> str:
    """The stage of a candidate resolved before lifecycles were derived (its next refresh
    derives it from its sources)."""
    return lifecycle_stage(bool(fields.get("repos")), bool(fields.get("pricing")), False, False)


def _hash(core: dict) -> str:
    text = json.dumps(core, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _lower(value: object) -> str | None:
    return value.lower()[:200] if isinstance(value, str) and value else None


def publish_candidate(session: Session, cand: Candidate, now: datetime | None = None) -> int:
    """Bring one candidate's published record up to date; returns the changes written."""
    return publish_many(session, [cand], now)


def publish_many(session: Session, cands: Sequence[Candidate], now: datetime | None = None) -> int:
    """Publish, update or withdraw each candidate's record; batched for large syncs."""
    now = now or utcnow()
    ids = [c.id for c in cands]
    tools = {
        t.candidate_id: t for t in session.exec(select(Tool).where(col(Tool.candidate_id).in_(ids)))
    }
    dups: dict[int, list[Candidate]] = {}
    query = select(Candidate).where(
        col(Candidate.duplicate_of).in_(ids), Candidate.status == "duplicate"
    )
    for dup in session.exec(query.order_by(Candidate.id)):
        dups.setdefault(dup.duplicate_of, []).append(dup)
    accepted = [c for c in cands if c.status == "accepted"]
    drafts = candidate_drafts(session, accepted)
    # The id map (store.ids): each release's catalog ids, its duplicates' included.
    catalog_ids = release_ids(
        session, {c.id: [c.id, *(d.id for d in dups.get(c.id, []))] for c in accepted}
    )
    written, fresh, indexed = 0, [], {}
    for cand in cands:
        tool = tools.get(cand.id)
        if cand.status != "accepted":
            if tool is not None:
                written += _withdraw(session, tool, now)
                indexed[cand.id] = None
            continue
        mine = dups.get(cand.id, [])
        core = record_core(cand, merged_fields(cand, mine), drafts.get(cand.id))
        core["ids"] = record_ids(core["repos"], catalog_ids.get(cand.id))
        if tool is None or (tool.record or {}).get("ids") != core["ids"]:
            indexed[cand.id] = core["ids"]
        source_at = max([cand.updated_at, *(d.updated_at for d in mine)])
        written += _write(session, cand, tool, core, source_at, now, fresh)
    session.flush()  # withdrawals first: a slug may be published again in this batch
    if fresh:
        # First publications in bulk: building ORM objects costs more than the rest.
        session.execute(insert(Tool.__table__), fresh)
        changes = [
            {"slug": r["slug"], "at": now, "action": "publish", "field": None, "value": r["record"]}
            for r in fresh
        ]
        session.execute(insert(ToolChange.__table__), changes)
    if indexed:
        index_ids(session, indexed)
    return written


def candidate_drafts(session: Session, cands: Sequence[Candidate]) -> dict[int, dict]:
    """Each candidate's draft (`store.draft`), reading draft inputs only for those that have
    any: a candidate without announcements, pricing or cards drafts from its fields alone,
    so publishing thousands of them at once stays fast."""
    from store.draft import candidate_draft, draft_from_sources

    ids = [c.id for c in cands]
    if not ids:
        return {}
    rich = set(
        session.exec(
            select(Observation.candidate_id).where(
                col(Observation.candidate_id).in_(ids),
                # a card's draft inputs are stored with the candidate of its repo
                col(Observation.field).in_(("announcement", "pricing", DRAFT_FIELD)),
            )
        ).all()
    )
    return {
        c.id: candidate_draft(session, c) if c.id in rich else draft_from_sources(c, [], [])
        for c in cands
    }


def _columns(core: dict, digest: str, source_at: datetime, now: datetime) -> dict:
    """The tool row's filter columns and stamps for a record."""
    return {
        "vendor_key": _lower(core["vendor"]),
        "license_key": _lower((core["license"] or {}).get("id")),
        "commercial_use": core["commercial_use"],
        "params_min": core["params_min"],
        "params_max": core["params_max"],
        "updated_at": now,
        "source_updated_at": source_at,
        "record_hash": digest,
    }


def _write(
    session: Session,
    cand: Candidate,
    tool: Tool | None,
    core: dict,
    source_at: datetime,
    now: datetime,
    fresh: list[dict],
) -> int:
    """Update one record (ORM), or queue a first publication in `fresh` (bulk insert)."""
    digest = _hash(core)
    if tool is not None and tool.slug != cand.slug:
        _withdraw(session, tool, now)
        tool = None
    if tool is None:
        record = {**core, "published_at": now.isoformat(), "updated_at": now.isoformat()}
        record = {key: record[key] for key in RECORD_KEYS}
        fresh.append(
            {
                "candidate_id": cand.id,
                "slug": cand.slug,
                "published_at": now,
                "record": record,
                **_columns(core, digest, source_at, now),
            }
        )
        return 1
    if tool.record_hash == digest:
        if source_at > tool.source_updated_at:
            tool.source_updated_at = source_at
            session.add(tool)
        return 0
    old = tool.record or {}
    record = {**core, "published_at": tool.published_at.isoformat(), "updated_at": now.isoformat()}
    record = {key: record[key] for key in RECORD_KEYS}
    for key, value in _columns(core, digest, source_at, now).items():
        setattr(tool, key, value)
    tool.record = record
    session.add(tool)
    changed = [key for key in RECORD_KEYS if key not in old or old[key] != record[key]]
    for key in changed:
        session.add(ToolChange(slug=cand.slug, at=now, action="set", field=key, value=record[key]))
    return len(changed)


def _withdraw(session: Session, tool: Tool, now: datetime) -> int:
    session.add(ToolChange(slug=tool.slug, at=now, action="delete"))
    session.delete(tool)
    return 1


def _publish_ids(session: Session, ids: Iterable[int]) -> int:
    wanted = sorted(set(ids))
    written = 0
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        cands = list(session.exec(select(Candidate).where(col(Candidate.id).in_(chunk))))
        written += publish_many(session, cands)
        session.commit()
    return written


def sync_since(session: Session, since: datetime) -> int:
    """Republish candidates changed since `since` (and the originals of duplicates)."""
    rows = session.exec(
        select(Candidate.id, Candidate.duplicate_of).where(Candidate.updated_at >= since)
    ).all()
    ids = {cid for cid, _ in rows} | {dup for _, dup in rows if dup is not None}
    return _publish_ids(session, ids)


def reconcile(session: Session) -> int:
    """Make the published set match the candidates, whatever happened while nobody synced."""
    t, c = Tool, Candidate
    missing = select(c.id).where(c.status == "accepted", ~exists().where(t.candidate_id == c.id))
    stray = select(t.candidate_id).join(c, c.id == t.candidate_id).where(c.status != "accepted")
    stale = (
        select(t.candidate_id)
        .join(c, c.id == t.candidate_id)
        .where(c.updated_at > t.source_updated_at)
    )
    dup_stale = select(t.candidate_id).join(
        c, and_(c.duplicate_of == t.candidate_id, c.updated_at > t.source_updated_at)
    )
    # Published before the id map: no `ids` yet (a record always has some, if only [] lists,
    # but only one with repos or catalog ids has rows; those without are few and cheap).
    unindexed = select(t.candidate_id).where(~exists().where(ToolId.candidate_id == t.candidate_id))
    ids: set[int] = set()
    for query in (missing, stray, stale, dup_stale, unindexed):
        ids.update(session.exec(query).all())
    return _publish_ids(session, ids)


def analyze(session: Session, force: bool = False) -> bool:
    """Refresh the planner's statistics of `tool` after a large change (or, on SQLite, when
    it has none): with them the planner picks the most selective (filter, id) index when
    a request combines filters. PostgreSQL's autovacuum also does this in time."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and not force:
        has_stats = (
            session.execute(
                text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
            ).first()
            and session.execute(text("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'tool'")).first()
        )
        force = not has_stats and bool(session.exec(select(Tool.id).limit(1)).first())
    if force and dialect in ("sqlite", "postgresql"):
        session.execute(text("ANALYZE tool"))
        return True
    return False


def latest_change(session: Session) -> int:
    """The newest change's id: any publication changes it (the API's ETag version)."""
    return session.exec(select(func.max(ToolChange.id))).one() or 0


def clear_all(session: Session) -> None:
    """Forget every published record and change (tests and `bench/` only)."""
    session.execute(delete(ToolChange))
    session.execute(delete(ToolId))
    session.execute(delete(Tool))
