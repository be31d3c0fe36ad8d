"""Downloader middlewares: wait when a server says so; refuse what cannot be trusted.

`RateLimitMiddleware`: Scrapy retries a 429 at once and ignores `Retry-After`. This
middleware reads `Retry-After` (seconds or an HTTP date) and the Hugging Face
`RateLimit: "api";r=0;t=55` header (IETF ratelimit-headers draft), then (1) pauses the
whole download slot of that host so no other request hammers it meanwhile, and (2)
re-schedules the request to go out no earlier than the server asked. A `RateLimit` header
with `r=0` on a successful response pauses the host before it answers 429 at all, as
huggingface_hub does.

`RedirectLoopMiddleware` turns a redirect loop into a recorded failure instead of a silent
drop; `DocumentCheckMiddleware` corrects a lying charset and refuses truncated XML.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from w3lib.url import safe_url_string

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


# -- redirect loops ----------------------------------------------------------------------
class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already visited on the way: the document cannot be had."""


class RedirectLoopMiddleware:
    """Refuse a redirect to a URL already on the request's redirect chain.

    Scrapy follows it, and its duplicate filter then drops the request without a word, so a
    model behind a redirect loop would vanish from a run that reports success. Raising here
    sends the failure to the request's errback, which records it against the first URL.
    Sits before RedirectMiddleware (a higher number), so it sees the 3xx first.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        if not (300 <= response.status < 400) or "Location" not in response.headers:
            return response
        meta = request.meta
        if meta.get("dont_redirect") or meta.get("handle_httpstatus_all"):
            return response  # not followed: nothing loops
        if response.status in meta.get("handle_httpstatus_list", ()):
            return response
        location = response.headers["Location"].decode("latin-1")
        target = safe_url_string(urljoin(request.url, location))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in {safe_url_string(u) for u in chain}:
            hops = " → ".join([*chain, target])
            raise RedirectLoop(f"redirect loop after {len(chain)} hop(s): {hops}")
        return response


# -- bodies that cannot be trusted as they came ------------------------------------------
UNICODE_CHARSETS = frozenset({"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf-32"})
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([^\"';\s]+)", re.I)
_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", re.I)
_PROLOG_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*"
    rb"<([A-Za-z_][\w.:-]*)[^>]*?(/?)>",
    re.S,
)
TAIL_BYTES = 65536  # where a complete document's root end tag must be


class TruncatedDocument(IgnoreRequest):
    """An XML document that stops before its root element is closed."""


def declared_charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1).lower() if match else None


def is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def true_charset(body: bytes, declared: str | None) -> str | None:
    """The charset the body is really in, when it is not the declared one; else None.

    Bytes that decode as UTF-8 and are not plain ASCII are UTF-8: text in a single-byte
    charset with letters beyond ASCII practically never forms valid multi-byte sequences.
    A body declared UTF-8 that is not valid UTF-8 is read in the charset the document
    declares itself (an XML prolog), else windows-1252, what the web means by latin-1.
    """
    if not declared or not body or body.isascii():
        return None
    if declared in ("utf-8", "utf8"):
        if is_utf8(body):
            return None
        match = _XML_DECLARED.match(body[:200])
        own = match.group(1).decode("ascii").lower() if match else None
        return own if own and own not in UNICODE_CHARSETS else "windows-1252"
    if declared in UNICODE_CHARSETS:
        return None  # UTF-16/32 bodies are not ASCII-compatible: nothing to compare
    return "utf-8" if is_utf8(body) else None


def looks_xml(body: bytes, content_type: str | None) -> bool:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.endswith("/xml") or ctype.endswith("+xml"):
        return True
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:RDF"))


def unclosed_root(body: bytes) -> str | None:
    """The root element's name when the XML document ends before `</root>`, else None.

    A complete XML document ends with the end tag of its root element (or a root that
    closes itself); a body cut short has none, however lenient the parser downstream.
    Junk after the end tag (a server's appended warning) is not truncation: a parser's
    recovery handles that, and the document itself is whole.
    """
    root = _PROLOG_ROOT.match(body[:TAIL_BYTES])
    if root is None:
        return None  # no start tag where XML has it: not for this check to judge
    name = root.group(1)
    if root.group(2) == b"/" or name.lower() == b"html":
        return None  # <root/>: nothing to close; XHTML goes to an HTML parser, which needs none
    end_tag = re.compile(rb"</" + re.escape(name) + rb"\s*>")
    if end_tag.search(body, max(root.end(), len(body) - TAIL_BYTES)):
        return None
    return name.decode("ascii", "replace")


class DocumentCheckMiddleware:
    """Fix a body's declared charset when it lies; refuse an XML document cut short.

    A wrong `charset` in Content-Type turns every non-ASCII letter into mojibake in Scrapy
    and feedparser alike (both believe the header first), silently. A truncated XML feed
    is worse: feedparser's recovery returns the entries before the cut and the run looks
    clean, while the validators saved with it would answer 304 for the rest forever. So
    the header is corrected (counted in stats) and a truncated XML body is retried like a
    network error, then given up: the errback records it. JSON needs no check here: its
    parser fails on a cut body by itself. Sits after HttpCompressionMiddleware.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> DocumentCheckMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200 or not response.body:
            return response
        content_type = header(response, "Content-Type")
        declared = declared_charset(content_type)
        actual = true_charset(response.body, declared)
        if actual:
            self.crawler.stats.inc_value("document/charset_corrected")
            fixed = _CHARSET.sub(f"; charset={actual}", content_type, count=1)
            headers = response.headers.copy()
            headers["Content-Type"] = fixed
            # Scrapy fixes a text response's encoding when it is built: rebuild it.
            cls = type(response)
            kwargs = {"encoding": actual} if isinstance(response, TextResponse) else {}
            response = response.replace(cls=cls, headers=headers, **kwargs)
        if looks_xml(response.body, content_type):
            root = unclosed_root(response.body)
            if root:
                reason = f"truncated XML: the document ends before </{root}>"
                self.crawler.stats.inc_value("document/truncated")
                retry = get_retry_request(request, spider=self.crawler.spider, reason=reason)
                if retry is not None:
                    return retry
                raise TruncatedDocument(f"{reason} ({len(response.body)} bytes)")
        return response
