"""Announcements: feed entries and their pages → relevance → the candidates they talk about.

Resolution, most certain first:
1. the Hub model repos the page links to (their variants' candidates);
2. a candidate whose family name stands in the title (within the feed's org, if it has one);
3. otherwise a candidate of its own, named from the title, which the Hub repo joins when it
   appears (same org and family key, compared without separators: "Code Llama 4" and
   `CodeLlama-4-70B` are one family).
What the text says about license and sizes is recorded as observations with their
evidence (less trusted than the model card), so a blog's "Apache 2.0" against a card's
`license: gemma` shows as a conflict instead of silently winning or vanishing.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, select

from normalize.hub import parse_hub_time
from normalize.licenses import license_from_text
from normalize.names import slugify
from normalize.params import params_from_name, params_from_text
from normalize.relevance import relevance
from normalize.vendors import vendor_for_org
from store.models import Candidate, Event, FeedEntry, Observation, Variant, utcnow
from store.resolve import refresh_candidate, squash
from store.upsert import upsert

ENTRY_COLUMNS = ("title", "link", "published_at", "author", "summary", "content_hash", "updated_at")
_TITLE_NOISE = re.compile(
    r"^(?:welcome|introducing|announcing|meet|say hello to|hello)\s+|"
    r"\s+(?:on hugging face|is here|is out|is now available|now available|released)\b.*$",
    re.I,
)
_SIZES_IN_PARENS = re.compile(r"\s*\([^)]*\d[^)]*\)")


def _time(value: str | None) -> datetime | None:
    return parse_hub_time(value) if value else None


def save_entries(session: Session, source: str, entries: list[dict]) -> None:
    rows = [
        {
            "source": source,
            "entry_key": e["key"],
            "title": e.get("title"),
            "link": e.get("link"),
            "published_at": _time(e.get("published")),
            "author": e.get("author"),
            "summary": e.get("text"),
            "content_hash": e.get("content_hash"),
            "first_seen": utcnow(),
            "updated_at": utcnow(),
        }
        for e in entries
    ]
    upsert(
        session,
        FeedEntry.__table__,
        rows,
        key=("source", "entry_key"),
        update=ENTRY_COLUMNS,
        where_changed="content_hash",
    )


def entry(session: Session, source: str, key: str) -> FeedEntry | None:
    return session.exec(
        select(FeedEntry).where(FeedEntry.source == source, FeedEntry.entry_key == key)
    ).first()


def attach_page(session: Session, item: FeedEntry, page: dict) -> None:
    item.page_url = page.get("url")
    item.page_title = page.get("title")
    item.page_text = (page.get("text") or "")[:50_000]
    item.hub_repos = page.get("hub_repos") or []
    if not item.published_at and page.get("published"):
        item.published_at = _time(page["published"])
    session.add(item)


def family_from_title(title: str) -> str | None:
    """ "Welcome Gemma 3: Google's new…" → "Gemma 3"; "Code Llama 4 (70B & 400B)" → "Code Llama 4"."""
    head = re.split(r"\s*[:|–—]\s+|\s+-\s+", title or "", maxsplit=1)[0]
    head = _SIZES_IN_PARENS.sub("", _TITLE_NOISE.sub("", head)).strip(" .!")
    head = re.split(r"\s*[,&]\s*|\s+and\s+", head)[0].strip()
    return head if 2 <= len(head) <= 80 else None


def _candidates_by_repo(session: Session, repos: list[str]) -> list[int]:
    if not repos:
        return []
    rows = session.exec(
        select(Variant.candidate_id).where(
            Variant.repo_id.in_(repos), Variant.candidate_id.is_not(None)
        )
    )
    return list(dict.fromkeys(rows.all()))


def _candidate_by_title(session: Session, title: str, org: str | None) -> int | None:
    """A candidate whose family the title names: one with Hub repos, or of the feed's own org.

    Two feeds' unverified claims are never joined by name alone; they are left for the
    editor as suggested duplicates (store.similar).
    """
    anchored = Candidate.id.in_(
        select(Variant.candidate_id).where(Variant.candidate_id.is_not(None))
    )
    query = select(Candidate.id, Candidate.family)
    query = query.where((Candidate.org == org) & anchored) if org else query.where(anchored)
    best, best_len = None, 0
    low = f" {title.lower()} "
    for cid, family in session.exec(query).all():
        fam = family.lower()
        if len(fam) > best_len and re.search(rf"(?<![\w.]){re.escape(fam)}(?![\w.])", low):
            best, best_len = cid, len(fam)
    return best


def entry_hashes(session: Session, sources: list[str]) -> dict[str, dict[str, str]]:
    """source -> entry key -> content hash, for the spider to tell new entries from known."""
    found: dict[str, dict[str, str]] = {}
    rows = session.exec(
        select(FeedEntry.source, FeedEntry.entry_key, FeedEntry.content_hash).where(
            FeedEntry.source.in_(sources)
        )
    )
    for source, key, digest in rows.all():
        found.setdefault(source, {})[key] = digest
    return found


def _feed_candidate(session: Session, item: FeedEntry, org: str | None, actor: str) -> int | None:
    family = family_from_title(item.page_title or item.title or "")
    if not family:
        return None
    owner = org or item.source
    key = slugify(family)
    for cid, fkey in session.exec(
        select(Candidate.id, Candidate.family_key).where(Candidate.org == owner)
    ).all():
        if squash(fkey) == squash(key):
            return cid
    slug = (
        key
        if session.exec(select(Candidate.id).where(Candidate.slug == key)).first() is None
        else slugify(f"{owner}-{key}")
    )
    cand = Candidate(
        slug=slug,
        name=family,
        vendor=vendor_for_org(org) if org else None,
        org=owner,
        family=family,
        family_key=key,
        queued_reason=f"{actor}; announced in a feed before any Hub repo",
        announced_at=item.published_at,
    )
    session.add(cand)
    session.flush()
    session.add(Event(candidate_id=cand.id, actor=actor, action="created", new=slug))
    return cand.id


def _observations(item: FeedEntry, candidate_id: int, text: str) -> list[dict]:
    url = item.page_url or item.link or item.entry_key
    rows = []
    license_ = license_from_text(text, source=url)
    params = params_from_text(text, source=url) or params_from_name(item.title or "", source=url)
    found = [("license", license_, 10), ("params", params, 15)]
    found.append(("announcement", None, 0))
    for field_name, value, trust in found:
        if field_name == "announcement":
            data = {
                "title": item.page_title or item.title,
                "url": url,
                "published": item.published_at.isoformat() if item.published_at else None,
            }
            snippet, extractor = (item.title or "")[:300], "feed.entry"
        elif value is None:
            continue
        else:
            data = value.to_json()
            evidence = (data.pop("evidence", None) or [{}])[0]
            snippet, extractor = (
                evidence.get("snippet") or "",
                evidence.get("extractor") or field_name,
            )
        rows.append(
            {
                "candidate_id": candidate_id,
                "field": field_name,
                "subject": url,
                "extractor": extractor,
                "value": data,
                "source_url": url,
                "snippet": snippet[:500],
                "extractor_version": "1",
                "trust": trust,
                "seen_at": utcnow(),
            }
        )
    return rows


def judge_and_resolve(session: Session, item: FeedEntry, org: str | None, actor: str) -> list[int]:
    """Decide whether the entry is news; if so link it to its candidates. Returns their ids."""
    text = item.page_text or item.summary or ""
    verdict = relevance(item.page_title or item.title, text, item.hub_repos or [])
    item.relevant, item.relevance_score = verdict.relevant, verdict.score
    item.relevance_reason = verdict.reason()[:1000]
    session.add(item)
    if not verdict.relevant:
        return []
    title = item.page_title or item.title or ""
    ids = _candidates_by_repo(session, item.hub_repos or [])
    if not ids:
        found = _candidate_by_title(session, title, org) or _feed_candidate(
            session, item, org, actor
        )
        ids = [found] if found else []
    for cid in ids:
        upsert(
            session,
            Observation.__table__,
            _observations(item, cid, f"{title}\n{text}"),
            key=("candidate_id", "field", "subject", "extractor"),
            update=("value", "source_url", "snippet", "trust", "seen_at"),
        )
        refresh_candidate(session, cid, actor=actor)
    item.candidate_id = ids[0] if ids else None
    session.add(item)
    return ids
