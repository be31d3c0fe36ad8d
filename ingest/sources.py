"""sources.toml → the list of sources to crawl, with the environment's overrides applied."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class SourcesError(ValueError):
    """sources.toml is missing or says something toolscout cannot use."""


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # "hf:google", "feed:hf-blog", "pages:mistral-news", "pricing:openrouter"
    kind: str  # "hub" | "feed" | "pages" | "pricing"
    interval_s: float
    org: str | None = None  # the Hub org it watches, or the vendor's org of a feed
    role: str = "original"  # original | derivative
    url: str | None = None
    follow: bool = True  # feeds: fetch the article page of new entries
    pattern: str | None = None  # pages: regex an article link's URL must match
    format: str | None = None  # pricing: the response format ("openrouter")


@dataclass(frozen=True, slots=True)
class Notability:
    """[notability]: which Hub candidates are queued for editors (store.notability).

    A new release of an allowlisted org is always queued; one of any other watched org is
    queued once a threshold is met, and held (stored, not queued) until then.
    """

    orgs: frozenset[str] = frozenset()  # lower-cased allowlist
    min_likes: int | None = None
    min_downloads: int | None = None
    min_trending: float | None = None


@dataclass(frozen=True, slots=True)
class Sources:
    path: Path
    hf_endpoint: str
    page_size: int
    since: str | None
    sources: tuple[Source, ...]
    crawl: dict  # [crawl]: politeness and limits, as Scrapy settings
    notability: Notability = Notability()

    def named(self, names: list[str]) -> list[Source]:
        """Sources matching each name exactly, or a group: "hf" (every Hub org), "hub"."""
        if not names:
            return list(self.sources)
        chosen: list[Source] = []
        for wanted in names:
            hits = [
                s
                for s in self.sources
                if s.name == wanted or s.kind == wanted or s.name.split(":")[0] == wanted
            ]
            if not hits:
                known = ", ".join(s.name for s in self.sources)
                raise SourcesError(f"no source named {wanted!r} in {self.path} (known: {known})")
            chosen += [s for s in hits if s not in chosen]
        return chosen


def parse_duration(value: object, default: float = 3600.0) -> float:
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise SourcesError(f"interval {value!r} is not a duration like '30m', '1h' or '6h'")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def sources_path() -> Path:
    return Path(os.environ.get("TOOLSCOUT_SOURCES") or "./sources.toml")


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: str) -> str:
    """`${NAME}` / `${NAME:-default}` in a URL, so one file can point sources at any server."""

    def sub(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        found = os.environ.get(name) or default
        if found is None:
            raise SourcesError(f"{value!r} uses ${{{name}}}, which is not set")
        return found

    return _ENV_REF.sub(sub, value)


def _absolute(url: str, what: str) -> str:
    url = expand_env(url or "")
    if not re.match(r"^https?://[^/]+", url or ""):
        raise SourcesError(f"{what} must be an absolute http(s) URL, got {url!r}")
    return url.rstrip("/")


def load_sources(path: Path | None = None) -> Sources:
    path = path or sources_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"sources file not found: {path} (set TOOLSCOUT_SOURCES)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    hub = data.get("hub") or {}
    endpoint = os.environ.get("HF_ENDPOINT") or hub.get("endpoint") or DEFAULT_HF_ENDPOINT
    interval = parse_duration(hub.get("interval"))
    sources = [
        Source(name=f"hf:{org}", kind="hub", interval_s=interval, org=org, role=role)
        for role, key in (("original", "orgs"), ("derivative", "derivative_orgs"))
        for org in hub.get(key) or []
    ]
    sources += feed_sources(data.get("feeds") or [], interval)
    sources += page_sources(data.get("pages") or [], interval)
    sources += pricing_sources(data.get("pricing") or [], interval)
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise SourcesError(f"{path}: source names must be unique: {', '.join(dupes)}")
    return Sources(
        path=path,
        hf_endpoint=_absolute(endpoint, "hub endpoint (HF_ENDPOINT)"),
        page_size=int(hub.get("page_size") or 100),
        since=str(hub["since"]) if hub.get("since") else None,
        sources=tuple(sources),
        crawl=crawl_settings(data.get("crawl") or {}),
        notability=notability_settings(data.get("notability"), hub.get("orgs") or []),
    )


def crawl_settings(section: dict) -> dict:
    """[crawl] keys → Scrapy settings; absent keys keep ingest/settings.py's polite defaults."""
    mapping = {
        "delay": ("DOWNLOAD_DELAY", float),
        "autothrottle": ("AUTOTHROTTLE_ENABLED", bool),
        "per_domain": ("CONCURRENT_REQUESTS_PER_DOMAIN", int),
        "timeout": ("DOWNLOAD_TIMEOUT", float),
        "max_bytes": ("DOWNLOAD_MAXSIZE", int),
        "obey_robots": ("ROBOTSTXT_OBEY", bool),
        "user_agent": ("USER_AGENT", str),
        "card_budget": ("TOOLSCOUT_CARD_BUDGET", int),
    }
    settings = {}
    for key, value in section.items():
        if key == "time_limit":
            settings["TOOLSCOUT_TIME_LIMIT"] = parse_duration(value)
            continue
        if key == "allow_private":
            # Origins on internal addresses the crawler may fetch on purpose (ingest.fetch).
            if not isinstance(value, list):
                raise SourcesError("[crawl] allow_private must be a list of origins")
            settings["TOOLSCOUT_ALLOW_PRIVATE"] = [
                _absolute(str(v), "[crawl] allow_private entry") for v in value
            ]
            continue
        if key not in mapping:
            raise SourcesError(
                f"unknown [crawl] key {key!r} (known: {', '.join(mapping)}, time_limit, "
                "allow_private)"
            )
        name, kind = mapping[key]
        settings[name] = kind(value)
    return settings


