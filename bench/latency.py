"""Detection latency: how long a release waits before toolscout has it, and what it costs.

Two parts, both printed:

1. Push, measured for real. `toolscout run hf:google` (scheduler and web server) against the
   replay server on the bundled fixtures, with Hub webhooks on; after its first scheduled
   run, a burst of Hub deliveries in the Hub's payload format is posted, and the time from
   the first delivery to the end of the crawl it triggers is measured (`--pushes` times).
   That crawl is the one that would store the new repo. WebSub too: `toolscout run
   feed:lab` with `TOOLSCOUT_PUBLIC_URL` set, a feed on the replay server naming the replay
   server's hub; once the scheduler's subscription is verified, the publisher adds an entry
   and the hub pushes the feed, signed, and the time from the push to the entry being in
   the store is measured (`--pushes` times; median and p95 printed).

2. Polling, replayed on a compressed clock. A seeded stream of release events over
   `--days` days, drawn as releases happen: launches in bursts (several repos within two
   hours), mostly on weekdays in working hours, quiet weekends; per source kind an active
   and a quiet profile. Each policy decides when the source is checked: fixed hourly
   polling, and the product's adaptive cadence (`store.cadence.interval_for` on the
   entries the source had shown in the week before each check, within the bounds of the
   bundled sources.toml's `[schedule]`).
   An event is detected at the first check after it, plus the crawl time measured in
   part 1. Reported per profile: median and p95 latency in real-world minutes, and checks
   (requests) per day. Hub orgs with push take the push latency of part 1 when the
   webhook is healthy.

    .venv/bin/python bench/latency.py [--days 28] [--seed 7] [--pushes 2]

Targets (issue 21): median ≤ 5 min where push works, ≤ 15 min by polling for an active
source, and no more requests per day than fixed hourly polling for quiet sources.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import PYTHON, _free_port, table  # noqa: E402

from store.cadence import WEEK_S, Bounds, interval_for  # noqa: E402

SECRET = "bench-webhook-secret-0123456789abcdef"
HOUR = 3600.0


# -- part 1: push, for real -----------------------------------------------------------------
def _runs(db: str, source: str) -> list[tuple]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    text("SELECT id, finished_at FROM crawl_run WHERE source = :s ORDER BY id"),
                    {"s": source},
                )
            )
    except Exception:  # the schema is not there yet
        return []
    finally:
        engine.dispose()


def _wait(predicate, proc, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            raise RuntimeError(f"toolscout run exited {proc.returncode}")
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for a crawl")


def _delivery(i: int) -> bytes:
    return json.dumps(
        {
            "event": {"action": "update", "scope": "repo.content"},
            "repo": {"type": "model", "name": "google/gemma-bench", "headSha": f"{i:040x}"},
        }
    ).encode()


def push_latencies(pushes: int) -> list[float]:
    from fixtures.replay import ReplayServer

    replay = ReplayServer([ROOT / "fixtures" / "hub"]).start()
    tmp = Path(tempfile.mkdtemp(prefix="toolscout-latency-"))
    db = f"sqlite:///{tmp / 'store.db'}"
    port = _free_port()
    env = {
        **os.environ,
        "HF_ENDPOINT": replay.url,
        "DATABASE_URL": db,
        "TOOLSCOUT_SOURCES": str(ROOT / "fixtures" / "sources.demo.toml"),
        "TOOLSCOUT_HF_WEBHOOK_SECRET": SECRET,
    }
    cmd = [PYTHON, "-c", "from ingest.cli import main; main()", "run", "hf:google"]
    cmd += ["--interval", "1h", "--jitter", "0", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    latencies = []
    try:
        _wait(lambda: [r for r in _runs(db, "hf:google") if r[1]], proc)
        for n in range(pushes):
            done = len([r for r in _runs(db, "hf:google") if r[1]])
            first = time.monotonic()
            for i in range(5):  # a launch: several deliveries within a second
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/hooks/huggingface",
                    data=_delivery(n * 10 + i),
                    headers={"X-Webhook-Secret": SECRET, "Content-Type": "application/json"},
                )
                urllib.request.urlopen(request, timeout=10).read()
            _wait(lambda d=done: len([r for r in _runs(db, "hf:google") if r[1]]) > d, proc)
            latencies.append(time.monotonic() - first)
            time.sleep(61)  # the scheduler crawls an org for pushes at most once a minute
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        replay.stop()
    return latencies


# -- part 1b: WebSub, for real ----------------------------------------------------------------
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Lab news</title><id>{base}/news/feed.xml</id>
<link rel="hub" href="{base}/websub/hub"/><link rel="self" href="{base}/news/feed.xml"/>
<updated>2026-12-01T10:00:00Z</updated>{entries}</feed>"""
ENTRY = """<entry><title>Lab model {n} released</title><id>lab-{n}</id>
<link href="{base}/news/{n}.html"/><updated>2026-12-01T10:{n:02d}:00Z</updated>
<content type="html">Lab model {n}: open weights.</content></entry>"""


