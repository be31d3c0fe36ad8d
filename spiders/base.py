"""What every toolscout spider shares: settings from sources.toml and error items.

A spider never writes the database; a failure becomes a `fetch_error` item that the store
pipeline records against its URL, so one bad document fails alone.
"""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, ResponseDataLossError
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ingest.fetch.middleware import Refused
from ingest.fetch.policy import host_of
from ingest.fetch.ratelimit import RateLimited
from ingest.fetch.resolver import refusal_for
from ingest.sources import SourcesError, load_sources

MIN_DOWNLOAD_DELAY = 0.001  # seconds; see update_settings


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
        # Scrapy 2.19 starts a slot's queued requests as asyncio tasks and counts them
        # against CONCURRENT_REQUESTS_PER_DOMAIN only once they run; with no delay it
        # starts the whole queue at once. Any delay makes it take one per turn.
        if settings.getfloat("DOWNLOAD_DELAY") < MIN_DOWNLOAD_DELAY:
            priority = settings.getpriority("DOWNLOAD_DELAY") or 0
            settings.set("DOWNLOAD_DELAY", MIN_DOWNLOAD_DELAY, priority=priority)

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
        """Errback: no usable response (network error, HTTP error after retries, refused)."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        yield {
            "kind": "fetch_error",
            "source": request.meta.get("source", "?"),
            "url": failed_url(failure),
            "doc_kind": request.meta.get("doc_kind"),
            "status": response.status if response is not None else 0,
            "reason": failure_reason(failure),
            "body": None,
        }


def _cause_text(exc: BaseException) -> str:
    """`Type: message` of the exception, or of the twisted failures it wraps."""
    inner = getattr(exc, "reasons", None) or getattr(exc.__cause__, "reasons", None)
    if inner:
        return "; ".join(f"{f.type.__name__}: {f.getErrorMessage()}".rstrip(": ") for f in inner)
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def failed_url(failure: Failure) -> str:
    """The document a failure is recorded against: the URL first asked for (a redirect's
    origin), or, for a URL the fetch layer refused, the document that named it."""
    meta = failure.request.meta
    if meta.get("redirect_urls"):
        return meta["redirect_urls"][0]
    if isinstance(failure.value, Refused) and meta.get("named_by"):
        return meta["named_by"]
    return failure.request.url


def failure_reason(failure: Failure) -> str:
    """One line saying why a request produced nothing, for the run's error record."""
    exc = failure.value
    request = failure.request
    response = getattr(exc, "response", None)
    if isinstance(exc, HttpError) and response is not None:
        tries = request.meta.get("retry_times", 0) + request.meta.get("ratelimit_retries", 0)
        return f"HTTP {response.status}" + (f" after {tries} retries" if tries else "")
    if isinstance(exc, ResponseDataLossError):
        return "ResponseDataLossError: the connection closed before the announced body arrived"
    if isinstance(exc, Refused):
        return f"refused {request.url[:300]}: {exc}"
    refused_address = refusal_for(host_of(request.url))
    if refused_address:
        return f"refused {request.url[:300]}: {refused_address}"
    if isinstance(exc, RateLimited):
        return str(exc)
    if isinstance(exc, DownloadCancelledError):
        return f"refused: {exc}"
    if isinstance(exc, DownloadTimeoutError | TimeoutError):
        return f"timeout: {exc}"
    return _cause_text(exc)
