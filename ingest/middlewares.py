"""Downloader middleware that waits when a server says so.

Scrapy retries a 429 at once and ignores `Retry-After`. This middleware reads
`Retry-After` (seconds or an HTTP date) and the Hugging Face `RateLimit: "api";r=0;t=55`
header (IETF ratelimit-headers draft), then (1) pauses the whole download slot of that
host so no other request hammers it meanwhile, and (2) re-schedules the request to go
out no earlier than the server asked. A `RateLimit` header with `r=0` on a successful
response pauses the host before it answers 429 at all, as huggingface_hub does.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from typing import Any

from scrapy import Request
from scrapy.http import Response

_RATELIMIT_FIELD = re.compile(r"\b([rt])\s*=\s*(\d+)")
MAX_WAIT_S = 900.0


def seconds_from_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now or time.time()))


def ratelimit_fields(value: str | None) -> dict[str, int]:
    """{"r": remaining, "t": seconds to reset} from a `RateLimit` header."""
    return {k: int(v) for k, v in _RATELIMIT_FIELD.findall(value or "")}


def header(response: Response, name: str) -> str | None:
    raw = response.headers.get(name)
    return raw.decode("latin-1") if raw else None


def wait_seconds(response: Response) -> float | None:
    """How long the server asked us to wait, if it did."""
    fields = ratelimit_fields(header(response, "RateLimit"))
    if fields.get("r") == 0 and "t" in fields:
        return fields["t"] + 1.0  # the official client sleeps t+1
    retry_after = seconds_from_retry_after(header(response, "Retry-After"))
    if retry_after is not None:
        return retry_after
    return None


class RateLimitMiddleware:
    def __init__(self, crawler: Any, max_retries: int = 5, default_wait: float = 30.0) -> None:
        self.crawler = crawler
        self.max_retries = max_retries
        self.default_wait = default_wait

    @classmethod
    def from_crawler(cls, crawler: Any) -> RateLimitMiddleware:
        return cls(
            crawler,
            max_retries=crawler.settings.getint("RATELIMIT_MAX_RETRIES", 5),
            default_wait=crawler.settings.getfloat("RATELIMIT_DEFAULT_WAIT", 30.0),
        )

    async def process_request(self, request: Request) -> None:
        not_before = request.meta.get("ratelimit_not_before")
        if not_before:
            delay = not_before - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = wait_seconds(response)
        if response.status != 429:
            if wait is not None and response.status < 400:
                self._pause_slot(request, wait)
            return response
        tries = request.meta.get("ratelimit_retries", 0)
        if tries >= self.max_retries:
            return response  # the spider's errback records it
        wait = min(MAX_WAIT_S, wait if wait is not None else self.default_wait * (2**tries))
        self._pause_slot(request, wait)
        stats = self.crawler.stats
        stats.inc_value("ratelimit/429")
        stats.inc_value("ratelimit/wait_seconds", int(wait))
        retry = request.replace(dont_filter=True)
        retry.meta["ratelimit_retries"] = tries + 1
        retry.meta["ratelimit_not_before"] = time.monotonic() + wait
        retry.priority = request.priority + 1
        return retry

    def _pause_slot(self, request: Request, wait: float) -> None:
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot")
        slot = downloader.slots.get(key) if key else None
        if slot is None:
            return
        # The downloader only checks `lastseen` when the slot has a delay; give it one.
        slot.delay = max(slot.delay, 0.001)
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait)
