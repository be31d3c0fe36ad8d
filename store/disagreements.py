"""Live disagreements between sources, per release: what `GET /api/disagreements` lists and
the candidate page shows.

Computed from the stored observations each time they are asked for, so a disagreement
settles by itself when a source changes its mind. Four kinds:

- price: two catalogs price the same provider's model differently (LiteLLM's deepinfra entry
  and models.dev's deepinfra entry of one Hub repo; OpenRouter's own price and models.dev's
  OpenRouter entry), input or output per 1M tokens apart by more than PRICE_TOLERANCE;
- context_window: two catalogs state a different context window for the same provider's
  model (OpenRouter's `context_length` 131072 and models.dev's `limit.context` 128000 for
  its OpenRouter entry of Qwen3 8B). Token counts are compared exactly: 128000 and 131072
  are two statements (a decimal and a binary "128K"), and a site showing one wants to know.
  The Hub side reads no context length (no config.json is fetched), so no catalog is held
  against a card here;
- license: a catalog's statement about openness (models.dev `open_weights`) contradicts the
  license of the Hub card of the repo the entry was joined by (`open_weights: false` for a
  repo under Apache-2.0; true for one whose card says proprietary);
- size: a repo's weights (the Hub's safetensors total, `params.weights`) contradict the size
  its name states (`normalize.catalog_names.size_contradicted`).

Which provider serves an entry and what a name states are `normalize.catalog_names`' rules;
what a catalog says about openness and what a license family means for it,
`normalize.licenses`'.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import combinations

from sqlmodel import Session, col, select

from normalize.catalog_names import model_part, provider_of, size_contradicted, stated_size
from normalize.licenses import weights_open
from store.models import Candidate, Observation
from store.prices import CATALOG_EXTRACTORS

PRICE_TOLERANCE = 0.01  # 1%: catalogs round (0.23 vs 0.2300001); more is a different price
PRICE_FIELDS = ("input_usd_per_mtok", "output_usd_per_mtok")
CARD_LICENSE_EXTRACTORS = ("license.card", "license.tags")  # the Hub card's own statement
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


def _catalog_side(o: Observation, catalog: str, value: float | int | bool) -> dict:
    """One catalog entry's side of a disagreement: its value and the entry it came from."""
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


def _offer_pairs(observations: Iterable[Observation]) -> list[tuple[str, tuple, tuple]]:
    """(subject, (catalog, observation), (catalog, observation)) for every two catalog
    entries of one provider's model: the pairs whose prices or windows are compared."""
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
    pairs = []
    for (provider, _), entries in sorted(groups.items()):
        entries.sort(key=lambda e: (e[0], e[1].subject))
        for (cat_a, a), (cat_b, b) in combinations(entries, 2):
            if a.subject == b.subject or (
                cat_a == cat_b and a.value.get("provider") == b.value.get("provider")
            ):
                continue  # one catalog's entries of a model (":free") are its own business
            name = a.value.get("repo") or model_part(a.value["provider_model"], cat_a)
            pairs.append((f"{provider}: {name}", (cat_a, a), (cat_b, b)))
    return pairs


def price_disagreements(observations: Iterable[Observation]) -> list[dict]:
    """Pairs of catalog entries of one provider's model whose prices differ."""
    found = []
    for subject, (cat_a, a), (cat_b, b) in _offer_pairs(observations):
        for field in PRICE_FIELDS:
            if _differ(a.value.get(field), b.value.get(field)):
                found.append(
                    {
                        "kind": "price",
                        "field": field,
                        "subject": subject,
                        "values": [
                            _catalog_side(a, cat_a, a.value[field]),
                            _catalog_side(b, cat_b, b.value[field]),
                        ],
                    }
                )
    return found


def _window(o: Observation) -> int | None:
    offer = o.value.get("offer") if isinstance(o.value.get("offer"), dict) else {}
    window = offer.get("context_window")
    return window if isinstance(window, int) and not isinstance(window, bool) else None


def context_disagreements(observations: Iterable[Observation]) -> list[dict]:
    """Pairs of catalog entries of one provider's model stating different context windows;
    an entry that states none disagrees with nobody."""
    found = []
    for subject, (cat_a, a), (cat_b, b) in _offer_pairs(observations):
        window_a, window_b = _window(a), _window(b)
        if window_a is None or window_b is None or window_a == window_b:
            continue
        found.append(
            {
                "kind": "context_window",
                "field": "context_window",
                "subject": subject,
                "values": [_catalog_side(a, cat_a, window_a), _catalog_side(b, cat_b, window_b)],
            }
        )
    return found


def _card_licenses(observations: list[Observation]) -> dict[str, Observation]:
    """Each repo's card license (lower-cased repo id → observation): the card's front
    matter over the Hub's license tag."""
    cards: dict[str, Observation] = {}
    for o in sorted(observations, key=lambda o: (o.subject, o.extractor != "license.card")):
        if o.field == "license" and o.extractor in CARD_LICENSE_EXTRACTORS:
            cards.setdefault(o.subject.lower(), o)
    return cards


def license_disagreements(observations: Iterable[Observation]) -> list[dict]:
    """Catalog entries whose statement about open weights contradicts the license of the
    card of the repo they were joined by (every card of the release for an entry joined by
    vendor and name)."""
    observations = list(observations)
    cards = _card_licenses(observations)
    found = []
    for o in sorted(observations, key=lambda o: o.subject):
        catalog = _CATALOG_OF.get(o.extractor)
        value = o.value if isinstance(o.value, dict) else None
        if o.field != "pricing" or catalog is None or value is None:
            continue
        stated = value.get("open_weights")
        if not isinstance(stated, bool):
            continue
        repo = value.get("repo")
        held = [cards[repo.lower()]] if repo and repo.lower() in cards else []
        if not repo:
            held = [cards[key] for key in sorted(cards)]
        for card in held:
            lic = card.value if isinstance(card.value, dict) else {}
            open_ = weights_open(lic.get("family"))
            if open_ is None or open_ == stated:
                continue
            catalog_side = _catalog_side(o, catalog, stated)
            catalog_side["snippet"] = (
                f"{value.get('provider_model')}: open_weights={str(stated).lower()}"
            )
            found.append(
                {
                    "kind": "license",
                    "field": "open_weights",
                    "subject": card.subject,
                    "values": [
                        catalog_side,
                        {
                            "value": open_,
                            "license": lic.get("id"),
                            "family": lic.get("family"),
                            "source": "card",
                            "catalog": "huggingface",
                            "id": card.subject,
                            "url": card.source_url,
                            "snippet": card.snippet,
                            "seen_at": _iso(card.seen_at),
                        },
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
                col(Observation.field).in_(("pricing", "params", "license")),
            )
        ).all()
        for o in rows:
            observed[owner[o.candidate_id]].append(o)
    return {cid: _all(observed[cid]) for cid in wanted}


def _all(observations: list[Observation]) -> list[dict]:
    return [
        *price_disagreements(observations),
        *context_disagreements(observations),
        *license_disagreements(observations),
        *size_disagreements(observations),
    ]
