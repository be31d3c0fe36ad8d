"""Shared test fixtures: a real PostgreSQL server, fresh databases, the replay server.

The PostgreSQL server is started by the test session itself in a temporary directory, on
a free loopback port, so a run never depends on a server that happens to be running.
initdb refuses to run as root, so as root it runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bindir() -> Path:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries not found: run `make postgres` (or make test)")


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server started for this test session."""
    bindir = _pg_bindir()
    tmp = Path(tempfile.mkdtemp(prefix="toolscout-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    data = tmp / "data"
    subprocess.run(
        _as_pg_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
        check=True,
        capture_output=True,
    )
    # The whole suite shares this server: crawl children, web apps and their pools each
    # hold connections, more than the default 100 at the busiest moments.
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400"
    subprocess.run(
        _as_pg_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(tmp / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_pg_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(tmp, ignore_errors=True)


def fresh_postgres_database(server_url: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database on each backend; the store tests run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return fresh_postgres_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def engine(db_url):
    from store.db import make_engine, upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def replay():
    """The replay server on the bundled Hub fixtures, fresh for each test."""
    from fixtures.replay import ReplayServer

    server = ReplayServer([FIXTURES / "hub"]).start()
    yield server
    server.stop()


@pytest.fixture
def crawl_env(monkeypatch, replay, db_url):
    """Environment of a real crawl: the replay server as the Hub, a fresh database."""
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(FIXTURES / "sources.demo.toml"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    return replay
