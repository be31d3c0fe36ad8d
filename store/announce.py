"""Announcements: feed entries and their pages → relevance → the candidates they talk about.

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

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from normalize.hub import parse_hub_time
from normalize.licenses import license_from_text
from normalize.names import parse_repo_name, slugify
from normalize.params import params_from_name, params_from_text
from normalize.pricing import pricing_from_text
from normalize.relevance import relevance
from normalize.vendors import vendor_for_org
from store import notability, prices
from store.models import Candidate, Event, FeedEntry, Observation, Variant, utcnow
from store.races import lock_announced, retrying
from store.resolve import adopt_announced, refresh_candidate, squash
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
_TITLE_NOISE = re.compile(
    r"^(?:welcome|introducing|announcing|meet|say hello to|hello)\s+|"
    r"\s+(?:on hugging face|(?:is|are) (?:now )?(?:here|out|live|available|stable|generally "
    r"available|open[- ]sourced?|released)|now available|released)\b.*$",
    re.I,
)
# A word of running text: lower-case letters only ("arrives", "with"); name parts are
# capitalised or carry a digit ("Small", "3n", "gpt-oss" opens a title and is kept).
_PLAIN_WORD = re.compile(r"[a-z]+")
_SIZES_IN_PARENS = re.compile(r"\s*\([^)]*\d[^)]*\)")
# A release tag ("v0.2.0", "b5478", "1.2") names a version, not a model.
_TAG_ONLY = re.compile(r"^(?:(?:release|version)\s+)?[vb]?\d+(?:[.\-_]\w+)*$", re.I)
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)*[a-z]*", re.I)
_DATE_SUFFIX = re.compile(r"\s+(?:2[3-9](?:0[1-9]|1[0-2])|(?:0[1-9]|1[0-2])[0-3]\d)$")
# A model name in prose: capitalised words with a version or size among them
# ("Mistral Medium 3", "Gemini 2.5 Flash-Lite").
_NAME_IN_TEXT = re.compile(r"\b[A-Z][\w.]*(?:[ -](?:[A-Z][\w.]*|\d+(?:\.\d+)?[A-Za-z]?)){1,4}\b")
# Capitalised words that open a sentence rather than a name ("Adds Gemma 2 in…").
_SENTENCE_STARTERS = {
    "a", "add", "adds", "an", "announcing", "introducing", "meet", "new", "our", "release",
    "releases", "support", "supports", "the", "this", "today", "we", "welcome", "with",
}  # fmt: skip


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


def family_from_title(title: str) -> str | None:
    """ "Welcome Gemma 3: Google's new…" → "Gemma 3"; "Code Llama 4 (70B & 400B)" → "Code Llama 4"."""
    head = re.split(r"\s*[:|–—]\s+|\s+-\s+", title or "", maxsplit=1)[0]
    head = _SIZES_IN_PARENS.sub("", _TITLE_NOISE.sub("", head)).strip(" .!")
    head = _name_before_predicate(re.split(r"\s*[,&]\s*|\s+and\s+", head)[0].strip())
    if _TAG_ONLY.match(head) or not re.search(r"[a-z]{2}", head, re.I):
        return None
    return head if 2 <= len(head) <= 80 else None


def _name_before_predicate(head: str) -> str:
    """ "Mistral Small 3.1 arrives with a 128K context" → "Mistral Small 3.1": a versioned
    name ends where the title's sentence goes on, at its first plain lower-case word. A name
    without a version is left whole ("Magistral arrives" cannot be told from a name)."""
    words = head.split(" ")
    for index, word in enumerate(words[1:], 1):
        if _PLAIN_WORD.fullmatch(word):
            name = " ".join(words[:index])
            return name if re.search(r"\d", name) else head
    return head


def looks_like_a_name(family: str) -> bool:
    """ "Gemma 3", "Magistral", "SmolLM3" are names; "Medium is the new large" is a slogan."""
    return bool(re.search(r"\d", family)) or len(family.split()) <= 3


def family_from_text(text: str) -> str | None:
    """The first model name the opening of an announcement states ("Introducing Mistral
    Medium 3, a new class of model…" → "Mistral Medium 3"), for a title that is a slogan."""
    for line in text[:1500].splitlines():
        for match in _NAME_IN_TEXT.finditer(line):
            words = match.group(0).split(" ")
            while words and words[0].lower() in _SENTENCE_STARTERS:
                words.pop(0)
            name = " ".join(words)
            if re.search(r"\d", name) and re.search(r"[a-z]{2}", name, re.I) and len(name) <= 60:
                return name
    return None


def preferred_family(hub_family: str, announced: str | None) -> str:
    """The Hub's family name, unless it is one squashed word the announcement spells better
    ("Embeddinggemma" from `embeddinggemma-300m` against "EmbeddingGemma")."""
    if announced and " " not in hub_family and squash(slugify(announced)) == squash(hub_family):
        return announced
    return hub_family


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")}


def _named_in(family: str, title_words: set[str]) -> bool:
    words = _words(family)
    return bool(words) and words <= title_words


def _candidates_by_repo(session: Session, repos: list[str]) -> dict[str, int]:
    if not repos:
        return {}
    rows = session.exec(
        select(Variant.repo_id, Variant.candidate_id).where(
            Variant.repo_id.in_(repos), Variant.candidate_id.is_not(None)
        )
    )
    return dict(rows.all())


def _linked_releases(session: Session, item: FeedEntry, title: str, ctx: Context) -> list[int]:
    """Candidates of the releases the entry links on the Hub, created for repos not yet seen."""
    repos = [r for r in item.hub_repos or [] if r.split("/", 1)[0] not in ctx.derivative_orgs]
    known = _candidates_by_repo(session, repos)
    groups: dict[tuple[str, str], list[str]] = {}
    for repo in repos:
        name = parse_repo_name(repo)
        if name.quantized or not name.org:
            continue
        groups.setdefault((name.org, name.family_key), []).append(repo)
    title_words = _words(title)
    named = {
        key: members
        for key, members in groups.items()
        if _named_in(parse_repo_name(members[0]).family, title_words)
    }
    chosen = named or (groups if len(groups) <= MAX_LINKED_FAMILIES else {})
    # Found or created in one order, whatever the order of the links: two writers that
    # create the same releases (a blog post and release notes on two hosts) take their
    # locks in the same order instead of each waiting for the other.
    found: dict[tuple[str, str], int | None] = {}
    for org, key in sorted(chosen):
        members = chosen[(org, key)]
        stored = [known[r] for r in members if r in known]
        found[(org, key)] = (
            stored[0] if stored else _release_for_repo(session, item, org, key, members[0], ctx)
        )
    ids: list[int] = []
    for group in chosen:  # in the entry's order: the first link is its release
        cid = found[group]
        if cid is not None and cid not in ids:
            ids.append(cid)
    return ids


def _release_for_repo(
    session: Session, item: FeedEntry, org: str, key: str, repo: str, ctx: Context
) -> int | None:
    """The candidate a linked, not yet crawled repo will join; created if none exists."""
    found = _release_of(session, org, key)
    if found is not None:
        return found
    titled = family_from_title(item.page_title or item.title or "")
    family = preferred_family(parse_repo_name(repo).family, titled)
    return _new_candidate(
        session, item, org, family, key, ctx, again=lambda: _release_of(session, org, key)
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
    low = f" {_spaced(title)} "
    found: dict[str, set[int]] = {}
    for cid, family in session.exec(query).all():
        # "Mistral Small 3.1 2503" is announced as "Mistral Small 3.1": the date code
        # stays out of titles.
        for name in {_spaced(family), _spaced(_DATE_SUFFIX.sub("", family))}:
            if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", low):
                found.setdefault(name, set()).add(cid)
    # The longest name wins; a shortened name shared by two releases names neither.
    for name in sorted(found, key=len, reverse=True):
        if len(found[name]) == 1:
            return next(iter(found[name]))
    return None


def _spaced(text: str) -> str:
    """Lower-cased, with '-' and '_' as spaces: "DeepSeek-R1-0528" reads "deepseek r1 0528"."""
    return re.sub(r"[-_\s]+", " ", text.lower()).strip()


def _candidate_in_text(session: Session, text: str, org: str) -> int | None:
    """The vendor's release the opening of an entry's text names first (release notes
    titled with a bare tag: "v3.0.0" → "This release adds Gemma 3…")."""
    rows = session.exec(select(Candidate.id, Candidate.family).where(Candidate.org == org)).all()
    low = f" {_spaced(text[:600])} "
    best: tuple[int, int, int] | None = None  # (position, -length, id)
    for cid, family in rows:
        name = _spaced(family)
        found = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", low)
        if found and (best is None or (found.start(), -len(name)) < best[:2]):
            best = (found.start(), -len(name), cid)
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


def _feed_candidate(session: Session, item: FeedEntry, ctx: Context) -> int | None:
    family = family_from_title(item.page_title or item.title or "")
    if not family or not looks_like_a_name(family):
        # A slogan ("Medium is the new large.") or a tag ("v3.0.0") for a title: the
        # name is in the opening of the text. A feed without a vendor has too little to go on.
        text = f"{item.page_description or ''}\n{item.page_text or item.summary or ''}"
        named = family_from_text(text) if (family or ctx.org) else None
        family = named or family
    if not family:
        return None
    owner = ctx.org or item.source
    key = slugify(family)
    found = _release_of(session, owner, key)
    if found is not None:
        return found
    title = item.page_title or item.title or ""

    def again() -> int | None:  # what `_resolve` looked for before coming here
        return _candidate_by_title(session, title, ctx.org) or _release_of(session, owner, key)

    return _new_candidate(session, item, owner, family, key, ctx, again)


def _observation(
    item: FeedEntry, cid: int, field_name: str, data: dict, snippet: str, extractor: str, trust: int
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
        "extractor_version": "1",
        "trust": trust,
        "seen_at": utcnow(),
    }


def _observations(item: FeedEntry, candidate_id: int, text: str) -> list[dict]:
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
            item, candidate_id, "announcement", announcement, item.title or "", "feed.entry", 0
        )
    ]
    found = (
        ("license", license_from_text(text, source=url), 10),
        (
            "params",
            params_from_text(text, source=url) or params_from_name(item.title or "", url),
            15,
        ),
        ("pricing", pricing_from_text(text, source=url), 10),
    )
    for field_name, value, trust in found:
        if value is None:
            continue
        data = value.to_json()
        evidence = (data.pop("evidence", None) or [{}])[0]
        snippet = evidence.get("snippet") or ""
        extractor = evidence.get("extractor") or field_name
        rows.append(_observation(item, candidate_id, field_name, data, snippet, extractor, trust))
    return rows


