"""`toolscout renormalize`: rebuild what was read from the documents already stored.

An improved extractor reaches every record at once, with no request to any source.
Editor decisions and overrides live on the candidate rows and are left as they are.

In the order a crawl meets them:

1. Hub models, from their entry in the newest listing page that holds it, or a model info
   document (`/api/models/{id}`, fetched for the card backlog) when that is newer, plus
   their README when one was fetched. Pages are applied oldest first, each as one batch
   (`store.batch.apply_page`), originals before derivatives so derivatives find their base.
2. Feed and news-page entries, oldest first: each is judged again from its stored text
   (relevance, the release it announces, and its license, size and price statements).
   What it said before is dropped first, so a statement the extractors no longer read
   (or a release it no longer names) does not linger.
3. Provider price lists, from their stored responses: each price is read again and joined
   to the releases whose repos it names.

Each document or entry is its own transaction: a bad one fails alone, with its reason.

Each document and entry remembers the ruleset it was read with (normalize.versions); with
`stale`, only those read with another ruleset than today's are read again. A listing's
model is then read again only where the listing describes the revision stored (its sha):
an older page must not undo what a newer, current one stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson
from rich.markup import escape
from sqlalchemy import delete, func, true
from sqlmodel import Session, select

from ingest.observe import judge_entry
from ingest.sources import SourcesError, load_sources
from normalize.draft import DRAFT_FIELD
from normalize.versions import HUB_DOCUMENT_KINDS, PRICE_DOCUMENT_KINDS, document_ruleset
from spiders.openrouter import catalog_format, models_of
from store import prices
from store.batch import apply_page, stored_shas
from store.db import get_engine, upgrade
from store.documents import document_body, mark_normalized
from store.models import Candidate, Document, FeedEntry, Observation
from store.resolve import refresh_candidates

BATCH = 1000


@dataclass(slots=True)
class _Config:
    roles: dict[str, str] = field(default_factory=dict)  # Hub source → original|derivative
    feed_orgs: dict[str, str | None] = field(default_factory=dict)  # feed/pages source → org
    derivative_orgs: frozenset[str] = frozenset()
    price_formats: dict[str, str | None] = field(default_factory=dict)  # pricing source → format


def _config() -> _Config:
    try:
        sources = load_sources().sources
    except SourcesError:
        return _Config()
    return _Config(
        roles={s.name: s.role for s in sources if s.kind == "hub"},
        feed_orgs={s.name: s.org for s in sources if s.kind in ("feed", "pages")},
        derivative_orgs=frozenset(
            s.org for s in sources if s.kind == "hub" and s.role == "derivative" and s.org
        ),
        price_formats={s.name: s.format for s in sources if s.kind == "pricing"},
    )


def _entries(doc: Document) -> list[dict]:
    """The models of a listing page, or the one model of an info document."""
    data = orjson.loads(document_body(doc) or b"null")
    if doc.kind == "hf_model_info":
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON array of models, got {type(data).__name__}")
    return [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]


def _cards(session: Session, repo_ids: list[str]) -> dict[str, str]:
    cards = {}
    for doc in session.exec(
        select(Document).where(
            Document.kind == "hf_card", Document.repo_id.in_(repo_ids), Document.status == 200
        )
    ):
        body = document_body(doc)
        if body is not None:
            cards[doc.repo_id] = body.decode("utf-8", "replace")
    return cards


def _stale(column: Any, ruleset: str, stale: bool) -> Any:
    """The condition that a row was read with another ruleset (true when not `stale`)."""
    return (column.is_(None) | (column != ruleset)) if stale else true()


def _documents(
    session: Session, roles: dict[str, str], stale: bool = False
) -> Iterator[tuple[int, str, str]]:
    """(id, source, url) of the Hub documents, originals' first, each group oldest first."""
    rows = session.exec(
        select(Document.id, Document.source, Document.url, Document.fetched_at).where(
            Document.kind.in_(HUB_DOCUMENT_KINDS),
            Document.status == 200,
            Document.error.is_(None),
            _stale(Document.normalized_with, document_ruleset("hub"), stale),
        )
    ).all()
    rows.sort(key=lambda r: (roles.get(r[1], "original") == "derivative", r[3], r[0]))
    for doc_id, source, url, _ in rows:
        yield doc_id, source, url


# What an entry's text was read into (`normalize.announcements`): dropped before the
# entry is judged again.
ENTRY_FIELDS = ("announcement", "license", "params", "pricing", DRAFT_FIELD)


