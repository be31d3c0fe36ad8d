"""Saved responses for calling a spider's callbacks directly (City Bureau's `file_response`).

A test asks the spider for its own request (so the meta and cb_kwargs are exactly what the
spider sets), then hands that request a body read from `files/`, named after the spider:
`files/<spider>_<what>.<json|html|xml|md>`. The callback runs as Scrapy would call it,
without a crawl, a network or a database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse

FILES = Path(__file__).parent / "files"

# The content type each kind of saved file was served with by the real source.
_SERVED = {
    ".json": (TextResponse, "application/json; charset=utf-8"),
    ".html": (HtmlResponse, "text/html; charset=utf-8"),
    ".xml": (XmlResponse, "application/xml; charset=utf-8"),
    ".md": (TextResponse, "text/plain; charset=utf-8"),
}


def file_response(
    name: str,
    request: scrapy.Request,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    url: str | None = None,
) -> Response:
    """The response `request` would get if the source served `files/<name>`; `headers`
    add to (or replace) the served content type; `url` is where it ended (a redirect)."""
    path = FILES / name
    cls, served = _SERVED[path.suffix]
    all_headers = {"Content-Type": served, **(headers or {})}
    return cls(
        url=url or request.url,
        status=status,
        headers=all_headers,
        body=path.read_bytes(),
        request=request,
        encoding="utf-8",
    )


def call(request: scrapy.Request, response: Response) -> list[Any]:
    """What the request's callback yields for `response`, as Scrapy would call it."""
    return list(request.callback(response, **request.cb_kwargs) or [])


def start_requests(spider: scrapy.Spider) -> list[scrapy.Request]:
    """The spider's first requests (`start` is an async generator)."""

    async def collect() -> list[scrapy.Request]:
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def items_of(output: list[Any]) -> list[dict]:
    return [x for x in output if isinstance(x, dict)]


def requests_of(output: list[Any]) -> list[scrapy.Request]:
    return [x for x in output if isinstance(x, scrapy.Request)]
