"""WebSub, end to end over real HTTP: a feed served by the replay server names the replay
server's hub; a crawl discovers it; the scheduler subscribes through the fetch layer; the
hub verifies intent at the web callback; signed deliveries are stored and read by the next
crawl as a polled copy; forged ones are refused; leases are renewed; a failing hub, or one
the URL policy refuses, leaves the feed polled, and `status` says why."""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import feedparser
import httpx
import pytest
from sqlmodel import Session, select

from fixtures.replay import ReplayServer
from ingest.crawl import crawl
from ingest.fetch.policy import UrlPolicy
from ingest.schedule import Scheduler
from ingest.sources import load_sources
from spiders.feeds import FEED_MAX_BYTES, websub_links
from store import websub
from store.models import Document, FeedEntry, WebSubDelivery, WebSubSubscription, utcnow
from tests.conftest import _free_port
from tests.test_hooks import runs_of, wait_until
from tests.test_web_hardening import start as start_web
from web.config import EditorConfig
from web.websub import MAX_BODY_BYTES, signature_ok

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Lab news</title>
  <id>{base}/news/feed.xml</id>
  <link rel="hub" href="{hub}"/>
  <link rel="self" href="{base}/news/feed.xml"/>
  <updated>2026-12-01T10:00:00Z</updated>
  {entries}
