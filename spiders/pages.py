"""Announcement pages: HTML → title, date, main text, meta tags, JSON-LD, outbound links.

Parsing only (BeautifulSoup with lxml): what the text *means* is the normalizers' business.
Every page is hostile input: the text is capped, scripts and styles are dropped, JSON-LD
that does not parse is skipped, and only http(s) links are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlparse

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
        except (ValueError, TypeError):
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                graph = item.get("@graph")
                objects += (
                    [g for g in graph if isinstance(g, dict)] if isinstance(graph, list) else [item]
                )
    return objects[:20]


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


def hub_repo_of(url: str) -> str | None:
    """`org/name` when a link points at a Hugging Face model repo."""
    parsed = urlparse(url)
    if not parsed.netloc.endswith("huggingface.co") and not parsed.netloc.startswith("hf.co"):
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


def extract_page(html: bytes | str, url: str, encoding: str | None = None) -> Page:
    """Everything an announcement page says about itself, parsed defensively."""
    soup = BeautifulSoup(html, "lxml", from_encoding=encoding if isinstance(html, bytes) else None)
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
        description=_clean(meta.get("og:description") or meta.get("description")),
        published=_published(meta, json_ld, soup),
        text=_text(_main_node(soup)),
        meta=meta,
        json_ld=json_ld,
        hub_repos=list(dict.fromkeys(r for r in map(hub_repo_of, links) if r)),
        github_repos=list(dict.fromkeys(r for r in map(github_repo_of, links) if r)),
        links=links,
    )
