"""sources.toml → the list of sources to crawl, with the environment's overrides applied.

The file is read through a strict schema (pydantic models with `extra="forbid"`, below): a
section or key the schema does not know is an error that names it, its section and the
closest valid name (`[hub] ogrs` → "did you mean 'orgs'?"), so a typo never silently drops
every org or every feed. Values are checked for type and range there too; what the schema
cannot say (absolute URLs after `${VAR}` expansion, unique names, a pattern that compiles)
is checked after it. Every error is a `SourcesError` whose message is one line.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from store.cadence import DEFAULT_FACTOR, DEFAULT_MAX_S, DEFAULT_MIN_S

DEFAULT_HF_ENDPOINT = "https://huggingface.co"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
PRICING_FORMATS = ("openrouter",)
# A source's interval when sources.toml gives none and its own cadence cannot be read
# (price lists); the base of the backoff and the staleness of every source.
NOMINAL_INTERVAL_S = 3600.0


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
    format: str | None = None  # pricing: the catalog format ("openrouter", "litellm", "models.dev")
    adaptive: bool = False  # no interval in sources.toml: checked by store.cadence


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
    cadence: tuple[float, float, float] = (DEFAULT_MIN_S, DEFAULT_MAX_S, DEFAULT_FACTOR)

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
                close = closest(wanted, [s.name for s in self.sources])
                hint = f"did you mean {close!r}? " if close else ""
                raise SourcesError(
                    f"no source named {wanted!r} in {self.path} ({hint}known: {known})"
                )
            chosen += [s for s in hits if s not in chosen]
        return chosen


def parse_duration(value: object, default: float = 3600.0) -> float:
    """Seconds from 90, "90", "90s", "15m", "1.5h", "1d" (what every duration accepts)."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise SourcesError(f"{value!r} is not a duration like '90s', '15m' or '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise SourcesError(f"{value!r} is not a duration like '90s', '15m' or '1h'")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds != seconds or seconds < 0 or seconds == float("inf"):
        raise SourcesError(f"{value!r} is not a duration like '90s', '15m' or '1h'")
    return seconds


def closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not found:  # "feed" for "feeds", "org" for "orgs": a prefix is a close name too
        found = [c for c in choices if c.startswith(word) or word.startswith(c)][:1]
    return found[0] if found else None


