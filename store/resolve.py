"""Grouping: what was seen about a repo → one candidate per release.

The rule (README, "Grouping"):
- A repo of a watched *original* org belongs to the candidate keyed by (org, family key):
  `google/gemma-3-27b-it`, `-27b-pt`, `-4b-it` and a same-org GGUF are variants of
  "Gemma 3". A family released in several sizes is one tool, "Gemma 3 (1B, 4B, 12B & 27B)",
  as "Code Llama 4 (70B & 400B)" is on the comparison site.
- A repo of a *derivative* org (quantizers, fine-tuners) attaches to the candidate of its
  base model as a derivative, counted and never queued; if the base is not stored yet, it
  waits (candidate_id NULL) and is adopted when the base arrives.
- A release first announced in a feed is a candidate already: the repo joins it (same org
  and family key without separators); one announced by a feed that names no vendor is
  adopted by the first Hub release of that family.
- Each value read is an observation with its evidence; the candidate's fields are derived
  from them, the most trusted source winning, disagreements recorded as conflicts.
- Whether a release is queued for editors or held is store.notability's call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, select

from normalize.draft import DRAFT_FIELD
from normalize.hub import LEGACY_CREATED_AT, parse_hub_time
from normalize.lifecycle import stage as lifecycle_stage
from normalize.names import display_name, slugify
from normalize.titles import squash, without_date_code
from normalize.vendors import vendor_for_org
from store.models import Candidate, Event, Observation, Variant, utcnow
from store.prices import PRICE_FIELDS, PRICE_LIST_EXTRACTORS, states_a_price
from store.races import lock_announced

TRUST = {"weights": 30, "declared": 20, "name": 10}


VARIANT_COLUMNS = (
    "candidate_id",
    "source",
    "org",
    "family_key",
    "size_label",
    "flavour",
    "total_params",
    "active_params",
    "params_method",
    "license_id",
    "is_quantized",
    "is_derivative",
    "relation",
    "base_model",
    "created_at",
    "last_modified",
    "sha",
    "info_sha",
    "likes",
    "downloads",
    "trending_score",
    "gated",
    "pipeline_tag",
    "library_name",
    "seen_at",
)


def announced_without_repo(session: Session) -> list[Candidate]:
    """Candidates a feed created that no Hub repo has joined yet. There are a few of
    these at any time, so they are read first and checked for repos by id: a
    `NOT IN (every variant)` would read the whole variant table for each new release."""
    # Held until commit: a feed on another host storing one now waits, then finds this
    # transaction's releases (store.races.lock_announced).
    lock_announced(session, exclusive=False)
    # Ranges rather than LIKE, so the (org, family_key) index answers without a scan of
    # every candidate (`;` follows `:` in ASCII).
    org = Candidate.org
    rows = session.exec(
        select(Candidate).where(
            ((org >= "feed:") & (org < "feed;")) | ((org >= "pages:") & (org < "pages;"))
        )
    ).all()
    if not rows:
        return []
    joined = set(
        session.exec(
            select(Variant.candidate_id)
            .where(Variant.candidate_id.in_([c.id for c in rows]))
            .distinct()
        ).all()
    )
    return [c for c in rows if c.id not in joined]


def adopt_announced(
    session: Session,
    org: str,
    family_key: str,
    family: str,
    pool: list[Candidate] | None = None,
) -> int | None:
    """A release announced by a feed that names no vendor (the Hugging Face blog) before
    anything told its vendor: the first release of that family known to be `org`'s (a
    Hub repo, or a vendor's own announcement) takes it over. Returns its id. `pool` is
    `announced_without_repo()` read once for many calls; the adopted one leaves it."""
    wanted = squash(family_key)
    # A date code is not part of how a release is announced: "Mistral Small 3.1" is
    # `Mistral-Small-3.1-24B-Instruct-2503` (a base without a version is too vague to join).
    base = squash(without_date_code(family_key))
    base = base if base != wanted and any(ch.isdigit() for ch in base) else None
    rows = announced_without_repo(session) if pool is None else pool
    for cand in sorted(rows, key=lambda c: (squash(c.family_key) != wanted, c.id)):
        if squash(cand.family_key) in (wanted, base):
            cand.org = org
            cand.family_key = family_key
            cand.vendor = vendor_for_org(org)
            # The vendor's name, unless it is one squashed word the feed spelled better.
            if " " in family or squash(cand.family) != squash(family):
                cand.family = family
            # Untouched by editors, it takes the slug the vendor's name gives, so the
            # release has the same slug whichever source came first.
            slug = slugify(family_key)
            taken = session.exec(select(Candidate.id).where(Candidate.slug == slug)).first()
            if cand.status == "new" and not cand.overrides and taken is None:
                session.add(
                    Event(
                        candidate_id=cand.id,
                        actor="crawler",
                        action="slug",
                        old=cand.slug,
                        new=slug,
                    )
                )
                cand.slug = slug
            session.add(cand)
            session.flush()
            if pool is not None:
                pool.remove(cand)
            return cand.id
    return None


def _sizes(originals: list[Variant]) -> list[dict]:
    by_label: dict[str, dict] = {}
    # Quantized repos report packed or approximate counts; they speak for a size only when
    # the release has nothing else (a vendor that ships an AWQ build alone).
    full = [v for v in originals if not v.is_quantized] or originals
    for v in full:
        if not v.size_label:
            continue
        entry = by_label.setdefault(
            v.size_label, {"label": v.size_label, "total": None, "active": None, "repos": []}
        )
        entry["repos"].append(v.repo_id)
        rank = TRUST.get(v.params_method or "", 0)
        if v.total_params and rank >= entry.get("_rank", -1):
            entry.update(total=v.total_params, _rank=rank)
        entry["active"] = entry["active"] or v.active_params
    sizes = sorted(by_label.values(), key=lambda s: (s["total"] or 0, s["label"]))
    for s in sizes:
        s.pop("_rank", None)
        s["repos"].sort()
    return sizes


def _license(observations: list[Observation]) -> tuple[dict | None, list[dict]]:
    """The most trusted license, and a conflict when sources name different ones."""
    lic = [o for o in observations if o.field == "license" and _license_key(o.value)]
    if not lic:
        return None, []
    # Most trusted first; among equals, one with an id beats a bare name.
    lic.sort(key=lambda o: (-o.trust, not o.value.get("id"), o.subject))
    chosen = dict(lic[0].value)
    chosen["source"] = lic[0].source_url
    keys = {_license_key(o.value) for o in lic}
    if len(keys) < 2:
        return chosen, []
    values = [
        {
            "value": _license_key(o.value),
            "subject": o.subject,
            "source": o.source_url,
            "snippet": o.snippet,
        }
        for o in lic
    ]
    return chosen, [{"field": "license", "chosen": _license_key(chosen), "values": values}]


def _license_key(value: object) -> str | None:
    """A license's identity: its id, else its name ("a permissive research license")."""
    if not isinstance(value, dict):
        return None
    return value.get("id") or (f"name:{value['name']}" if value.get("name") else None)


