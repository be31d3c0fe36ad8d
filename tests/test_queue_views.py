"""One queue: `toolscout queue list --status S` (store.queue.list_candidates) and the web
queue page (web.queue_view.queue_page) hold the same candidates for every view, on SQLite
and PostgreSQL. A snooze that has run out puts its candidate back in "new" for both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from store.models import Candidate, utcnow
from store.queue import list_candidates
from web.queue_view import QueueFilters, queue_page

NOW = utcnow()
# slug: (status, notable, snoozed until)
CANDIDATES = {
    "waiting": ("new", True, None),
    "held": ("new", False, None),
    "snooze-over": ("snoozed", True, NOW - timedelta(hours=1)),
    "snoozed": ("snoozed", True, NOW + timedelta(days=3)),
    "accepted": ("accepted", True, None),
    "rejected": ("rejected", True, None),
    "duplicate": ("duplicate", True, None),
}

# What each view holds.
VIEWS = [
    ("new", {"waiting", "snooze-over"}),
    ("held", {"held"}),
    ("snoozed", {"snooze-over", "snoozed"}),
    ("accepted", {"accepted"}),
    ("rejected", {"rejected"}),
    ("duplicate", {"duplicate"}),
    ("all", set(CANDIDATES)),
]


@pytest.fixture
def store(engine):
    with Session(engine) as s:
        for n, (slug, (status, notable, until)) in enumerate(CANDIDATES.items()):
            s.add(
                Candidate(
                    slug=slug,
                    name=slug,
                    org="org",
                    family=slug,
                    family_key=slug,
                    status=status,
                    notable=notable,
                    snoozed_until=until,
                    announced_at=NOW - timedelta(days=n),
                )
            )
        s.commit()
    return engine


@pytest.mark.parametrize(("view", "expected"), VIEWS)
def test_the_cli_and_the_web_show_one_queue(store, view, expected):
    with Session(store) as s:
        cli = {c.slug for c in list_candidates(s, view, now=NOW)}
        web = {r["slug"] for r in queue_page(s, QueueFilters(status=view), now=NOW).rows}
    assert cli == expected
    assert web == expected


def test_without_a_status_the_cli_lists_everything_but_the_held(store):
    with Session(store) as s:
        assert {c.slug for c in list_candidates(s, now=NOW)} == set(CANDIDATES) - {"held"}
