"""Grouping a whole listing page at once: 1,000 Hub models in a few statements.

The one way the store takes in Hub models, from a whole listing page to a single model info
document: set-wise reads and bulk upserts, as a backfill of the Hub's million models needs,
under the grouping rules of store.resolve (README, "Grouping"):

- models whose `sha` is the one stored are not applied again; only their popularity
  (likes, downloads, trending) is updated, and held releases are judged again;
- originals (repos of a watched original org) are normalized (`model_facts`) and grouped
  by (org, family key) into release candidates, created in bulk;
- derivatives (repos of derivative orgs, 85–90% of the Hub) take a fast path: their base,
  relation, license and signals are read from the listing entry without parsing the name
  or the parameters, which no candidate field uses;
- a derivative whose base is stored takes the base's candidate, even when the base is
  itself a derivative (a GGUF of a fine-tune); waiting derivatives are adopted, chain by
  chain, when their base arrives;
- each touched candidate is recomputed once per page, from its originals and a count of
  its derivatives, never from the derivatives themselves.

It returns which originals want their README fetched: repos of queued releases, not
quantized, whose `sha` has no card stored yet, and that no other live crawl run is fetching
(store.card_claims). The card is what adds declared parameters ("30.5B in total and 3.3B
activated") and prose; the listing carries the rest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, true, update
from sqlmodel import Session, select

from normalize.draft import CARD_EXTRACTOR, DRAFT_FIELD
from normalize.draft import VERSION as DRAFT_VERSION
from normalize.hub import ModelFacts, derivative_facts, listing_signals, model_facts
from normalize.names import size_label_for, slugify
from normalize.titles import squash
from normalize.vendors import vendor_for_org
from store import card_claims, notability, prices
from store.models import Candidate, Event, Observation, ProviderPrice, Variant, utcnow
from store.races import lock_candidates
from store.resolve import (
    TRUST,
    VARIANT_COLUMNS,
    adopt_announced,
    announced_without_repo,
    refresh_candidates,
    refresh_derivative_counts,
    release_variants,
)
from store.upsert import upsert_many

if TYPE_CHECKING:
    from store.notability import Notability

# How deep a chain of derivatives is adopted in one go (base → fine-tune → its GGUF → …).
ADOPT_DEPTH = 6
SIGNALS = ("likes", "downloads", "trending_score")


@dataclass(slots=True)
class PageResult:
    """What one page did: candidates created and changed, cards wanted, per-model errors."""

    created: set[int] = field(default_factory=set)
    changed: set[int] = field(default_factory=set)
    cards: list[dict] = field(default_factory=list)  # listing entries whose README to fetch
    errors: list[tuple[str, str]] = field(default_factory=list)  # (repo id, reason)
    applied: int = 0  # models stored or updated
    unchanged: int = 0  # models whose sha was already stored


def _signals(entry: dict) -> dict[str, Any]:
    found = listing_signals(entry)
    return {
        "likes": found.likes,
        "downloads": found.downloads,
        "trending_score": found.trending_score,
    }


def derivative_row(entry: dict, source: str) -> dict:
    """A derivative's variant row from its listing entry alone (normalize.hub)."""
    facts = derivative_facts(entry)
    return {
        "repo_id": facts.repo_id,
        "candidate_id": None,
        "source": source,
        "org": facts.org,
        "family_key": None,
        "size_label": None,
        "flavour": None,
        "total_params": None,
        "active_params": None,
        "params_method": None,
        "license_id": facts.license_id,
        "is_quantized": facts.is_quantized,
        "is_derivative": True,
        "relation": facts.relation,
        "base_model": facts.base_model,
        "created_at": facts.created_at,
        "last_modified": facts.last_modified,
        "sha": facts.sha,
        "info_sha": None,
        "likes": facts.signals.likes,
        "downloads": facts.signals.downloads,
        "trending_score": facts.signals.trending_score,
        "gated": facts.gated,
        "pipeline_tag": facts.pipeline_tag,
        "library_name": facts.library_name,
        "seen_at": utcnow(),
    }