def _announced_sizes(obs: list[Observation]) -> list[dict]:
    """Sizes an announcement states, for a release with no repo yet."""
    sizes: dict[str, dict] = {}
    for o in obs:
        if o.field != "params" or not isinstance(o.value, dict):
            continue
        for v in o.value.get("variants") or []:
            # Nobody announces a model of under 10M parameters; such a "size" in prose is
            # a context length or a price unit ("$0.10 per 1M").
            if isinstance(v, dict) and v.get("label") and (v.get("total") or 0) >= 1e7:
                sizes.setdefault(
                    v["label"],
                    {
                        "label": v["label"],
                        "total": v.get("total"),
                        "active": v.get("active"),
                        "repos": [],
                    },
                )
    return sorted(sizes.values(), key=lambda s: (s["total"] or 0, s["label"]))


def _announcement_times(obs: list[Observation]) -> list[datetime]:
    times = []
    for o in obs:
        if o.field == "announcement" and isinstance(o.value, dict) and o.value.get("published"):
            parsed = parse_hub_time(o.value["published"])
            if parsed:
                times.append(parsed)
    return times


PRICE_DETAIL_KEYS = (
    "cache_read_usd_per_mtok",
    "cache_write_usd_per_mtok",
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
)


def _pricing(obs: list[Observation]) -> dict | None:
    """What using the release costs: the cheapest paid offer, and whether a free one exists.

    Provider price lists (trust 20) win over prices read in an announcement (10); a price
    nobody stated stays null, never 0.
    """
    offers = [o for o in obs if o.field == "pricing" and isinstance(o.value, dict)]
    # A catalog entry that states no price (normalize.pricing.unstated_pricing) is an offer,
    # not a price: a release only such entries serve costs what nobody stated (null).
    offers = [o for o in offers if states_a_price(o.value)]
    if not offers:
        return None
    best_trust = max(o.trust for o in offers)
    offers = [o for o in offers if o.trust == best_trust]
    tiers = {o.value.get("tier") for o in offers}
    paid = [
        o
        for o in offers
        if o.value.get("tier") == "paid" and o.value.get("input_usd_per_mtok") is not None
    ]
    cheapest = min(
        paid,
        key=lambda o: (o.value["input_usd_per_mtok"], o.value.get("output_usd_per_mtok") or 0),
        default=None,
    )
    chosen = cheapest or sorted(offers, key=lambda o: o.subject)[0]
    known = tiers - {"unknown", None}
    if {"free", "paid"} <= known:
        tier = "freemium"
    else:
        tier = next(iter(sorted(known)), "unknown") if len(known) == 1 else chosen.value.get("tier")
    return {
        "tier": tier,
        "input_usd_per_mtok": chosen.value.get("input_usd_per_mtok"),
        "output_usd_per_mtok": chosen.value.get("output_usd_per_mtok"),
        "subscription_usd_per_month": chosen.value.get("subscription_usd_per_month"),
        # What the chosen offer's catalog also says (cache, batch, context tiers, other units).
        **{key: chosen.value.get(key) for key in PRICE_DETAIL_KEYS},
        **{key: list(chosen.value.get(key) or []) for key in ("tiers", "units")},
        "offers": len(offers),
        "free_offer": "free" in tiers,
        "source": chosen.source_url,
    }


