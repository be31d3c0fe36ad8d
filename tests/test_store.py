"""Store tests, on SQLite and on the real PostgreSQL server the session starts."""

import zlib

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from store.db import current_revision, head_revision, upgrade
from store.documents import save_document
from store.models import Candidate, Document, Event
from store.queue import QueueError, list_candidates, set_status


def test_upgrade_is_idempotent(engine, db_url):
    assert current_revision(engine) == head_revision(db_url)
    assert upgrade(engine) == head_revision(db_url)


def test_migrations_build_the_schema_the_models_declare(engine):
    # A column or index added to store/models.py without its migration (or the reverse)
    # shows up here, not in a production database half a release later.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def _doc(session, body, **kw):
    save_document(
        session,
        url="http://x/api/models/a/b",
        source="hf:a",
        kind="hf_model_info",
        status=200,
        body=body,
        **kw,
    )
    session.commit()


def test_document_upsert_keeps_one_row_and_writes_only_on_change(engine):
    with Session(engine) as s:
        _doc(s, b'{"id": "a/b"}', etag='"1"')
        first = s.exec(select(Document)).one()
        fetched = first.fetched_at
        _doc(s, b'{"id": "a/b"}', etag='"1"')  # same bytes: no write at all
        s.expire_all()
        again = s.exec(select(Document)).one()
        assert again.fetched_at == fetched
        _doc(s, b'{"id": "a/b", "sha": "2"}', etag='"2"')
        s.expire_all()
        rows = s.exec(select(Document)).all()
    assert len(rows) == 1
    assert rows[0].etag == '"2"'
    assert zlib.decompress(rows[0].body) == b'{"id": "a/b", "sha": "2"}'


def test_document_error_replaces_good_record_without_losing_url(engine):
    with Session(engine) as s:
        _doc(s, b'{"id": "a/b"}')
        _doc(s, b'{"id": "a/', error="invalid JSON")
        s.expire_all()
        row = s.exec(select(Document)).one()
    assert row.error == "invalid JSON"


def _candidate(session, slug, org="google"):
    session.add(Candidate(slug=slug, name=slug, org=org, family=slug, family_key=slug))
    session.commit()


def test_editor_decisions_and_history(engine):
    with Session(engine) as s:
        _candidate(s, "gemma-3")
        _candidate(s, "gemma-3-copy")
        set_status(s, "gemma-3", "accepted", "editor:ann")
        set_status(s, "gemma-3-copy", "duplicate", "editor:ann", duplicate_of="gemma-3")
        s.commit()
        assert [c.slug for c in list_candidates(s, "accepted")] == ["gemma-3"]
        dup = s.exec(select(Candidate).where(Candidate.slug == "gemma-3-copy")).one()
        original = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
        assert dup.duplicate_of == original.id
        assert s.exec(select(func.count()).select_from(Event)).one() == 2


@pytest.mark.parametrize(
    ("slug", "status", "kwargs", "message"),
    [
        ("nope", "accepted", {}, "no candidate with slug 'nope'"),
        ("gemma-3", "published", {}, "unknown status"),
        ("gemma-3", "duplicate", {}, "slug of the candidate it duplicates"),
        ("gemma-3", "duplicate", {"duplicate_of": "gemma-3"}, "cannot duplicate itself"),
    ],
)
def test_bad_editor_actions_say_why(engine, slug, status, kwargs, message):
    with Session(engine) as s:
        _candidate(s, "gemma-3")
        with pytest.raises(QueueError, match=message):
            set_status(s, slug, status, "editor:ann", **kwargs)
