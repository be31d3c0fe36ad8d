"""Announcements: feed entries and their pages, as read by normalize.announcements (whether
they are news, the names they state, what they say) → the candidates they talk about.
This module reads no text: it resolves a reading against the releases stored and persists it.

Resolution, most certain first:
1. the Hub model repos the entry links to: their variants' candidates, or, for a repo not
   crawled yet, the candidate its (org, family key) will join, created now if need be, so
   the repo lands in it whenever it appears. When a page links several families (a post
   comparing models), the ones its title names are the ones it announces;
2. a candidate whose family name stands in the title (within the feed's org, if it has one);
3. otherwise a candidate of its own, named from the title, which the Hub repo joins when it
   appears (same org and family key, compared without separators: "Code Llama 4" and
   `CodeLlama-4-70B` are one family; a feed without an org is adopted by the first Hub
   release of that family, see store.resolve).
What the text says about license, sizes and prices is recorded as observations with their
evidence (less trusted than the model card), so a blog's "Apache 2.0" against a card's
`license: gemma` shows as a conflict instead of silently winning or vanishing. A candidate
an announcement resolves to is notable: it is queued with the announcement as its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from normalize.announcements import EntryReading, LinkedRelease
from normalize.draft import ANNOUNCEMENT_EXTRACTOR, DRAFT_FIELD
from normalize.draft import VERSION as DRAFT_VERSION
from normalize.hub import parse_hub_time
from normalize.names import slugify
from normalize.titles import name_position, names_in, spaced, squash
from normalize.vendors import vendor_for_org
from store import notability, prices
from store.models import Candidate, Event, FeedEntry, Observation, Variant, utcnow
from store.races import lock_announced, retrying
from store.resolve import adopt_announced, refresh_candidate
from store.upsert import upsert

ENTRY_COLUMNS = (
    "title",
    "link",
    "published_at",
    "author",
    "summary",
    "content_hash",
    "hub_repos",
    "updated_at",
)
MAX_LINKED_FAMILIES = 5
# How far an announcement is trusted on each field it states: less than the model card
# (store.resolve), so a blog's "Apache 2.0" against a card's `license: gemma` is a conflict.
STATEMENT_TRUST = {"license": 10, "params": 15, "pricing": 10}
# The announcement observation copies the entry's own fields: no rules, one version.
ENTRY_VERSION = "1"


@dataclass(slots=True)
class Context:
    """Who is resolving: the feed's vendor org (if any), the actor for the history, and orgs
    whose repos are derivatives (a blog linking a GGUF does not announce a release)."""

    org: str | None
    actor: str
    derivative_orgs: frozenset[str] = field(default_factory=frozenset)


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
            "hub_repos": e.get("hub_repos") or [],
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
    item.page_description = (page.get("description") or "")[:2000] or None
    item.hub_repos = list(dict.fromkeys((item.hub_repos or []) + (page.get("hub_repos") or [])))
    if not item.published_at and page.get("published"):
        item.published_at = _time(page["published"])
    session.add(item)


def _candidates_by_repo(session: Session, repos: list[str]) -> dict[str, int]:
    if not repos:
        return {}
    rows = session.exec(
        select(Variant.repo_id, Variant.candidate_id).where(
            Variant.repo_id.in_(repos), Variant.candidate_id.is_not(None)
        )
    )
    return dict(rows.all())


def _linked_releases(
    session: Session, item: FeedEntry, reading: EntryReading, ctx: Context
) -> list[int]:
    """Candidates of the releases the entry links on the Hub, created for repos not yet seen."""
    linked = [r for r in reading.linked if r.org not in ctx.derivative_orgs]
    known = _candidates_by_repo(session, [r.repo for r in linked])
    groups: dict[tuple[str, str], list[LinkedRelease]] = {}
    for repo in linked:
        groups.setdefault((repo.org, repo.family_key), []).append(repo)
    named = {key: members for key, members in groups.items() if members[0].named_in_title}
    chosen = named or (groups if len(groups) <= MAX_LINKED_FAMILIES else {})
    # Found or created in one order, whatever the order of the links: two writers that
    # create the same releases (a blog post and release notes on two hosts) take their
    # locks in the same order instead of each waiting for the other.
    found: dict[tuple[str, str], int | None] = {}
    for org, key in sorted(chosen):
        members = chosen[(org, key)]
        stored = [known[r.repo] for r in members if r.repo in known]
        found[(org, key)] = (
            stored[0] if stored else _release_for_repo(session, item, members[0], ctx)
        )
    ids: list[int] = []
    for group in chosen:  # in the entry's order: the first link is its release
        cid = found[group]
        if cid is not None and cid not in ids:
            ids.append(cid)
    return ids


def _release_for_repo(
    session: Session, item: FeedEntry, repo: LinkedRelease, ctx: Context
) -> int | None:
    """The candidate a linked, not yet crawled repo will join; created if none exists."""
    org, key = repo.org, repo.family_key
    found = _release_of(session, org, key)
    if found is not None:
        return found
    return _new_candidate(
        session,
        item,
        org,
        repo.announced_family,
        key,
        ctx,
        again=lambda: _release_of(session, org, key),
    )


def _release_of(session: Session, org: str, key: str) -> int | None:
    """The candidate of `org` whose family key is `key`, separators aside."""
    for cid, fkey in session.exec(
        select(Candidate.id, Candidate.family_key).where(Candidate.org == org)
    ).all():
        if squash(fkey) == squash(key):
            return cid
    return None


def _candidate_by_title(session: Session, title: str, org: str | None) -> int | None:
    """A candidate whose family the title names: one with Hub repos, or of the feed's own org.

    Two feeds' unverified claims are never joined by name alone; they are left for the
    editor as suggested duplicates (store.similar).
    """
    # Anchored: it has Hub repos, or its vendor is known (a repo link or a vendor's feed).
    anchored = Candidate.id.in_(
        select(Variant.candidate_id).where(Variant.candidate_id.is_not(None))
    ) | ~(Candidate.org.like("feed:%") | Candidate.org.like("pages:%"))
    query = select(Candidate.id, Candidate.family)
    query = query.where((Candidate.org == org) & anchored) if org else query.where(anchored)
    found = names_in(session.exec(query).all(), title)
    # The longest name wins; a shortened name shared by two releases names neither.
    for name in sorted(found, key=len, reverse=True):
        if len(found[name]) == 1:
            return next(iter(found[name]))
    return None


def _candidate_in_text(session: Session, opening: str, org: str) -> int | None:
    """The vendor's release the opening of an entry's text names first (release notes
    titled with a bare tag: "v3.0.0" → "This release adds Gemma 3…")."""
    rows = session.exec(select(Candidate.id, Candidate.family).where(Candidate.org == org)).all()
    best: tuple[int, int, int] | None = None  # (position, -length, id)
    for cid, family in rows:
        name = spaced(family)
        at = name_position(name, opening)
        if at is not None and (best is None or (at, -len(name)) < best[:2]):
            best = (at, -len(name), cid)
    return best[2] if best else None


def entry_hashes(session: Session, sources: list[str]) -> dict[str, dict[str, str]]:
    """source -> entry key -> content hash as last judged, for the spider to tell new
    entries from known. An entry stored but never judged (its run died before its page was
    committed) is left out: it is fresh until then."""
    found: dict[str, dict[str, str]] = {}
    rows = session.exec(
        select(FeedEntry.source, FeedEntry.entry_key, FeedEntry.judged_hash).where(
            FeedEntry.source.in_(sources), FeedEntry.judged_hash.is_not(None)
        )
    )
    for source, key, digest in rows.all():
        found.setdefault(source, {})[key] = digest
    return found


def _new_candidate(
    session: Session,
    item: FeedEntry,
    owner: str,
    family: str,
    key: str,
    ctx: Context,
    again: Callable[[], int | None],
) -> int:
    org_known = not owner.startswith(("feed:", "pages:"))
    if org_known:
        adopted = adopt_announced(session, owner, key, family)
        if adopted is not None:
            return adopted
    else:
        # A release announced with no vendor is adopted by the first Hub page of its family.
        # A Hub page on another host may be storing that family now, having found nothing to
        # adopt: wait for it to commit, then look again (store.races.lock_announced).
        lock_announced(session, exclusive=True)
        found = again()
        if found is not None:
            return found
    reason = f"{ctx.actor}; announced before any Hub repo: {(item.title or '')[:200]}"
    cand = Candidate(
        slug=key,
        name=family,
        vendor=vendor_for_org(owner) if org_known else None,
        org=owner,
        family=family,
        family_key=key,
        queued_reason=reason,
        notability=f"announced in {item.source}",
        announced_at=item.published_at,
    )
    cid, created = _insert_candidate(session, cand)
    if cid is None:
        # The slug is taken: by this very release when another writer (the Hub crawl of
        # another host) stored it while this entry was being judged. The lookup that found
        # nothing then is asked again, now that the other writer has committed (the insert
        # waited for it); what it finds is joined, as it would have been a moment later.
        # Otherwise the slug is another release's, and this one is named for its owner too.
        found = again()
        if found is not None:
            return found
        cand.slug = slugify(f"{owner.replace(':', '-')}-{key}")
        cid, created = _insert_candidate(session, cand)
    if cid is None:
        raise ValueError(f"no slug left for {owner}/{key}: {key!r} and {cand.slug!r} are taken")
    if created:
        session.add(Event(candidate_id=cid, actor=ctx.actor, action="created", new=cand.slug))
        if org_known:
            prices.join_announced(session, cid)
    return cid


def _insert_candidate(session: Session, cand: Candidate) -> tuple[int | None, bool]:
    """(id, created) of the release (org, family key), inserted unless another writer (a
    crawl on another host, a Hub page of this one) stored it first; None when its slug is
    another release's."""
    table = Candidate.__table__
    insert = pg.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    # No conflict target: a release stored meanwhile and a slug already taken are both
    # conflicts, told apart below. PostgreSQL waits for a writer still in flight.
    row = cand.model_dump(exclude={"id"})
    stmt = insert(table).values(row).on_conflict_do_nothing().returning(table.c.id)
    cid = session.execute(stmt).scalar()
    if cid is not None:
        return cid, True
    found = session.exec(
        select(Candidate.id).where(
            Candidate.org == cand.org, Candidate.family_key == cand.family_key
        )
    ).first()
    return found, False