# An offer's prices: every price field but the lists, copied below.
OFFER_PRICE_KEYS = tuple(key for key in PRICE_FIELDS if key not in ("tiers", "units"))


def _offers(obs: list[Observation], lifecycle: dict[str, dict]) -> list[dict]:
    """Every catalog entry that prices the release, one per (catalog, provider, provider
    model id), in that order: what a downstream site lists as "where to run it"."""
    found: dict[tuple, dict] = {}
    for o in obs:
        if o.field != "pricing" or o.extractor not in PRICE_LIST_EXTRACTORS:
            continue
        value = o.value if isinstance(o.value, dict) else {}
        offer = value.get("offer") if isinstance(value.get("offer"), dict) else {}
        catalog = offer.get("catalog") or value.get("catalog") or "openrouter"
        provider = offer.get("provider") or ("openrouter" if catalog == "openrouter" else None)
        model_id = offer.get("model_id") or value.get("provider_model")
        dates = lifecycle.get(o.subject) or {}
        entry = {
            "catalog": catalog,
            "provider": provider,
            "model_id": model_id,
            "catalog_model_id": offer.get("catalog_model_id") or value.get("provider_model"),
            **{key: value.get(key) for key in OFFER_PRICE_KEYS},
            **{key: list(value.get(key) or []) for key in ("tiers", "units")},
            "context_window": offer.get("context_window"),
            "deprecated_at": dates.get("deprecated_at"),
            "source_url": o.source_url,
            "seen_at": offer.get("seen_at"),
        }
        found.setdefault((catalog, provider or "", model_id or ""), entry)
    return [found[key] for key in sorted(found)]