# -- the schema -----------------------------------------------------------------------------
def _duration(value: object) -> float:
    try:
        return parse_duration(value)
    except SourcesError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[float, BeforeValidator(_duration)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Count = Annotated[int, Field(ge=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class HubSection(_Section):
    endpoint: str | None = None
    interval: Duration | None = None  # unset: each source's own cadence (store.cadence)
    page_size: Annotated[int, Field(ge=1, le=1000)] = 100
    since: date | None = None  # a TOML date or a "2024-01-01" string
    orgs: list[Name] = []
    derivative_orgs: list[Name] = []


class FeedEntry(_Section):
    name: Name
    url: str
    org: str | None = None
    interval: Duration | None = None
    follow: bool = True


class PagesEntry(FeedEntry):
    pattern: str | None = None


class PricingEntry(_Section):
    name: Name
    url: str
    format: Literal["openrouter", "litellm", "models.dev"] = "openrouter"
    interval: Duration | None = None


class CrawlSection(_Section):
    """[crawl]: each key is one Scrapy setting (CRAWL_SETTINGS)."""

    delay: Annotated[float, Field(ge=0)] | None = None
    autothrottle: bool | None = None
    per_domain: Annotated[int, Field(ge=1)] | None = None
    timeout: Duration | None = None
    max_bytes: Annotated[int, Field(ge=1)] | None = None
    obey_robots: bool | None = None
    user_agent: Annotated[str, Field(min_length=1)] | None = None
    card_budget: Count | None = None
    time_limit: Duration | None = None
    # Origins ("http://10.0.0.5:8080") the fetch layer may reach although they are private.
    allow_private: list[str] | None = None


class ScheduleSection(_Section):
    """[schedule]: the bounds of adaptive intervals (store.cadence)."""

    min_interval: Duration = DEFAULT_MIN_S
    max_interval: Duration = DEFAULT_MAX_S
    factor: Annotated[float, Field(gt=0, le=1000)] = DEFAULT_FACTOR


class NotabilitySection(_Section):
    orgs: list[str] | None = None
    min_likes: Count | None = None
    min_downloads: Count | None = None
    min_trending: Annotated[float, Field(ge=0)] | None = None


class SourcesFile(_Section):
    hub: HubSection = HubSection()
    feeds: list[FeedEntry] = []
    pages: list[PagesEntry] = []
    pricing: list[PricingEntry] = []
    crawl: CrawlSection = CrawlSection()
    notability: NotabilitySection = NotabilitySection()
    schedule: ScheduleSection = ScheduleSection()


# [crawl] key -> the Scrapy setting it sets (ingest/settings.py keeps the polite defaults).
CRAWL_SETTINGS = {
    "delay": "DOWNLOAD_DELAY",
    "autothrottle": "AUTOTHROTTLE_ENABLED",
    "per_domain": "CONCURRENT_REQUESTS_PER_DOMAIN",
    "timeout": "DOWNLOAD_TIMEOUT",
    "max_bytes": "DOWNLOAD_MAXSIZE",
    "obey_robots": "ROBOTSTXT_OBEY",
    "user_agent": "USER_AGENT",
    "card_budget": "TOOLSCOUT_CARD_BUDGET",
    "time_limit": "TOOLSCOUT_TIME_LIMIT",
    "allow_private": "TOOLSCOUT_ALLOW_PRIVATE",
}
_ARRAYS = {"feeds", "pages", "pricing"}  # [[tables]]; the others are [tables]


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = SourcesFile
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = (annotation, *args)
        model = next(
            (a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if model is None:
            return None
    return model


def _where(loc: tuple, data: dict) -> str:
    """'[hub]', '[[feeds]] entry 2 (hf-blog)': the TOML table a location is in."""
    if not loc:
        return "the file"
    section = str(loc[0])
    if section in _ARRAYS:
        where = f"[[{section}]]"
        if len(loc) > 1 and isinstance(loc[1], int):
            entry = (data.get(section) or [None] * (loc[1] + 1))[loc[1]]
            name = entry.get("name") if isinstance(entry, dict) else None
            where += f" entry {loc[1] + 1}" + (f" ({name})" if isinstance(name, str) else "")
        return where
    return f"[{section}]"


def describe(error: dict, data: dict) -> str:
    """One pydantic error as a line a person can act on."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(loc[:-1])
        valid = list(parent.model_fields) if parent else []
        close = closest(key, valid)
        if len(loc) == 1:
            shown = f"[[{close}]]" if close in _ARRAYS else f"[{close}]"
            hint = f"did you mean {shown}?" if close else f"known: {', '.join(valid)}"
            return f"unknown section [{key}] ({hint})"
        hint = f"did you mean {close!r}?" if close else f"known: {', '.join(valid)}"
        return f"unknown key {key!r} in {_where(loc[:-1], data)} ({hint})"
    keys = [str(p) for p in loc[1:] if not isinstance(p, int)]
    key = keys[0] if keys else None
    where = _where(loc, data)
    if error["type"] == "missing":
        return f"{where} needs {key!r}"
    message = str(error["msg"]).removeprefix("Value error, ").replace("Input should", "must")
    got = error.get("input")
    shown = f" (got {got!r})" if not isinstance(got, dict | list) else ""
    return f"{where} {key or ''}: {message}{shown}".replace(" :", ":")


def validate(data: dict, path: Path) -> SourcesFile:
    try:
        return SourcesFile.model_validate(data)
    except ValidationError as exc:
        # A misspelt key first: its "missing" twin (urll for url) is the same mistake.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SourcesError(f"{path}: {describe(errors[0], data)}{more}") from None


# -- loading --------------------------------------------------------------------------------
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


def read_file(path: Path) -> dict:
    """The TOML of the sources file; a missing, unreadable or broken one is a SourcesError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesError(
            f"sources file not found: {path} (create it, or point TOOLSCOUT_SOURCES at it)"
        ) from None
    except IsADirectoryError:
        raise SourcesError(f"sources file {path} is a directory, not a TOML file") from None
    except PermissionError:
        raise SourcesError(f"sources file {path} is not readable (check its permissions)") from None
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None


def load_sources(path: Path | None = None) -> Sources:
    path = path or sources_path()
    data = read_file(path)
    config = validate(data, path)
    hub = config.hub
    endpoint = os.environ.get("HF_ENDPOINT") or hub.endpoint or DEFAULT_HF_ENDPOINT
    interval = hub.interval
    if config.schedule.min_interval > config.schedule.max_interval:
        raise SourcesError(f"{path}: [schedule] min_interval is longer than max_interval")
    sources = [
        Source(
            name=f"hf:{org}",
            kind="hub",
            interval_s=interval or NOMINAL_INTERVAL_S,
            org=org,
            role=role,
            adaptive=interval is None,
        )
        for role, orgs in (("original", hub.orgs), ("derivative", hub.derivative_orgs))
        for org in orgs
    ]
    sources += [_feed(e, "feed", interval) for e in config.feeds]
    sources += [_feed(e, "pages", interval) for e in config.pages]
    sources += [_pricing(e, interval) for e in config.pricing]
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise SourcesError(f"{path}: source names must be unique: {', '.join(dupes)}")
    return Sources(
        path=path,
        hf_endpoint=_absolute(endpoint, "hub endpoint (HF_ENDPOINT)"),
        page_size=hub.page_size,
        since=str(hub.since) if hub.since else None,
        sources=tuple(sources),
        crawl=_crawl(config.crawl),
        notability=_notability(config.notability, hub.orgs),
        cadence=(
            config.schedule.min_interval,
            config.schedule.max_interval,
            config.schedule.factor,
        ),
    )


def _crawl(section: CrawlSection) -> dict:
    return {
        CRAWL_SETTINGS[key]: value for key, value in section.model_dump(exclude_none=True).items()
    }


def crawl_settings(section: dict) -> dict:
    """[crawl] keys → Scrapy settings; absent keys keep ingest/settings.py's polite defaults."""
    return _crawl(validate({"crawl": section}, Path("[crawl]")).crawl)


def _nominal(own: float | None, default: float | None) -> float:
    for value in (own, default):
        if value is not None:
            return value
    return NOMINAL_INTERVAL_S


def _feed(entry: FeedEntry, kind: str, default_interval: float | None) -> Source:
    """A [[feeds]] entry → "feed:<name>"; a [[pages]] entry (an HTML index page of a vendor
    without a feed) → "pages:<name>"."""
    table = "feeds" if kind == "feed" else "pages"
    pattern = getattr(entry, "pattern", None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourcesError(f"[[{table}]] {entry.name!r}: bad pattern: {exc}") from None
    return Source(
        name=f"{kind}:{entry.name}",
        kind=kind,
        interval_s=_nominal(entry.interval, default_interval),
        adaptive=entry.interval is None and default_interval is None,
        org=entry.org,
        url=_absolute(entry.url, f"[[{table}]] {entry.name!r} url"),
        follow=entry.follow,
        pattern=pattern,
    )


def _pricing(entry: PricingEntry, default_interval: float | None) -> Source:
    """A [[pricing]] entry (a provider's price list) → "pricing:<name>"."""
    return Source(
        name=f"pricing:{entry.name}",
        kind="pricing",
        interval_s=_nominal(entry.interval, default_interval),
        adaptive=entry.interval is None and default_interval is None,
        url=_absolute(entry.url, f"[[pricing]] {entry.name!r} url"),
        format=entry.format,
    )


def _notability(section: NotabilitySection, hub_orgs: list[str]) -> Notability:
    """[notability]; without an `orgs` list every watched Hub org is on the allowlist."""
    orgs = section.orgs if section.orgs is not None else hub_orgs
    return Notability(
        orgs=frozenset(o.strip().lower() for o in orgs),
        min_likes=section.min_likes,
        min_downloads=section.min_downloads,
        min_trending=section.min_trending,
    )