def _feed_candidate(
    session: Session, item: FeedEntry, reading: EntryReading, ctx: Context
) -> int | None:
    family = reading.title_family
    if not reading.title_is_a_name:
        # A slogan ("Medium is the new large.") or a tag ("v3.0.0") for a title: the
        # name is in the opening of the text. A feed without a vendor has too little to go on.
        named = reading.text_family if (family or ctx.org) else None
        family = named or family
    if not family:
        return None
    owner = ctx.org or item.source
    key = slugify(family)
    found = _release_of(session, owner, key)
    if found is not None:
        return found

    def again() -> int | None:  # what `_resolve` looked for before coming here
        return _candidate_by_title(session, reading.title, ctx.org) or _release_of(
            session, owner, key
        )

    return _new_candidate(session, item, owner, family, key, ctx, again)


def _observation(
    item: FeedEntry,
    cid: int,
    field_name: str,
    data: dict,
    snippet: str,
    extractor: str,
    version: str,
    trust: int,
) -> dict:
    url = item.page_url or item.link or item.entry_key
    return {
        "candidate_id": cid,
        "field": field_name,
        "subject": url,
        "extractor": extractor,
        "value": data,
        "source_url": url,
        "snippet": (snippet or "")[:500],
        "extractor_version": version,
        "trust": trust,
        "seen_at": utcnow(),
    }


