"""Hub webhooks, end to end: deliveries in the Hub's payload format posted over real HTTP
to `/hooks/huggingface`, what the store keeps of them, and the scheduler turning settled
deliveries into one crawl of the org through its own job and run records.

The payloads follow the Hub's documented shape (`event.action`/`event.scope`, `repo.type`,
`repo.name`, `repo.headSha`, `updatedRefs`, `webhook.id`); ids and shas are made up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from ingest.schedule import PUSH_MAX_WAIT_S, PUSH_MIN_GAP_S, PUSH_QUIET_S, Scheduler
from ingest.sources import load_sources
from store import hooks
from store.models import CrawlRun, HookDelivery, Variant, utcnow
from tests.conftest import FIXTURES, _free_port
from tests.test_web_hardening import start as start_web
from web.config import ConfigError, EditorConfig, config_from_env

SECRET = "4f1c0e2b9d8a7c6b5e4d3c2b1a0f9e8d"


def payload(
    name: str = "google/gemma-4-12b",
    scope: str = "repo",
    action: str = "create",
    kind: str = "model",
    sha: str = "575db8b7a51b6f85eb06eee540738584589f131c",
) -> dict:
    org = name.split("/")[0]
    return {
        "event": {"action": action, "scope": scope},
        "repo": {
            "type": kind,
            "name": name,
            "id": "6366c000a2abcdf2fd69a080",
            "private": False,
            "url": {
                "web": f"https://huggingface.co/{name}",
                "api": f"https://huggingface.co/api/models/{name}",
            },
            "headSha": sha,
            "tags": ["license:gemma", "safetensors"],
            "owner": {"id": f"owner-of-{org}"},
        },
        "updatedRefs": [{"ref": "refs/heads/main", "oldSha": None, "newSha": sha}],
        "webhook": {"id": "6390e855e30d9209411de93b", "version": 3},
    }


def deliveries(engine) -> list[HookDelivery]:
    with Session(engine) as s:
        return list(s.exec(select(HookDelivery).order_by(HookDelivery.id)))


@pytest.fixture
def hub_hooks(engine):
    """The web app with webhooks on, behind uvicorn; yields its base URL."""
    server, thread, base = start_web(engine, EditorConfig(hf_webhook_secret=SECRET))
    yield base
    server.should_exit = True
    thread.join(timeout=15)


def post(base: str, body: bytes | dict, secret: str | None = SECRET, query: str = ""):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-webhook-secret"] = secret
    # httpx's 5 s default is short on a shared CI machine while a crawl the hook started
    # writes to the same SQLite file; what is tested is the answer, not its latency.
    url = f"{base}/hooks/huggingface{query}"
    return httpx.post(url, content=data, headers=headers, timeout=30)


# -- the route ----------------------------------------------------------------------------
REFUSED = [
    # (why, body, secret, query, status)
    ("no secret", payload(), None, "", 401),
    ("wrong secret", payload(), "x" * len(SECRET), "", 401),
    ("secret one character short", payload(), SECRET[:-1], "", 401),
    ("wrong secret in the query", payload(), None, "?secret=nope", 401),
    ("not JSON", b"event=repo", SECRET, "", 400),
    ("JSON nested past the parser", b"[" * 100_000, SECRET, "", 400),
    ("no repo", {"event": {"action": "create", "scope": "repo"}}, SECRET, "", 422),
    ("a path for a repo name", payload(name="../../etc/passwd"), SECRET, "", 422),
    ("a URL for a repo name", payload(name="http://10.0.0.1/x"), SECRET, "", 422),
    ("a non-hex sha", payload(sha="main; rm -rf /"), SECRET, "", 422),
    ("a body over the limit", b" " * 300_000 + b"{}", SECRET, "", 413),
]


@pytest.mark.parametrize(("why", "body", "secret", "query", "status"), REFUSED)
def test_refused_deliveries_store_nothing(hub_hooks, engine, why, body, secret, query, status):
    answer = post(hub_hooks, body, secret, query)
    assert answer.status_code == status, (why, answer.text)
    assert answer.json()["detail"]
    assert deliveries(engine) == []


ACCEPTED = [
    # (why, payload, answer status, stored status)
    ("a new model repo", payload(), "queued", "pending"),
    ("new commits", payload(scope="repo.content", action="update"), "queued", "pending"),
    (
        "a narrower content scope",
        payload(scope="repo.content.lfs", action="x"),
        "queued",
        "pending",
    ),
    ("a renamed repo", payload(action="move"), "queued", "pending"),
    ("a deleted repo", payload(action="delete"), "ignored", "ignored"),
    ("a dataset", payload(kind="dataset"), "ignored", "ignored"),
    ("a discussion", payload(scope="discussion"), "ignored", "ignored"),
    ("a settings change", payload(scope="repo.config", action="update"), "ignored", "ignored"),
]


@pytest.mark.parametrize(("why", "body", "answer_status", "stored"), ACCEPTED)
def test_each_delivery_is_recorded_with_what_it_asks(
    hub_hooks, engine, why, body, answer_status, stored
):
    answer = post(hub_hooks, body)
    assert answer.status_code == (202 if answer_status == "queued" else 200), answer.text
    assert answer.json()["status"] == answer_status, why
    (row,) = deliveries(engine)
    assert (row.status, row.repo, row.org, row.scope) == (
        stored,
        body["repo"]["name"],
        "google",
        body["event"]["scope"],
    )
    assert (row.note is None) == (stored == "pending")


def test_a_replayed_delivery_is_stored_once(hub_hooks, engine):
    body = json.dumps(payload()).encode()
    assert post(hub_hooks, body).json()["status"] == "queued"
    assert post(hub_hooks, body).json()["status"] == "duplicate"  # the Hub's Replay button
    assert post(hub_hooks, body, None, f"?secret={SECRET}").json()["status"] == "duplicate"
    assert len(deliveries(engine)) == 1
    other = payload(sha="ce9a4674fa833a68d5a73ec355f0ea95eedd60b7")  # a later commit
    assert post(hub_hooks, other).json()["status"] == "queued"
    assert len(deliveries(engine)) == 2


def test_without_a_secret_the_route_is_off(engine):
    server, thread, base = start_web(engine, EditorConfig())
    try:
        answer = post(base, payload())
        assert answer.status_code == 404
        assert "TOOLSCOUT_HF_WEBHOOK_SECRET" in answer.json()["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert deliveries(engine) == []


@pytest.mark.parametrize("value", ["short", "non-ascii-secret-é-1234567890"])
def test_an_unusable_secret_is_a_config_error(value):
    with pytest.raises(ConfigError, match="TOOLSCOUT_HF_WEBHOOK_SECRET"):
        config_from_env({"TOOLSCOUT_HF_WEBHOOK_SECRET": value})


# -- debouncing, in the store's clock -----------------------------------------------------
def add(session, org: str, repo: str, seconds_ago: float, now, n: int = 0) -> None:
    hooks.record_delivery(
        session,
        HookDelivery(
            digest=f"{org}-{repo}-{seconds_ago}-{n}".ljust(64, "0")[:64],
            received_at=now - timedelta(seconds=seconds_ago),
            scope="repo",
            action="create",
            repo=f"{org}/{repo}",
            org=org,
        ),
    )


DEBOUNCE = [
    # (deliveries' ages in seconds, due?)
    ([1.0], False),  # still arriving
    ([PUSH_QUIET_S + 1], True),  # settled
    ([PUSH_QUIET_S + 1, 2.0], False),  # a new one restarts the quiet period
    ([PUSH_MAX_WAIT_S + 1, 2.0, 1.0], True),  # a steady stream is crawled anyway
]


@pytest.mark.parametrize(("ages", "due"), DEBOUNCE)
def test_an_org_is_due_once_its_deliveries_settle(engine, ages, due):
    now = utcnow()
    with Session(engine) as s:
        for i, age in enumerate(ages):
            add(s, "google", f"m{i}", age, now)
        found = hooks.due_orgs(s, now, PUSH_QUIET_S, PUSH_MAX_WAIT_S)
    assert [d.org for d in found] == (["google"] if due else [])


# -- the scheduler acting on deliveries ---------------------------------------------------
@pytest.fixture
def scheduler(engine, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # never crawled here
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(FIXTURES / "sources.demo.toml"))
    sched = Scheduler(load_sources().named(["hf:google", "hf:unsloth"]), interval_s=3600)
    sched.add_jobs()
    return sched


def test_settled_deliveries_move_the_orgs_job_to_now_once(scheduler, engine):
    now = utcnow() + timedelta(hours=2)  # past the jobs' first runs: nothing else is due
    with Session(engine) as s:
        for i in range(10):  # ten events of a launch
            add(s, "google", "gemma-4-12b", PUSH_QUIET_S + 1 + i, now, n=i)
        add(s, "Google", "gemma-4-27b", PUSH_QUIET_S + 1, now)  # the Hub's names are case-blind
        add(s, "openai", "gpt-oss-20b", PUSH_QUIET_S + 1, now)  # not watched
        s.add(Variant(repo_id="TheBloke/some-gguf", source="hf:unsloth", org="TheBloke"))
        s.commit()
        add(s, "TheBloke", "some-gguf", PUSH_QUIET_S + 1, now)  # known repo, other org
    assert sorted(scheduler.dispatch_pushes(now)) == ["hf:google", "hf:unsloth"]
    assert scheduler.scheduler.get_job("hf:google").next_run_time == now
    assert scheduler.scheduler.get_job("hf:unsloth").next_run_time == now
    rows = deliveries(engine)
    assert {r.status for r in rows if r.org.lower() == "google"} == {"crawled"}
    (ignored,) = [r for r in rows if r.org == "openai"]
    assert ignored.status == "ignored" and "hf:openai is not a configured source" in ignored.note
    # More events right after: they wait out the gap instead of starting a second crawl.
    with Session(engine) as s:
        add(s, "google", "gemma-4-12b", PUSH_QUIET_S + 1, now, n=99)
    assert scheduler.dispatch_pushes(now) == []
    later = now + timedelta(seconds=PUSH_MIN_GAP_S + 1)
    assert scheduler.dispatch_pushes(later) == ["hf:google"]


def test_a_running_crawl_keeps_its_orgs_deliveries_waiting(scheduler, engine):
    now = utcnow() + timedelta(hours=2)
    with Session(engine) as s:
        add(s, "google", "gemma-4-12b", PUSH_QUIET_S + 1, now)
    scheduler._active["hf:google"] = now  # a crawl of hf:google is under way
    assert scheduler.dispatch_pushes(now) == []
    assert [r.status for r in deliveries(engine)] == ["pending"]
    del scheduler._active["hf:google"]
    assert scheduler.dispatch_pushes(now) == ["hf:google"]


# -- all of it: `toolscout run`, a burst of deliveries, one crawl -------------------------
def runs_of(engine, source: str) -> list[CrawlRun]:
    with Session(engine) as s:
        return list(s.exec(select(CrawlRun).where(CrawlRun.source == source).order_by(CrawlRun.id)))


def wait_until(predicate, proc, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"toolscout run exited {proc.returncode}: {proc.stdout.read()}")
        time.sleep(0.3)
    proc.kill()
    pytest.fail(f"timed out: {proc.stdout.read() if proc.stdout else ''}")


@pytest.mark.crawl
def test_a_burst_of_hub_events_gives_one_crawl_through_the_scheduler(crawl_env, engine):
    port = _free_port()
    env = {**os.environ, "TOOLSCOUT_HF_WEBHOOK_SECRET": SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ingest.cli import main; main()", "run", "hf:google"]
        + ["--interval", "1h", "--jitter", "0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # The first, scheduled run; then nothing is due for an hour.
        wait_until(lambda: [r for r in runs_of(engine, "hf:google") if r.finished_at], proc)
        assert post(base, payload(), "wrong-secret-wrong-secret").status_code == 401
        for i in range(10):
            answer = post(base, payload(sha=f"{i:040x}"))
            assert answer.json()["status"] == "queued", answer.text
        assert post(base, payload(sha=f"{0:040x}")).json()["status"] == "duplicate"
        runs = wait_until(
            lambda: [r for r in runs_of(engine, "hf:google") if r.finished_at][1:], proc
        )
        assert runs[0].status == "ok", runs[0].message
        assert {r.status for r in deliveries(engine)} == {"crawled"}
        assert len(runs_of(engine, "hf:google")) == 2  # one crawl for the ten events
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert "crawl started by 10 Hub webhook deliveries" in output
