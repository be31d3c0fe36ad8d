"""`toolscout demo` twice on one database gives the same store: the replay server keeps its
origin (TOOLSCOUT_DEMO_PORT, default 8765), so its URLs in stored documents, observations and
announcements are the same on the second run and nothing is stored twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from store.db import make_engine
from store.models import Candidate, Observation
from store.similar import similar_candidates
from tests.conftest import _free_port
from tests.test_cli_errors import toolscout

pytestmark = pytest.mark.crawl


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with Session(engine) as s:
        found = {
            "candidates": s.exec(select(func.count()).select_from(Candidate)).one()[0],
            "observations": s.exec(select(func.count()).select_from(Observation)).one()[0],
            "announcements": s.exec(
                select(func.count())
                .select_from(Observation)
                .where(Observation.field == "announcement")
            ).one()[0],
        }
    engine.dispose()
    return found


def first_run_shows_every_queue_feature(url: str) -> None:
    """A held-back release, the seeds' likely-duplicate pair, a few license conflicts and a
    research-only license, on the first run (fixtures/demo)."""
    engine = make_engine(url)
    with Session(engine) as s:
        by_slug = {c.slug: c for c in s.exec(select(Candidate)).scalars()}
        held = [c.slug for c in by_slug.values() if c.notable is False]
        assert held == ["kestrel-2"]
        meta, mirror = by_slug["codellama-4"], by_slug["code-llama-4"]
        assert meta.name == "CodeLlama 4 (70B & 400B)" and mirror.name == "Code Llama 4 70B"
        similar = {d["slug"]: d["score"] for d in similar_candidates(s, meta)}
        assert similar == {"code-llama-4": 1.0}
        conflicted = sorted(c.slug for c in by_slug.values() if c.conflicts)
        assert conflicted == ["code-llama-4", "codellama-4", "gemma-3n"]
        assert (meta.fields["license"] or {}).get("commercial_use") is False
    engine.dispose()


def test_demo_twice_gives_the_same_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {"DATABASE_URL": url, "TOOLSCOUT_DEMO_PORT": str(_free_port())}
    first = toolscout(["demo", "--once"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    before = counts(url)
    assert before["candidates"] >= 20 and before["announcements"] > 0
    first_run_shows_every_queue_feature(url)
    # it ends by saying how to open the editor pages on its data
    assert "Open the editor pages on this data:" in first.stderr
    assert f"DATABASE_URL={url} toolscout serve" in first.stderr
    assert "http://127.0.0.1:8000/queue" in first.stderr
    second = toolscout(["demo", "--once"], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert counts(url) == before


def test_demo_refuses_a_bad_port(tmp_path):
    result = toolscout(["demo", "--once"], {"TOOLSCOUT_DEMO_PORT": "http"}, tmp_path)
    assert result.returncode == 2
    assert "TOOLSCOUT_DEMO_PORT 'http' is not a port" in result.stderr
