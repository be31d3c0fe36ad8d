"""Adaptive polling (store.cadence): intervals from what a source showed, on both backends;
sources.toml deciding fixed or adaptive; `status` saying each source's interval and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from ingest.cli import app
from ingest.sources import SourcesError, load_sources
from store.cadence import Bounds, cadence, interval_for
from store.models import FeedEntry, Variant

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MIN, HOUR, DAY = 60.0, 3600.0, 86400.0


@pytest.mark.parametrize(
    ("per_week", "bounds", "expected_s"),
    [
        (0, Bounds(), DAY),  # nothing shown: the longest interval
        (1, Bounds(), 7 * HOUR),
        (5, Bounds(), 84 * MIN),
        (7, Bounds(), HOUR),  # one a day: as often as fixed hourly polling, no more
        (20, Bounds(), 21 * MIN),
        (1000, Bounds(), 5 * MIN),  # clamped to the shortest
        (1, Bounds(max_s=6 * HOUR), 6 * HOUR),
        (20, Bounds(factor=1.0), 8.4 * HOUR),  # Miniflux's own factor
    ],
)
def test_interval_for(per_week, bounds, expected_s):
    assert interval_for(per_week, bounds) == pytest.approx(expected_s)


def add_repos(session, org: str, days_ago: list[float]) -> None:
    for i, ago in enumerate(days_ago):
        session.add(
            Variant(
                repo_id=f"{org}/model-{i}",
                source=f"hf:{org}",
                org=org,
                created_at=NOW - timedelta(days=ago),
            )
        )
    session.commit()


def add_entries(session, source: str, days_ago: list[float | None]) -> None:
    for i, ago in enumerate(days_ago):
        published = None if ago is None else NOW - timedelta(days=ago)
        session.add(FeedEntry(source=source, entry_key=f"e{i}", published_at=published))
    session.commit()


def test_cadence_reads_the_last_week_of_each_source(engine):
    with Session(engine) as s:
        add_repos(s, "google", [0.5, 1, 2, 3, 4, 5, 6, 6.5, 8, 30])  # 8 this week
        add_repos(s, "quiet-lab", [40, 90])
        add_entries(s, "feed:blog", [0.1, 2, None, 9])  # undated entries do not count

        def pace(name, kind, org=None, adaptive=True):
            return cadence(s, name, kind, org, HOUR, adaptive, Bounds(), NOW)

        google = pace("hf:google", "hub", "google")
        assert google.interval_s == pytest.approx(interval_for(8, Bounds()))
        assert google.reason == "8 new repos in 7 days"
        quiet = pace("hf:quiet-lab", "hub", "quiet-lab")
        assert quiet.interval_s == DAY and "no new repos" in quiet.reason
        assert pace("feed:blog", "feed").reason == "2 entries in 7 days"
        fixed = pace("hf:google", "hub", "google", adaptive=False)
        assert (fixed.interval_s, fixed.reason) == (HOUR, "fixed by interval in sources.toml")
        prices = pace("pricing:openrouter", "pricing")
        assert prices.interval_s == HOUR and "state no dates" in prices.reason


def write(tmp_path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_sources_without_an_interval_are_adaptive(tmp_path):
    path = write(
        tmp_path,
        '[hub]\norgs = ["google"]\n[[feeds]]\nname = "a"\nurl = "https://a.example/f.xml"\n'
        '[[feeds]]\nname = "b"\nurl = "https://b.example/f.xml"\ninterval = "6h"\n'
        '[schedule]\nmin_interval = "10m"\nmax_interval = "12h"\nfactor = 12\n',
    )
    config = load_sources(path)
    by_name = {s.name: s for s in config.sources}
    assert by_name["hf:google"].adaptive and by_name["feed:a"].adaptive
    assert not by_name["feed:b"].adaptive and by_name["feed:b"].interval_s == 6 * HOUR
    assert config.cadence == (600.0, 43200.0, 12.0)
    fixed = load_sources(write(tmp_path, '[hub]\ninterval = "1h"\norgs = ["google"]\n'))
    assert not fixed.sources[0].adaptive and fixed.sources[0].interval_s == HOUR


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ('min_interval = "2h"\nmax_interval = "1h"', "min_interval is longer than max_interval"),
        ("factor = 0", "factor"),
        ('max_intreval = "1h"', "did you mean 'max_interval'"),
    ],
)
def test_a_bad_schedule_section_is_refused(tmp_path, schedule, message):
    with pytest.raises(SourcesError, match=message):
        load_sources(write(tmp_path, f'[hub]\norgs = ["google"]\n[schedule]\n{schedule}\n'))


def test_status_shows_each_sources_interval_and_why(engine, db_url, tmp_path, monkeypatch):
    path = write(
        tmp_path, '[hub]\norgs = ["google", "meta-llama"]\n[[pricing]]\nname = "or"\n'
        'url = "https://openrouter.ai/api/v1/models"\ninterval = "6h"\n',
    )  # fmt: skip
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(path))
    monkeypatch.setenv("DATABASE_URL", db_url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        for i in range(14):
            s.add(
                Variant(
                    repo_id=f"google/m{i}",
                    source="hf:google",
                    org="google",
                    created_at=now - timedelta(hours=10 * i + 1),
                )
            )
        s.commit()
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["source"]: r for r in json.loads(result.stdout)}
    assert rows["hf:google"]["interval_s"] == pytest.approx(interval_for(14, Bounds()))
    assert rows["hf:google"]["interval_reason"] == "14 new repos in 7 days"
    assert rows["hf:meta-llama"]["interval_s"] == DAY
    assert rows["pricing:or"]["interval_reason"] == "fixed by interval in sources.toml"
    table = CliRunner().invoke(app, ["status"], env={"COLUMNS": "300"})
    line = next(x for x in table.stdout.splitlines() if "hf:google" in x)
    assert "every 30m" in line, table.stdout


def test_the_scheduler_runs_each_source_at_its_cadence(engine, db_url, tmp_path, monkeypatch):
    from ingest.schedule import Scheduler

    path = write(tmp_path, '[hub]\norgs = ["google", "meta-llama"]\n[schedule]\nfactor = 24\n')
    monkeypatch.setenv("DATABASE_URL", db_url)
    now = datetime.now(UTC)
    with Session(engine) as s:
        for i in range(20):
            s.add(Variant(repo_id=f"google/r{i}", source="hf:google", org="google",
                          created_at=now - timedelta(hours=8 * i + 1)))  # fmt: skip
        s.commit()
    config = load_sources(path)
    adaptive = Scheduler(list(config.sources), bounds=Bounds(*config.cadence))
    adaptive.add_jobs()
    seconds = {
        name: adaptive.scheduler.get_job(name).trigger.interval.total_seconds()
        for name in ("hf:google", "hf:meta-llama")
    }
    assert seconds == {"hf:google": pytest.approx(21 * MIN), "hf:meta-llama": DAY}
    fixed = Scheduler(list(config.sources), interval_s=HOUR)  # --interval
    fixed.add_jobs()
    assert fixed.scheduler.get_job("hf:google").trigger.interval.total_seconds() == HOUR
