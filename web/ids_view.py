"""What the candidate page's id map section shows: the catalog ids joined to a release, the
entries suggested by vendor and name (answered in `web.ids_pages`), and the live
disagreements between its sources. Reads the store; decides nothing.
"""

from __future__ import annotations

from sqlmodel import Session

from store.disagreements import disagreements
from store.ids import CATALOG_KEY, EXTRACTOR_KEY, answered_links, suggestions
from store.models import Candidate
from web.render import safe_url

CATALOG_NAMES = {
    "huggingface": "Hugging Face",
    "openrouter": "OpenRouter",
    "models_dev": "models.dev",
    "litellm": "LiteLLM",
}


def _joined(d: dict) -> list[dict]:
    """The catalog entries joined to the release, one line each: catalog, id, how."""
    lines = {}
    for o in d["observations"]:
        key = EXTRACTOR_KEY.get(o.get("extractor"))
        value = o.get("value") if isinstance(o.get("value"), dict) else {}
        model = value.get("provider_model")
        if key is None or not model:
            continue
        how = f"names {value['repo']}" if value.get("repo") else "by name, confirmed or certain"
        lines[(key, model)] = {
            "catalog": CATALOG_NAMES[key],
            "id": model,
            "how": how,
            "url": safe_url(o.get("source_url")),
        }
    return [lines[k] for k in sorted(lines)]


def _value_text(item: dict, side: dict) -> str:
    value = side["value"]
    if item["kind"] == "license" and isinstance(value, bool):
        said = "open weights" if value else "closed weights"
        return f"{said} (license {side['license']})" if side.get("license") else said
    if item["kind"] == "context_window" and isinstance(value, int):
        return f"{value:,} tokens"
    if item["kind"] == "size" and isinstance(value, int | float):
        return f"{value / 1e9:.2f}B parameters"
    if isinstance(value, int | float):
        return f"${value:g} per 1M tokens"
    return str(value)


def panel(session: Session, cand: Candidate, d: dict) -> dict:
    """What the section shows: joined ids, pending suggestions, answers, disagreements."""
    found = disagreements(session, [cand.id]).get(cand.id, [])
    for item in found:
        for side in item["values"]:
            side["text"] = _value_text(item, side)
            side["url"] = safe_url(side.get("url"))
    return {
        "joined": _joined(d),
        "suggestions": suggestions(session, cand),
        "answered": answered_links(session, cand.id),
        "disagreements": found,
        "catalog_names": {**CATALOG_NAMES, **{c: CATALOG_NAMES[k] for c, k in CATALOG_KEY.items()}},
    }
