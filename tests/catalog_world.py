"""A store filled by a real crawl of the replay Hub and some price catalogs, optionally
served by uvicorn: the world the catalog, id-map and disagreement tests share.

The replay server serves `roots`; `sources.demo.toml` plus `extra` (their `[[pricing]]`
sources) is the sources file; the environment points `toolscout crawl` at both.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from fixtures.replay import ReplayServer
from ingest.crawl import crawl
from store.db import make_engine
from store.queue import set_status
from tests.conftest import FIXTURES, fresh_postgres_database
from tests.test_web_hardening import start
from web.config import EditorConfig

PASSWORD = "correct horse"


class CatalogWorld:
    def __init__(
        self,
        request,
        backend: str,
        tmp: Path,
        mp: pytest.MonkeyPatch,
        roots: Sequence[Path],
        extra: str,
    ) -> None:
        self.replay = ReplayServer([FIXTURES / "hub", *roots]).start()
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / 'store.db'}"
        else:
            self.url = fresh_postgres_database(request.getfixturevalue("pg_server"))
        sources = tmp / "sources.toml"
        sources.write_text((FIXTURES / "sources.demo.toml").read_text() + extra)
        mp.setenv("HF_ENDPOINT", self.replay.url)
        mp.setenv("TOOLSCOUT_SOURCES", str(sources))
        mp.setenv("DATABASE_URL", self.url)
        self.engine = make_engine(self.url)
        self.server = None

    def crawl_and_accept(self, sources: list[str], accepted: Sequence[str]) -> None:
        """Crawl `sources` (the outcome is kept) and accept these releases as an editor."""
        self.outcome = crawl(sources)
        with Session(self.engine) as s:
            for slug in accepted:
                set_status(s, slug, "accepted", "editor:test")
            s.commit()

    def serve(self) -> None:
        self.server, self.thread, self.base = start(self.engine, EditorConfig(password=PASSWORD))
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def close(self) -> None:
        if self.server is not None:
            self.http.close()
            self.server.should_exit = True
            self.thread.join(timeout=15)
        self.engine.dispose()
        self.replay.stop()
