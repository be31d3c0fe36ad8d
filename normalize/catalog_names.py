"""Catalog ids and names → the release they name, for joins that have no Hub repo to go by.

A price catalog knows a model by its own id: OpenRouter's `meta-llama/llama-3.1-70b-instruct`,
LiteLLM's `groq/llama-3.3-70b-versatile` (the provider first), models.dev's
`<provider>/<model>`. Read with the repo-name rules (`normalize.names.parse_repo_name`), such
an id gives a vendor org, a family key and a size, which can be set beside a release's. The
answer is a score below certainty and the reason: only a Hub repo named by the catalog joins
exactly (`store.prices`); a name is a suggestion an editor confirms or rejects.

Also the two small rules the id map needs besides: which provider serves a catalog entry (so
two catalogs' prices of one provider's model can be compared) and whether a repo's stated
size is contradicted by its weights. Pure functions; which entries and releases are compared
is the store's business (`store.ids`, `store.disagreements`).
"""

from __future__ import annotations

from dataclasses import dataclass

from normalize.names import parse_repo_name
from normalize.params import params_from_name
from normalize.params.merge import name_size_agrees
from normalize.titles import squash
from normalize.vendors import vendor_for_org

# Catalogs that write the provider first in an id ("groq/llama-3.3-70b-versatile").
PROVIDER_FIRST = ("litellm", "models.dev")
# Scores of a name match; all below 1: a name never joins by itself.
SAME_SIZE = 0.9
NO_SIZE = 0.8
OTHER_SIZE = 0.6
NO_VENDOR = 0.2  # taken off when the id names no vendor (a provider's own alias)


@dataclass(frozen=True, slots=True)
class CatalogName:
    """What a catalog id says about the release: the Hub org it names (None: none), the
    family key without separators ("llama3.3") and the size label ("70B")."""

    org: str | None
    family: str
    size_label: str | None


def model_part(model_id: str, catalog: str) -> str:
    """The part of a catalog id that names the model: without the provider LiteLLM and
    models.dev write first, and without OpenRouter's ":free"-style suffix."""
    text = (model_id or "").strip()
    if catalog in PROVIDER_FIRST and text.count("/") >= 1:
        text = text.split("/", 1)[1]
    return text.split(":", 1)[0]


def provider_of(model_id: str, catalog: str) -> str | None:
    """Who serves a catalog entry, as a comparable key: OpenRouter serves its own entries;
    LiteLLM and models.dev write the provider first ("together_ai" and "togetherai" are one)."""
    if catalog == "openrouter":
        return "openrouter"
    if catalog in PROVIDER_FIRST and "/" in (model_id or ""):
        return squash(model_id.split("/", 1)[0]).replace(".", "") or None
    return None


def _reading(text: str) -> CatalogName | None:
    if not text or text.count("/") > 1:
        return None
    parsed = parse_repo_name(text)
    org = parsed.org.lower() if parsed.org else None
    key = parsed.family_key
    vendor = (vendor_for_org(org) or "").lower().split(" ")[0] if org else ""
    # "Meta-Llama-3.1-70B-Instruct": the vendor's name before the family is not the family.
    if vendor and key.startswith(vendor + "-") and len(key) > len(vendor) + 1:
        key = key[len(vendor) + 1 :]
    family = squash(key)
    if not family or not any(ch.isalpha() for ch in family):
        return None
    return CatalogName(org or None, family, parsed.size_label)


def catalog_names(
    model_id: str, catalog: str, hub_id: str | None = None, name: str | None = None
) -> list[CatalogName]:
    """Every reading of a catalog entry: its Hub repo id when it names one, and its own id.
    (The display name is not read: "Meta: Llama 3.1 70B Instruct" says what the id says.)"""
    found = []
    for text in (hub_id, model_part(model_id, catalog)):
        reading = _reading(text or "")
        if reading is not None and reading not in found:
            found.append(reading)
    return found


def same_vendor(entry_org: str, org: str, vendor: str | None) -> bool:
    """Whether an id's org is the release's vendor: the same Hub org, one the other begins
    ("deepseek" / "deepseek-ai"), or an org the vendor table gives the same vendor."""
    a, b = entry_org.lower(), org.lower()
    if a == b or b.startswith(a + "-") or a.startswith(b + "-"):
        return True
    return bool(vendor) and vendor_for_org(a) == vendor


def name_match(
    readings: list[CatalogName],
    org: str,
    family_key: str,
    vendor: str | None,
    size_labels: list[str],
) -> tuple[float, str] | None:
    """How well a catalog entry's readings name a release (its org, family key, vendor and
    size labels): (score below 1, why), or None when the family or the vendor differ."""
    family = squash(family_key)
    labels = {label.lower(): label for label in size_labels if label}
    best: tuple[float, str] | None = None
    for r in readings:
        if r.family != family:
            continue
        if r.org is not None and not same_vendor(r.org, org, vendor):
            continue
        who = "same vendor and family" if r.org else "same family, no vendor named"
        if r.size_label is None:
            score, why = NO_SIZE, f"{who}; no size stated"
        elif r.size_label.lower() in labels:
            score, why = SAME_SIZE, f"{who} and size {r.size_label}"
        else:
            known = ", ".join(labels.values()) or "none known"
            score, why = (
                OTHER_SIZE,
                f"{who}; size {r.size_label} is not among the release's ({known})",
            )
        if r.org is None:
            score = round(score - NO_VENDOR, 2)
        if best is None or score > best[0]:
            best = (score, why)
    return best


def stated_size(repo_id: str) -> float | None:
    """The total a repo's name states ("Llama-3.3-70B-Instruct" → 7e10), None when it states
    none, or only an active or effective count ("17B-16E", "E4B"), or it is a quantization
    (packed counts are no total)."""
    if parse_repo_name(repo_id).quantized:
        return None
    named = params_from_name(repo_id)
    return named.total if named is not None and named.total else None


def size_contradicted(stated: float | None, weights: float | None) -> bool:
    """Whether the weights' total contradicts a stated size: both known and positive, and
    not one size by the rule the size merge keeps a name's label by
    (`normalize.params.merge.name_size_agrees`)."""
    if not stated or not weights or stated <= 0 or weights <= 0:
        return False
    return not name_size_agrees(stated, weights)