def _lifecycle(originals: list[Variant], obs: list[Observation]) -> tuple[dict, dict[str, dict]]:
    """The release's dates and stage, and the dates each catalog entry states (by subject).

    released_at: the earliest of an announcement, a repo's creation on the Hub (not the
    Hub's placeholder date of old repos) and a catalog's stated release date; never a
    listing date. first_listed_at: the earliest of a repo's creation and a catalog's
    listing (OpenRouter `created`, checked by normalize.lifecycle). knowledge_cutoff: the
    one most catalogs state (ties: the earliest). deprecated_at, retired_at: the earliest
    any catalog states for one of its offers."""
    stated = {
        o.subject: o.value for o in obs if o.field == "lifecycle" and isinstance(o.value, dict)
    }
    values = list(stated.values())
    created = [
        v.created_at.date().isoformat()
        for v in originals
        if v.created_at and not v.created_at.isoformat().startswith(LEGACY_CREATED_AT[:19])
    ]
    announced = [t.date().isoformat() for t in _announcement_times(obs)]
    released = [*announced, *created, *(v["released_at"] for v in values if v.get("released_at"))]
    listed = [*created, *(v["listed_at"][:10] for v in values if v.get("listed_at"))]
    cutoffs = Counter(v["knowledge_cutoff"] for v in values if v.get("knowledge_cutoff"))
    deprecated = sorted(v["deprecated_at"] for v in values if v.get("deprecated_at"))
    retired = sorted(v["retired_at"] for v in values if v.get("retired_at"))
    statuses = {v.get("status") for v in values}
    priced = any(o.field == "pricing" and o.extractor in PRICE_LIST_EXTRACTORS for o in obs)
    fields = {
        "released_at": min(released) if released else None,
        "first_listed_at": min(listed) if listed else None,
        "knowledge_cutoff": min(cutoffs, key=lambda c: (-cutoffs[c], c)) if cutoffs else None,
        "deprecated_at": deprecated[0] if deprecated else None,
        "retired_at": retired[0] if retired else None,
        "lifecycle": lifecycle_stage(
            bool(originals),
            priced,
            bool(deprecated) or "deprecated" in statuses,
            bool(retired) or "retired" in statuses,
        ),
    }
    return fields, stated


def _sources(variants: list[Variant], obs: list[Observation]) -> list[dict]:
    """Every source that said something about the release: Hub orgs, announcements, prices."""
    found: dict[tuple, dict] = {}
    for v in variants:
        if not v.is_derivative:
            found.setdefault(("hub", v.source), {"kind": "hub", "source": v.source, "url": None})
    for o in obs:
        value = o.value if isinstance(o.value, dict) else {}
        if o.field == "announcement":
            key = ("announcement", o.source_url)
            found.setdefault(
                key,
                {
                    "kind": "announcement",
                    "source": value.get("source"),
                    "url": o.source_url,
                    "title": value.get("title"),
                },
            )
        elif o.field == "pricing" and o.extractor in PRICE_LIST_EXTRACTORS:
            found.setdefault(
                ("pricing", o.subject),
                {"kind": "pricing", "source": value.get("provider"), "url": o.source_url},
            )
    return sorted(found.values(), key=lambda s: (s["kind"], s["source"] or "", s["url"] or ""))


def candidate_fields(
    cand: Candidate,
    variants: list[Variant],
    obs: list[Observation],
    derivatives: int | None = None,
) -> dict:
    """The candidate's fields from its repos and observations. `derivatives` is the count of
    derivative repos when `variants` holds the originals only (a base can have thousands)."""
    # In a fixed order, not the database's: which writer stored a row first decides that
    # order, and the fields must not depend on it (tests/test_two_writers.py).
    originals = sorted((v for v in variants if not v.is_derivative), key=lambda v: v.repo_id)
    obs = sorted(obs, key=lambda o: (o.field, o.subject, o.extractor))
    if derivatives is None:
        derivatives = sum(1 for v in variants if v.is_derivative)
    sizes = _sizes(originals) or _announced_sizes(obs)
    license_, conflicts = _license(obs)
    created = [v.created_at for v in originals if v.created_at] + _announcement_times(obs)
    lifecycle, stated = _lifecycle(originals, obs)
    return {
        "name": display_name(cand.family, [s["label"] for s in sizes]),
        "vendor": cand.vendor,
        "family": cand.family,
        "sizes": sizes,
        "license": license_,
        "announced_at": min(created).isoformat() if created else None,
        "repos": sorted(v.repo_id for v in originals),
        "quantizations": sum(1 for v in originals if v.is_quantized),
        "derivatives": derivatives,
        "gated": any(v.gated not in (None, "false") for v in originals),
        "pipeline_tag": _pipeline_tag(originals),
        "pricing": _pricing(obs),
        "sources": _sources(variants, obs),
        "offers": _offers(obs, stated),
        **lifecycle,
        "_conflicts": conflicts,
    }


def refresh_candidate(session: Session, candidate_id: int, actor: str) -> bool:
    """Recompute a candidate's fields from its variants and observations; log what changed."""
    return candidate_id in refresh_candidates(session, [candidate_id], actor)


