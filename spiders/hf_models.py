"""Hugging Face Hub spider: new and changed models of the watched orgs.

For each org it lists `/api/models?author=ORG&sort=createdAt` newest first, following the
`Link: rel="next"` cursor until it reaches the org's watermark (the newest `createdAt`
already stored) or the `since` bound of sources.toml.

A listing page, with the spider's `expand[]` keys, carries everything the store groups on
(tags, cardData, safetensors, gguf, config, dates, sha, popularity), so it is one item for
its 1,000 models; no model costs a request of its own. The raw README (declared
parameters, prose) is fetched only for the repos the store asks for: releases queued for
editors whose `sha` has no card yet (`fetch_cards`, called by the store pipeline), within
a per-run budget (`[crawl] card_budget`); what a run leaves over, and repos of a release
queued later, form the backlog the next run starts with (model info, then card).

It yields raw items only and never touches the database: what it knows of earlier runs
(`hub_state`) is handed to it by the store pipeline when the spider opens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import orjson
import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from ingest.fetch.request import make_request
from ingest.fetch.revalidate import validators_of
from ingest.sources import Source, load_sources
from normalize.hub import parse_hub_time
from spiders.base import ToolscoutSpider, header

LISTING_EXPAND = (
    "createdAt",
    "lastModified",
    "sha",
    "tags",
    "likes",
    "downloads",
    "trendingScore",
    "pipeline_tag",
    "library_name",
    "gated",
    "safetensors",
    "gguf",
    "config",
    "cardData",
)
CARD_MAX_BYTES = 2 * 1024 * 1024
CARD_BUDGET = 1000  # README fetches per run, unless [crawl] card_budget says otherwise


@dataclass(slots=True)
class HubState:
    """What earlier runs left behind, read from the store before the crawl starts."""

    watermarks: dict[str, str] = field(default_factory=dict)  # org -> newest createdAt stored
    # (repo id, source name) of queued release repos whose card is missing or stale
    backlog: list[tuple[str, str]] = field(default_factory=list)


def listing_url(endpoint: str, org: str, page_size: int) -> str:
    query = [("author", org), ("sort", "createdAt"), ("limit", str(page_size))]
    query += [("expand[]", key) for key in LISTING_EXPAND]
    return f"{endpoint}/api/models?{urlencode(query)}"


def next_link(response: Response) -> str | None:
    """The `Link: <…>; rel="next"` URL, made absolute against the response."""
    for raw in response.headers.getlist("Link"):
        for part in raw.decode("latin-1").split(","):
            url_part, _, params = part.partition(";")
            if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
                return response.urljoin(url_part.strip().strip("<>"))
    return None


def parse_json(body: bytes, content_type: str | None = None) -> Any:
    """JSON body or a ValueError that says what is wrong, for the error record."""
    try:
        return orjson.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        head = body[:40].decode("utf-8", "replace").strip()
        served = f"; served as {content_type}" if content_type else ""
        raise ValueError(f"invalid JSON ({exc}){served}; body starts {head!r}") from None


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class HfModelsSpider(ToolscoutSpider):
    name = "hf_models"
    # The store pipeline is synchronous: Scrapy's default of 100 concurrent items per
    # response only spawns idle asyncio tasks (450,000 of them in a profiled backfill).
    custom_settings = {"CONCURRENT_ITEMS": 8}

    def __init__(
        self,
        sources: list[Source] | str | None = None,
        endpoint: str | None = None,
        page_size: int | str | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        config = None
        if sources is None or isinstance(sources, str):
            # `scrapy crawl hf_models [-a sources=google,Qwen]` reads sources.toml itself.
            config = load_sources()
            wanted = [f"hf:{s}" if ":" not in s else s for s in (sources or "").split(",") if s]
            sources = [s for s in config.named(wanted or ["hf"]) if s.kind == "hub"]
        self.hub_sources = {s.org: s for s in sources if s.org}
        self.endpoint = (endpoint or (config.hf_endpoint if config else "")).rstrip("/")
        self.page_size = int(page_size or (config.page_size if config else 100))
        since = since or (config.since if config else None)
        self.since = (
            parse_hub_time(since if "T" in since else f"{since}T00:00:00Z") if since else None
        )
        self.hub_state = HubState()
        # url -> (ETag, Last-Modified) the store trusts; sent by the fetch layer
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.cards_asked: set[str] = set()
        self.backlog_done = False
        # Bound once: Scrapy checks each callback's source for `return` in a generator and
        # caches the answer per callable, so a fresh bound method per request defeats it.
        self._on_listing = self.parse_listing
        self._on_info = self.parse_info
        self._on_card = self.parse_card

    @property
    def card_budget(self) -> int:
        settings = getattr(self, "settings", None)
        return settings.getint("TOOLSCOUT_CARD_BUDGET", CARD_BUDGET) if settings else CARD_BUDGET

    def card_room(self) -> int:
        """READMEs this run may still ask for: the store claims no more cards than that."""
        return max(0, self.card_budget - len(self.cards_asked))

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for org, source in self.hub_sources.items():
            url = listing_url(self.endpoint, org, self.page_size)
            yield self._request(url, self._on_listing, source, "hf_listing", org=org, page=1)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.schedule_backlog, signal=signals.spider_idle)
        return spider

    def schedule_backlog(self) -> None:
        """Cards earlier runs left over, once this run's listings are done (their pages
        ask for the cards of the repos they list again, with the listing entry at hand),
        within the budget's second half. The info object is fetched first: the store
        keeps no listing entry per repo."""
        if self.backlog_done:
            return
        self.backlog_done = True
        by_name = {s.name: s for s in self.hub_sources.values()}
        budget = min(self.card_budget, len(self.cards_asked) + self.card_budget // 2)
        scheduled = 0
        for repo_id, source_name in self.hub_state.backlog:
            source = by_name.get(source_name) or self.hub_sources.get(repo_id.split("/")[0])
            if source is None or repo_id in self.cards_asked:
                continue
            if len(self.cards_asked) >= budget:
                break
            self.cards_asked.add(repo_id)
            url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
            self.crawler.engine.crawl(
                self._request(url, self._on_info, source, "hf_model_info", repo_id=repo_id)
            )
            scheduled += 1
        if scheduled:
            raise DontCloseSpider

    def fetch_cards(self, source_name: str, entries: list[dict], listing_url: str) -> int:
        """Ask for the READMEs of these listing entries (the store's choice), within the
        run's budget; returns how many were scheduled. Called by the store pipeline."""
        source = next((s for s in self.hub_sources.values() if s.name == source_name), None)
        if source is None:
            return 0
        scheduled = 0
        for entry in entries:
            repo_id = entry["id"]
            if repo_id in self.cards_asked or len(self.cards_asked) >= self.card_budget:
                continue
            self.cards_asked.add(repo_id)
            request = self._card_request(source, repo_id, entry, listing_url, None)
            self.crawler.engine.crawl(request)
            scheduled += 1
        return scheduled

    def _card_request(self, source: Source, repo_id: str, info: dict, info_url: str, body):
        url = f"{self.endpoint}/{quote(repo_id, safe='/')}/raw/main/README.md"
        return self._request(
            url,
            self._on_card,
            source,
            "hf_card",
            repo_id=repo_id,
            info=info,
            info_url=info_url,
            info_body=body,
        )

    def _request(
        self, url: str, callback, source: Source, kind: str, cursor_of=None, **kwargs: Any
    ):
        return make_request(
            url,
            callback,
            source=source.name,
            doc_kind=kind,
            errback=self.on_error,
            revalidate=kind == "hf_listing",
            cursor_of=cursor_of,
            # Cards get a tighter limit; everything else keeps DOWNLOAD_MAXSIZE.
            max_bytes=CARD_MAX_BYTES if kind == "hf_card" else None,
            handle=() if kind == "hf_listing" else (401, 403, 404),
            cb_kwargs=kwargs,
        )

    def _source(self, org: str) -> Source:
        return self.hub_sources[org]

    def parse_listing(self, response: Response, org: str, page: int):
        source = self._source(org)
        base = {"source": source.name, "url": response.url, "status": response.status}
        if response.status == 304:
            yield {"kind": "not_modified", **base}
            return
        try:
            models = parse_json(response.body, header(response, "Content-Type"))
            if not isinstance(models, list):
                raise ValueError(f"expected a JSON array of models, got {type(models).__name__}")
        except ValueError as exc:
            yield self.error_item(response, "hf_listing", str(exc))
            # The cursor is in the header, so one broken page need not end the listing.
            nxt = next_link(response)
            if nxt:
                yield self._cursor(response, nxt, source, org, page)
            return
        models = [m for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]
        watermark = parse_hub_time(self.hub_state.watermarks.get(org))
        fresh, oldest = [], None
        for model in models:
            created = parse_hub_time(model.get("createdAt"))
            oldest = created if created and (oldest is None or created < oldest) else oldest
            if self.since and created and created < self.since:
                continue
            fresh.append(model)
        etag, last_modified = validators_of(response)
        yield {
            "kind": "hf_listing",
            **base,
            "org": org,
            "role": source.role,
            "page": page,
            "etag": etag,
            "last_modified": last_modified,
            "body": response.body,
            "models": fresh,
        }
        nxt = next_link(response)
        if nxt and models and not self._reached(oldest, watermark):
            yield self._cursor(response, nxt, source, org, page)

    def _cursor(self, response: Response, url: str, source: Source, org: str, page: int):
        """The listing's next page: on the listing's own origin only (the fetch layer)."""
        return self._request(
            url, self._on_listing, source, "hf_listing", cursor_of=response, org=org, page=page + 1
        )

    def _reached(self, oldest: datetime | None, watermark: datetime | None) -> bool:
        """True once a page holds models at or before the watermark or the since bound."""
        if oldest is None:
            return False
        return bool((watermark and oldest <= watermark) or (self.since and oldest < self.since))

    def parse_info(self, response: Response, repo_id: str):
        source_name = response.meta["source"]
        if response.status != 200:
            yield self.error_item(response, "hf_model_info", f"HTTP {response.status}")
            return
        try:
            info = parse_json(response.body, header(response, "Content-Type"))
            if not isinstance(info, dict) or not isinstance(info.get("id"), str):
                raise ValueError("expected a model object with an id")
        except ValueError as exc:
            yield self.error_item(response, "hf_model_info", str(exc))
            return
        org = repo_id.split("/", 1)[0]
        source = self.hub_sources.get(org) or next(
            s for s in self.hub_sources.values() if s.name == source_name
        )
        yield self._card_request(source, repo_id, info, response.url, response.body)

    def parse_card(self, response: Response, repo_id: str, info: dict, info_url: str, info_body):
        ok = response.status == 200
        served = header(response, "Content-Type") or ""
        if ok and served.startswith("text/html") and _looks_like_html(response.body):
            # The Hub serves raw READMEs as text/plain; an HTML page here is an error or
            # login page from something in between, not the model's card.
            yield self.error_item(response, "hf_card", f"README served as {served}: an HTML page")
            return
        yield {
            "kind": "hf_model",
            "source": response.meta["source"],
            "role": self._role(response.meta["source"]),
            "repo_id": repo_id,
            "info": info,
            "info_url": info_url,
            "info_body": info_body,
            "card_url": response.url,
            "card_status": response.status,
            "card_body": response.body if ok else None,
        }

    def _role(self, source_name: str) -> str:
        return next(
            (s.role for s in self.hub_sources.values() if s.name == source_name), "original"
        )