def feed_sources(entries: list, default_interval: float) -> list[Source]:
    """[[feeds]] tables → sources named "feed:<name>"."""
    sources = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("url"):
            raise SourcesError(f"[[feeds]] entry {i + 1} needs a name and a url")
        sources.append(
            Source(
                name=f"feed:{entry['name']}",
                kind="feed",
                interval_s=parse_duration(entry.get("interval"), default_interval),
                org=entry.get("org"),
                url=_absolute(str(entry["url"]), f"feed {entry['name']!r} url"),
                follow=bool(entry.get("follow", True)),
            )
        )
    return sources


def page_sources(entries: list, default_interval: float) -> list[Source]:
    """[[pages]] tables (HTML index pages of vendors without a feed) → "pages:<name>"."""
    sources = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("url"):
            raise SourcesError(f"[[pages]] entry {i + 1} needs a name and a url")
        pattern = entry.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise SourcesError(f"[[pages]] {entry['name']!r}: bad pattern: {exc}") from exc
        sources.append(
            Source(
                name=f"pages:{entry['name']}",
                kind="pages",
                interval_s=parse_duration(entry.get("interval"), default_interval),
                org=entry.get("org"),
                url=_absolute(str(entry["url"]), f"pages {entry['name']!r} url"),
                follow=bool(entry.get("follow", True)),
                pattern=str(pattern) if pattern is not None else None,
            )
        )
    return sources


PRICING_FORMATS = ("openrouter",)


def pricing_sources(entries: list, default_interval: float) -> list[Source]:
    """[[pricing]] tables (provider price lists) → sources named "pricing:<name>"."""
    sources = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("url"):
            raise SourcesError(f"[[pricing]] entry {i + 1} needs a name and a url")
        fmt = str(entry.get("format") or "openrouter")
        if fmt not in PRICING_FORMATS:
            raise SourcesError(
                f"[[pricing]] {entry['name']!r}: unknown format {fmt!r} "
                f"(known: {', '.join(PRICING_FORMATS)})"
            )
        sources.append(
            Source(
                name=f"pricing:{entry['name']}",
                kind="pricing",
                interval_s=parse_duration(entry.get("interval"), default_interval),
                url=_absolute(str(entry["url"]), f"pricing {entry['name']!r} url"),
                format=fmt,
            )
        )
    return sources


def _threshold(section: dict, key: str, kind: type) -> float | int | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SourcesError(f"[notability] {key} must be a non-negative number, got {value!r}")
    return kind(value)


def notability_settings(section: object, hub_orgs: list) -> Notability:
    """[notability]; without an `orgs` list every watched Hub org is on the allowlist."""
    section = section if isinstance(section, dict) else {}
    known = {"orgs", "min_likes", "min_downloads", "min_trending"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise SourcesError(f"unknown [notability] key {unknown[0]!r} (known: {', '.join(known)})")
    orgs = section.get("orgs", hub_orgs)
    if not isinstance(orgs, list) or not all(isinstance(o, str) for o in orgs):
        raise SourcesError("[notability] orgs must be a list of Hub org names")
    return Notability(
        orgs=frozenset(o.strip().lower() for o in orgs),
        min_likes=_threshold(section, "min_likes", int),
        min_downloads=_threshold(section, "min_downloads", int),
        min_trending=_threshold(section, "min_trending", float),
    )
