"""How a spider asks the fetch layer for a document.

`make_request` is the one constructor: it says what the request is (its source, the kind
of document, whether it is a cursor and which document named it) and leaves what may be
fetched, with which headers, to the middlewares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import scrapy
from scrapy.http import Response


def make_request(
    url: str,
    callback: Callable,
    *,
    source: str,
    doc_kind: str,
    errback: Callable | None = None,
    revalidate: bool = False,
    cursor_of: Response | None = None,
    named_by: str | None = None,
    max_bytes: int | None = None,
    handle: Iterable[int] = (),
    cb_kwargs: dict | None = None,
    headers: dict[str, str] | None = None,
    dont_filter: bool = False,
    **meta: Any,
) -> scrapy.Request:
    """A request of `source` for a `doc_kind` document.

    revalidate: send the stored validators (listings, feeds, price lists).
    cursor_of: the response whose cursor this is; followed only on that response's origin.
    named_by: the document that named this URL, which a refusal is recorded against.
    """
    meta = {
        **meta,
        "source": source,
        "doc_kind": doc_kind,
        "handle_httpstatus_list": list(handle),
    }
    if revalidate:
        meta["revalidate"] = True
    if cursor_of is not None:
        meta["cursor_of"] = cursor_of.url
        named_by = named_by or cursor_of.url
    if named_by:
        meta["named_by"] = named_by
    if max_bytes:
        meta["download_maxsize"] = max_bytes
    return scrapy.Request(
        url,
        callback=callback,
        errback=errback,
        headers=headers,
        cb_kwargs=cb_kwargs or {},
        meta=meta,
        dont_filter=dont_filter,
    )
