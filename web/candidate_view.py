"""What the candidate page shows above and beside the fields: the summary card, the
record as the comparison site will show it, conflicts grouped by value, and each piece of
evidence as one readable line.

Reads `store.queue.candidate_detail`'s dict (and popularity from the variants); decides
nothing about values, which `store` and `normalize` own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from store.models import Candidate
from store.publish import record_core
from web import triage
from web.render import human_count, parse_time, safe_url, show

HUB_SITE = "https://huggingface.co"  # the page a person reads (the crawl may use a mirror)
MAX_EVIDENCE_LINES = 3  # per field, the rest behind "more"


def hub_links(repo: str) -> dict[str, str]:
    """A repo's model page and its card, on the Hub's own site."""
    return {
        "repo": repo,
        "page": f"{HUB_SITE}/{repo}",
        "card": f"{HUB_SITE}/{repo}/blob/main/README.md",
    }


def license_badge(lic: Any) -> dict:
    """How plainly the page says whether the comparison site may call it usable for business:
    kind (ok, conditions, no, unknown) and the words."""
    if not isinstance(lic, dict) or not lic:
        return {"kind": "unknown", "text": "no license stated"}
    if str(lic.get("id") or "").startswith("other:") and not lic.get("family"):
        return {"kind": "unknown", "text": "custom license: read its terms"}
    why = triage.restricted(lic)
    if why:
        return {"kind": "no", "text": f"{why}: no commercial use"}
    if lic.get("commercial_use") is True:
        if lic.get("conditions"):
            return {"kind": "conditions", "text": "commercial use, with conditions"}
        return {"kind": "ok", "text": "commercial use allowed"}
    return {"kind": "unknown", "text": "commercial use not known"}


def size_lines(sizes: Any) -> list[str]:
    """ "30B-A3B: 30.5B total, 3.3B active" per size."""
    lines = []
    for s in sizes or []:
        if not isinstance(s, dict):
            continue
        label = str(s.get("label") or human_count(s.get("total")))
        facts = []
        if s.get("total"):
            facts.append(f"{human_count(s['total'])} total")
        if s.get("active"):
            facts.append(f"{human_count(s['active'])} active")
        lines.append(f"{label}: {', '.join(facts)}" if facts else label)
    return lines


def _money(value: Any) -> str | None:
    if not isinstance(value, int | float):
        return None
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.3g}"


def offers(observations: list[dict]) -> list[dict]:
    """Each provider's price for the release: per 1M tokens in and out, or its tier."""
    found = []
    for o in observations:
        value = o.get("value")
        if o.get("field") != "pricing" or not isinstance(value, dict):
            continue
        provider = str(value.get("provider") or o.get("subject") or "").removeprefix("pricing:")
        prices = []
        if _money(value.get("input_usd_per_mtok")):
            prices.append(f"{_money(value['input_usd_per_mtok'])}/1M in")
        if _money(value.get("output_usd_per_mtok")):
            prices.append(f"{_money(value['output_usd_per_mtok'])}/1M out")
        if _money(value.get("subscription_usd_per_month")):
            prices.append(f"{_money(value['subscription_usd_per_month'])}/month")
        found.append(
            {
                "provider": provider.split(":", 1)[0] or "a page",
                "model": value.get("provider_model"),
                "text": ", ".join(prices) or (value.get("tier") or "price not stated"),
                "url": safe_url(o.get("source_url")),
            }
        )
    return found


def summary(session: Session, cand: Candidate, d: dict) -> dict:
    effective = d["effective"]
    originals = [v for v in d["variants"] if not v["is_derivative"]]
    repos = [v["repo_id"] for v in originals] or list(effective.get("repos") or [])
    lic = effective.get("license") if isinstance(effective.get("license"), dict) else None
    popular = triage.popularity(session, [cand.id]).get(cand.id)
    conflicts = [c for c in d["conflict_details"] if not c.get("settled")]
    return {
        "vendor": effective.get("vendor") or d.get("vendor"),
        "sizes": size_lines(effective.get("sizes")),
        "license": lic,
        "badge": license_badge(lic),
        "entry_price": preview_record(cand, d).get("entry_price"),
        "offers": offers(d["observations"]),
        "popularity": popular,
        "hub": [hub_links(r) for r in repos],
        "conflicts": len(conflicts),
        "similar": len(d.get("similar") or []),
    }


def preview_record(cand: Candidate, d: dict) -> dict:
    """The record as it will be published (the read API's, the site's), now."""
    draft = d.get("draft") if isinstance(d.get("draft"), dict) else None
    return record_core(cand, d["effective"], draft)


def grouped_conflict(conflict: dict) -> list[dict]:
    """Each distinct value once, with every source behind it; `option` is the index the
    "use this" form sends (the first source's)."""
    groups: dict[str, dict] = {}
    for index, v in enumerate(conflict.get("values") or []):
        text = show(v.get("value"), conflict.get("field"))
        group = groups.setdefault(text, {"text": text, "option": index, "sources": []})
        group["sources"].append(
            {
                "label": v.get("subject") or "?",
                "url": source_link(v.get("subject"), v.get("source")),
                "snippet": v.get("snippet"),
            }
        )
    return list(groups.values())


def source_link(subject: Any, source_url: Any) -> str | None:
    """Where an editor checks a value: a repo's model page, else the document's URL."""
    subject = str(subject or "")
    if subject and "://" not in subject and "/" in subject and not subject.startswith("pricing:"):
        return hub_links(subject)["page"]
    return safe_url(source_url)


def _when(value: Any) -> str:
    when = parse_time(value)
    return when.strftime("%Y-%m-%d") if isinstance(when, datetime) else ""


def evidence_lines(evidence: list[dict], field: str) -> list[dict]:
    """One line per distinct (source, snippet): where, what it said, when, which reader."""
    lines, seen = [], set()
    for o in evidence:
        key = (o.get("subject"), o.get("snippet"), o.get("extractor"))
        if key in seen:
            continue
        seen.add(key)
        value = o.get("value")
        if o.get("field") == "announcement" and isinstance(value, dict):
            said = value.get("title")
        else:
            said = show(value, o.get("field")) if value is not None else None
        lines.append(
            {
                "label": o.get("subject") or "?",
                "url": source_link(o.get("subject"), o.get("source_url")),
                "raw_source": o.get("source_url"),
                "value": said,
                "snippet": " ".join(str(o.get("snippet") or "").split()) or None,
                "when": _when(o.get("seen_at")),
                "extractor": o.get("extractor"),
                "via": o.get("candidate"),
            }
        )
    return lines
