"""Engine and sessions: one place that knows how to reach the database.

`DATABASE_URL` picks the backend: the embedded SQLite file by default (WAL, a busy
timeout so a crawl and editors can write at once), PostgreSQL (`postgresql+psycopg://…`)
in production. The schema is owned by Alembic; `upgrade()` runs as a start-up step.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

DEFAULT_URL = "sqlite:///./toolscout.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets editors read while a crawl writes; the busy timeout makes concurrent writers
    # wait for the lock instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # 64 MB of page cache instead of SQLite's 2 MB: a backfill inserts into indexes of a
    # million rows (repo_id, base_model, candidate_id) at random places.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@cache
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(database_url())


def session(engine: Engine | None = None) -> Session:
    return Session(engine or get_engine(), expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(engine: Engine | None = None) -> str | None:
    """Bring the schema to the newest migration; cheap when it already is."""
    from alembic import command

    engine = engine or get_engine()
    url = engine.url.render_as_string(hide_password=False)
    head = head_revision(url)
    if current_revision(engine) == head:
        return head
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return head
