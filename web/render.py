"""Templates and the filters they use; everything scraped is escaped here.

Jinja's autoescape is on for every template, nothing is ever marked safe, and a scraped URL
becomes a link only through `safe_url`: http(s) with a host and no control characters, so
`javascript:`, `data:` and `java\tscript:` never reach an href.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from store.models import utcnow

TEMPLATES = Path(__file__).with_name("templates")


def safe_url(value: Any) -> str | None:
    """The URL when it is a plain http(s) link, else None (never an href then)."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    if any(ord(ch) < 33 or ord(ch) == 127 for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def human_count(n: Any) -> str:
    if not isinstance(n, int | float) or n <= 0:
        return "?"
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + unit
    return f"{n:.0f}"


def sizes_text(sizes: Any) -> str:
    parts = []
    for s in sizes or []:
        if not isinstance(s, dict):
            continue
        text = str(s.get("label") or human_count(s.get("total")))
        if s.get("active") and s.get("total"):
            text += f" ({human_count(s['total'])} total, {human_count(s['active'])} active)"
        parts.append(text)
    return ", ".join(parts) or "—"


def license_text(lic: Any) -> str:
    if not isinstance(lic, dict) or not lic:
        return "—"
    text = str(lic.get("id") or lic.get("name") or "?")
    if lic.get("name") and lic.get("name") != lic.get("id"):
        text += f" ({lic['name']})"
    return text


def yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "unknown")


def show(value: Any, field: str | None = None) -> str:
    """A value as an editor reads it (escaped later by autoescape)."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "sizes" or (field == "params" and isinstance(value, list)):
        return sizes_text(value)
    if field == "license" and isinstance(value, str):
        return value.removeprefix("name:")  # a conflict names a license by its id
    if field == "license" or (isinstance(value, dict) and "commercial_use" in value):
        text = license_text(value)
        if isinstance(value, dict) and "commercial_use" in value:
            text += f"; commercial use: {yes_no(value.get('commercial_use'))}"
        return text
    if field == "params" and isinstance(value, dict):
        if value.get("variants"):
            return sizes_text(value["variants"])
        return human_count(value.get("total"))
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if field == "sources" and isinstance(value, list):
        names = [str(v.get("title") or v.get("url") or "?") for v in value if isinstance(v, dict)]
        return "; ".join(names) or "—"
    if field == "pricing" and isinstance(value, dict):
        return pricing_text(value)
    if isinstance(value, dict) and value.get("title") and field in ("announcement", None):
        return str(value["title"])
    if isinstance(value, list):
        return "; ".join(show(v) for v in value[:20]) + ("; …" if len(value) > 20 else "")
    if isinstance(value, dict):
        # Never a JSON blob on a page: "key: value" pairs, the unknown ones left out.
        pairs = [
            f"{k.replace('_', ' ')}: {show(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {})
        ]
        return "; ".join(pairs[:12]) or "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _usd(value: Any) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.3g}"


def pricing_text(pricing: dict) -> str:
    """A price observation as a line: "paid · $0.08/1M in, $0.30/1M out (openrouter)"."""
    parts = []
    for key, unit in (
        ("input_usd_per_mtok", "/1M in"),
        ("output_usd_per_mtok", "/1M out"),
        ("subscription_usd_per_month", "/month"),
    ):
        if _usd(pricing.get(key)):
            parts.append(f"{_usd(pricing[key])}{unit}")
    text = str(pricing.get("tier") or "unknown tier")
    if parts:
        text += " · " + ", ".join(parts)
    provider = str(pricing.get("provider") or "").removeprefix("pricing:")
    return f"{text} ({provider})" if provider else text


def edit_text(value: Any, field: str) -> str:
    """The text an edit box starts with: what `store.overrides.parse_value` reads back."""
    if value is None:
        return ""
    if field == "sizes":
        return ", ".join(str(s.get("label")) for s in value or [] if isinstance(s, dict))
    if field == "license":
        return str((value or {}).get("id") or "") if isinstance(value, dict) else str(value)
    if field == "commercial_use":
        return yes_no(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def ago(value: Any, now: datetime | None = None) -> str:
    when = parse_time(value)
    if when is None:
        return "—"
    seconds = ((now or utcnow()) - when).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds // size:.0f}{unit}"
            break
    else:
        text = f"{seconds:.0f}s"
    return f"in {text}" if future else f"{text} ago"


def day(value: Any) -> str:
    when = parse_time(value)
    return when.strftime("%Y-%m-%d %H:%M") if when else "—"


def count_or_zero(n: Any) -> str:
    """A popularity count: 0 is a count here (nobody liked it), not an unknown."""
    return "0" if n == 0 else human_count(n)


def day_short(value: Any) -> str:
    """A date in a one-line column: 2025-06-02."""
    when = parse_time(value)
    return when.strftime("%Y-%m-%d") if when else "—"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        safe_url=safe_url,
        count=human_count,
        sizes=sizes_text,
        license=license_text,
        yes_no=yes_no,
        show=show,
        edit_text=edit_text,
        ago=ago,
        day=day,
        day_short=day_short,
        count_or_zero=count_or_zero,
    )
    return env
