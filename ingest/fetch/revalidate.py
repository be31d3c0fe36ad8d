"""Conditional GET: the one place validators are sent.

A request marked `revalidate` (listing pages, feeds, index pages, price lists) is sent with
`Cache-Control: max-age=0`, so no cache between us and the server answers for it, and with
the ETag / Last-Modified stored for its URL by an earlier run, so an unchanged document
costs a 304 and no parsing. Which stored validators may be trusted is the store's answer
(`store.documents.confirmed_validators`): only those of a run that closed cleanly, since a
304 on a validator of a run that died would hide the pages behind it forever. The pipeline
hands them to the spider as `spider.validators` when it opens.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.http import Response


def prepare(request: Request, spider: Any) -> None:
    # A redirect hop or a retry carries the headers of the request before it: the
    # validators sent are always this URL's own.
    for name in ("If-None-Match", "If-Modified-Since"):
        request.headers.pop(name, None)
    request.headers["Cache-Control"] = "max-age=0"
    etag, last_modified = (getattr(spider, "validators", None) or {}).get(request.url, (None, None))
    if etag:
        request.headers["If-None-Match"] = etag
    if last_modified:
        request.headers["If-Modified-Since"] = last_modified
    handled = request.meta.setdefault("handle_httpstatus_list", [])
    if 304 not in handled:
        handled.append(304)


def validators_of(response: Response) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) a response came with, to be stored with its document."""

    def value(name: str) -> str | None:
        raw = response.headers.get(name)
        return raw.decode("latin-1")[:500] if raw else None

    return value("ETag"), value("Last-Modified")
