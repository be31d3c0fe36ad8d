"""The next check of a source (store.cadence), from stored histories: the cadence's
interval pushed back by the backoff after failed runs and by a server's Retry-After,
pulled in while push is unhealthy and relaxed while it works; each with why. Then a real
crawl answered 429/503 with Retry-After, whose run records it and whose `status` says it.
And the WebSub subscription's own clock (store.websub.next_action)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from ingest.cli import app
from store import health, websub
from store.cadence import (
    Bounds,
    Cadence,
    decide_next,
    hook_health,
    next_check,
    push_health,
    source_cadence,
    with_push,
)
from store.models import CrawlRun, HookDelivery, Variant, WebSubSubscription
from tests.conftest import FIXTURES

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MIN, HOUR, DAY = 60.0, 3600.0, 86400.0
FREQ = Cadence(HOUR, "7 entries in 7 days")


def ago(**kw) -> datetime:
    return NOW - timedelta(**kw)


def later(**kw) -> datetime:
    return NOW + timedelta(**kw)


# -- the rule, as a table ---------------------------------------------------------------------
DECIDE = [
    # (why, due, backoff (until, failures), retry-after, expected at, basis)
    ("the cadence alone", later(minutes=40), None, None, later(minutes=40), "frequency"),
    ("never run: now", None, None, None, None, "frequency"),
    ("a backoff", later(minutes=40), (later(hours=2), 2), None, later(hours=2), "backoff"),
    ("Retry-After past the due time", later(minutes=40), None, later(hours=3), later(hours=3), "retry-after"),
    ("Retry-After already over", later(minutes=40), None, ago(minutes=5), later(minutes=40), "frequency"),
    ("Retry-After beyond the backoff", None, (later(hours=1), 1), later(hours=5), later(hours=5), "retry-after"),
    ("a backoff beyond Retry-After", None, (later(hours=8), 4), later(hours=5), later(hours=8), "backoff"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "due", "backoff", "retry", "at", "basis"), DECIDE)
def test_decide_next(why, due, backoff, retry, at, basis):
    check = decide_next(FREQ, due, backoff, retry)
    assert (check.at, check.basis) == (at, basis), why
    assert check.reason


PUSH = [
    # (pace, push, interval, basis)
    (FREQ, websub.PushHealth(None), HOUR, "frequency"),
    (FREQ, websub.PushHealth(True, "WebSub lease until …"), DAY, "push"),
    (FREQ, websub.PushHealth(False, "WebSub failed: 403"), 5 * MIN, "push"),
    (Cadence(HOUR, "fixed", "fixed"), websub.PushHealth(False, "x"), HOUR, "fixed"),
    (Cadence(HOUR, "fixed", "fixed"), websub.PushHealth(True, "x"), HOUR, "fixed"),
]


@pytest.mark.parametrize(("pace", "push", "interval", "basis"), PUSH)
def test_push_pulls_in_or_relaxes_the_interval(pace, push, interval, basis):
    out = with_push(pace, push, Bounds())
    assert (out.interval_s, out.basis) == (interval, basis)
    if push.healthy is not None and basis == "push":
        assert push.why in out.reason


HOOKS = [
    # (last delivery, newest repo (id, created), healthy?)
    (None, ("google/a", ago(hours=1)), None),  # no webhook ever: no push
    (ago(days=8), ("google/a", ago(days=9)), None),  # silent for a week: not counted on
    (ago(hours=2), ("google/a", ago(hours=3)), True),  # delivered after the last repo
    (ago(hours=5), ("google/a", ago(hours=4, minutes=30)), True),  # within the grace
    (ago(hours=5), ("google/gemma-9", ago(hours=1)), False),  # polling found one it missed
    (ago(hours=2), None, True),
]


@pytest.mark.parametrize(("last", "newest", "healthy"), HOOKS)
def test_hub_webhook_health(last, newest, healthy):
    found = hook_health(last, newest, NOW)
    assert found.healthy is healthy
    if healthy is False:
        assert "silent" in found.why and newest[0] in found.why


# -- from stored histories --------------------------------------------------------------------
def run(source: str, status: str, started: datetime, minutes: float = 1, **kw) -> CrawlRun:
    return CrawlRun(
        source=source,
        status=status,
        started_at=started,
        finished_at=started + timedelta(minutes=minutes),
        **kw,
    )


HISTORIES = [
    # (why, runs oldest first, basis, expected next check)
    ("one clean run", [("ok", ago(minutes=20), {})], "frequency", later(minutes=40)),
    (
        "two failures in a row back off (interval x 2 plus jitter)",
        [("ok", ago(hours=3), {}), ("failed", ago(hours=2), {}), ("failed", ago(minutes=30), {})],
        "backoff",
        None,
    ),
    (
        "a 429 asked for three hours",
        [("partial", ago(minutes=10), {"retry_after_until": later(hours=3)})],
        "retry-after",
        later(hours=3),
    ),
    (
        "a Retry-After an older run got does not count",
        [
            ("partial", ago(hours=5), {"retry_after_until": later(hours=3)}),
            ("ok", ago(minutes=10), {}),
        ],
        "frequency",
        later(minutes=50),
    ),
    (
        "a failed run told to wait longer than its backoff",
        [("failed", ago(minutes=10), {"retry_after_until": later(hours=6)})],
        "retry-after",
        later(hours=6),
    ),
]


@pytest.mark.parametrize(("why", "history", "basis", "at"), HISTORIES)
def test_next_check_from_stored_runs(engine, why, history, basis, at):
    with Session(engine) as s:
        for status, started, extra in history:
            s.add(run("feed:lab", status, started, **extra))
        s.commit()
        check = next_check(s, "feed:lab", FREQ, NOW)
        runs = health.recent_runs(s, "feed:lab")
    assert check.basis == basis, (why, check)
    if at is not None:
        assert abs((check.at - at).total_seconds()) < 90, (why, check)
    else:  # the backoff is store.health's: the same time it computes
        assert check.at == health.backoff_until("feed:lab", HOUR, runs)


def test_push_health_from_the_store(engine):
    bounds = Bounds()
    with Session(engine) as s:
        s.add(
            Variant(
                repo_id="google/gemma-9", source="hf:google", org="google", created_at=ago(hours=1)
            )
        )
        s.add(
            HookDelivery(
                digest="d" * 64,
                received_at=ago(hours=6),
                scope="repo",
                action="create",
                repo="google/gemma-8",
                org="google",
            )
        )
        s.add(
            WebSubSubscription(
                source="feed:lab",
                topic="https://lab.example/feed.xml",
                hub="https://hub.example/",
                token="t" * 43,
                secret="s" * 64,
                state="active",
                verified_at=ago(hours=1),
                lease_seconds=86400,
                lease_expires_at=later(hours=23),
            )
        )
        s.commit()
        google = source_cadence(s, "hf:google", "hub", "google", HOUR, True, bounds, NOW)
        lab = source_cadence(s, "feed:lab", "feed", None, HOUR, True, bounds, NOW)
        other = push_health(s, "hf:meta-llama", "hub", "meta-llama", NOW)
    assert google.interval_s == bounds.min_s and "Hub webhook silent" in google.reason
    assert lab.interval_s == bounds.max_s and "lease until" in lab.reason
    assert other.healthy is None


# -- the subscription's clock ----------------------------------------------------------------
def sub(**kw) -> WebSubSubscription:
    base = {"source": "feed:lab", "topic": "t", "hub": "h", "token": "x", "secret": "y"}
    return WebSubSubscription(**(base | kw))


ACTIVE = {"state": "active", "verified_at": ago(days=8), "lease_seconds": 10 * 86400}
ACTIONS = [
    # (why, row, action)
    ("new", sub(), "subscribe"),
    ("waiting for the hub", sub(state="requested", requested_at=ago(seconds=30)), None),
    ("the hub never verified", sub(state="requested", requested_at=ago(minutes=6)), "timeout"),
    ("a lease at 30%", sub(**{**ACTIVE, "verified_at": ago(days=3), "lease_expires_at": later(days=7)}), None),
    ("a lease at 80%", sub(**ACTIVE, lease_expires_at=later(days=2)), "renew"),
    ("a renewal waiting", sub(**ACTIVE, lease_expires_at=later(days=2), requested_at=ago(seconds=5)), None),
    ("a renewal that failed just now", sub(**ACTIVE, lease_expires_at=later(days=2), failures=1, failed_at=ago(minutes=1)), None),
    ("a renewal that failed long ago", sub(**ACTIVE, lease_expires_at=later(days=2), failures=1, failed_at=ago(hours=1)), "renew"),
    ("a lease gone", sub(**ACTIVE, lease_expires_at=ago(seconds=1)), "expire"),
    ("expired", sub(state="expired"), "subscribe"),
    ("failed just now", sub(state="failed", failures=1, failed_at=ago(minutes=5)), None),
    ("failed, retried after 15 min", sub(state="failed", failures=1, failed_at=ago(minutes=16)), "subscribe"),
    ("failed 3 times: an hour", sub(state="failed", failures=3, failed_at=ago(minutes=50)), None),
]  # fmt: skip


@pytest.mark.parametrize(("why", "row", "action"), ACTIONS)
def test_next_action(why, row, action):
    found = websub.next_action(row, NOW)
    assert (found.kind if found else None) == action, why


def test_status_shows_retry_after_from_a_real_crawl(crawl_env, engine, tmp_path, monkeypatch):
    """A 503 with Retry-After from the replay server: the run records it, and `status`
    shows the next check pushed back and why."""
    replay = crawl_env
    replay.set_roots([FIXTURES / "hub", FIXTURES / "web"])
    from ingest.sources import load_sources

    feed = next(s for s in load_sources().sources if s.kind == "feed")
    path = feed.url.split(replay.url, 1)[1]
    replay.add_faults([{"fault": "503", "match": path, "retry_after": 7200, "times": -1}])
    from ingest.crawl import crawl

    outcome = crawl([feed.name])
    (recorded,) = outcome.runs
    assert recorded.retry_after_until is not None
    result = CliRunner().invoke(app, ["status", "--json"])
    row = next(r for r in json.loads(result.stdout) if r["source"] == feed.name)
    assert row["next_check_basis"] == "retry-after", row
    assert "asked to wait until" in row["next_check_reason"]
