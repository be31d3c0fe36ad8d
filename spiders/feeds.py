"""Feed spider: RSS 2.0 / Atom feeds and HTML index pages of sources.toml, and the pages
their entries link to.

Each feed (`[[feeds]]`) or index page (`[[pages]]`, a vendor's news page without a feed) is
fetched with its stored validators (a 304 costs one request and no parsing) and yielded as
one item with all its entries. Entries that are new, or whose content changed since the last
run, have their article page fetched (feeds such as the Hugging Face blog carry no
description) and parsed by `spiders.pages`. A page that cannot be fetched or read is
reported with its entry, so the entry is still judged on what the feed said.

Like every spider it only fetches and parses; what is stored and what an entry means is
decided by the pipeline and the normalizers. What earlier runs saw (`feed_state`) is
handed over by the store pipeline when the spider opens.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlparse

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from ingest.fetch.policy import SCHEMES
from ingest.fetch.request import make_request
from ingest.fetch.revalidate import validators_of
from ingest.sources import Source, load_sources
from normalize.hub import parse_hub_time
from spiders.base import ToolscoutSpider, header
from spiders.pages import extract_page, hub_repo_of, index_links

PAGE_MAX_BYTES = 2 * 1024 * 1024
FEED_MAX_BYTES = 8 * 1024 * 1024
MAX_ENTRIES = 500
MAX_PAGES_PER_FEED = 200  # a first run of a long feed; later runs fetch only new entries
SUMMARY_MAX_CHARS = 5_000
# feedparser's complaints that still leave a faithful parse: a wrong or missing encoding
# declaration, or an XML feed served with a non-XML content type.
_HARMLESS_BOZO = ("CharacterEncodingOverride", "CharacterEncodingUnknown", "NonXMLContentType")
# A GitHub release feed carries the whole release notes; its pages add nothing.
_GITHUB_RELEASE_ID = re.compile(r"^tag:github\.com,2008:Repository/\d+/")
# One link-value of an HTTP `Link` header (RFC 8288): `<url>; rel="hub self"; …`.
_LINK_VALUE = re.compile(r"<([^>]{1,2048})>((?:\s*;\s*[^;,]*)*)")
_REL_PARAM = re.compile(r"""(?i)\brel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""")


@dataclass(slots=True)
class FeedState:
    # source -> entry key -> content hash of the entry when it was last judged (its page,
    # or the verdict that it needs none, committed): anything else is fresh
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


_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr", "br", "div")


def html_to_text(html: str) -> str:
    """Text of an entry's HTML, one line per block (a heading and the sentence after it
    stay apart: "Gemma 3" / "This release adds…")."""
    if "<" not in html:
        return html.strip()
    from bs4 import BeautifulSoup  # here: an hourly run that is all 304s parses nothing

    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
    lines = (" ".join(line.split()) for line in soup.get_text(" ").splitlines())
    return "\n".join(line for line in lines if line)


def _content_html(entry: Any) -> str:
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else entry.get("summary", "") or ""
    return str(html)


def _hub_links(html: str, base: str, hub_hosts: tuple[str, ...] = ()) -> list[str]:
    """Hub model repos an entry's own content links to (GitHub release notes do)."""
    if "<a" not in html:
        return []
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    links = (urljoin(base, str(a["href"]).strip()) for a in soup.find_all("a", href=True))
    return list(dict.fromkeys(r for r in (hub_repo_of(x, hub_hosts) for x in links) if r))[:50]