def _variant_row(
    facts: ModelFacts,
    candidate_id: int | None,
    source: str,
    derivative: bool,
    trending: float | None = None,
) -> dict:
    params = facts.params
    total = params.total if params else None
    return {
        "repo_id": facts.repo_id,
        "candidate_id": candidate_id,
        "source": source,
        "org": facts.org,
        "family_key": facts.name.family_key,
        "size_label": facts.name.size_label or size_label_for(total),
        "flavour": facts.name.flavour,
        "total_params": total,
        "active_params": params.active if params else None,
        "params_method": params.method if params else None,
        "license_id": facts.license.id if facts.license else None,
        "is_quantized": facts.is_quantized,
        "is_derivative": derivative,
        "relation": facts.relation,
        "base_model": facts.base_model,
        "created_at": facts.created_at,
        "last_modified": facts.last_modified,
        "sha": facts.sha,
        "info_sha": facts.sha,
        "likes": facts.likes,
        "downloads": facts.downloads,
        "trending_score": trending,
        "gated": facts.gated,
        "pipeline_tag": facts.pipeline_tag,
        "library_name": facts.library_name,
        "seen_at": utcnow(),
    }


def _observation_rows(facts: ModelFacts, candidate_id: int, url: str) -> list[dict]:
    rows = []
    for field_name, value in (("params", facts.params), ("license", facts.license)):
        if value is None:
            continue
        data = value.to_json()
        evidence = data.pop("evidence", None) or [{}]
        first = evidence[0]
        extractor = first.get("extractor") or field_name
        if field_name == "params":
            trust = TRUST.get(data.get("method") or "", 0)
        else:
            trust = 30 if "card" in extractor else 20 if "tag" in extractor else 10
        rows.append(
            {
                "candidate_id": candidate_id,
                "field": field_name,
                "subject": facts.repo_id,
                "extractor": extractor,
                "value": data,
                "source_url": first.get("source") or url,
                "snippet": (first.get("snippet") or "")[:500],
                "extractor_version": str(first.get("version") or "1"),
                "trust": trust,
                "seen_at": utcnow(),
            }
        )
    if facts.draft is not None:
        # What the card offers the release's draft (store.draft reads it back by repo).
        rows.append(
            {
                "candidate_id": candidate_id,
                "field": DRAFT_FIELD,
                "subject": facts.repo_id,
                "extractor": CARD_EXTRACTOR,
                "value": facts.draft.to_json(),
                "source_url": url,
                "snippet": facts.draft.snippet(),
                "extractor_version": DRAFT_VERSION,
                "trust": 0,
                "seen_at": utcnow(),
            }
        )
    return rows


def _forget_cards(session: Session, repo_ids: list[str]) -> None:
    """Repos whose card is gone (a 404, an empty README) offer their draft nothing more."""
    if repo_ids:
        session.execute(
            delete(Observation).where(
                Observation.field == DRAFT_FIELD,
                Observation.extractor == CARD_EXTRACTOR,
                Observation.subject.in_(repo_ids),
            )
        )


