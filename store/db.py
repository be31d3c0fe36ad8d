"""Engine and sessions: one place that knows how to reach the database.

`DATABASE_URL` picks the backend: the embedded SQLite file by default (WAL, a busy
timeout so a crawl and editors can write at once), PostgreSQL (`postgresql+psycopg://…`)
in production. The schema is owned by Alembic; `upgrade()` runs as a start-up step.
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

DEFAULT_URL = "sqlite:///./toolscout.db"
MIGRATIONS = Path(__file__).with_name("migrations")
# Set by `ingest.crawl.crawl()` for its child: the schema of this database is at head.
SCHEMA_READY_ENV = "TOOLSCOUT_SCHEMA_READY"
MIGRATION_LOCK = 0x7001_5C0D  # pg_advisory_xact_lock key: "toolscout migrations"


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
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn) -> str | None:
    """The database's revision (None when it has none, or several), read as Alembic
    stores it, without Alembic's migration runtime."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


@cache
def _head() -> str | None:
    # The migrations are files of this checkout: they do not change while a process runs.
    return _head_from_files() or _alembic_head()


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def _head_from_files() -> str | None:
    """The newest revision from the `revision = …` / `down_revision = …` lines of the
    migration files (what Alembic's revision map is built from), so that the check every
    command starts with does not import Alembic's script machinery (Mako, Pygments: a
    tenth of a second). None, and Alembic decides, when a file says anything else: a
    merge, a branch, a line this does not read."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found["revision"])
            parent = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not isinstance(parent, str | None):
            return None
        revisions.add(revision)
        parents.add(parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(DEFAULT_URL)).get_current_head()


def head_revision(url: str | None = None) -> str | None:
    return _head()


def schema_token(engine: Engine, head: str | None) -> str:
    """What `crawl()` hands its child once the schema is at `head`: the revision and the
    database it was checked on, so the token is worthless for any other database."""
    url = engine.url.render_as_string(hide_password=False)
    return f"{head} {hashlib.sha256(url.encode()).hexdigest()[:16]}"


def _checked_by_parent(engine: Engine) -> str | None:
    """The head revision, if the process that started this one checked this database."""
    token = os.environ.get(SCHEMA_READY_ENV, "")
    head = token.split(" ", 1)[0]
    return head if token and token == schema_token(engine, head) else None


def upgrade(engine: Engine | None = None) -> str | None:
    """Bring the schema to the newest migration; cheap when it already is, free in a crawl
    child whose parent has just done it.

    Processes that start at once on a new database (crawls on several hosts, a scheduler
    and the web server) take turns: the first migrates, the others find it done.
    """
    engine = engine or get_engine()
    checked = _checked_by_parent(engine)
    if checked is not None:
        return checked
    head = _head()
    if current_revision(engine) == head:
        return head
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    with _migration_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held to the end of this transaction, which holds the migration.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if _revision(conn) != head:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return head


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory lock and runs DDL outside transactions: processes on one file
    (always one machine) take turns on a lock file beside the system's temporary files."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    digest = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / f"toolscout-migrate-{digest}.lock"
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