def entry_key(entry: Any) -> str:
    """The entry's identity in its feed: its id, else its link, else a hash of title+date."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:1000]
    basis = f"{entry.get('title', '')}|{entry.get('published', entry.get('updated', ''))}"
    return "sha1:" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()


def _absolute_link(link: object, base: str) -> tuple[str | None, str | None]:
    """(link, refused link): relative links happen (RSS by hand, Atom with xml:base); a
    scheme the fetch layer never fetches is neither followed nor stored, but reported."""
    if not isinstance(link, str) or not link.strip():
        return None, None
    try:
        url = urljoin(base, link.strip())
        scheme = urlparse(url).scheme.lower()
    except ValueError:
        return None, link.strip()[:300]
    return (url[:2048], None) if scheme in SCHEMES else (None, url[:300])


def entry_record(entry: Any, base: str = "", hub_hosts: tuple[str, ...] = ()) -> dict:
    html = _content_html(entry)
    text = html_to_text(html)[:SUMMARY_MAX_CHARS]
    title = html_to_text(str(entry.get("title") or ""))[:500]
    link, refused = _absolute_link(entry.get("link"), base)
    record = {
        "key": entry_key(entry),
        "title": title,
        "link": link,
        "refused_link": refused,
        "published": entry_time(entry),
        "author": str(entry.get("author") or "")[:200] or None,
        "text": text,
        "hub_repos": _hub_links(html, base, hub_hosts),
        "complete": bool(_GITHUB_RELEASE_ID.match(str(entry.get("id") or ""))),
    }
    digest = f"{record['title']}\n{record['link']}\n{record['text']}"
    record["content_hash"] = hashlib.sha256(digest.encode("utf-8", "replace")).hexdigest()
    return record


def index_record(link: dict) -> dict:
    """An article link of an HTML index page as a feed entry (its URL is its identity)."""
    record = {
        "key": link["url"],
        "title": link["title"][:500],
        "link": link["url"],
        "published": link.get("published"),
        "author": None,
        "text": "",
        "hub_repos": [],
        "complete": False,
    }
    digest = f"{record['title']}\n{record['link']}\n"
    record["content_hash"] = hashlib.sha256(digest.encode("utf-8", "replace")).hexdigest()
    return record


def link_header_rels(values: list[str]) -> dict[str, str]:
    """rel -> first URL named with it in `Link` header values."""
    found: dict[str, str] = {}
    for value in values:
        for url, params in _LINK_VALUE.findall(value[:8192]):
            rel = _REL_PARAM.search(params)
            for name in ((rel.group(1) or rel.group(2)) if rel else "").lower().split():
                found.setdefault(name, url.strip())
    return found


def websub_links(parsed: Any, link_headers: list[str], base: str) -> dict | None:
    """{"hub", "topic"} when the feed advertises a WebSub hub and its own URL (rel="self"),
    as HTTP `Link` headers (which win, as WebSub's discovery says), Atom `<link>` or RSS
    `atom:link` elements; None otherwise. The hub URL is the publisher's word: whether it
    may be asked is the fetch layer's call when the scheduler subscribes."""
    rels = link_header_rels(link_headers)
    for link in (parsed.feed.get("links") or [])[:50]:
        rel, href = str(link.get("rel") or "").lower(), link.get("href")
        if rel in ("hub", "self") and isinstance(href, str) and href.strip():
            rels.setdefault(rel, href.strip())
    if "hub" not in rels or "self" not in rels:
        return None
    return {"hub": urljoin(base, rels["hub"])[:2048], "topic": urljoin(base, rels["self"])[:2048]}


def _parse_feed(response: Response) -> tuple[Any, str | None, bool]:
    """feedparser's result, its complaint if any, and whether that complaint is fatal."""
    import feedparser  # here: an unchanged feed (304) is not parsed

    parsed = feedparser.parse(
        response.body,
        response_headers={"content-type": header(response, "Content-Type") or ""},
    )
    if not parsed.get("bozo"):
        return parsed, None, False
    exc = parsed.get("bozo_exception")
    problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    return parsed, problem[:500], type(exc).__name__ not in _HARMLESS_BOZO


def _hub_hosts(endpoint: str | None) -> tuple[str, ...]:
    """The configured Hub's host: links on its own pages (the blog) are relative to it."""
    host = urlparse(endpoint).netloc.lower() if endpoint else ""
    return (host,) if host else ()


class FeedsSpider(ToolscoutSpider):
    name = "feeds"

    def __init__(
        self,
        sources: list[Source] | str | None = None,
        since: str | None = None,
        hub_endpoint: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        config = None
        if sources is None or isinstance(sources, str):
            config = load_sources()
            wanted = [f"feed:{s}" if ":" not in s else s for s in (sources or "").split(",") if s]
            sources = [s for s in config.named(wanted or ["feed"]) if s.kind in ("feed", "pages")]
            since = since or config.since
        self.feed_sources = {s.name: s for s in sources}
        self.hub_hosts = _hub_hosts(hub_endpoint or (config.hf_endpoint if config else None))
        # Entries older than this are history: stored, never followed nor judged.
        self.since = (
            parse_hub_time(since if "T" in since else f"{since}T00:00:00Z") if since else None
        )
        self.feed_state = FeedState()
        # source -> [(delivery id, body, content type)]: feed documents a WebSub hub pushed,
        # handed over by the store pipeline when the spider opens.
        self.pushed: dict[str, list[tuple]] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.feed_sources.values():
            kind = "index" if source.kind == "pages" else "feed"
            if kind == "feed" and self.pushed.get(source.name):
                # A hub pushed the feed: its copy is read as a polled one would be, and
                # the feed itself is not fetched this run (the push is the newer copy).
                for item in self.parse_pushed(source):
                    yield item
                continue
            yield make_request(
                source.url,
                self.parse_index if kind == "index" else self.parse_feed,
                source=source.name,
                doc_kind=kind,
                errback=self.on_error,
                revalidate=True,
                max_bytes=FEED_MAX_BYTES,
            )

    # -- feeds and index pages -----------------------------------------------------------
    def parse_pushed(self, source: Source):
        """Each pushed copy of `source`'s feed, oldest first, through `parse_feed`. It is
        stored as the feed's document without validators (the hub sends none), so the next
        poll fetches the feed whole rather than trusting an ETag older than this copy."""
        from scrapy.http import XmlResponse

        for delivery_id, body, content_type in self.pushed.pop(source.name, []):
            request = scrapy.Request(
                source.url, meta={"source": source.name, "doc_kind": "feed", "pushed": delivery_id}
            )
            headers = {"Content-Type": content_type or "application/xml"}
            response = XmlResponse(
                url=source.url, status=200, headers=headers, body=body, request=request
            )
            for out in self.parse_feed(response):
                if isinstance(out, dict) and out.get("kind") in ("feed", "fetch_error"):
                    out["pushed"] = delivery_id
                    known = self.feed_state.entries.setdefault(source.name, {})
                    for entry in out.get("entries") or ():
                        if entry["key"] in (out.get("fresh") or ()):
                            known[entry["key"]] = entry["content_hash"]  # read once a run
                yield out

    def parse_feed(self, response: Response):
        source = self.feed_sources[response.meta["source"]]
        if response.status == 304:
            yield {"kind": "not_modified", **self._base(source, response)}
            return
        parsed, problem, fatal = _parse_feed(response)
        entries = [
            entry_record(e, response.url, self._hosts_for(response.url))
            for e in parsed.entries[:MAX_ENTRIES]
            if e.get("title") or e.get("link") or e.get("id")
        ]
        if not entries and (problem or not parsed.get("version")):
            yield self.error_item(
                response, "feed", f"not a readable feed: {problem or 'no entries'}"
            )
            return
        # A broken document whose entries could partly be recovered: they are kept, and the
        # error is recorded so the feed shows as failing until its publisher fixes it.
        yield from self._entries_item(
            source,
            response,
            entries,
            title=str(parsed.feed.get("title") or "")[:300],
            warning=None if fatal else problem,
            error=f"malformed feed, entries recovered: {problem}" if fatal else None,
            websub=websub_links(
                parsed,
                [v.decode("latin-1") for v in response.headers.getlist("Link")],
                response.url,
            ),
        )

    def parse_index(self, response: Response):
        source = self.feed_sources[response.meta["source"]]
        if response.status == 304:
            yield {"kind": "not_modified", **self._base(source, response)}
            return
        if not isinstance(response, TextResponse):
            yield self.error_item(response, "index", "not an HTML page")
            return
        links = index_links(response.body, response.url, source.pattern, response.encoding)
        if not links:
            yield self.error_item(response, "index", "no article links found on the index page")
            return
        title = extract_page(response.body, response.url, encoding=response.encoding).title
        yield from self._entries_item(
            source, response, [index_record(link) for link in links[:MAX_ENTRIES]], title=title
        )

    def _hosts_for(self, url: str) -> tuple[str, ...]:
        """Relative links are Hub repos only on the Hub's own articles (its blog and posts,
        `/blog/<slug>`, `/posts/<user>/<id>`): elsewhere `/a/b` is any page of that site."""
        parsed = urlparse(url)
        on_hub = parsed.netloc.lower() in self.hub_hosts
        return self.hub_hosts if on_hub and parsed.path.startswith(("/blog/", "/posts/")) else ()

    def _base(self, source: Source, response: Response) -> dict:
        return {"source": source.name, "url": response.url, "status": response.status}

    def _is_history(self, entry: dict) -> bool:
        published = parse_hub_time(entry.get("published"))
        return bool(self.since and published and published < self.since)

    def _entries_item(
        self,
        source: Source,
        response: Response,
        entries: list[dict],
        title: str | None,
        warning: str | None = None,
        error: str | None = None,
        websub: dict | None = None,
    ):
        known = self.feed_state.entries.get(source.name, {})
        fresh = [
            e
            for e in entries
            if known.get(e["key"]) != e["content_hash"] and not self._is_history(e)
        ]
        # Newest first, so a first run of a long feed reads the pages that matter.
        fresh.sort(key=lambda e: e.get("published") or "", reverse=True)
        followed = [e for e in fresh if e["link"] and source.follow and not e["complete"]]
        followed = followed[:MAX_PAGES_PER_FEED]
        etag, last_modified = validators_of(response)
        yield {
            "kind": "feed",
            **self._base(source, response),
            "doc_kind": response.meta.get("doc_kind", "feed"),
            "etag": etag,
            "last_modified": last_modified,
            "body": response.body,
            "warning": warning,
            "error": error,
            "feed_title": title,
            "entries": entries,
            "fresh": [e["key"] for e in fresh],
            "followed": [e["key"] for e in followed],
            "websub": websub,
        }
        for entry in fresh:
            if entry.get("refused_link"):
                yield self._refused_link_error(response, entry)
        for entry in followed:
            yield make_request(
                entry["link"],
                self.parse_page,
                source=source.name,
                doc_kind="page",
                errback=self.on_page_error,
                named_by=response.url,
                max_bytes=PAGE_MAX_BYTES,
                cb_kwargs={"entry_key": entry["key"]},
                # Two feeds may link one article; each entry needs its page, and a request
                # the duplicate filter drops reaches neither callback nor errback.
                dont_filter=True,
                entry_key=entry["key"],
            )

    def _refused_link_error(self, response: Response, entry: dict) -> dict:
        """An entry linking to a scheme that is never fetched: an error of its feed."""
        reason = f"entry {entry['key'][:200]!r} links to {entry['refused_link']!r}: not fetched"
        item = self.error_item(response, response.meta.get("doc_kind", "feed"), reason)
        item["body"] = None  # the feed's own document is stored with its item
        return item

    # -- article pages ------------------------------------------------------------------
    def parse_page(self, response: Response, entry_key: str):
        if response.status != 200:
            yield self._page_error(response, entry_key, f"HTTP {response.status}")
            return
        if not isinstance(response, TextResponse) or b"<" not in response.body[:4096]:
            yield self._page_error(response, entry_key, "not an HTML page")
            return
        page = extract_page(
            response.body,
            response.url,
            encoding=response.encoding,
            hub_hosts=self._hosts_for(response.url),
        )
        yield {
            "kind": "page",
            "source": response.meta["source"],
            "url": response.url,
            "status": response.status,
            "entry_key": entry_key,
            "body": response.body,
            "page": page.to_json(),
        }

    def _page_error(self, response: Response, entry_key: str, reason: str) -> dict:
        item = self.error_item(response, "page", reason)
        item["entry_key"] = entry_key
        return item

    def on_page_error(self, failure: Failure):
        """A page that never arrived (too big, network, 404 after retries): its entry is
        still judged, on what the feed said."""
        for item in self.on_error(failure):
            item["entry_key"] = failure.request.meta.get("entry_key")
            yield item