def _lab_feed(base: str, upto: int) -> str:
    entries = "".join(ENTRY.format(base=base, n=n) for n in range(upto, -1, -1))
    return ATOM.format(base=base, entries=entries)


def _scalar(db: str, sql: str, **params):
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    except Exception:  # the schema is not there yet
        return None
    finally:
        engine.dispose()


def websub_latencies(pushes: int) -> list[float]:
    """Seconds from the hub's signed push to the new entry stored, `pushes` times."""
    from fixtures.replay import ReplayServer

    tmp = Path(tempfile.mkdtemp(prefix="toolscout-websub-"))
    replay = ReplayServer([]).start()
    static = tmp / "root" / "static" / "news"
    static.mkdir(parents=True)
    (static / "feed.xml").write_text(_lab_feed(replay.url, 0))
    replay.set_roots([tmp / "root"])
    sources = tmp / "sources.toml"
    sources.write_text(
        f'[hub]\nendpoint = "{replay.url}"\norgs = []\n\n'
        f'[[feeds]]\nname = "lab"\nurl = "{replay.url}/news/feed.xml"\nfollow = false\n\n'
        "[crawl]\ndelay = 0\nautothrottle = false\n"
    )
    db = f"sqlite:///{tmp / 'store.db'}"
    port = _free_port()
    env = {
        **os.environ,
        "HF_ENDPOINT": replay.url,
        "DATABASE_URL": db,
        "TOOLSCOUT_SOURCES": str(sources),
        "TOOLSCOUT_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    cmd = [PYTHON, "-c", "from ingest.cli import main; main()", "run", "feed:lab"]
    cmd += ["--interval", "1h", "--jitter", "0", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    active = "SELECT count(*) FROM websub_subscription WHERE state = 'active'"
    stored = "SELECT count(*) FROM feed_entry WHERE entry_key = :key"
    latencies = []
    try:
        _wait(lambda: _scalar(db, active), proc)
        for n in range(1, pushes + 1):
            body = _lab_feed(replay.url, n)
            (static / "feed.xml").write_text(body)
            first = time.monotonic()
            answers = replay.websub.publish(f"{replay.url}/news/feed.xml", body.encode())
            if [a["status"] for a in answers] != [202]:
                raise RuntimeError(f"the callback answered {answers}")
            _wait(lambda k=f"lab-{n}": _scalar(db, stored, key=k), proc)
            latencies.append(time.monotonic() - first)
            time.sleep(61)  # a source is crawled for pushes at most once a minute
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        replay.stop()
    return latencies


# -- part 2: polling on a compressed clock ----------------------------------------------------
@dataclass(frozen=True)
class Profile:
    name: str
    launches_per_week: float  # bursts
    burst: tuple[int, int]  # repos (or posts) per launch
    singles_per_week: float  # lone releases between launches
    push: str | None = None  # "hub" (webhooks) | "websub"


PROFILES = [
    Profile("hub org, active (push)", 1.5, (4, 12), 8.0, push="hub"),
    Profile("hub org, active (poll)", 1.5, (4, 12), 8.0),
    Profile("hub org, quiet", 0.25, (2, 4), 0.5),
    Profile("vendor blog feed", 0.0, (1, 1), 3.0),
    Profile("vendor blog feed (WebSub)", 0.0, (1, 1), 3.0, push="websub"),
    Profile("release feed, quiet", 0.0, (1, 1), 0.5),
]


def _working_time(rng: random.Random, start: datetime, days: int) -> datetime:
    """A moment in working hours (UTC 8-20) on a weekday, weekends rare."""
    while True:
        day = start + timedelta(days=rng.randrange(days))
        if day.weekday() >= 5 and rng.random() > 0.15:
            continue
        return day + timedelta(hours=rng.uniform(8, 20))


def events(profile: Profile, rng: random.Random, start: datetime, days: int) -> list[float]:
    """Seconds since `start` of each release of one source."""
    times = []
    weeks = days / 7
    for _ in range(int(rng.gauss(profile.launches_per_week * weeks, 1) + 0.5)):
        at = _working_time(rng, start, days)
        times += [
            at + timedelta(minutes=rng.uniform(0, 120)) for _ in range(rng.randint(*profile.burst))
        ]
    for _ in range(int(rng.gauss(profile.singles_per_week * weeks, 1) + 0.5)):
        times.append(_working_time(rng, start, days))
    return sorted((t - start).total_seconds() for t in times)


def simulate(times: list[float], horizon: float, next_interval, crawl_s: float, phase: float):
    """Checks from `phase` on, each next one `next_interval(now, shown)` later; returns
    (latencies in s, checks)."""
    checks, now = 0, phase
    pending = list(times)
    latencies = []
    while now < horizon:
        checks += 1
        while pending and pending[0] <= now:
            latencies.append(now - pending.pop(0) + crawl_s)
        now += next_interval(now, [t for t in times if t <= now])
    return latencies, checks


def adaptive(bounds: Bounds):
    def next_interval(now: float, seen: list[float]) -> float:
        return interval_for(sum(1 for t in seen if t > now - WEEK_S), bounds)

    return next_interval


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pushes", type=int, default=2)
    args = parser.parse_args()

    pushed = push_latencies(args.pushes) if args.pushes else []
    websubbed = websub_latencies(args.pushes) if args.pushes else []
    crawl_s = 5.0
    if pushed:
        print(f"push, measured: {', '.join(f'{s:.1f}s' for s in pushed)} (delivery → crawl done)")
        crawl_s = min(pushed)  # an upper bound of one crawl's wall time
    if websubbed:
        print(
            f"WebSub, measured: {', '.join(f'{s:.1f}s' for s in websubbed)} (push → entry "
            f"stored); median {statistics.median(websubbed):.1f}s, "
            f"p95 {percentile(websubbed, 0.95):.1f}s"
        )
    measured_push = {"hub": pushed, "websub": websubbed}
    from ingest.sources import load_sources

    bounds = Bounds(*load_sources(ROOT / "sources.toml").cadence)  # the bundled [schedule]
    rng = random.Random(args.seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    horizon = args.days * 86400.0
    warmup = 7 * 86400.0  # the adaptive cadence reads a week of history
    rows = []
    for profile in PROFILES:
        times = events(profile, rng, start - timedelta(days=7), args.days + 7)
        times = [t - warmup for t in times]
        measured = [t for t in times if t >= 0]
        phase = rng.uniform(0, HOUR)
        fixed, fixed_checks = simulate(measured, horizon, lambda *_: HOUR, crawl_s, phase)
        history = [t for t in times if t < 0]
        ada, ada_checks = simulate(
            measured,
            horizon,
            lambda now, seen, h=history: adaptive(bounds)(now, h + seen),
            crawl_s,
            phase,
        )
        push_s = measured_push.get(profile.push or "") or []
        if push_s:
            # A healthy push: found as soon as it is delivered, and polled only as a safety
            # net at the longest interval (store.cadence.with_push).
            ada, ada_checks = simulate(measured, horizon, lambda *_: bounds.max_s, crawl_s, phase)
            ada = [min(x, statistics.median(push_s)) for x in ada]
        for policy, lat, checks in (
            ("fixed 1h", fixed, fixed_checks),
            ("adaptive", ada, ada_checks),
        ):
            rows.append(
                [
                    profile.name,
                    policy + (" + push" if profile.push and policy == "adaptive" else ""),
                    str(len(lat)),
                    f"{statistics.median(lat) / 60:.1f}" if lat else "-",
                    f"{percentile(lat, 0.95) / 60:.1f}" if lat else "-",
                    f"{checks / args.days:.1f}",
                ]
            )
    print(
        f"\n{args.days} days replayed, seed {args.seed}, crawl time {crawl_s:.1f}s, "
        f"adaptive bounds {bounds.min_s:.0f}-{bounds.max_s:.0f}s, factor {bounds.factor:g}"
    )
    print(table(["source", "policy", "releases", "median min", "p95 min", "checks/day"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
