"""Crawl health and backoff (store.health) and `toolscout status [--json] [--check]`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from ingest.cli import app
from store import health, runs
from store.health import (
    BACKOFF_CAP_S,
    HEALTHY,
    NEVER_RUN,
    STALE,
    UNHEALTHY,
    assess,
    backoff_delay,
    jitter_unit,
)
from store.models import CrawlRun, SourceState

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = 3600.0


def run(
    minutes_ago: float,
    status: str = "ok",
    items: int = 5,
    errors: int = 0,
    took: float = 30.0,
    message: str | None = None,
    id: int | None = None,  # noqa: A002
) -> CrawlRun:
    started = NOW - timedelta(minutes=minutes_ago)
    return CrawlRun(
        id=id,
        source="hf:x",
        started_at=started,
        finished_at=None if status == "running" else started + timedelta(seconds=took),
        status=status,
        items=items,
        errors=errors,
        message=message or (None if status in ("ok", "running") else f"{status} because"),
    )


def history(*rows: CrawlRun) -> list[CrawlRun]:
    """Runs given oldest first, returned newest first with increasing ids (as queried)."""
    for i, r in enumerate(rows, 1):
        r.id = r.id or i
    return list(reversed(rows))


# -- backoff -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("interval", "failures", "u", "expected"),
    [
        (HOUR, 0, 0.5, 0.0),  # no failure, no backoff
        (HOUR, 1, 0.0, HOUR),  # the first failure waits one interval
        (HOUR, 2, 0.0, 2 * HOUR),  # then doubles
        (HOUR, 3, 0.0, 4 * HOUR),
        (HOUR, 5, 0.0, 16 * HOUR),
        (HOUR, 6, 0.0, BACKOFF_CAP_S),  # 32 h, capped at 24 h
        (HOUR, 1, 1.0, 1.25 * HOUR),  # jitter adds up to a quarter
        (HOUR, 2, 0.5, 2 * HOUR * 1.125),
        (HOUR, 500, 0.9, BACKOFF_CAP_S),  # no overflow on long outages
        (60.0, 3, 0.0, 240.0),
    ],
)
def test_backoff_delay(interval, failures, u, expected):
    assert backoff_delay(interval, failures, u) == pytest.approx(expected)


def test_jitter_is_stable_and_in_range():
    values = [jitter_unit("hf:google", i) for i in range(200)]
    assert all(0 <= v < 1 for v in values)
    assert len(set(values)) == 200
    assert jitter_unit("hf:google", 7) == jitter_unit("hf:google", 7)
    assert jitter_unit("hf:google", 7) != jitter_unit("hf:Qwen", 7)


# -- health ------------------------------------------------------------------------------
CASES = [
    # (name, runs oldest first, health, reason fragment, failures)
    ("never run", [], NEVER_RUN, None, 0),
    ("first run still going", [run(1, "running")], NEVER_RUN, "in progress", 0),
    ("clean run", [run(10)], HEALTHY, None, 0),
    ("quiet incremental run", [run(70, items=14), run(10, items=1)], HEALTHY, None, 0),
    ("last run failed", [run(70), run(10, "failed", items=0, errors=1)], UNHEALTHY, "failed", 1),
    ("last run killed", [run(70), run(10, "killed", items=0)], UNHEALTHY, "killed", 1),
    (
        "two failures in a row",
        [run(130), run(70, "failed", 0, 1), run(10, "failed", 0, 1)],
        UNHEALTHY,
        "last run failed",
        2,
    ),
    ("partial, few errors", [run(10, "partial", 10, 1)], HEALTHY, "partial: 1 error", 0),
    ("partial, error ratio over 0.5", [run(10, "partial", 2, 3)], UNHEALTHY, "error ratio 0.60", 0),
    ("error ratio exactly 0.5", [run(10, "partial", 2, 2)], HEALTHY, "partial", 0),
    (
        "three partial runs in a row",
        [run(130, "partial", 9, 1), run(70, "partial", 9, 1), run(10, "partial", 9, 1)],
        UNHEALTHY,
        "3 runs in a row with errors",
        0,
    ),
    (
        "zero items where it used to yield some",
        [run(130, items=12), run(70, items=3), run(10, items=0)],
        UNHEALTHY,
        "no items",
        0,
    ),
    ("zero items from the start", [run(70, items=0), run(10, items=0)], HEALTHY, None, 0),
    (
        "recovers on the first success",
        [run(190, "failed", 0, 2), run(130, "failed", 0, 2), run(70, "failed", 0, 1), run(10)],
        HEALTHY,
        None,
        0,
    ),
    ("no success for 3 intervals", [run(200)], STALE, "no successful run since", 0),
    (
        "a scheduler stop is not a failure",
        [run(70), run(10, "killed", message="interrupted: scheduler stopped")],
        HEALTHY,
        None,
        0,
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected", "reason", "failures"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_health(rows, expected, reason, failures):
    h = assess("hf:x", HOUR, history(*rows), None, NOW)
    assert h.health == expected, h.reason
    if reason is None:
        assert h.reason is None
    else:
        assert reason in h.reason
    assert h.failures == failures
    assert h.failing == (expected in (UNHEALTHY, STALE))


def test_next_run_follows_the_cadence_or_the_backoff():
    ok = history(run(10))
    assert assess("hf:x", HOUR, ok, now=NOW).next_run_at == ok[0].started_at + timedelta(hours=1)
    assert assess("hf:x", HOUR, [], now=NOW).next_run_at is None  # never run: now
    failed = history(run(130), run(70, "failed", 0, 1), run(10, "failed", 0, 1))
    h = assess("hf:x", HOUR, failed, now=NOW)
    delay = backoff_delay(HOUR, 2, jitter_unit("hf:x", failed[0].id))
    assert h.backoff_until == failed[0].finished_at + timedelta(seconds=delay)
    assert h.next_run_at == h.backoff_until
    assert 2 * HOUR <= delay <= 2.5 * HOUR
    # a run interrupted by a scheduler stop is due again at once
    cut = history(run(70), run(10, "killed", message="interrupted: scheduler stopped"))
    assert assess("hf:x", HOUR, cut, now=NOW).next_run_at <= NOW
    # a run still going: its start + interval
    going = history(run(70), run(1, "running"))
    assert assess("hf:x", HOUR, going, now=NOW).next_run_at == going[0].started_at + timedelta(
        hours=1
    )


def test_last_error_and_last_success():
    rows = history(run(130, "failed", 0, 1, message="boom"), run(70), run(10))
    state = SourceState(source="hf:x", last_success_at=NOW - timedelta(minutes=9))
    h = assess("hf:x", HOUR, rows, state, NOW)
    assert h.last_error[1] == "boom"
    assert h.last_success_at == state.last_success_at


# -- toolscout status --------------------------------------------------------------------
cli = CliRunner()
STATUS_KEYS = {
    "source",
    "kind",
    "configured",
    "interval_s",
    "interval_reason",
    "health",
    "reason",
    "stale",
    "consecutive_failures",
    "consecutive_error_runs",
    "backoff_until",
    "next_run_at",
    "next_check_at",
    "next_check_basis",
    "next_check_reason",
    "websub",
    "last_success_at",
    "last_run",
    "last_error",
}
LAST_RUN_KEYS = {
    "id",
    "status",
    "started_at",
    "finished_at",
    "duration_s",
    "requests",
    "not_modified",
    "bytes",
    "items",
    "new_candidates",
    "updated_candidates",
    "errors",
    "message",
}


@pytest.fixture
def store(monkeypatch, engine, db_url, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[hub]\ninterval = "1h"\norgs = ["google", "meta-llama", "Qwen"]\n')
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    return engine


def record(engine, source: str, status: str, items: int = 3, errors: int = 0, **counts) -> int:
    """A run as the crawl pipeline records it."""
    with Session(engine, expire_on_commit=False) as s:
        run_id = runs.start_run(s, source)
        for i in range(errors):
            runs.record_error(s, run_id, source, f"http://hub.test/{i}", "HTTP 500")
        message = None if status == "ok" else f"http://hub.test/0: HTTP 500 ({status})"
        runs.finish_run(s, run_id, {"items": items, "errors": errors, **counts}, status, message)
        if status == "ok":
            runs.save_success(s, source, run_id, "2026-01-01T00:00:00.000Z")
        else:
            runs.save_failure(s, source, run_id, message)
        s.commit()
    return run_id


def status(*args: str):
    return cli.invoke(app, ["status", *args])


def test_status_json_shape_and_verdicts(store):
    record(store, "hf:google", "ok", items=14, requests=25, not_modified=0)
    record(store, "hf:meta-llama", "failed", items=0, errors=1, requests=1)
    result = status("--json")
    assert result.exit_code == 0, result.output
    rows = {r["source"]: r for r in json.loads(result.stdout)}
    assert list(rows) == ["hf:google", "hf:meta-llama", "hf:Qwen"]  # sources.toml order
    for r in rows.values():
        assert set(r) == STATUS_KEYS
    google, meta, qwen = rows["hf:google"], rows["hf:meta-llama"], rows["hf:Qwen"]
    assert set(google["last_run"]) == LAST_RUN_KEYS
    assert google["health"] == "healthy" and google["reason"] is None
    assert google["last_run"]["status"] == "ok"
    assert google["last_run"]["requests"] == 25 and google["last_run"]["items"] == 14
    assert google["backoff_until"] is None
    started = datetime.fromisoformat(google["last_run"]["started_at"])
    assert datetime.fromisoformat(google["next_run_at"]) == started + timedelta(hours=1)
    assert meta["health"] == "unhealthy" and "last run failed" in meta["reason"]
    assert meta["consecutive_failures"] == 1
    assert meta["backoff_until"] == meta["next_run_at"]
    assert "HTTP 500" in meta["last_error"]["message"]
    assert qwen["health"] == "never run" and qwen["last_run"] is None
    assert qwen["next_run_at"] is None


def test_status_check_fails_while_broken_and_passes_after_recovery(store):
    result = status("--check")
    assert result.exit_code == 1, result.output  # a configured source that never ran fails
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == [
        "google",
        "meta-llama",
        "Qwen",
    ]
    assert "hf:Qwen: never run: configured but never ran" in result.stdout
    record(store, "hf:google", "ok")
    record(store, "hf:Qwen", "ok")
    record(store, "hf:meta-llama", "failed", items=0, errors=2)
    result = status("--check")
    assert result.exit_code == 1
    assert "hf:meta-llama: unhealthy" in result.stdout
    assert "hf:google" not in result.stdout
    record(store, "hf:meta-llama", "ok")
    result = status("--check")
    assert result.exit_code == 0, result.output
    assert "healthy" in result.stdout


def test_status_table_and_backoff(store):
    for _ in range(3):
        record(store, "hf:meta-llama", "failed", items=0, errors=1)
    record(store, "hf:google", "partial", items=10, errors=1)
    result = status()
    assert result.exit_code == 0, result.output
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "hf:" in line}
    assert "never run" in lines["hf:Qwen"]
    assert "unhealthy" in lines["hf:meta-llama"] and "backoff, 3 failed" in lines["hf:meta-llama"]
    assert "healthy" in lines["hf:google"] and "partial" in lines["hf:google"]
    rows = {r["source"]: r for r in json.loads(status("--json").stdout)}
    meta = rows["hf:meta-llama"]
    assert meta["consecutive_failures"] == 3 and "3 runs in a row" in meta["reason"]
    ended = datetime.fromisoformat(meta["last_run"]["finished_at"])
    wait = datetime.fromisoformat(meta["backoff_until"]) - ended
    assert timedelta(hours=4) <= wait <= timedelta(hours=5)


def test_runs_of_unknown_sources_do_not_alarm(store):
    for name in ("hf:google", "hf:meta-llama", "hf:Qwen"):
        record(store, name, "ok")
    record(store, "hf:retired", "failed", items=0, errors=1)
    rows = {r["source"]: r for r in json.loads(status("--json").stdout)}
    assert rows["hf:retired"]["configured"] is False
    assert status("--check").exit_code == 0


def test_mark_interrupted(engine):
    with Session(engine, expire_on_commit=False) as s:
        run_id = runs.start_run(s, "hf:x")
        assert health.mark_interrupted(s, [run_id], "scheduler stopped") == 1
        row = s.get(CrawlRun, run_id)
        assert row.status == "killed" and row.message.startswith("interrupted:")
        assert health.interrupted(row)
        assert health.source_health(s, "hf:x", HOUR).health == NEVER_RUN


def test_status_check_fails_on_a_run_that_never_closed(store):
    for name in ("hf:google", "hf:meta-llama", "hf:Qwen"):
        record(store, name, "ok")
    with Session(store, expire_on_commit=False) as s:
        # A crawl of another host whose process died: nobody here may close it.
        run_id = runs.start_run(s, "hf:Qwen")
        row = s.get(CrawlRun, run_id)
        row.host = "crawler-2.example"
        s.add(row)
        s.commit()
    assert status("--check").exit_code == 0  # still within the time a crawl may take
    with Session(store, expire_on_commit=False) as s:
        row = s.get(CrawlRun, run_id)
        row.started_at = row.started_at - timedelta(hours=2)
        s.add(row)
        s.commit()
    result = status("--check")
    assert result.exit_code == 1
    assert "hf:Qwen: unhealthy: last run (started" in result.stdout
    assert "never closed" in result.stdout


def test_a_first_run_that_never_closed_is_unhealthy():
    going = run(1, "running")
    going.started_at = NOW - timedelta(hours=3)
    h = assess("hf:x", HOUR, [going], None, NOW)
    assert h.health == "unhealthy" and "never closed" in h.reason
    assert assess("hf:x", HOUR, [going], None, NOW, run_limit_s=4 * HOUR).health == NEVER_RUN


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p.unlink(), "sources file not found"),
        (lambda p: p.write_text("[hub]\nogrs = ['google']\n"), "unknown key 'ogrs' in [hub]"),
        (lambda p: p.write_text("[hub\n"), "not valid TOML"),
    ],
)
def test_status_refuses_a_missing_or_broken_config(store, tmp_path, setup, message):
    setup(tmp_path / "sources.toml")
    for args in (["--check"], ["--json"], []):
        result = status(*args)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "healthy" not in result.output and "Traceback" not in result.output


def test_status_closes_this_hosts_abandoned_runs(store):
    """A crawl killed with its parent (kill -9 of both, a reboot) left its run `running`;
    `status` sees the process is gone and closes it as killed, so it neither shows as
    going nor waits for the never-closed limit. A run whose process is a live crawl, or
    that another host recorded, is left alone."""
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that is no longer a process
    for name in ("hf:google", "hf:meta-llama", "hf:Qwen"):
        record(store, name, "ok")
    with Session(store, expire_on_commit=False) as s:
        dead = runs.start_run(s, "hf:Qwen")
        other = runs.start_run(s, "hf:google")
        for run_id, pid, host in ((dead, gone.pid, runs.this_host()), (other, gone.pid, "b")):
            row = s.get(CrawlRun, run_id)
            row.pid, row.host = pid, host
            row.started_at = row.started_at - timedelta(seconds=1)
            s.add(row)
        s.commit()
    rows = {r["source"]: r for r in json.loads(status("--json").stdout)}
    qwen = rows["hf:Qwen"]
    assert qwen["last_run"]["status"] == "killed"
    assert qwen["last_run"]["message"].startswith(f"abandoned: crawl process {gone.pid} is gone")
    assert qwen["health"] == "unhealthy" and qwen["next_run_at"] is not None
    assert rows["hf:google"]["last_run"]["status"] == "running"  # another host's run