def _stored(session: Session, repo_ids: list[str]) -> dict[str, tuple]:
    """repo id → (sha, candidate_id, is_derivative, likes, downloads, trending_score,
    info_sha, is_quantized)."""
    if not repo_ids:
        return {}
    rows = session.exec(
        select(
            Variant.repo_id,
            Variant.sha,
            Variant.candidate_id,
            Variant.is_derivative,
            Variant.likes,
            Variant.downloads,
            Variant.trending_score,
            Variant.info_sha,
            Variant.is_quantized,
        ).where(Variant.repo_id.in_(repo_ids))
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _update_signals(session: Session, entries: list[dict], stored: dict[str, tuple]) -> set[int]:
    """Likes, downloads and trending of repos whose sha is unchanged; returns the
    candidates of the originals among them (their notability may change)."""
    rows, touched = [], set()
    for entry in entries:
        _, cid, derivative, *old = stored[entry["id"]][:6]
        fresh = _signals(entry)
        merged = {
            k: (fresh[k] if fresh[k] is not None else o) for k, o in zip(SIGNALS, old, strict=True)
        }
        if [merged[k] for k in SIGNALS] == list(old):
            continue
        rows.append({"b_repo_id": entry["id"], **merged})
        if cid is not None and not derivative:
            touched.add(cid)
    if rows:
        session.execute(
            update(Variant.__table__)
            .where(Variant.__table__.c.repo_id == bindparam("b_repo_id"))
            .values({k: bindparam(k) for k in SIGNALS}),
            rows,
        )
    return touched


def stored_shas(session: Session, repo_ids: list[str]) -> dict[str, str | None]:
    """repo id → the sha stored of these repos (those stored)."""
    found: dict[str, str | None] = {}
    for start in range(0, len(repo_ids), 1000):
        chunk = repo_ids[start : start + 1000]
        rows = session.exec(select(Variant.repo_id, Variant.sha).where(Variant.repo_id.in_(chunk)))
        found.update(rows.all())
    return found


def _existing_candidates(session: Session, org: str, keys: set[str]) -> dict[str, int]:
    """family key → candidate id for this org's releases among `keys`, including a
    release first seen in a feed under a differently spelled key ("codellama-4")."""
    found = dict(
        session.exec(
            select(Candidate.family_key, Candidate.id).where(
                Candidate.org == org, Candidate.family_key.in_(list(keys))
            )
        ).all()
    )
    missing = keys - found.keys()
    if missing:
        by_squash = {}
        for cid, fkey in session.exec(
            select(Candidate.id, Candidate.family_key).where(Candidate.org == org)
        ).all():
            by_squash.setdefault(squash(fkey), cid)
        for key in missing:
            if squash(key) in by_squash:
                found[key] = by_squash[squash(key)]
    return found


def _create_candidates(
    session: Session, org: str, releases: dict[str, ModelFacts], reason: str
) -> dict[str, int]:
    """New release candidates for these family keys (the first repo seen of each)."""
    keys = list(releases)
    slugs = {key: slugify(key) for key in keys}
    taken = set(
        session.exec(select(Candidate.slug).where(Candidate.slug.in_(list(slugs.values())))).all()
    )
    rows, used = [], set()
    for key, facts in releases.items():
        slug = slugs[key]
        if slug in taken or slug in used:
            slug = slugify(f"{org}-{key}")
        used.add(slug)
        rows.append(_candidate_row(org, key, facts, slug, reason))
    ids = _insert_candidates(session, org, rows)
    # A release whose slug another writer took since it was read: a feed on another host
    # that announced this very release (it is adopted, as it would have been a moment
    # later), or another release named alike (this one is named for its org too).
    late = [row for row in rows if row["family_key"] not in ids]
    if late:
        pool = announced_without_repo(session)
        retry = []
        for row in late:
            key = row["family_key"]
            adopted = adopt_announced(session, org, key, releases[key].name.family, pool)
            if adopted is not None:
                ids[key] = adopted
            else:
                retry.append({**row, "slug": slugify(f"{org}-{key}")})
        ids.update(_insert_candidates(session, org, retry))
        lost = [row["family_key"] for row in retry if row["family_key"] not in ids]
        if lost:
            raise ValueError(f"no slug left for {org}: {', '.join(lost)}")
    actor = reason.split(";")[0]
    for row in rows:
        if row["family_key"] in ids:
            session.add(
                Event(
                    candidate_id=ids[row["family_key"]],
                    actor=actor,
                    action="created",
                    new=row["slug"],
                )
            )
    return ids


def _candidate_row(org: str, key: str, facts: ModelFacts, slug: str, reason: str) -> dict:
    now = utcnow()
    return {
        "slug": slug,
        "name": facts.name.family,
        "vendor": vendor_for_org(org),
        "org": org,
        "family": facts.name.family,
        "family_key": key,
        "status": "new",
        "queued_reason": reason,
        "first_seen": now,
        "announced_at": facts.created_at,
        "updated_at": now,
    }


def _insert_candidates(session: Session, org: str, rows: list[dict]) -> dict[str, int]:
    """family key → id of these rows' releases, inserted unless stored meanwhile.

    Another writer may create the same release at the same moment. No conflict target:
    the natural key (org, family_key) and the slug both make an insert a no-op (PostgreSQL
    waits for the other writer to commit first); a row whose release is still missing
    afterwards lost its slug to another release."""
    if not rows:
        return {}
    upsert_many(session, Candidate.__table__, rows, key=(), update=())
    keys = [row["family_key"] for row in rows]
    return dict(
        session.exec(
            select(Candidate.family_key, Candidate.id).where(
                Candidate.org == org, Candidate.family_key.in_(keys)
            )
        ).all()
    )


def _release_ids(
    session: Session, originals: list[ModelFacts], source: str
) -> tuple[dict[tuple[str, str], int], set[int]]:
    """(org, family key) → candidate id for the page's releases, and the ids created."""
    by_org: dict[str, dict[str, ModelFacts]] = defaultdict(dict)
    for facts in originals:
        by_org[facts.org].setdefault(facts.name.family_key, facts)
    ids: dict[tuple[str, str], int] = {}
    created: set[int] = set()
    pool = None  # feed-announced releases without a repo, read once if needed
    for org, releases in by_org.items():
        found = _existing_candidates(session, org, set(releases))
        new: dict[str, ModelFacts] = {}
        for key, facts in releases.items():
            if key not in found:
                pool = announced_without_repo(session) if pool is None else pool
                adopted = adopt_announced(session, org, key, facts.name.family, pool)
                if adopted is not None:
                    found[key] = adopted
                else:
                    new[key] = facts
        if new:
            reason = f"crawler:{source}; new release by watched org {org}"
            made = _create_candidates(session, org, new, reason)
            created |= set(made.values())
            found.update(made)
        ids.update({(org, key): cid for key, cid in found.items()})
    return ids, created


def _base_candidates(session: Session, bases: set[str]) -> dict[str, int]:
    if not bases:
        return {}
    rows = session.exec(
        select(Variant.repo_id, Variant.candidate_id).where(
            Variant.repo_id.in_(list(bases)), Variant.candidate_id.is_not(None)
        )
    ).all()
    return dict(rows)


def adopt_waiting(session: Session, attached: dict[str, int]) -> set[int]:
    """Derivatives stored before their base: each base just given a candidate passes it
    on to the repos waiting for it, and those to theirs, down to ADOPT_DEPTH levels."""
    touched: set[int] = set()
    table = Variant.__table__
    for _ in range(ADOPT_DEPTH):
        if not attached:
            break
        waiting = session.exec(
            select(Variant.repo_id, Variant.base_model).where(
                Variant.base_model.in_(list(attached)),
                Variant.candidate_id.is_(None),
                Variant.is_derivative.is_(True),
            )
        ).all()
        if not waiting:
            break
        rows = [{"b_repo_id": repo, "cid": attached[base]} for repo, base in waiting]
        session.execute(
            update(table)
            .where(table.c.repo_id == bindparam("b_repo_id"))
            .values(candidate_id=bindparam("cid")),
            rows,
        )
        touched |= {r["cid"] for r in rows}
        attached = {r["b_repo_id"]: r["cid"] for r in rows}
    return touched


def _priced(session: Session, repo_ids: list[str]) -> set[str]:
    """The repos among these that a provider price list names (lower-cased)."""
    keys = [r.lower() for r in repo_ids]
    if not keys:
        return set()
    return set(
        session.exec(select(ProviderPrice.hf_key).where(ProviderPrice.hf_key.in_(keys))).all()
    )


def _judge(session: Session, ids: set[int], rules: Notability | None, actor: str) -> set[int]:
    """Notability of the touched releases that are not queued yet; returns those changed."""
    if rules is None or not ids:
        return set()
    held = session.exec(
        select(Candidate).where(
            Candidate.id.in_(list(ids)),
            (Candidate.notable.is_(False)) | (Candidate.notability.is_(None)),
        )
    ).all()
    if not held:
        return set()
    variants = release_variants(session, [c.id for c in held])
    return {c.id for c in held if notability.update(session, c, variants[c.id], rules, actor)}


def _wants_card(facts: ModelFacts) -> bool:
    return not facts.is_quantized and not facts.legacy_date


def apply_page(
    session: Session,
    entries: list[dict],
    source: str,
    role: str,
    url: str,
    rules: Notability | None = None,
    force: bool = False,
    cards: dict[str, str] | None = None,
    urls: dict[str, str] | None = None,
    claim_run: int | None = None,
    claim_limit: int | None = None,
) -> PageResult:
    """Store one listing page's models (see the module's docstring).

    `force` applies models whose sha is already stored (renormalize, READMEs); `cards`
    gives the README text of some repos ("" for a repo that has none), read instead of
    the listing's cardData for them; `urls` the evidence URL of some repos, else `url`.
    With `claim_run`, the cards wanted (at most `claim_limit`, what the run may still
    fetch) are claimed for that crawl run in this transaction (store.card_claims), and
    only those it now holds are returned to fetch; the rest are left to the backlog.
    """
    urls = urls or {}
    result = PageResult()
    actor = f"crawler:{source}"
    entries = [e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]
    stored = _stored(session, [e["id"] for e in entries])
    fresh = [e for e in entries if force or stored.get(e["id"], (None,))[0] != e.get("sha")]
    fresh_ids = {e["id"] for e in fresh}
    same = [e for e in entries if e["id"] not in fresh_ids and e["id"] in stored]
    touched = _update_signals(session, same, stored)
    result.unchanged = len(entries) - len(fresh)

    derivative = role == "derivative"
    rows: list[dict] = []
    originals: list[tuple[ModelFacts, dict, dict]] = []  # facts, row, entry
    for entry in fresh:
        try:
            if derivative:
                rows.append(derivative_row(entry, source))
                continue
            card = (cards or {}).get(entry["id"])
            facts = model_facts(entry, card, source=urls.get(entry["id"], url))
            trending = listing_signals(entry).trending_score
            row = _variant_row(facts, None, source, False, trending)
            row["info_sha"] = facts.sha if card is not None else None
            rows.append(row)
            originals.append((facts, row, entry))
        except Exception as exc:  # one bad entry fails alone, the page goes on
            result.errors.append((str(entry.get("id")), f"{type(exc).__name__}: {exc}"))

    releases = [f for f, _, _ in originals if not f.legacy_date]
    ids, created = _release_ids(session, releases, source)
    result.created = created
    attached: dict[str, int] = {}
    for facts, row, _ in originals:
        if not facts.legacy_date:
            row["candidate_id"] = ids[(facts.org, facts.name.family_key)]
            attached[facts.repo_id] = row["candidate_id"]
    if derivative:
        # A base on the same page (a fine-tune and its own GGUF) counts as stored.
        on_page = {}
        bases = _base_candidates(session, {r["base_model"] for r in rows if r["base_model"]})
        for row in reversed(rows):  # newest first on the page: bases come later
            base = row["base_model"]
            cid = (bases.get(base) or on_page.get(base)) if base else None
            if cid is not None:
                row["candidate_id"] = cid
                on_page[row["repo_id"]] = cid
                attached[row["repo_id"]] = cid
    upsert_many(session, Variant.__table__, rows, key=("repo_id",), update=VARIANT_COLUMNS)
    result.applied = len(rows)
    # Candidates whose own repos changed are recomputed; those that only gained or lost
    # derivatives get their count updated, without reading their repos.
    full = {r["candidate_id"] for r in rows if not r["is_derivative"] and r["candidate_id"]}
    counted = {r["candidate_id"] for r in rows if r["is_derivative"] and r["candidate_id"]}
    counted |= adopt_waiting(session, attached)
    for r in rows:  # a repo that moved out of a candidate (re-parented) changes it too
        before = stored.get(r["repo_id"], (None, None))[1]
        if before is not None and before != r["candidate_id"]:
            (counted if r["is_derivative"] else full).add(before)

    obs = []
    for facts, row, _ in originals:
        if row["candidate_id"] is not None:
            obs += _observation_rows(facts, row["candidate_id"], urls.get(facts.repo_id, url))
    upsert_many(
        session,
        Observation.__table__,
        obs,
        key=("candidate_id", "field", "subject", "extractor"),
        update=("value", "source_url", "snippet", "extractor_version", "trust", "seen_at"),
    )
    _forget_cards(
        session, [f.repo_id for f, _, _ in originals if (cards or {}).get(f.repo_id) == ""]
    )
    priced = _priced(session, [f.repo_id for f, row, _ in originals if row["candidate_id"]])
    for facts, row, _ in originals:
        if row["candidate_id"] is not None and facts.repo_id.lower() in priced:
            prices.join_repo(session, facts.repo_id, row["candidate_id"])

    lock_candidates(session, full | counted | touched)
    changed = refresh_candidates(session, full, actor)
    changed |= refresh_derivative_counts(session, counted - full)
    changed |= _judge(session, full | touched, rules, actor)
    result.changed = changed - created
    wanted = [
        (row["candidate_id"], entry)
        for facts, row, entry in originals
        if row["candidate_id"] is not None and row["info_sha"] is None and _wants_card(facts)
    ]
    if not derivative:
        # Listed again unchanged, but the card never arrived (the run that stored the page
        # died, or ran out of budget): asked for again with this listing entry.
        for entry in same:
            sha, cid, is_derivative, *_, info_sha, quantized = stored[entry["id"]]
            if cid is not None and not is_derivative and not quantized and info_sha != sha:
                wanted.append((cid, entry))
    result.cards = _cards_wanted(session, wanted)
    if claim_run is not None and result.cards:
        asked = result.cards[:claim_limit] if claim_limit is not None else result.cards
        held = card_claims.claim(session, [e["id"] for e in asked], claim_run)
        result.cards = [e for e in asked if e["id"] in held]
    return result


def _cards_wanted(session: Session, wanted: list[tuple[int, dict]]) -> list[dict]:
    """Listing entries of release repos whose README should be fetched: queued releases
    only (a held one's card is fetched the run it is queued)."""
    if not wanted:
        return []
    queued = set(
        session.exec(
            select(Candidate.id).where(
                Candidate.id.in_({cid for cid, _ in wanted}), Candidate.notable.is_(True)
            )
        ).all()
    )
    return [entry for cid, entry in wanted if cid in queued]


def card_backlog(
    session: Session, orgs: list[str], limit: int, claim_run: int | None = None
) -> list[tuple[str, str]]:
    """(repo id, source) of release repos of queued candidates whose card is missing or
    older than their sha: cards a run could not fetch within its budget, and repos of a
    release queued since. Newest first. With `claim_run`, only cards no other live run
    holds, claimed for that run."""
    if not orgs or limit <= 0:
        return []
    free = card_claims.claimable(claim_run) if claim_run is not None else true()
    rows = session.exec(
        select(Variant.repo_id, Variant.source)
        .join(Candidate, Candidate.id == Variant.candidate_id)
        .where(
            Variant.org.in_(orgs),
            Variant.is_derivative.is_(False),
            Variant.is_quantized.is_(False),
            (Variant.info_sha.is_(None)) | (Variant.info_sha != Variant.sha),
            Candidate.notable.is_(True),
            free,
        )
        .order_by(Variant.created_at.desc())
        .limit(limit)
    ).all()
    if claim_run is None:
        return [(repo, src) for repo, src in rows]
    held = card_claims.claim(session, [repo for repo, _ in rows], claim_run)
    return [(repo, src) for repo, src in rows if repo in held]
