"""The fetch layer's downloader middlewares: each request and each response passes here.

`FetchPolicyMiddleware` (request side, before robots.txt is even asked for): the URL policy
(`policy`), cursors on their own origin, credentials only to the Hub origin, conditional GET
headers (`revalidate`). Every redirect hop is a new request and passes it again.

`RedirectLoopMiddleware` turns a redirect loop into a recorded failure instead of a silent
drop; `DocumentCheckMiddleware` decides a body's charset (`charset`) and refuses XML cut
short (`bodies`).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_to_future
from w3lib.url import safe_url_string

from ingest.fetch import revalidate
from ingest.fetch.bodies import looks_xml, unclosed_root
from ingest.fetch.charset import as_utf8, declared_charset, transcode_from, utf8_content_type
from ingest.fetch.policy import (
    UrlPolicy,
    address_refusal,
    host_of,
    origin_of,
    policy_from_sources,
    same_origin_refusal,
)
from ingest.fetch.ratelimit import header


class Refused(IgnoreRequest):
    """The fetch layer will not fetch this URL; the message says why."""


class FetchPolicyMiddleware:
    def __init__(self, crawler: Any, policy: UrlPolicy, hub_origin: str | None, token: str | None):
        self.crawler = crawler
        self.policy = policy
        self.hub_origin = hub_origin
        self.token = token

    @classmethod
    def from_crawler(cls, crawler: Any) -> FetchPolicyMiddleware:
        from ingest.sources import SourcesError, load_sources

        try:
            endpoint = load_sources().hf_endpoint
        except SourcesError:
            endpoint = None
        token = os.environ.get("HF_TOKEN") or None
        return cls(crawler, policy_from_sources(), origin_of(endpoint or ""), token)

    async def process_request(self, request: Request) -> None:
        why = await self._refusal(request)
        if why:
            self.crawler.stats.inc_value("fetch/refused")
            raise Refused(why)
        self._credentials(request)
        if request.meta.get("revalidate"):
            revalidate.prepare(request, self.crawler.spider)
        return None

    async def _refusal(self, request: Request) -> str | None:
        url = request.url
        why = self.policy.refusal(url)
        if why is None and request.meta.get("cursor_of"):
            why = same_origin_refusal(url, request.meta["cursor_of"])
        if why is None and not self.policy.is_trusted(url):
            host = host_of(url)
            if host in self.policy.trusted_hosts:
                # Another port of a configured host that resolves to a private address:
                # the resolver lets that host's answers through, so judge it here.
                why = await self._address_refusal(host)
        return why

    async def _address_refusal(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            address = await deferred_to_future(reactor.resolve(host))
        except Exception as exc:  # noqa: BLE001 - a failed lookup fails the download anyway
            return f"{host}: {type(exc).__name__}"
        why = address_refusal(address)
        return f"{host} resolves to {why}, on an origin not configured" if why else None

    def _credentials(self, request: Request) -> None:
        """The token goes to the configured Hub origin only; whatever a redirect or a
        spider carried elsewhere is dropped."""
        if self.token and self.hub_origin and origin_of(request.url) == self.hub_origin:
            request.headers["Authorization"] = f"Bearer {self.token}"
        else:
            request.headers.pop("Authorization", None)


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
class TruncatedDocument(IgnoreRequest):
    """An XML document that stops before its root element is closed."""


class DocumentCheckMiddleware:
    """Hand on a body every parser reads alike; refuse an XML document cut short.

    A body whose charset the header misstates is re-encoded as UTF-8 (`charset`; counted in
    stats). A truncated XML body is retried like a network error, then given up: the
    errback records it. JSON needs no check here: its parser fails on a cut body by itself.
    Sits after HttpCompressionMiddleware, so it sees the bytes as decompressed.
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
        source = transcode_from(response.body, declared_charset(content_type))
        if source:
            self.crawler.stats.inc_value("document/charset_corrected")
            headers = response.headers.copy()
            headers["Content-Type"] = utf8_content_type(content_type)
            kwargs = {"encoding": "utf-8"} if isinstance(response, TextResponse) else {}
            response = response.replace(
                cls=type(response),
                headers=headers,
                body=as_utf8(response.body, source),
                **kwargs,
            )
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