def _utc_naive(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def _observations(item: FeedEntry, candidate_id: int, reading: EntryReading) -> list[dict]:
    url = item.page_url or item.link or item.entry_key
    announcement = {
        "title": item.page_title or item.title,
        "url": url,
        "published": item.published_at.isoformat() if item.published_at else None,
        "description": item.page_description,
        "source": item.source,
    }
    rows = [
        _observation(
            item,
            candidate_id,
            "announcement",
            announcement,
            item.title or "",
            "feed.entry",
            ENTRY_VERSION,
            0,
        )
    ]
    if item.page_url or item.link:
        # What the entry offers the draft of the releases it announces (store.draft).
        draft = replace(
            reading.draft,
            # UTC, without an offset: the databases hand times back with or without one.
            published=_utc_naive(item.published_at),
        )
        rows.append(
            _observation(
                item,
                candidate_id,
                DRAFT_FIELD,
                draft.to_json(),
                draft.snippet(),
                ANNOUNCEMENT_EXTRACTOR,
                DRAFT_VERSION,
                0,
            )
        )
    for said in reading.statements:
        rows.append(
            _observation(
                item,
                candidate_id,
                said.field,
                dict(said.value),
                said.snippet,
                said.extractor,
                said.version,
                STATEMENT_TRUST[said.field],
            )
        )
    return rows


def _resolve(session: Session, item: FeedEntry, reading: EntryReading, ctx: Context) -> list[int]:
    ids = _linked_releases(session, item, reading, ctx)
    if ids:
        return ids
    found = _candidate_by_title(session, reading.title, ctx.org)
    if found is None and ctx.org and not reading.title_family:
        found = _candidate_in_text(session, reading.opening_search, ctx.org)
    found = found or _feed_candidate(session, item, reading, ctx)
    return [found] if found else []


def judge_and_resolve(
    session: Session,
    item: FeedEntry,
    reading: EntryReading,
    org: str | None,
    actor: str,
    derivative_orgs: frozenset[str] = frozenset(),
) -> list[int]:
    """Record whether the entry is news, as `reading` (normalize.announcements.read_entry)
    says; if so link it to its candidates. Returns their ids.

    Crawls on several hosts resolve announcements of the same releases at once; the one
    PostgreSQL picks to break a deadlock (or a serialization failure) is rolled back to
    the start of this entry and tries again, a little later, instead of losing the entry.
    """
    return retrying(
        session,
        lambda: _judge_and_resolve(session, item, reading, org, actor, derivative_orgs),
    )


def _judge_and_resolve(
    session: Session,
    item: FeedEntry,
    reading: EntryReading,
    org: str | None,
    actor: str,
    derivative_orgs: frozenset[str],
) -> list[int]:
    ctx = Context(org=org, actor=actor, derivative_orgs=derivative_orgs)
    verdict = reading.relevance
    item.relevant, item.relevance_score = verdict.relevant, verdict.score
    item.relevance_reason = verdict.reason()[:1000]
    item.judged_hash = item.content_hash
    item.normalized_with = reading.ruleset
    session.add(item)
    if not verdict.relevant:
        item.candidate_id = None
        return []
    ids = _resolve(session, item, reading, ctx)
    if not ids:
        item.relevance_reason = f"{item.relevance_reason}; no release name found"[:1000]
    # In id order, as store.resolve refreshes candidates: no lock cycles between writers.
    for cid in sorted(ids):
        upsert(
            session,
            Observation.__table__,
            _observations(item, cid, reading),
            key=("candidate_id", "field", "subject", "extractor"),
            update=("value", "source_url", "snippet", "extractor_version", "trust", "seen_at"),
        )
        refresh_candidate(session, cid, actor=actor)
        notability.mark_announced(session, cid, item.source, reading.title, actor)
    item.candidate_id = ids[0] if ids else None
    session.add(item)
    return ids