</feed>
"""
ENTRY = """<entry><title>{title}</title><id>{key}</id>
  <link href="{base}/news/{key}.html"/><updated>2026-12-0{day}T10:00:00Z</updated>
  <content type="html">&lt;p&gt;{title}: open weights under Apache 2.0.&lt;/p&gt;</content></entry>"""


def feed(base: str, hub: str, *entries: tuple[str, str, int]) -> str:
    body = "\n".join(ENTRY.format(base=base, title=t, key=k, day=d) for t, k, d in entries)
    return ATOM.format(base=base, hub=hub, entries=body)


FIRST = ("Kestrel 1 released", "kestrel-1", 1)
SECOND = ("Kestrel 2 released", "kestrel-2", 2)


@pytest.fixture
def lab(tmp_path, monkeypatch, db_url):
    """Replay server (feed + hub) and a sources file naming the feed."""
    replay = ReplayServer([]).start()
    static = tmp_path / "root" / "static" / "news"
    static.mkdir(parents=True)
    (static / "feed.xml").write_text(feed(replay.url, f"{replay.url}/websub/hub", FIRST))
    replay.set_roots([tmp_path / "root"])
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[hub]\nendpoint = "{replay.url}"\norgs = []\n\n'
        f'[[feeds]]\nname = "lab"\nurl = "{replay.url}/news/feed.xml"\nfollow = false\n\n'
        '[crawl]\ndelay = 0\nautothrottle = false\ntime_limit = "5m"\n'
    )
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    yield replay, static
    replay.stop()


@pytest.fixture
def setup(lab, monkeypatch, engine):
    """`lab`, and the web app as the public callback."""
    replay, static = lab
    server, thread, base = start_web(engine, EditorConfig())
    monkeypatch.setenv("TOOLSCOUT_PUBLIC_URL", base)
    yield replay, base, static
    server.should_exit = True
    thread.join(timeout=15)


def scheduler(public_url: str | None) -> Scheduler:
    return Scheduler(load_sources().named(["feed:lab"]), public_url=public_url or "")


def sub_of(engine) -> WebSubSubscription:
    with Session(engine) as s:
        return s.exec(select(WebSubSubscription)).one()


def deliveries(engine) -> list[WebSubDelivery]:
    with Session(engine) as s:
        return list(s.exec(select(WebSubDelivery).order_by(WebSubDelivery.id)))


def entries(engine) -> set[str]:
    with Session(engine) as s:
        return set(s.exec(select(FeedEntry.entry_key)))


def publish(replay: ReplayServer, body: str, forge: str | None = None, algo: str = "sha256"):
    answer = httpx.post(
        f"{replay.url}/_replay/websub/publish",
        json={"topic": f"{replay.url}/news/feed.xml", "body": body, "forge": forge, "algo": algo},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def subscribed(engine, replay: ReplayServer, sched: Scheduler, now=None) -> WebSubSubscription:
    assert sched.maintain_websub(now) == [("feed:lab", "subscribe" if now is None else "renew")]
    replay.websub.wait_idle()
    return sub_of(engine)


def first_crawl(engine) -> None:
    outcome = crawl(["feed:lab"])
    assert [r.status for r in outcome.runs] == ["ok"], [r.message for r in outcome.runs]


# -- all of it ------------------------------------------------------------------------------
@pytest.mark.crawl
def test_subscribe_verify_deliver_and_read_like_a_poll(setup, engine):
    replay, base, static = setup
    first_crawl(engine)
    sub = sub_of(engine)
    assert (sub.state, sub.hub, sub.topic) == (
        "discovered",
        f"{replay.url}/websub/hub",
        f"{replay.url}/news/feed.xml",
    )
    sub = subscribed(engine, replay, scheduler(base))
    assert sub.state == "active", sub.last_error
    assert sub.lease_seconds == websub.REQUESTED_LEASE_S and sub.lease_expires_at is not None
    (hub_side,) = replay.websub.state()["subscriptions"]
    assert hub_side["callback"] == f"{base}/hooks/websub/{sub.token}" and hub_side["signed"]

    # The publisher adds an entry; the hub pushes the new document, signed.
    pushed = feed(replay.url, f"{replay.url}/websub/hub", SECOND, FIRST)
    t0 = time.monotonic()
    (answer,) = publish(replay, pushed)
    assert answer["status"] == 202, answer
    assert [d.status for d in deliveries(engine)] == ["pending"]
    replay.clear_log()
    outcome = crawl(["feed:lab"])
    stored_s = time.monotonic() - t0
    assert [r.status for r in outcome.runs] == ["ok"], [r.message for r in outcome.runs]
    assert entries(engine) == {"kestrel-1", "kestrel-2"}
    # Read from the push, not fetched: the crawl asked the server for nothing.
    assert [e["path"] for e in replay.request_log()] == []
    assert [d.status for d in deliveries(engine)] == ["processed"]
    with Session(engine) as s:
        doc = s.exec(select(Document).where(Document.url == f"{replay.url}/news/feed.xml")).one()
        assert doc.content_hash == hashlib.sha256(pushed.encode()).hexdigest()
    print(f"delivery → stored: {stored_s:.2f}s (crawl child included)")

    # The hub delivers it again (a retry, a replay): a duplicate, read no more.
    (again,) = publish(replay, pushed)
    assert (again["status"], '"duplicate"' in again["body"]) == (200, True)
    assert len(deliveries(engine)) == 1
    assert sub_of(engine).deliveries == 1


FORGED = [
    # (how the hub signs, algorithm)
    ("bad", "sha256"),
    ("missing", "sha256"),
    ("wrong-secret", "sha1"),
    ("wrong-secret", "sha512"),
]


@pytest.mark.crawl
@pytest.mark.parametrize(("forge", "algo"), FORGED)
def test_a_forged_delivery_is_refused_and_nothing_is_read(setup, engine, forge, algo):
    replay, base, _ = setup
    first_crawl(engine)
    assert subscribed(engine, replay, scheduler(base)).state == "active"
    pushed = feed(replay.url, f"{replay.url}/websub/hub", SECOND, FIRST)
    (answer,) = publish(replay, pushed, forge=forge, algo=algo)
    assert answer["status"] == 403, answer
    assert deliveries(engine) == []
    assert sub_of(engine).deliveries == 0
    first_crawl(engine)  # the next crawl polls, and finds only what the feed serves
    assert entries(engine) == {"kestrel-1"}


@pytest.mark.crawl
def test_the_lease_is_renewed_before_it_runs_out(setup, engine):
    replay, base, _ = setup
    first_crawl(engine)
    sched = scheduler(base)
    sub = subscribed(engine, replay, sched)
    assert sched.maintain_websub(utcnow()) == []  # nothing due right after
    verified = websub.aware(sub.verified_at)
    renewal = verified + timedelta(seconds=sub.lease_seconds * 0.85)
    renewed = subscribed(engine, replay, sched, now=renewal)
    assert renewed.state == "active" and renewed.requested_at is None
    assert websub.aware(renewed.verified_at) > verified
    (hub_side,) = replay.websub.state()["subscriptions"]
    assert hub_side["renewals"] == 1
    assert renewed.secret == sub.secret and renewed.token == sub.token  # one subscription


def status_row(source: str = "feed:lab") -> dict:
    from ingest.cli import health_rows

    return next(r for r in health_rows() if r["source"] == source)


FAILING_HUBS = [
    # (hub behaviour, ticks after the request (seconds), state, why in status)
    ({"refuse": 403}, None, "failed", "the hub answered 403"),
    ({"refuse": 500}, None, "failed", "the hub answered 500"),
    ({"deny": True}, None, "failed", "the hub denied the subscription"),
    ({"verify": False}, websub.VERIFY_TIMEOUT_S + 1, "failed", "did not verify within"),
]


@pytest.mark.crawl
@pytest.mark.parametrize(("behaviour", "later", "state", "why"), FAILING_HUBS)
def test_a_failing_hub_falls_back_to_polling_and_status_says_why(
    setup, engine, behaviour, later, state, why
):
    replay, base, _ = setup
    first_crawl(engine)
    replay.websub.configure(**behaviour)
    sched = scheduler(base)
    sched.maintain_websub()
    replay.websub.wait_idle()
    if later is not None:
        assert sub_of(engine).state == "requested"
        sched.maintain_websub(utcnow() + timedelta(seconds=later))
    sub = sub_of(engine)
    assert sub.state == state and why in (sub.last_error or ""), sub.last_error
    row = status_row()
    assert row["websub"]["state"] == state and why in row["websub"]["reason"]
    assert row["websub"]["healthy"] is False
    # Polled, and at the shortest interval while push does not work.
    assert row["interval_s"] == 300.0 and "push unhealthy" in row["interval_reason"]
    assert row["next_check_basis"] == "push"
    # A failed subscription is retried later, not at every tick.
    assert sched.maintain_websub() == []


@pytest.mark.crawl
def test_a_healthy_subscription_relaxes_polling(setup, engine):
    replay, base, _ = setup
    first_crawl(engine)
    subscribed(engine, replay, scheduler(base))
    row = status_row()
    assert row["websub"]["healthy"] is True
    assert row["interval_s"] == 86400.0 and "push healthy" in row["interval_reason"]


def test_without_a_public_url_nothing_is_subscribed(engine, db_url, monkeypatch, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[feeds]]\nname = "lab"\nurl = "http://127.0.0.1:9/feed.xml"\n')
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("TOOLSCOUT_PUBLIC_URL", raising=False)
    with Session(engine) as s:
        websub.discovered(s, "feed:lab", "http://127.0.0.1:9/feed.xml", "http://127.0.0.1:9/hub")
        s.commit()
    sched = Scheduler(load_sources().named(["feed:lab"]))
    assert sched.public_url is None
    assert sched.maintain_websub() == []
    assert sub_of(engine).state == "discovered"
    assert websub.push_health(sub_of(engine), utcnow()).healthy is None  # polled as before


# -- the hub URL is the publisher's word: the fetch layer's policy decides ---------------
OFF_POLICY = [
    # (hub URL, words of the refusal)
    ("file:///etc/passwd", "only http and https"),
    ("http://127.0.0.2:9/hub", "loopback"),
    ("http://10.0.0.1/hub", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://localhost:9/hub", "names this machine"),
    ("gopher://example.com/hub", "only http and https"),
]


@pytest.mark.parametrize(("hub", "words"), OFF_POLICY)
def test_an_off_policy_hub_is_refused_by_the_fetch_layer(engine, db_url, monkeypatch, hub, words):
    monkeypatch.setenv("DATABASE_URL", db_url)
    topic = "http://127.0.0.1:8765/feed.xml"
    with Session(engine) as s:
        websub.discovered(s, "feed:lab", topic, hub)
        s.commit()
    from ingest.sources import Source

    source = Source("feed:lab", "feed", 3600.0, url=topic, adaptive=True)
    # The policy of a sources file whose one source is the feed: its origin only is trusted.
    sched = Scheduler([source], public_url="http://127.0.0.1:8000", policy=UrlPolicy.of([topic]))
    assert sched.maintain_websub() == [("feed:lab", "subscribe")]
    sub = sub_of(engine)
    assert sub.state == "failed"
    assert "refused by the fetch layer" in sub.last_error and words in sub.last_error


# -- the callback, one request at a time ----------------------------------------------------
@pytest.fixture
def callback(engine):
    server, thread, base = start_web(engine, EditorConfig())
    with Session(engine) as s:
        sub = websub.discovered(
            s, "feed:lab", "https://lab.example/feed.xml", "https://hub.example/"
        )
        websub.mark_requested(s, sub, utcnow())
        s.commit()
        s.refresh(sub)
        s.expunge(sub)
    yield base, sub
    server.should_exit = True
    thread.join(timeout=15)


VERIFY = [
    # (why, token?, query, status)
    ("unknown token", "nope", {"hub.mode": "subscribe"}, 404),
    ("another topic", None, {"hub.topic": "https://evil.example/feed"}, 404),
    ("unsubscribe never asked", None, {"hub.mode": "unsubscribe"}, 404),
    ("no challenge", None, {"hub.challenge": ""}, 404),
    ("the hub's verification", None, {}, 200),
]


@pytest.mark.parametrize(("why", "token", "query", "status"), VERIFY)
def test_verification_of_intent(callback, engine, why, token, query, status):
    base, sub = callback
    params = {
        "hub.mode": "subscribe",
        "hub.topic": sub.topic,
        "hub.challenge": "c0ffee-challenge",
        "hub.lease_seconds": "3600",
        **query,
    }
    answer = httpx.get(f"{base}/hooks/websub/{token or sub.token}", params=params)
    assert answer.status_code == status, (why, answer.text)
    now = sub_of(engine)
    if status == 200:
        assert answer.text == "c0ffee-challenge"
        assert answer.headers["content-type"].startswith("text/plain")
        assert (now.state, now.lease_seconds) == ("active", 3600)
        # The same verification again: no request is waiting, so it is not confirmed.
        assert httpx.get(f"{base}/hooks/websub/{sub.token}", params=params).status_code == 404
    else:
        assert now.state == "requested"


def test_a_delivery_over_the_limit_is_refused(callback, engine):
    base, sub = callback
    body = b" " * (MAX_BODY_BYTES + 1)
    signature = hmac.new(sub.secret.encode(), body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        f"{base}/hooks/websub/{sub.token}",
        content=body,
        headers={"X-Hub-Signature": f"sha256={signature}"},
    )
    assert answer.status_code == 413
    assert deliveries(engine) == []


def test_a_delivery_is_limited_as_a_polled_feed():
    assert MAX_BODY_BYTES == FEED_MAX_BYTES


SECRET = "s3cret"
BODY = b"<feed/>"
SIGNATURES = [
    # (header, accepted?)
    (f"sha1={hmac.new(b's3cret', BODY, hashlib.sha1).hexdigest()}", True),
    (f"sha256={hmac.new(b's3cret', BODY, hashlib.sha256).hexdigest()}", True),
    (f"sha384={hmac.new(b's3cret', BODY, hashlib.sha384).hexdigest()}", True),
    (f"sha512={hmac.new(b's3cret', BODY, hashlib.sha512).hexdigest()}", True),
    (f"SHA256={hmac.new(b's3cret', BODY, hashlib.sha256).hexdigest().upper()}", True),
    (f"md5={hashlib.md5(BODY).hexdigest()}", False),  # noqa: S324 - an algorithm refused
    (f"sha256={hmac.new(b'other', BODY, hashlib.sha256).hexdigest()}", False),
    (f"sha1={hmac.new(b's3cret', BODY, hashlib.sha256).hexdigest()}", False),
    ("sha256=", False),
    ("sha256", False),
    ("", False),
    (None, False),
    ("sha256=é", False),
]


@pytest.mark.parametrize(("header", "ok"), SIGNATURES)
def test_signatures(header, ok):
    assert signature_ok(header, BODY, SECRET) is ok


# -- discovery --------------------------------------------------------------------------------
RSS = b"""<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>x</title><atom:link rel="hub" href="https://hub.example/"/>
<atom:link rel="self" href="https://blog.example/rss" type="application/rss+xml"/>
<item><title>a</title></item></channel></rss>"""
ATOM_LINKS = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<link rel="hub" href="/hub"/><link rel="self" href="https://blog.example/atom"/>
<entry><title>a</title><id>1</id></entry></feed>"""
BARE = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<link rel="hub" href="https://hub.example/"/><entry><title>a</title><id>1</id></entry></feed>"""
DISCOVERY = [
    # (body, Link headers, found)
    (RSS, [], {"hub": "https://hub.example/", "topic": "https://blog.example/rss"}),
    (ATOM_LINKS, [], {"hub": "https://blog.example/hub", "topic": "https://blog.example/atom"}),
    (BARE, [], None),  # a hub but no self: nothing to subscribe to
    (
        BARE,
        ['<https://blog.example/canonical>; rel="self"'],
        {"hub": "https://hub.example/", "topic": "https://blog.example/canonical"},
    ),
    (
        RSS,  # headers win over the body
        ['<https://push.example/>; rel="hub", <https://blog.example/feed>; rel="self"'],
        {"hub": "https://push.example/", "topic": "https://blog.example/feed"},
    ),
    (
        b"<rss version='2.0'><channel><title>x</title></channel></rss>",
        ['<https://push.example/>; rel="hub self"'],
        {"hub": "https://push.example/", "topic": "https://push.example/"},
    ),
    (b"<rss version='2.0'><channel><title>x</title></channel></rss>", [], None),
]


@pytest.mark.parametrize(("body", "headers", "found"), DISCOVERY)
def test_discovery(body, headers, found):
    parsed = feedparser.parse(body)
    assert websub_links(parsed, headers, "https://blog.example/feed.xml") == found


# -- the scheduler starting the feed's crawl for a delivery ---------------------------------
def test_a_stored_delivery_moves_the_feeds_job_to_now(engine, db_url, monkeypatch, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[feeds]]\nname = "lab"\nurl = "http://127.0.0.1:9/feed.xml"\n')
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    sched = Scheduler(load_sources().named(["feed:lab"]), interval_s=3600, public_url="")
    sched.add_jobs()
    now = utcnow() + timedelta(hours=2)  # past the job's first run: nothing else is due
    assert sched.dispatch_pushes(now) == []
    with Session(engine) as s:
        sub = websub.discovered(s, "feed:lab", "http://127.0.0.1:9/feed.xml", "http://h/")
        s.commit()
        assert websub.record_delivery(s, sub, b"<feed/>", "a" * 64, "application/atom+xml", now)
    sched._active["feed:lab"] = now  # its crawl is running: it waits for the next one
    assert sched.dispatch_pushes(now) == []
    del sched._active["feed:lab"]
    assert sched.dispatch_pushes(now) == ["feed:lab"]
    assert sched.scheduler.get_job("feed:lab").next_run_time == now
    assert sched.dispatch_pushes(now) == []  # once; the crawl marks the delivery read


# -- all of it in `toolscout run`: scheduler and web in one process -------------------------
@pytest.mark.crawl
def test_toolscout_run_subscribes_and_stores_what_the_hub_pushes(lab, engine):
    replay, static = lab
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TOOLSCOUT_PUBLIC_URL": base}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from ingest.cli import main; main()", "run", "feed:lab"]
        + ["--interval", "1h", "--jitter", "0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The first, scheduled run discovers the hub; the scheduler subscribes; the hub
        # verifies at the callback the same process serves.
        wait_until(lambda: [r for r in runs_of(engine, "feed:lab") if r.finished_at], proc)
        wait_until(lambda: sub_of(engine).state == "active", proc)
        pushed = feed(replay.url, f"{replay.url}/websub/hub", SECOND, FIRST)
        (static / "feed.xml").write_text(pushed)
        (answer,) = publish(replay, pushed)
        assert answer["status"] == 202, answer
        wait_until(lambda: "kestrel-2" in entries(engine), proc)
        wait_until(lambda: [d.status for d in deliveries(engine)] == ["processed"], proc)
        runs = [r for r in runs_of(engine, "feed:lab") if r.finished_at]
        assert [r.status for r in runs] == ["ok", "ok"], [r.message for r in runs]
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert "WebSub subscribe sent" in output and "crawl started by a WebSub delivery" in output