def renormalize_all(
    progress: Any = None,
    advance: Callable[[int, int], None] | None = None,
    stale: bool = False,
) -> dict[str, int]:
    """Rebuild from every stored document (with `stale`: only from those read with an older
    ruleset); returns counts, `documents` of `stored` documents and entries read again.
    `progress.print` gets each error; `advance(done, total)` is called after each one."""
    engine = get_engine()
    upgrade(engine)
    config = _config()
    counts = {"models": 0, "entries": 0, "price_lists": 0, "errors": 0, "candidates": 0}

    with Session(engine) as session:
        counts["stored"] = _stored_count(session)
        # (where, counter, work) for each document or entry, in the order a crawl meets them.
        steps = [
            (url, None, partial(_renormalize_listing, doc_id=doc_id, source=source, url=url,
                                config=config, counts=counts, progress=progress, stale=stale))
            for doc_id, source, url in _documents(session, config.roles, stale)
        ] + [
            (where, "entries", partial(_renormalize_entry, entry_id=entry_id, config=config))
            for entry_id, where in _feed_entries(session, stale)
        ] + [
            (url, "price_lists", partial(_renormalize_prices, doc_id=doc_id, source=source,
                                         url=url, fmt=config.price_formats.get(source)))
            for doc_id, source, url in _price_lists(session, stale)
        ]  # fmt: skip
    counts["documents"] = len(steps)
    for done, (where, counter, work) in enumerate(steps, 1):
        with Session(engine) as session:
            try:
                work(session)
                session.commit()
                if counter:
                    counts[counter] += 1
            except Exception as exc:  # one bad document or entry fails alone
                counts["errors"] += 1
                if progress:
                    why = f"{type(exc).__name__}: {exc}"
                    progress.print(f"[red]{escape(where)}[/]: {escape(why)}")
        if advance:
            advance(done, len(steps))
    with Session(engine) as session:
        counts["candidates"] = session.exec(select(func.count(Candidate.id))).one()
    return counts


def _stored_count(session: Session) -> int:
    """How many documents and entries renormalize reads when it reads them all."""
    docs = session.exec(
        select(func.count(Document.id)).where(
            Document.kind.in_((*HUB_DOCUMENT_KINDS, *PRICE_DOCUMENT_KINDS)),
            Document.status == 200,
            Document.error.is_(None),
        )
    ).one()
    return docs + session.exec(select(func.count(FeedEntry.id))).one()


def _renormalize_listing(
    session: Session,
    doc_id: int,
    source: str,
    url: str,
    config: _Config,
    counts: dict,
    progress,
    stale: bool = False,
) -> None:
    entries = _entries(session.get(Document, doc_id))
    role = config.roles.get(source, "original")
    if stale:
        entries = _current_revisions(session, entries)
    for start in range(0, len(entries), BATCH):
        chunk = entries[start : start + BATCH]
        cards = _cards(session, [e["id"] for e in chunk]) if role != "derivative" else {}
        result = apply_page(session, chunk, source, role, url, force=True, cards=cards)
        counts["models"] += result.applied
        counts["errors"] += len(result.errors)
        for repo, reason in result.errors:
            if progress:
                progress.print(f"[red]{escape(f'{url}#{repo}')}[/]: {escape(reason)}")
    mark_normalized(session, doc_id, document_ruleset("hub"))


def _current_revisions(session: Session, entries: list[dict]) -> list[dict]:
    """The entries that describe the revision stored of their model (or a model not stored):
    another document, newer, stored the others' current revision."""
    shas = stored_shas(session, [e["id"] for e in entries])
    return [e for e in entries if shas.get(e["id"]) in (None, e.get("sha"))]


def _feed_entries(session: Session, stale: bool = False) -> list[tuple[int, str]]:
    """(id, where) of the stored feed and news-page entries, oldest first."""
    rows = session.exec(
        select(FeedEntry.id, FeedEntry.source, FeedEntry.entry_key, FeedEntry.published_at).where(
            _stale(FeedEntry.normalized_with, document_ruleset("entry"), stale)
        )
    ).all()
    rows.sort(key=lambda r: (r[3] is None, r[3] or 0, r[0]))
    return [(entry_id, f"{source} {key}") for entry_id, source, key, _ in rows]


def _renormalize_entry(session: Session, entry_id: int, config: _Config) -> None:
    item = session.get(FeedEntry, entry_id)
    url = item.page_url or item.link or item.entry_key
    before = set(
        session.exec(
            select(Observation.candidate_id).where(
                Observation.subject == url, Observation.field.in_(ENTRY_FIELDS)
            )
        ).all()
    )
    session.execute(
        delete(Observation).where(Observation.subject == url, Observation.field.in_(ENTRY_FIELDS))
    )
    actor = f"crawler:{item.source}"
    org = config.feed_orgs.get(item.source)
    now = set(judge_entry(session, item, org, actor, config.derivative_orgs))
    # Releases the entry no longer announces lose what it said.
    refresh_candidates(session, before - now, actor)


def _price_lists(session: Session, stale: bool = False) -> list[tuple[int, str, str]]:
    rows = session.exec(
        select(Document.id, Document.source, Document.url).where(
            Document.kind.in_(PRICE_DOCUMENT_KINDS),
            Document.status == 200,
            Document.error.is_(None),
            _stale(Document.normalized_with, document_ruleset("prices"), stale),
        )
    ).all()
    return sorted(rows, key=lambda r: r[0])


def _renormalize_prices(
    session: Session, doc_id: int, source: str, url: str, fmt: str | None = None
) -> None:
    body = document_body(session.get(Document, doc_id))
    payload = orjson.loads(body or b"null")
    # The source's format as configured; a source no longer configured, by the document's shape.
    models = models_of(payload, fmt or catalog_format(payload))
    joined = prices.save_prices(session, source, url, models)
    refresh_candidates(session, joined, f"crawler:{source}")
    mark_normalized(session, doc_id, document_ruleset("prices"))
