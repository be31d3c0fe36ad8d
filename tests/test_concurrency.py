"""Concurrency: crawls write while four editors triage the same candidates, for 30 seconds.

On SQLite (WAL, busy timeout) and PostgreSQL alike: no writer fails ("database is locked"
or anything else), no crawl records an error, every editor decision stands (a crawl that
updates a candidate keeps its status and the editor's fields), and every crawl update
stands (an editor's write keeps the crawl's fields).

The Hub is a synthetic org whose families grow by one size per crawl, so each crawl
updates every candidate the editors are working on. The editors are threads of this
process, each with its own connection and its own share of the candidates (so the last
decision on each is known); each crawl is a child process, as in production.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from fixtures.replay import HubCatalog
from ingest.crawl import crawl
from store.models import Candidate, CrawlError, CrawlRun, Event, utcnow
from store.queue import candidate_detail, get_candidate, set_status

pytestmark = pytest.mark.crawl

EDITING_S = 30.0
WRITERS = 4
ORG = "synthlab"
FAMILIES = [
    "Aurora", "Borealis", "Cirrus", "Drizzle", "Ember", "Fjord", "Glacier", "Harbor",
    "Isthmus", "Juniper", "Kestrel", "Lagoon", "Meadow", "Nimbus", "Orchid", "Prairie",
]  # fmt: skip
DECISIONS = ("accepted", "rejected", "snoozed", "new")  # new: reopened
CARD = """---
license: apache-2.0
library_name: transformers
pipeline_tag: text-generation
---

# {name}

{name} is a {size}B-parameter language model released under Apache 2.0.
"""


def catalog(rounds: int) -> HubCatalog:
    """The org after `rounds` crawls: each family in sizes 1B .. rounds B, newest largest."""
    models, cards = [], {}
    for r in range(rounds):
        size = r + 1
        for i, family in enumerate(FAMILIES):
            repo = f"{ORG}/{family}-{size}B"
            created = f"2025-06-{1 + r:02d}T{i:02d}:00:00.000Z"
            models.append(
                {
                    "_id": f"{r:04x}{i:020x}",
                    "id": repo,
                    "author": ORG,
                    "sha": f"{r:02x}{i:02x}" + "0" * 36,
                    "createdAt": created,
                    "lastModified": created,
                    "private": False,
                    "gated": False,
                    "tags": [
                        "transformers",
                        "safetensors",
                        "text-generation",
                        "license:apache-2.0",
                    ],
                    "pipeline_tag": "text-generation",
                    "library_name": "transformers",
                    "likes": 0,
                    "downloads": 0,
                    "safetensors": {"parameters": {"BF16": size * 10**9}, "total": size * 10**9},
                    "cardData": {"license": "apache-2.0", "library_name": "transformers"},
                }
            )
            cards[repo] = CARD.format(name=f"{family} {size}B", size=size).encode()
    return HubCatalog(models, cards)


@pytest.fixture
def hub(monkeypatch, replay, db_url, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[hub]\ninterval = "1h"\npage_size = 50\nsince = "2024-01-01"\norgs = ["{ORG}"]\n'
        "[crawl]\ndelay = 0\nautothrottle = false\nper_domain = 8\n"
    )
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(sources))
    monkeypatch.setenv("DATABASE_URL", db_url)
    return replay


def editor(engine, name: str, slugs: list[str], until: float, last: dict, failures: list):
    """Triage own candidates until `until`: decide, sometimes read a whole candidate."""
    rng = random.Random(name)
    while time.monotonic() < until:
        slug = rng.choice(slugs)
        decision = rng.choice(DECISIONS)
        try:
            with Session(engine, expire_on_commit=False) as s:
                set_status(
                    s,
                    slug,
                    decision,
                    f"editor:{name}",
                    reason="not an AI model" if decision == "rejected" else None,
                    until=utcnow() + timedelta(days=7) if decision == "snoozed" else None,
                )
                s.commit()
            last[slug] = decision
            if rng.random() < 0.3:
                with Session(engine) as s:
                    candidate_detail(s, get_candidate(s, slug))
        except Exception as exc:  # any failure is the finding
            failures.append(f"{name} {decision} {slug}: {type(exc).__name__}: {exc}")
        time.sleep(rng.uniform(0, 0.02))  # people click; they do not spin


def test_crawls_and_four_editors_write_at_once_without_losing_anything(engine, hub):
    rounds = 1
    hub.set_catalog(catalog(rounds))
    assert crawl(["hf:" + ORG]).runs[0].status == "ok"
    with Session(engine) as s:
        slugs = sorted(s.exec(select(Candidate.slug)))
    assert len(slugs) == len(FAMILIES)

    last: dict[str, str] = {}
    failures: list[str] = []
    started = utcnow()
    until = time.monotonic() + EDITING_S
    threads = [
        threading.Thread(
            target=editor, args=(engine, f"w{i}", slugs[i::WRITERS], until, last, failures)
        )
        for i in range(WRITERS)
    ]
    for t in threads:
        t.start()
    runs = []
    while any(t.is_alive() for t in threads):
        rounds += 1
        hub.set_catalog(catalog(rounds))
        runs += crawl(["hf:" + ORG]).runs
    for t in threads:
        t.join()

    assert failures == []
    assert [(r.status, r.errors, r.message) for r in runs] == [("ok", 0, None)] * len(runs)
    assert len(runs) >= 2 and runs[-1].finished_at > started
    with Session(engine) as s:
        assert not s.exec(select(CrawlError)).all()
        assert all(r.status == "ok" for r in s.exec(select(CrawlRun)))
        # Every editor decision stands, the crawl's updates of the same rows too.
        sizes = [f"{n}B" for n in range(1, rounds + 1)]
        decided = 0
        for slug in slugs:
            cand = get_candidate(s, slug)
            assert cand.status == last.get(slug, "new"), slug
            assert [x["label"] for x in cand.fields["sizes"]] == sizes, slug
            newest = s.exec(
                select(Event)
                .where(Event.candidate_id == cand.id, Event.field == "status")
                .order_by(Event.id.desc())
            ).first()
            if slug in last:
                decided += 1
                assert newest.actor.startswith("editor:") and newest.new == cand.status
        decisions = s.exec(
            select(Event).where(Event.field == "status", Event.actor.startswith("editor:"))
        ).all()
        crawler_status_changes = s.exec(
            select(Event).where(Event.field == "status", Event.actor.startswith("crawler"))
        ).all()
    assert crawler_status_changes == []
    print(f"{len(runs)} crawls, {len(decisions)} editor decisions in {EDITING_S:.0f}s")
    assert len(decisions) >= 100  # the editors were busy while the crawls wrote
    assert decided == len(slugs)
