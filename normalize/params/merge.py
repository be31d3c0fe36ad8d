"""From statements to an answer: variants out of sizes, and the best size over all sources.

`params_from_text` pairs total and active counts, merges a rounded size with its precise
twin, and builds evidence; `best_params` combines weights > declared (card, text) > name,
narrowing a family card to the size the repo's name states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from normalize.evidence import Evidence, make_evidence, snippet_around
from normalize.params.counts import (
    MAX_EVIDENCE,
    MAX_MENTIONS,
    MAX_TEXT_CHARS,
    MAX_VARIANTS,
    VERSION,
    Params,
    ParamVariant,
    _close,
)
from normalize.params.names import _NAME_SPLIT, params_from_name
from normalize.params.prose import (
    _SENTENCE_END,
    _TRIGGER_SUBSTRINGS,
    _Mention,
    _stated_experts,
    _text_mentions,
    _unit_hits,
)
from normalize.params.tables import _html_tables, _markdown_param_tables, _table_mentions
from normalize.params.weights import params_from_weights
from normalize.text import ascii_lower, contains_any

# A repo name's size and its weights' total agree within this factor: nominal sizes round
# both ways and leave out embeddings (Gemma 2 2B is 2.6B, Qwen3 0.6B is 0.75B). Within it the
# name's label is kept beside the weights' total; beyond it the weights contradict the name
# (`normalize.catalog_names.size_contradicted`).
NAME_SIZE_FACTOR = 1.6


def _variants_from_mentions(
    mentions: list[_Mention], text: str = "", source: str = ""
) -> tuple[list[ParamVariant], int | None]:
    variants: list[ParamVariant] = []
    experts = {m.experts for m in mentions if m.experts}
    used: set[int] = set()
    for index, mention in enumerate(mentions):
        if index in used:
            continue
        partner = _partner(mentions, index, used, text)
        if partner is not None:
            used.add(partner)
            total, active = (
                (mentions[partner], mention)
                if mention.kind == "active"
                else (mention, mentions[partner])
            )
            label = f"{total.label}-A{active.label}"
            variant = ParamVariant(label, total.value, active.value, mention.hint, total.precision)
            variant.origins.append((text, source, mentions[partner]))
        elif mention.moe:
            variant = ParamVariant(mention.label, None, None, mention.hint)
        elif mention.kind == "active":
            variant = ParamVariant(mention.label, None, mention.value, mention.hint)
        else:
            variant = ParamVariant(
                mention.label, mention.value, None, mention.hint, mention.precision
            )
        variant.origins.append((text, source, mention))
        variants.append(variant)
    return _dedupe_variants(variants), (experts.pop() if len(experts) == 1 else None)


def _partner(mentions: list[_Mention], index: int, used: set[int], text: str) -> int | None:
    mention = mentions[index]
    if index + 1 >= len(mentions) or index + 1 in used:
        return None
    nxt = mentions[index + 1]
    if nxt.start - mention.end >= 160:
        return None
    if mention.kind == "total" and nxt.kind == "active":
        return index + 1
    if mention.kind == "active" and nxt.kind == "total":
        return index + 1
    # '117B parameters with 5.1B active parameters per token': a plain size followed by a
    # smaller active one in the same statement is that model's total.
    if (
        mention.kind == "plain"
        and nxt.kind == "active"
        and not mention.moe
        and (mention.value or 0) > (nxt.value or 0) > 0
        and nxt.start - mention.end < 100
        and not mention.hint
        and not nxt.hint
        and not _SENTENCE_END.search(text, mention.end, nxt.start)
    ):
        return index + 1
    return None


def _variant_key(variant: ParamVariant) -> tuple:
    return (variant.total, variant.active, variant.label if variant.total is None else "")


def _rounded_twin(kept: list[ParamVariant], variant: ParamVariant) -> ParamVariant | None:
    """A kept single-size variant with the same label and a total within rounding of this one."""
    if variant.total is None or variant.active is not None:
        return None
    for other in kept:
        if (
            other.label == variant.label
            and other.active is None
            and other.total != variant.total
            and _close(other.total, variant.total, 1.35)
        ):
            return other
    return None


def _rekey(
    by_key: dict[tuple, ParamVariant], kept: list[ParamVariant], old: tuple, variant: ParamVariant
) -> None:
    """After `variant`'s total changed, index the first kept variant for each of its keys."""
    for key in (old, _variant_key(variant)):
        by_key.pop(key, None)
        first = next((v for v in kept if _variant_key(v) == key), None)
        if first is not None:
            by_key[key] = first


