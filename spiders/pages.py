"""Announcement pages: HTML → title, date, main text, meta tags, JSON-LD, outbound links.

Parsing only (BeautifulSoup with lxml): what the text *means* is the normalizers' business.
Every page is hostile input: the text is capped, scripts and styles are dropped, JSON-LD
that does not parse is skipped, and only http(s) links are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

MAX_TEXT_CHARS = 50_000
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n\s*\n+")
_NOISE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "form", "button")
_CHROME_TAGS = ("nav", "header", "footer", "aside")
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publish-date",
    "date",
    "dc.date",
)
_HUB_REPO = re.compile(r"^/([\w.-]+)/([\w.-]+)/?$")
_HUB_RESERVED = {
    "blog", "docs", "spaces", "datasets", "models", "collections", "papers", "posts",
    "organizations", "settings", "login", "join", "pricing", "learn", "tasks", "api", "chat",
}  # fmt: skip


@dataclass(slots=True)
class Page:
    url: str
    title: str | None = None
    description: str | None = None
    published: str | None = None
    text: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    json_ld: list[dict] = field(default_factory=list)
    hub_repos: list[str] = field(default_factory=list)
    github_repos: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = _SPACE.sub(" ", text).strip()
    return text or None


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if isinstance(key, str) and isinstance(value, str) and key not in found:
            found[key.strip()[:100]] = value.strip()[:2000]
    return found


def _json_ld(soup: BeautifulSoup) -> list[dict]:
    objects: list[dict] = []
    for tag in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(tag.string or tag.get_text() or "")
        except (ValueError, TypeError, RecursionError):  # nested past the parser's stack
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                graph = item.get("@graph")
                objects += (
                    [g for g in graph if isinstance(g, dict)] if isinstance(graph, list) else [item]
                )
    return objects[:20]


def _ld_description(json_ld: list[dict]) -> str | None:
    for obj in json_ld:
        value = obj.get("description")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _description(meta: dict[str, str], json_ld: list[dict], title: str | None) -> str | None:
    """The page's summary of itself: og:, twitter: or JSON-LD. A bare `<meta name=
    "description">` is often the site's slogan on every page, so it counts only when it
    shares a word with the title."""
    for value in (
        meta.get("og:description"),
        meta.get("twitter:description"),
        _ld_description(json_ld),
    ):
        if _clean(value):
            return _clean(value)
    plain = _clean(meta.get("description"))
    words = lambda text: set(re.findall(r"[a-z0-9]{5,}", (text or "").lower()))  # noqa: E731
    return plain if plain and words(plain) & words(title) else None


def _published(meta: dict[str, str], json_ld: list[dict], soup: BeautifulSoup) -> str | None:
    for obj in json_ld:
        value = obj.get("datePublished") or obj.get("dateCreated")
        if isinstance(value, str) and value.strip():
            return value.strip()
    for key in _DATE_META:
        if meta.get(key):
            return meta[key]
    time_tag = soup.find("time", datetime=True)
    return time_tag["datetime"].strip() if time_tag else None


def _main_node(soup: BeautifulSoup):
    """The article body: <article>, then <main>, then the element holding most <p> text."""
    for name in ("article", "main"):
        node = soup.find(name)
        if node and len(node.get_text(" ", strip=True)) > 200:
            return node
    best, best_len = soup.body or soup, 0
    for node in soup.find_all(["div", "section"]):
        length = sum(len(p.get_text(" ", strip=True)) for p in node.find_all("p", recursive=False))
        if length > best_len:
            best, best_len = node, length
    return best


def _text(node) -> str:
    for tag in node.find_all(_CHROME_TAGS):
        tag.decompose()
    blocks = []
    for el in node.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "th", "pre", "blockquote"]):
        if el.find(["p", "li", "td"]):  # a container; its children speak for it
            continue
        text = _clean(el.get_text(" ", strip=True))
        if text:
            blocks.append(text)
    text = "\n".join(blocks) if blocks else (node.get_text("\n", strip=True) or "")
    return _LINES.sub("\n", text)[:MAX_TEXT_CHARS]


def _links(soup: BeautifulSoup, base: str) -> list[str]:
    links: list[str] = []
    for a in soup.find_all("a", href=True):
        href = urljoin(base, str(a["href"]).strip())
        if urlparse(href).scheme in ("http", "https") and href not in links:
            links.append(href[:2048])
    return links[:500]


def hub_repo_of(url: str, hub_hosts: tuple[str, ...] = ()) -> str | None:
    """`org/name` when a link points at a Hugging Face model repo, on huggingface.co, hf.co
    or one of `hub_hosts` (the configured Hub endpoint, whose own pages link relatively)."""
    parsed = urlparse(url)
    host = parsed.netloc.lower()
    on_hub = host.endswith("huggingface.co") or host.startswith("hf.co") or host in hub_hosts
    if not on_hub:
        return None
    match = _HUB_REPO.match(parsed.path)
    if not match or match.group(1) in _HUB_RESERVED:
        return None
    return f"{match.group(1)}/{match.group(2)}"


def github_repo_of(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.netloc != "github.com":
        return None
    parts = [p for p in parsed.path.split("/") if p]
    return f"{parts[0]}/{parts[1]}" if len(parts) >= 2 else None


def _soup(html: bytes | str, encoding: str | None) -> BeautifulSoup:
    # Imported when a page is read: an hourly run that is all 304s reads none.
    from bs4 import BeautifulSoup

    if isinstance(html, bytes):
        # The fetch layer has decided the charset (ingest.fetch.charset): believe it.
        return BeautifulSoup(html, "lxml", from_encoding=encoding)
    return BeautifulSoup(html, "lxml")


def extract_page(
    html: bytes | str, url: str, encoding: str | None = None, hub_hosts: tuple[str, ...] = ()
) -> Page:
    """Everything an announcement page says about itself, parsed defensively."""
    soup = _soup(html, encoding)
    meta = _meta(soup)
    json_ld = _json_ld(soup)
    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    h1 = soup.find("h1")
    title = (
        _clean(meta.get("og:title"))
        or _clean(h1.get_text(" ", strip=True) if h1 else None)
        or _clean(soup.title.get_text() if soup.title else None)
    )
    links = _links(soup, url)
    return Page(
        url=url,
        title=title[:500] if title else None,
        description=_description(meta, json_ld, title),
        published=_published(meta, json_ld, soup),
        text=_text(_main_node(soup)),
        meta=meta,
        json_ld=json_ld,
        hub_repos=list(dict.fromkeys(r for r in (hub_repo_of(x, hub_hosts) for x in links) if r)),
        github_repos=list(dict.fromkeys(r for r in map(github_repo_of, links) if r)),
        links=links,
    )


def _link_title(a) -> str | None:
    """An index link's title: its text, else the heading of the card it sits in."""
    text = _clean(a.get_text(" ", strip=True)) or _clean(a.get("title") or a.get("aria-label"))
    if text and len(text) >= 12:
        return text
    for parent in a.parents:
        if parent.name in ("article", "li", "section", "div"):
            heading = parent.find(["h1", "h2", "h3", "h4"])
            if heading:
                return _clean(heading.get_text(" ", strip=True)) or text
            break
    return text


def _link_date(a) -> str | None:
    for parent in a.parents:
        if parent.name in ("article", "li", "section", "div", "body"):
            found = parent.find("time", datetime=True)
            return found["datetime"].strip()[:40] if found else None
    return None


_LISTING_SEGMENTS = {
    "category", "categories", "tag", "tags", "topic", "topics", "author", "authors", "page",
    "search", "feed", "rss", "archive", "archives", "type", "label", "labels",
}  # fmt: skip


def _is_article(url: str, base: str, pattern: re.Pattern | None) -> bool:
    if pattern is not None:
        return bool(pattern.search(url))
    # Without a pattern: a page below the index on the same host (/news → /news/<slug>,
    # /blog → /blog/2025/03/<slug>), but not a listing (categories, tags, authors,
    # pagination, year archives).
    here, there = urlparse(base), urlparse(url)
    root = here.path.rstrip("/")
    if there.netloc != here.netloc or there.query or not there.path.startswith(root + "/"):
        return False
    segments = [p for p in there.path[len(root) :].split("/") if p]
    if not segments or any(p.lower() in _LISTING_SEGMENTS for p in segments):
        return False
    slug = segments[-1]
    return bool(re.search(r"[a-z]", slug, re.I)) and ("-" in slug or len(slug) >= 6)


def index_links(
    html: bytes | str, base: str, pattern: str | None = None, encoding: str | None = None
) -> list[dict]:
    """Article links of a vendor's HTML news index, in page order: `{url, title, published}`."""
    soup = _soup(html, encoding)
    for tag in soup.find_all([*_NOISE_TAGS, *_CHROME_TAGS]):
        tag.decompose()
    regex = re.compile(pattern) if pattern else None
    found: dict[str, dict] = {}
    for a in soup.find_all("a", href=True):
        url = urljoin(base, str(a["href"]).strip()).split("#", 1)[0]
        if urlparse(url).scheme not in ("http", "https") or not _is_article(url, base, regex):
            continue
        title = _link_title(a)
        if not title:
            continue
        known = found.get(url)
        if known is None:
            found[url] = {"url": url[:2048], "title": title[:500], "published": _link_date(a)}
        elif len(title) > len(known["title"]):
            known["title"] = title[:500]
    return list(found.values())[:500]
