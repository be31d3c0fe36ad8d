"""Waiting as a server asks, within the time the run has.

Scrapy retries a 429 at once and ignores `Retry-After`. `RateLimitMiddleware` reads
`Retry-After` (seconds or an HTTP date) and the Hugging Face `RateLimit: "api";r=0;t=55`
header (IETF ratelimit-headers draft), pauses the whole download slot of that host so no
other request hammers it meanwhile, and re-schedules the request no earlier than the server
asked. A `RateLimit` header with `r=0` on a successful response pauses the host before it
answers 429 at all, as huggingface_hub does.

A wait the run cannot afford (longer than its remaining time, or than MAX_WAIT_S) is not
slept through: that source's run ends at once, every request of it refused with "rate
limited until HH:MM UTC", and its watermark stays where it was. Each 429 is counted per
source with its wait (stats `ratelimit/429/<source>`, `ratelimit/wait_seconds/<source>`).

What a 429 or 503 asked for is also remembered past the run: the latest time it named is
the stat `ratelimit/until/<source>` (epoch seconds), which the run records, so the next
check of the source is not earlier (`store.cadence.next_check`), as FreshRSS does.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from ingest.run_clock import run_deadline

_RATELIMIT_FIELD = re.compile(r"\b([rt])\s*=\s*(\d{1,9})")
MAX_WAIT_S = 900.0


class RateLimited(IgnoreRequest):
    """The server asked for a wait longer than this run can give."""


def seconds_from_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value[:9])
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now or time.time()))


def ratelimit_fields(value: str | None) -> dict[str, int]:
    """{"r": remaining, "t": seconds to reset} from a `RateLimit` header."""
    return {k: int(v) for k, v in _RATELIMIT_FIELD.findall((value or "")[:500])}


def header(response: Response, name: str) -> str | None:
    raw = response.headers.get(name)
    return raw.decode("latin-1") if raw else None


def wait_seconds(response: Response) -> float | None:
    """How long the server asked us to wait, if it did."""
    fields = ratelimit_fields(header(response, "RateLimit"))
    if fields.get("r") == 0 and "t" in fields:
        return fields["t"] + 1.0  # the official client sleeps t+1
    return seconds_from_retry_after(header(response, "Retry-After"))


def until_text(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")


class RateLimitMiddleware:
    def __init__(self, crawler: Any, max_retries: int = 5, default_wait: float = 30.0) -> None:
        self.crawler = crawler
        self.max_retries = max_retries
        self.default_wait = default_wait
        self.deadline = run_deadline()
        self.limited: dict[str, str] = {}  # source -> why its run ended
        self.sleeping: set[str] = set()  # URLs held back until their wait is over

    @classmethod
    def from_crawler(cls, crawler: Any) -> RateLimitMiddleware:
        return cls(
            crawler,
            max_retries=crawler.settings.getint("RATELIMIT_MAX_RETRIES", 5),
            default_wait=crawler.settings.getfloat("RATELIMIT_DEFAULT_WAIT", 30.0),
        )

    async def process_request(self, request: Request) -> None:
        why = self.limited.get(request.meta.get("source", ""))
        if why:
            raise RateLimited(why)
        not_before = request.meta.get("ratelimit_not_before")
        if not_before:
            delay = not_before - time.monotonic()
            if delay > 0:
                self.sleeping.add(request.url)
                try:
                    await asyncio.sleep(delay)
                finally:
                    self.sleeping.discard(request.url)
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        wait = wait_seconds(response)
        if response.status in (429, 503) and wait is not None:
            source = request.meta.get("source", "?")
            self.crawler.stats.max_value(f"ratelimit/until/{source}", int(time.time() + wait))
        if response.status != 429:
            if wait is not None and response.status < 400 and wait <= self._affordable():
                self._pause_slot(request, wait)
            return response
        tries = request.meta.get("ratelimit_retries", 0)
        wait = wait if wait is not None else self.default_wait * (2**tries)
        source = request.meta.get("source", "?")
        stats = self.crawler.stats
        stats.inc_value("ratelimit/429")
        stats.inc_value(f"ratelimit/429/{source}")
        stats.inc_value(f"ratelimit/wait_seconds/{source}", int(wait))
        if tries >= self.max_retries:
            return response  # the spider's errback records it
        if wait > self._affordable():
            why = f"rate limited until {until_text(time.time() + wait)} (asked to wait {wait:.0f}s)"
            self.limited[source] = why
            raise RateLimited(why)
        self._pause_slot(request, wait)
        retry = request.replace(dont_filter=True)
        retry.meta["ratelimit_retries"] = tries + 1
        retry.meta["ratelimit_not_before"] = time.monotonic() + wait
        retry.priority = request.priority + 1
        return retry

    def _affordable(self) -> float:
        """The longest wait this run can sit out: MAX_WAIT_S, less near the time limit."""
        if self.deadline is None:
            return MAX_WAIT_S
        return max(0.0, min(MAX_WAIT_S, self.deadline - time.time() - 5.0))

    def _pause_slot(self, request: Request, wait: float) -> None:
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot")
        slot = downloader.slots.get(key) if key else None
        if slot is None:
            return
        # The downloader only checks `lastseen` when the slot has a delay; give it one.
        slot.delay = max(slot.delay, 0.001)
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait)


def sleeping_on(crawler: Any) -> list[str]:
    """Requests this middleware is holding back for a rate limit, as 'URL (rate limited)'."""
    manager = getattr(getattr(crawler.engine, "downloader", None), "middleware", None)
    for mw in getattr(manager, "middlewares", ()):
        if isinstance(mw, RateLimitMiddleware):
            return [f"{url} (waiting out a rate limit)" for url in mw.sleeping]
    return []
