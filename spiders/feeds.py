"""Feed spider: any RSS 2.0 / Atom feed of sources.toml, and the pages its entries link to.

Each feed is fetched with its stored validators (a 304 costs one request and no parsing),
parsed with feedparser, and yielded as one item with all its entries. Entries that are new,
or whose content changed since the last run, have their article page fetched (feeds such
as the Hugging Face blog carry no description) and parsed by `spiders.pages`.

Like every spider it only fetches and parses; what is stored and what an entry means is
decided by the pipeline and the normalizers. What earlier runs saw (`feed_state`) is
handed over by the store pipeline when the spider opens.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import scrapy
from bs4 import BeautifulSoup
from scrapy.http import Response, TextResponse

from ingest.sources import Source, load_sources
from spiders.base import ToolscoutSpider, header
from spiders.pages import extract_page

PAGE_MAX_BYTES = 2 * 1024 * 1024
FEED_MAX_BYTES = 8 * 1024 * 1024
MAX_PAGES_PER_FEED = 50
SUMMARY_MAX_CHARS = 5_000


@dataclass(slots=True)
class FeedState:
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # source -> entry key -> content hash of the entry as last stored
    entries: dict[str, dict[str, str]] = field(default_factory=dict)


def entry_time(entry: Any) -> str | None:
    """ISO time of an entry: published, else updated (GitHub release feeds have only that)."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def html_to_text(html: str) -> str:
    if "<" not in html:
        return html.strip()
    return BeautifulSoup(html, "lxml").get_text(" ", strip=True)


def entry_key(entry: Any) -> str:
    """The entry's identity in its feed: its id, else its link, else a hash of title+date."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:1000]
    basis = f"{entry.get('title', '')}|{entry.get('published', entry.get('updated', ''))}"
    return "sha1:" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()


def entry_record(entry: Any) -> dict:
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else entry.get("summary", "") or ""
    text = html_to_text(str(html))[:SUMMARY_MAX_CHARS]
    title = html_to_text(str(entry.get("title") or ""))[:500]
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    record = {
        "key": entry_key(entry),
        "title": title,
        "link": link,
        "published": entry_time(entry),
        "author": str(entry.get("author") or "")[:200] or None,
        "text": text,
    }
    digest = f"{record['title']}\n{record['link']}\n{record['text']}"
    record["content_hash"] = hashlib.sha256(digest.encode("utf-8", "replace")).hexdigest()
    return record


class FeedsSpider(ToolscoutSpider):
    name = "feeds"

    def __init__(self, sources: list[Source] | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if sources is None or isinstance(sources, str):
            wanted = [f"feed:{s}" if ":" not in s else s for s in (sources or "").split(",") if s]
            sources = [s for s in load_sources().named(wanted or ["feed"]) if s.kind == "feed"]
        self.feed_sources = {s.name: s for s in sources}
        self.feed_state = FeedState()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.feed_sources.values():
            headers = {"Cache-Control": "max-age=0"}
            etag, last_modified = self.feed_state.validators.get(source.url, (None, None))
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(
                source.url,
                callback=self.parse_feed,
                errback=self.on_error,
                headers=headers,
                meta={
                    "source": source.name,
                    "doc_kind": "feed",
                    "handle_httpstatus_list": [304],
                    "download_maxsize": FEED_MAX_BYTES,
                },
            )

    def parse_feed(self, response: Response):
        source = self.feed_sources[response.meta["source"]]
        base = {"source": source.name, "url": response.url, "status": response.status}
        if response.status == 304:
            yield {"kind": "not_modified", **base}
            return
        parsed = feedparser.parse(
            response.body,
            response_headers={"content-type": header(response, "Content-Type") or ""},
        )
        problem = str(parsed.get("bozo_exception") or "") if parsed.get("bozo") else None
        if not parsed.entries and (problem or not parsed.get("version")):
            yield self.error_item(
                response, "feed", f"not a readable feed: {problem or 'no entries'}"
            )
            return
        entries = [entry_record(e) for e in parsed.entries[:500]]
        known = self.feed_state.entries.get(source.name, {})
        fresh = [e for e in entries if known.get(e["key"]) != e["content_hash"]]
        followed = [e for e in fresh if e["link"] and source.follow][:MAX_PAGES_PER_FEED]
        yield {
            "kind": "feed",
            **base,
            "etag": header(response, "ETag"),
            "last_modified": header(response, "Last-Modified"),
            "body": response.body,
            "warning": problem,  # feedparser recovered (e.g. a wrong encoding declaration)
            "feed_title": str(parsed.feed.get("title") or "")[:300],
            "entries": entries,
            "fresh": [e["key"] for e in fresh],
            "followed": [e["key"] for e in followed],
        }
        for entry in followed:
            yield response.follow(
                entry["link"],
                callback=self.parse_page,
                errback=self.on_error,
                cb_kwargs={"entry_key": entry["key"]},
                meta={
                    "source": source.name,
                    "doc_kind": "page",
                    "download_maxsize": PAGE_MAX_BYTES,
                },
            )

    def parse_page(self, response: Response, entry_key: str):
        if not isinstance(response, TextResponse):
            yield self.error_item(response, "page", "not an HTML page")
            return
        page = extract_page(response.body, response.url, encoding=response.encoding)
        yield {
            "kind": "page",
            "source": response.meta["source"],
            "url": response.url,
            "status": response.status,
            "entry_key": entry_key,
            "body": response.body,
            "page": page.to_json(),
        }
