"""What every toolscout spider shares: settings from sources.toml and error items.

A spider never writes the database; a failure becomes a `fetch_error` item that the store
pipeline records against its URL, so one bad document fails alone.
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from ingest.sources import SourcesError, load_sources


def header(response: Response, name: str) -> str | None:
    raw = response.headers.get(name)
    return raw.decode("latin-1") if raw else None


class ToolscoutSpider(scrapy.Spider):
    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        # sources.toml's [crawl] section applies to `scrapy crawl` as to `toolscout crawl`;
        # at "spider" priority, so `-s NAME=VALUE` on the command line still wins.
        try:
            crawl = load_sources().crawl
        except SourcesError:
            return
        for key, value in crawl.items():
            settings.set(key, value, priority="spider")

    def error_item(self, response: Response, kind: str, reason: str) -> dict:
        """A response that arrived but cannot be used; its body is kept as evidence."""
        return {
            "kind": "fetch_error",
            "source": response.meta.get("source", "?"),
            "url": response.url,
            "doc_kind": kind,
            "status": response.status,
            "reason": reason,
            "body": response.body,
        }

    def on_error(self, failure: Failure):
        """Errback: no usable response (network error, or an HTTP error after retries)."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if response is not None:
            reason = f"HTTP {response.status} after retries"
        yield {
            "kind": "fetch_error",
            "source": request.meta.get("source", "?"),
            "url": request.url,
            "doc_kind": request.meta.get("doc_kind"),
            "status": response.status if response is not None else 0,
            "reason": reason,
            "body": None,
        }