def _dedupe_variants(variants: list[ParamVariant]) -> list[ParamVariant]:
    paired_totals = {v.total for v in variants if v.total and v.active}
    paired_actives = {v.active for v in variants if v.total and v.active}
    has_moe = any(v.total is None and v.active is None for v in variants)
    result: list[ParamVariant] = []
    by_key: dict[tuple, ParamVariant] = {}  # the first kept variant with each `_variant_key`
    for variant in variants:
        if variant.active is None and variant.total in paired_totals:
            _pair_for(variants, variant, "total")
            continue
        if variant.total is None and variant.active in paired_actives:
            _pair_for(variants, variant, "active")
            continue
        rounded = _rounded_twin(result, variant)
        if rounded is not None:
            rounded.origins.extend(variant.origins)
            # '1B' in prose and '1B (1.23B)' in a table: keep the precise count.
            if variant.precision > rounded.precision:
                old_key = _variant_key(rounded)
                rounded.total, rounded.precision = variant.total, variant.precision
                rounded.hint = rounded.hint or variant.hint
                _rekey(by_key, result, old_key, rounded)
            continue
        key = _variant_key(variant)
        kept = by_key.get(key)
        if kept is not None:
            # Keep the table row's name when prose and table state the same size.
            kept.hint = kept.hint or variant.hint
            kept.origins.extend(variant.origins)
            continue
        result.append(variant)
        by_key[key] = variant
    if has_moe:
        # 'Phi-3.5-MoE has 16x3.8B parameters with 6.6B active': one model, not two.
        moe = [v for v in result if v.total is None and v.active is None]
        actives = [v for v in result if v.total is None and v.active is not None]
        if len(moe) == 1 and len(actives) == 1:
            moe[0].active = actives[0].active
            moe[0].origins.extend(actives[0].origins)
            result.remove(actives[0])
    return result


def _pair_for(variants: list[ParamVariant], single: ParamVariant, field_name: str) -> None:
    """Give a single size's statements to the first total-and-active variant with the same
    total (or active count): '30.5B parameters' and '30.5B total, 3.3B active' are one size."""
    value = getattr(single, field_name)
    for variant in variants:
        if variant.total and variant.active and getattr(variant, field_name) == value:
            variant.origins.extend(single.origins)
            return


def params_from_text(text: object, source: str = "") -> Params | None:
    """Sizes a card or announcement declares; token counts, contexts and ranges are ignored."""
    declared = _declared_from_text(text, source)
    if declared is None:
        return None
    declared.params.evidence = declared.evidence()
    return declared.params


@dataclass(slots=True)
class _Declared:
    """What one text declares, before its evidence is built: `params`, and the statements it
    was read from, so that evidence is built only for what the caller keeps."""

    params: Params
    text: str
    source: str
    accepted: list[_Mention]

    def evidence(self) -> list[Evidence]:
        return _mention_evidence(self.text, self.accepted, self.source)