def _pipeline_tag(originals: list[Variant]) -> str | None:
    """The task most of the release's repos name (Gemma 3: image-text-to-text for 4B-27B,
    text-generation for 1B), ties by name: never the first row the database returns, whose
    order depends on which writer stored which repo first."""
    tags = Counter(v.pipeline_tag for v in originals if v.pipeline_tag)
    return min(tags, key=lambda tag: (-tags[tag], tag)) if tags else None


def release_variants(session: Session, ids: Iterable[int]) -> dict[int, list[Variant]]:
    """The original (non-derivative) repos of each candidate, in one query."""
    found: dict[int, list[Variant]] = defaultdict(list)
    ids = list(ids)
    if ids:
        # Plain rows (attribute access like the ORM's, read-only): building ORM objects
        # was most of the cost of a refresh.
        table = Variant.__table__
        for v in session.execute(
            table.select().where(table.c.candidate_id.in_(ids), table.c.is_derivative.is_(False))
        ):
            found[v.candidate_id].append(v)
    return found


def derivative_counts(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """How many derivative repos each candidate has, counted on the candidate_id index."""
    ids = list(ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Variant.candidate_id, func.count())
        .where(Variant.candidate_id.in_(ids), Variant.is_derivative.is_(True))
        .group_by(Variant.candidate_id)
    ).all()
    return dict(rows)


def refresh_candidates(session: Session, ids: Iterable[int], actor: str) -> set[int]:
    """Recompute the fields of these candidates (a few queries for all of them, reading
    their original repos and observations but only a count of their derivatives); log
    what changed and return the ids that changed."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    session.flush()
    cands = {c.id: c for c in session.exec(select(Candidate).where(Candidate.id.in_(ids)))}
    variants = release_variants(session, ids)
    derived = derivative_counts(session, ids)
    obs: dict[int, list[Observation]] = defaultdict(list)
    table = Observation.__table__
    # A draft's inputs (store.draft) are text, not values: the fields never read them.
    rows = table.select().where(table.c.candidate_id.in_(ids), table.c.field != DRAFT_FIELD)
    for o in session.execute(rows):
        obs[o.candidate_id].append(o)
    changed = set()
    for cid in ids:
        cand = cands.get(cid)
        if cand is not None and _refresh_one(
            session, cand, variants[cid], obs[cid], derived.get(cid, 0), actor
        ):
            changed.add(cid)
    return changed


def refresh_derivative_counts(session: Session, ids: Iterable[int]) -> set[int]:
    """Only the derivative count of these candidates, for pages that attached derivatives
    and changed nothing else about them; returns the ids whose count changed."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    session.flush()
    counts = derivative_counts(session, ids)
    table = Candidate.__table__
    rows, now = [], utcnow()
    for cid, fields in session.execute(
        select(table.c.id, table.c.fields).where(table.c.id.in_(ids))
    ):
        if fields and fields.get("derivatives") != counts.get(cid, 0):
            fields = {**fields, "derivatives": counts.get(cid, 0)}
            rows.append({"b_id": cid, "fields": fields, "updated_at": now})
    if rows:
        # Core, not the ORM: a popular base gains derivatives on most pages of a backfill.
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(fields=bindparam("fields"), updated_at=bindparam("updated_at")),
            rows,
        )
        # Candidate objects already in the session must not write their old fields back.
        for cand in session.identity_map.values():
            if isinstance(cand, Candidate) and cand.id in {r["b_id"] for r in rows}:
                session.expire(cand)
    return {r["b_id"] for r in rows}


def _refresh_one(
    session: Session,
    cand: Candidate,
    variants: list[Variant],
    obs: list[Observation],
    derivatives: int,
    actor: str,
) -> bool:
    candidate_id = cand.id
    fields = candidate_fields(cand, variants, obs, derivatives)
    conflicts = fields.pop("_conflicts")
    old = cand.fields or {}
    changed = [k for k in fields if old.get(k) != fields[k]]
    for key in changed:
        if key in ("name", "license", "sizes", "announced_at") and old:
            session.add(
                Event(
                    candidate_id=candidate_id,
                    actor=actor,
                    action="field",
                    field=key,
                    old=old.get(key),
                    new=fields[key],
                )
            )
    if not changed and (cand.conflicts or []) == conflicts:
        return False
    cand.fields = fields
    cand.conflicts = conflicts
    cand.name = fields["name"]
    if fields["announced_at"]:
        cand.announced_at = parse_hub_time(fields["announced_at"])
    cand.updated_at = utcnow()
    session.add(cand)
    return True