def _resolve(session: Session, item: FeedEntry, title: str, ctx: Context) -> list[int]:
    ids = _linked_releases(session, item, title, ctx)
    if ids:
        return ids
    found = _candidate_by_title(session, title, ctx.org)
    if found is None and ctx.org and not family_from_title(title):
        found = _candidate_in_text(session, item.page_text or item.summary or "", ctx.org)
    found = found or _feed_candidate(session, item, ctx)
    return [found] if found else []


def judge_and_resolve(
    session: Session,
    item: FeedEntry,
    org: str | None,
    actor: str,
    derivative_orgs: frozenset[str] = frozenset(),
) -> list[int]:
    """Decide whether the entry is news; if so link it to its candidates. Returns their ids.

    Crawls on several hosts resolve announcements of the same releases at once; the one
    PostgreSQL picks to break a deadlock (or a serialization failure) is rolled back to
    the start of this entry and tries again, a little later, instead of losing the entry.
    """
    return retrying(session, lambda: _judge_and_resolve(session, item, org, actor, derivative_orgs))


def _judge_and_resolve(
    session: Session,
    item: FeedEntry,
    org: str | None,
    actor: str,
    derivative_orgs: frozenset[str],
) -> list[int]:
    ctx = Context(org=org, actor=actor, derivative_orgs=derivative_orgs)
    text = item.page_text or item.summary or ""
    title = item.page_title or item.title or ""
    verdict = relevance(title, f"{item.page_description or ''}\n{text}", item.hub_repos or [])
    item.relevant, item.relevance_score = verdict.relevant, verdict.score
    item.relevance_reason = verdict.reason()[:1000]
    item.judged_hash = item.content_hash
    session.add(item)
    if not verdict.relevant:
        item.candidate_id = None
        return []
    ids = _resolve(session, item, title, ctx)
    if not ids:
        item.relevance_reason = f"{item.relevance_reason}; no release name found"[:1000]
    # In id order, as store.resolve refreshes candidates: no lock cycles between writers.
    for cid in sorted(ids):
        upsert(
            session,
            Observation.__table__,
            _observations(item, cid, f"{title}\n{item.page_description or ''}\n{text}"),
            key=("candidate_id", "field", "subject", "extractor"),
            update=("value", "source_url", "snippet", "trust", "seen_at"),
        )
        refresh_candidate(session, cid, actor=actor)
        notability.mark_announced(session, cid, item.source, title, actor)
    item.candidate_id = ids[0] if ids else None
    session.add(item)
    return ids
