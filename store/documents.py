"""Raw documents: the latest response per URL, compressed, written only when it changed."""

from __future__ import annotations

import hashlib
import zlib

from sqlalchemy import update
from sqlmodel import Session, select

from store.models import Document, SourceState, utcnow
from store.upsert import upsert

# A listing page of 1,000 models (0.9 MB of JSON) takes 17 ms at zlib's default level 6 and
# 7 ms at level 3, for 20% more bytes (135 KB against 112 KB): a backfill writes a thousand
# such pages, and reads them back only to renormalize.
ZLIB_LEVEL = 3
DOCUMENT_COLUMNS = (
    "source",
    "kind",
    "repo_id",
    "fetched_at",
    "status",
    "etag",
    "last_modified",
    "content_hash",
    "content_type",
    "size",
    "body",
    "error",
    "normalized_with",
)


def content_hash(body: bytes | None) -> str | None:
    return hashlib.sha256(body).hexdigest() if body is not None else None


def save_document(
    session: Session,
    *,
    url: str,
    source: str,
    kind: str,
    status: int,
    body: bytes | None,
    etag: str | None = None,
    last_modified: str | None = None,
    repo_id: str | None = None,
    content_type: str | None = None,
    error: str | None = None,
    normalized_with: str | None = None,
) -> None:
    """Store the latest response for `url`, unless its content is the one stored.
    `normalized_with`: the ruleset that reads it (normalize.versions.document_ruleset)."""
    digest = content_hash(body)
    if error:
        # An error and the same bytes must still replace an earlier good parse's record.
        digest = content_hash((digest or "").encode() + error.encode())
    row = {
        "url": url[:2048],
        "source": source,
        "kind": kind,
        "repo_id": repo_id,
        "fetched_at": utcnow(),
        "status": status,
        "etag": etag,
        "last_modified": last_modified,
        "content_hash": digest,
        "content_type": content_type,
        "size": len(body or b""),
        "body": zlib.compress(body, ZLIB_LEVEL) if body is not None else None,
        "error": error,
        "normalized_with": normalized_with,
    }
    upsert(
        session,
        Document.__table__,
        [row],
        key=("url",),
        update=DOCUMENT_COLUMNS,
        where_changed="content_hash",
    )


def document_body(doc: Document) -> bytes | None:
    return zlib.decompress(doc.body) if doc.body is not None else None


def documents_of_kind(session: Session, kind: str):
    return session.exec(select(Document).where(Document.kind == kind).order_by(Document.id))


def confirmed_validators(session: Session, sources: list[str], kinds: tuple[str, ...]) -> dict:
    """url -> (ETag, Last-Modified) of documents fetched before their source's last clean
    run ended. A validator stored by a run that then died or lost a page was never
    confirmed: a 304 on it would hide the pages behind it, so that URL is fetched whole."""
    rows = session.exec(
        select(Document.url, Document.etag, Document.last_modified)
        .join(SourceState, SourceState.source == Document.source)
        .where(
            Document.source.in_(sources),
            Document.kind.in_(kinds),
            Document.status == 200,
            Document.error.is_(None),
            Document.fetched_at <= SourceState.last_success_at,
            (Document.etag.is_not(None)) | (Document.last_modified.is_not(None)),
        )
    )
    return {url: (etag, lm) for url, etag, lm in rows.all()}


def mark_normalized(session: Session, doc_id: int, ruleset: str) -> None:
    """Record that the document's observations were read again with `ruleset`."""
    session.execute(
        update(Document.__table__)
        .where(Document.__table__.c.id == doc_id)
        .values(normalized_with=ruleset)
    )
