"""Hugging Face Hub spider: new and changed models of the watched orgs.

For each org it lists `/api/models?author=ORG&sort=createdAt` newest first, following the
`Link: rel="next"` cursor until it reaches the org's watermark (the newest `createdAt`
already stored) or the `since` bound of sources.toml. Models that are new, or whose `sha`
differs from the one whose details are stored, get their model info and raw card fetched.

It yields raw items only (one per listing page, one per model) and never touches the
database: what it knows of earlier runs (`hub_state`) is handed to it by the store
pipeline when the spider opens.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import scrapy
from scrapy.http import Response

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
    "cardData",
)
CARD_MAX_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class HubState:
    """What earlier runs left behind, read from the store before the crawl starts."""

    watermarks: dict[str, str] = field(default_factory=dict)  # org -> newest createdAt stored
    info_sha: dict[str, str] = field(default_factory=dict)  # repo id -> sha of stored details
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


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
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        head = body[:40].decode("utf-8", "replace").strip()
        served = f"; served as {content_type}" if content_type else ""
        raise ValueError(f"invalid JSON ({exc}){served}; body starts {head!r}") from None


class HfModelsSpider(ToolscoutSpider):
    name = "hf_models"

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
        self.token = os.environ.get("HF_TOKEN") or None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for org, source in self.hub_sources.items():
            url = listing_url(self.endpoint, org, self.page_size)
            yield self._request(url, self.parse_listing, source, "hf_listing", org=org, page=1)

    def _request(self, url: str, callback, source: Source, kind: str, **kwargs: Any):
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if kind == "hf_listing":
            # Revalidate every run: no cache between us and the server may answer for it.
            headers["Cache-Control"] = "max-age=0"
            etag, last_modified = self.hub_state.validators.get(url, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            elif last_modified:
                headers["If-Modified-Since"] = last_modified
        meta = {
            "source": source.name,
            "doc_kind": kind,
            "handle_httpstatus_list": [304] if kind == "hf_listing" else [401, 403, 404],
        }
        if kind == "hf_card":
            # Cards get a tighter limit; everything else keeps DOWNLOAD_MAXSIZE (0 = none).
            meta["download_maxsize"] = CARD_MAX_BYTES
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            cb_kwargs=kwargs,
            meta=meta,
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
                yield self._request(
                    nxt, self.parse_listing, source, "hf_listing", org=org, page=page + 1
                )
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
        followed = [m["id"] for m in fresh if self.hub_state.info_sha.get(m["id"]) != m.get("sha")]
        yield {
            "kind": "hf_listing",
            **base,
            "org": org,
            "role": source.role,
            "page": page,
            "etag": header(response, "ETag"),
            "last_modified": header(response, "Last-Modified"),
            "body": response.body,
            "models": fresh,
            "followed": followed,
        }
        for repo_id in followed:
            url = f"{self.endpoint}/api/models/{quote(repo_id, safe='/')}"
            yield self._request(url, self.parse_info, source, "hf_model_info", repo_id=repo_id)
        nxt = next_link(response)
        if nxt and models and not self._reached(oldest, watermark):
            yield self._request(
                nxt, self.parse_listing, source, "hf_listing", org=org, page=page + 1
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
        card_url = f"{self.endpoint}/{quote(repo_id, safe='/')}/raw/main/README.md"
        org = repo_id.split("/", 1)[0]
        source = self.hub_sources.get(org) or next(
            s for s in self.hub_sources.values() if s.name == source_name
        )
        yield self._request(
            card_url,
            self.parse_card,
            source,
            "hf_card",
            repo_id=repo_id,
            info=info,
            info_url=response.url,
            info_body=response.body,
        )

    def parse_card(self, response: Response, repo_id: str, info: dict, info_url: str, info_body):
        ok = response.status == 200
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
