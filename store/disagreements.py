"""Live disagreements between sources, per release: what `GET /api/disagreements` lists and
the candidate page shows.

Computed from the stored observations each time they are asked for, so a disagreement
settles by itself when a source changes its mind. Two kinds:

- price: two catalogs price the same provider's model differently (LiteLLM's deepinfra entry
  and models.dev's deepinfra entry of one Hub repo; OpenRouter's own price and models.dev's
  OpenRouter entry), input or output per 1M tokens apart by more than PRICE_TOLERANCE;
- size: a repo's weights (the Hub's safetensors total, `params.weights`) contradict the size
  its name states (`normalize.catalog_names.size_contradicted`).

Which provider serves an entry and what a name states are `normalize.catalog_names`' rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import combinations

from sqlmodel import Session, col, select

from normalize.catalog_names import model_part, provider_of, size_contradicted, stated_size
from store.models import Candidate, Observation
from store.prices import CATALOG_EXTRACTORS

PRICE_TOLERANCE = 0.01  # 1%: catalogs round (0.23 vs 0.2300001); more is a different price
PRICE_FIELDS = ("input_usd_per_mtok", "output_usd_per_mtok")
_CATALOG_OF = {extractor: catalog for catalog, extractor in CATALOG_EXTRACTORS.items()}
BATCH = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _differ(a: object, b: object) -> bool:
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return False
    if a == b:
        return False
    return abs(a - b) > PRICE_TOLERANCE * max(abs(a), abs(b))


def _price_side(o: Observation, catalog: str, value: float) -> dict:
    v = o.value
    return {
        "value": value,
        "source": v.get("provider") or o.subject.rsplit(":", 1)[0],
        "catalog": catalog,
        "id": v.get("provider_model"),
        "url": o.source_url,
        "snippet": o.snippet,
        "seen_at": _iso(o.seen_at),
    }


def price_disagreements(observations: Iterable[Observation]) -> list[dict]:
    """Pairs of catalog entries of one provider's model whose prices differ."""
    groups: dict[tuple[str, str], list[tuple[str, Observation]]] = defaultdict(list)
    for o in observations:
        catalog = _CATALOG_OF.get(o.extractor)
        value = o.value if isinstance(o.value, dict) else None
        if o.field != "pricing" or catalog is None or value is None:
            continue
        model = value.get("provider_model")
        provider = provider_of(model, catalog) if isinstance(model, str) else None
        if provider is None:
            continue
        # One model: the Hub repo it was joined by, else the catalog's own name for it.
        repo = value.get("repo") or model_part(model, catalog)
        groups[(provider, repo.lower())].append((catalog, o))
    found = []
    for (provider, _), entries in sorted(groups.items()):
        entries.sort(key=lambda e: (e[0], e[1].subject))
        for (cat_a, a), (cat_b, b) in combinations(entries, 2):
            if a.subject == b.subject or (
                cat_a == cat_b and a.value.get("provider") == b.value.get("provider")
            ):
                continue  # one catalog's entries of a model (":free") are its own business
            for field in PRICE_FIELDS:
                if _differ(a.value.get(field), b.value.get(field)):
                    found.append(
                        {
                            "kind": "price",
                            "field": field,
                            "subject": f"{provider}: {a.value.get('repo') or model_part(a.value['provider_model'], cat_a)}",
                            "values": [
                                _price_side(a, cat_a, a.value[field]),
                                _price_side(b, cat_b, b.value[field]),
                            ],
                        }
                    )
    return found


def size_disagreements(observations: Iterable[Observation]) -> list[dict]:
    """Repos whose weights contradict the size their name states."""
    found = []
    for o in sorted(observations, key=lambda o: o.subject):
        value = o.value if isinstance(o.value, dict) else None
        if o.field != "params" or value is None or value.get("method") != "weights":
            continue
        stated = stated_size(o.subject)
        if not size_contradicted(stated, value.get("total")):
            continue
        found.append(
            {
                "kind": "size",
                "field": "params",
                "subject": o.subject,
                "values": [
                    {
                        "value": stated,
                        "source": "name",
                        "catalog": "huggingface",
                        "id": o.subject,
                        "url": None,
                        "snippet": o.subject,
                        "seen_at": _iso(o.seen_at),
                    },
                    {
                        "value": value.get("total"),
                        "source": "weights",
                        "catalog": "huggingface",
                        "id": o.subject,
                        "url": o.source_url,
                        "snippet": o.snippet,
                        "seen_at": _iso(o.seen_at),
                    },
                ],
            }
        )
    return found


def disagreements(session: Session, candidate_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Each release's live disagreements, its merged duplicates' observations included."""
    wanted = sorted(set(candidate_ids))
    owner = {cid: cid for cid in wanted}
    for start in range(0, len(wanted), BATCH):
        rows = session.exec(
            select(Candidate.id, Candidate.duplicate_of).where(
                col(Candidate.duplicate_of).in_(wanted[start : start + BATCH]),
                Candidate.status == "duplicate",
            )
        ).all()
        owner.update({dup: original for dup, original in rows})
    observed: dict[int, list[Observation]] = defaultdict(list)
    members = sorted(owner)
    for start in range(0, len(members), BATCH):
        rows = session.exec(
            select(Observation).where(
                col(Observation.candidate_id).in_(members[start : start + BATCH]),
                col(Observation.field).in_(("pricing", "params")),
            )
        ).all()
        for o in rows:
            observed[owner[o.candidate_id]].append(o)
    return {
        cid: price_disagreements(observed[cid]) + size_disagreements(observed[cid])
        for cid in wanted
    }
