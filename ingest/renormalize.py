"""`toolscout renormalize`: rebuild what was read from the documents already stored.

An improved extractor reaches every record at once, with no request to any source.
Editor decisions and overrides live on the candidate rows and are left as they are.

What a Hub model is built from: its entry in the newest listing page that holds it, or a
model info document (`/api/models/{id}`, fetched for the card backlog) when that is newer,
plus its README when one was fetched. Pages are applied oldest first, each as one batch
(`store.batch.apply_page`), originals before derivatives so derivatives find their base.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlmodel import Session, select

from ingest.sources import SourcesError, load_sources
from store.batch import apply_page
from store.db import get_engine, upgrade
from store.documents import document_body
from store.models import Candidate, Document

BATCH = 1000


def _roles() -> dict[str, str]:
    try:
        return {s.name: s.role for s in load_sources().sources}
    except SourcesError:
        return {}


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


def _documents(session: Session, roles: dict[str, str]) -> Iterator[tuple[int, str, str]]:
    """(id, source, url) of the Hub documents, originals' first, each group oldest first."""
    rows = session.exec(
        select(Document.id, Document.source, Document.url, Document.fetched_at).where(
            Document.kind.in_(("hf_listing", "hf_model_info")),
            Document.status == 200,
            Document.error.is_(None),
        )
    ).all()
    rows.sort(key=lambda r: (roles.get(r[1], "original") == "derivative", r[3], r[0]))
    for doc_id, source, url, _ in rows:
        yield doc_id, source, url


def renormalize_all(progress: Any = None) -> dict[str, int]:
    engine = get_engine()
    upgrade(engine)
    roles = _roles()
    counts = {"models": 0, "errors": 0, "candidates": 0}
    with Session(engine) as session:
        documents = list(_documents(session, roles))
    for doc_id, source, url in documents:
        with Session(engine) as session:
            try:
                entries = _entries(session.get(Document, doc_id))
                role = roles.get(source, "original")
                for start in range(0, len(entries), BATCH):
                    chunk = entries[start : start + BATCH]
                    cards = (
                        _cards(session, [e["id"] for e in chunk]) if role != "derivative" else {}
                    )
                    result = apply_page(session, chunk, source, role, url, force=True, cards=cards)
                    counts["models"] += result.applied
                    counts["errors"] += len(result.errors)
                    for repo, reason in result.errors:
                        if progress:
                            progress.print(f"[red]{url}#{repo}[/]: {reason}")
                session.commit()
            except Exception as exc:  # one bad document fails alone
                counts["errors"] += 1
                if progress:
                    progress.print(f"[red]{url}[/]: {type(exc).__name__}: {exc}")
    with Session(engine) as session:
        counts["candidates"] = len(list(session.exec(select(Candidate.id))))
    return counts