def _declared_from_text(text: object, source: str = "") -> _Declared | None:
    """`params_from_text` without its evidence: each variant keeps the statements it was read
    from (`ParamVariant.origins`), and the caller builds evidence for the variants it keeps."""
    if not isinstance(text, str) or not text:
        return None
    text = text[:MAX_TEXT_CHARS]
    lowered = ascii_lower(text)
    hits = _unit_hits(lowered)
    if not hits:
        return None  # no number with a unit: nothing here is a size
    if not contains_any(lowered, _TRIGGER_SUBSTRINGS):
        return None  # no word that could make a number a parameter count
    mentions = _text_mentions(text, lowered, hits)
    # Only a table with a Params/Size column is read; skip the parsing when no header can be one.
    if "param" in lowered or "size" in lowered:
        if "|" in text:
            for table in _markdown_param_tables(text, lowered):
                mentions.extend(_table_mentions(table))
        if "<table" in lowered:
            for table in _html_tables(text):
                mentions.extend(_table_mentions(table))
    accepted = [m for m in mentions if m.accepted and m.kind != "nonembedding"][:MAX_MENTIONS]
    if not accepted:
        return None
    variants, experts = _variants_from_mentions(accepted, text, source or "text")
    variants = variants[:MAX_VARIANTS]
    if not variants:
        return None
    if experts is None and not any(m.experts for m in accepted):
        experts = _stated_experts(lowered)
    params = _params_from_variants(variants, experts)
    params.method = "declared"
    return _Declared(params, text, source or "text", accepted)


def _variants_evidence(variants: list[ParamVariant]) -> list[Evidence]:
    """Evidence for these variants: the statements they were read from, in the order each text
    states them (prose first, then tables), one snippet per stretch of text, texts in the
    order they were read."""
    by_text: dict[tuple[str, str], dict[int, _Mention]] = {}
    for variant in variants:
        for text, source, mention in variant.origins:
            by_text.setdefault((text, source), {})[mention.seq] = mention
    evidence: list[Evidence] = []
    for (text, source), mentions in sorted(by_text.items(), key=lambda item: min(item[1])):
        ordered = [mentions[seq] for seq in sorted(mentions)]
        evidence.extend(_mention_evidence(text, ordered, source))
    return evidence[:MAX_EVIDENCE]


def _mention_evidence(text: str, mentions: list[_Mention], source: str) -> list[Evidence]:
    """One snippet per stretch of text: a list like '1B, 4B and 27B sizes' is one statement."""
    evidence: list[Evidence] = []
    seen: set[str] = set()
    last_end = -1000
    for mention in mentions:
        if mention.snippet:
            item = make_evidence(source, mention.snippet, "params.declared", VERSION)
        elif mention.start - last_end < 100:
            continue
        else:
            # `snippet_around` gives a compact snippet within the limit already.
            snippet = snippet_around(text, mention.start, mention.end, 60)
            item = Evidence(source, snippet, "params.declared", VERSION)
            last_end = mention.end
        if item.snippet not in seen:
            seen.add(item.snippet)
            evidence.append(item)
            if len(evidence) >= MAX_EVIDENCE:
                break
    return evidence


def _params_from_variants(variants: list[ParamVariant], experts: int | None) -> Params:
    if len(variants) == 1:
        only = variants[0]
        return Params(only.total, only.active, list(variants), experts=experts)
    ordered = sorted(variants, key=lambda v: v.total or v.active or 0.0)
    return Params(None, None, ordered, experts=experts)


# ---------------------------------------------------------------------------------------------
# Combining sources

# A declared count belongs to the repo named X when it is X or a more precise figure near it
# (7B -> 7.61B; 2B -> 2.61B); sizes further apart describe other members of the family.
_MATCH_LOW = 1 / 1.15
_MATCH_HIGH = 1.35


def _name_words(name: str) -> set[str]:
    return {word.lower() for word in _NAME_SPLIT.split(name) if len(word) > 2}


def _pick_variant(variants: list[ParamVariant], named: Params, name: str) -> ParamVariant | None:
    """The declared variant that this repo's name points at, or None when none fits."""
    target_total, target_active = named.total, named.active
    candidates = []
    for variant in variants:
        if target_total and variant.total:
            ratio = variant.total / target_total
        elif target_active and variant.active:
            ratio = variant.active / target_active
        else:
            continue
        if _MATCH_LOW <= ratio <= _MATCH_HIGH:
            overlap = len(_name_words(variant.hint) & _name_words(name)) if variant.hint else 0
            candidates.append((-overlap, -variant.precision, abs(math.log(ratio)), variant))
    if not candidates:
        return None
    candidates.sort(key=lambda item: item[:3])
    return candidates[0][3]


