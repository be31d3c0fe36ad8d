"""Pricing spider: a provider's model list with per-token prices (OpenRouter's
`GET /api/v1/models`, `{"data": [model, ...]}`), one item per response.

OpenRouter answers the whole list at once; a `links.next` URL, which its SDKs document, is
followed all the same (up to MAX_PAGES). The list is revalidated with its stored
validators, so an unchanged list costs one request. Reading the prices and joining them to
Hub candidates (by `hugging_face_id`) is the pipeline's business.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from ingest.sources import Source, load_sources
from spiders.base import ToolscoutSpider, header
from spiders.hf_models import parse_json

LIST_MAX_BYTES = 16 * 1024 * 1024
MAX_PAGES = 20


def models_of(payload: Any) -> list[dict]:
    """The model objects of a list response; a ValueError says what is wrong instead."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise ValueError('expected {"data": [...]} (a provider model list)')
    return [m for m in payload["data"] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def next_page(payload: dict) -> str | None:
    links = payload.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    return nxt if isinstance(nxt, str) and nxt.strip() else None


class OpenRouterSpider(ToolscoutSpider):
    name = "openrouter"

    def __init__(self, sources: list[Source] | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if sources is None or isinstance(sources, str):
            wanted = [
                f"pricing:{s}" if ":" not in s else s for s in (sources or "").split(",") if s
            ]
            sources = [
                s for s in load_sources().named(wanted or ["pricing"]) if s.kind == "pricing"
            ]
        self.pricing_sources = {s.name: s for s in sources}
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.pricing_sources.values():
            headers = {"Cache-Control": "max-age=0", "Accept": "application/json"}
            etag, last_modified = self.validators.get(source.url, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield self._request(source, source.url, headers, page=1)

    def _request(self, source: Source, url: str, headers: dict, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            headers=headers,
            cb_kwargs={"page": page},
            meta={
                "source": source.name,
                "doc_kind": "pricing",
                "handle_httpstatus_list": [304],
                "download_maxsize": LIST_MAX_BYTES,
            },
        )

    def parse(self, response: Response, page: int = 1):
        source = self.pricing_sources[response.meta["source"]]
        base = {"source": source.name, "url": response.url, "status": response.status}
        if response.status == 304:
            yield {"kind": "not_modified", **base}
            return
        try:
            payload = parse_json(response.body)
            models = models_of(payload)
        except ValueError as exc:
            yield self.error_item(response, "pricing", str(exc))
            return
        yield {
            "kind": "pricing",
            **base,
            "format": source.format,
            "etag": header(response, "ETag"),
            "last_modified": header(response, "Last-Modified"),
            "body": response.body,
            "models": models,
        }
        nxt = next_page(payload)
        if nxt and page < MAX_PAGES:
            yield self._request(source, response.urljoin(nxt), {}, page=page + 1)