def _merge_declared(parts: list[_Declared]) -> Params | None:
    """One answer from what the card and the text declare (evidence is left to the caller)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0].params
    variants = _dedupe_variants([v for part in parts for v in part.params.variants])
    experts = next((part.params.experts for part in parts if part.params.experts), None)
    merged = _params_from_variants(variants, experts)
    merged.method = "declared"
    return merged


def best_params(
    model_info: dict | None = None,
    card: str | None = None,
    text: str | None = None,
    name: str | None = None,
    source: str = "",
) -> Params | None:
    """The best-supported size: weights > declared (card, text) > name, pieces combined."""
    try:
        return _best_params(model_info, card, text, name, source)
    except Exception:  # noqa: BLE001 - an extractor bug must not lose the whole record
        return None


def _best_params(
    model_info: dict | None, card: str | None, text: str | None, name: str | None, source: str
) -> Params | None:
    name = name if isinstance(name, str) else ""
    if not name and isinstance(model_info, dict) and isinstance(model_info.get("id"), str):
        name = model_info["id"]
    weights = params_from_weights(model_info, source) if isinstance(model_info, dict) else None
    parts = [
        part
        for part in (_declared_from_text(card, source), _declared_from_text(text, source))
        if part is not None
    ]
    declared = _merge_declared(parts)
    named = params_from_name(name, source) if name else None
    # A family card's sizes are narrowed to the one the repo name states; a title read as its
    # own name ('Kimi K2 (1T total, 32B active)') states its sizes itself.
    own_title = not card and text == name
    if declared is not None and named is not None and name and not own_title:
        declared = _declared_for_name(declared, named, name)
    if declared is not None and not declared.evidence:
        # Not narrowed to one size: every statement of the card, then of the text.
        declared.evidence = [item for part in parts for item in part.evidence()][:MAX_EVIDENCE]
    if weights is not None:
        return _with_weights(weights, declared, named)
    if declared is not None:
        return _fill_from_name(declared, named)
    return named


def _declared_for_name(declared: Params, named: Params, name: str) -> Params | None:
    """Narrow a family card's declared sizes to the one this repo's name states."""
    if named.total is None and named.active is None:
        return declared  # the name gives no size to choose by ('Phi-3-mini', 'gemma-3n-E2B')
    chosen = _pick_variant(declared.variants, named, name)
    if chosen is None:
        # The card talks about other models (a distill's card describing its teacher).
        return None
    narrowed = Params(chosen.total, chosen.active, [chosen], "declared", declared.experts)
    # Evidence for this size only: the card's statements about its siblings are not this
    # model's.
    narrowed.evidence = _variants_evidence([chosen])
    return narrowed


def _fill_from_name(declared: Params, named: Params | None) -> Params:
    if named is None:
        return declared
    if declared.active is None and declared.total is not None and named.active is not None:
        declared.active = named.active
        declared.evidence = (declared.evidence + named.evidence)[:MAX_EVIDENCE]
    if declared.experts is None:
        declared.experts = named.experts
    return declared


def _with_weights(weights: Params, declared: Params | None, named: Params | None) -> Params:
    """Weights give the total; MoE active counts and expert numbers come from card or name."""
    active = None
    experts = None
    extra: list[Evidence] = []
    for other in (declared, named):
        if other is None:
            continue
        single = len(other.variants) <= 1
        if (
            active is None
            and other.active is not None
            and single
            and other.active < (weights.total or 0.0)
        ):
            active = other.active
            extra.extend(other.evidence[:1])
        experts = experts or other.experts
    label = weights.variants[0].label
    if named is not None and named.variants and name_size_agrees(named.total, weights.total):
        label = named.variants[0].label
    variant = ParamVariant(label, weights.total, active, precision=12)
    evidence = (weights.evidence + extra)[:MAX_EVIDENCE]
    return Params(weights.total, active, [variant], "weights", experts, evidence)


def name_size_agrees(named: float | None, weights: float | None) -> bool:
    """Whether a size a name states and the weights' total are one size (NAME_SIZE_FACTOR)."""
    return _close(named, weights, NAME_SIZE_FACTOR)
