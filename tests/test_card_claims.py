"""Card claims (store.card_claims): one live crawl run fetches a repo's card, on SQLite and
PostgreSQL; a run that ended, died or lapsed holds nothing, and nothing wanted is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from store import card_claims, runs
from store.batch import apply_page, card_backlog
from store.models import CrawlRun, Variant, utcnow
from tests.test_batch import RULES, URL, entry

QWEN = "Qwen/Qwen3-8B"
GEMMA = "google/gemma-3-12b-it"


def start(engine, source: str = "hf:Qwen", pid: int = 4242) -> int:
    with Session(engine) as s:
        run_id = runs.start_run(s, source)
        s.get(CrawlRun, run_id).pid = pid
        s.commit()
    return run_id


def store_page(engine, run_id: int | None, entries=None, source="hf:Qwen", limit=None):
    """Apply a listing page as a crawl with `run_id` does; the cards it is to fetch."""
    with Session(engine) as s:
        result = apply_page(
            s,
            entries or [entry(QWEN)],
            source,
            "original",
            URL,
            RULES,
            claim_run=run_id,
            claim_limit=limit,
        )
        s.commit()
    return [e["id"] for e in result.cards]


def finish(engine, run_id: int, status: str = "ok") -> None:
    with Session(engine) as s:
        runs.finish_run(s, run_id, {}, status, None)
        s.commit()


def holder(engine, repo: str) -> int | None:
    with Session(engine) as s:
        return s.exec(select(Variant.card_run_id).where(Variant.repo_id == repo)).one()


def test_the_first_run_to_want_a_card_claims_it_and_the_other_live_run_does_not(engine):
    first, second = start(engine), start(engine, pid=4343)
    assert store_page(engine, first) == [QWEN]
    assert store_page(engine, second) == []  # listed again by a crawl of another host
    assert store_page(engine, first) == [QWEN]  # its own claim, asked again
    assert holder(engine, QWEN) == first
    with Session(engine) as s:
        assert card_backlog(s, ["Qwen"], 10, second) == []


# How the first run's claim ended, and whether a second live run may take the card.
ENDINGS = {
    "run finished": (lambda e, r: finish(e, r), True),
    "run failed": (lambda e, r: finish(e, r, "failed"), True),
    "killed, marked by its parent": (
        lambda e, r: _in_session(e, lambda s: runs.mark_dead_runs(s, 4242, "killed", "limit")),
        True,
    ),
    "abandoned, closed by its host": (
        lambda e, r: _in_session(
            e, lambda s: runs.close_abandoned(s, None, utcnow() + timedelta(1), lambda pid: False)
        ),
        True,
    ),
    "lease lapsed (a host that never came back)": (lambda e, r: _age_claim(e, r), True),
    "still running": (lambda e, r: None, False),
}


def _in_session(engine, work) -> None:
    with Session(engine) as s:
        work(s)
        s.commit()


def _age_claim(engine, run_id: int) -> None:
    with Session(engine) as s:
        v = s.exec(select(Variant).where(Variant.card_run_id == run_id)).one()
        v.card_claimed_at = utcnow() - card_claims.CLAIM_LEASE - timedelta(minutes=1)
        s.add(v)
        s.commit()


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_claim_binds_only_while_its_run_is_live(engine, ending):
    end, free = ENDINGS[ending]
    first = start(engine)
    assert store_page(engine, first) == [QWEN]
    end(engine, first)
    second, third = start(engine, pid=4343), start(engine, pid=4444)
    with Session(engine) as s:  # a run starting now finds it in its backlog, or not
        assert card_backlog(s, ["Qwen"], 10, second) == ([(QWEN, "hf:Qwen")] if free else [])
        s.commit()
    assert holder(engine, QWEN) == (second if free else first)
    assert store_page(engine, third) == []  # held by the second, or still by the first


def test_released_claims_send_the_card_to_the_next_runs_backlog(engine):
    first = start(engine)
    store_page(engine, first)
    with Session(engine) as s:
        assert card_claims.release(s, [first]) == 1
        s.commit()
    assert holder(engine, QWEN) is None
    second = start(engine, pid=4343)
    with Session(engine) as s:
        assert card_backlog(s, ["Qwen"], 10, second) == [(QWEN, "hf:Qwen")]
        s.commit()
    assert holder(engine, QWEN) == second


def test_a_card_stored_for_its_sha_is_claimed_by_nobody(engine):
    first = start(engine)
    store_page(engine, first)
    with Session(engine) as s:
        card = "---\nlicense: apache-2.0\n---\nQwen3-8B has 8.2B parameters.\n"
        apply_page(s, [entry(QWEN)], "hf:Qwen", "original", URL, RULES, True, {QWEN: card})
        card_claims.release(s, [first])
        s.commit()
    second = start(engine, pid=4343)
    with Session(engine) as s:
        assert card_claims.claim(s, [QWEN], second) == set()
        assert card_backlog(s, ["Qwen"], 10, second) == []
    # A new sha wants the card again, and the claim is the new run's.
    assert store_page(engine, second, [entry(QWEN, sha="b" * 40)]) == [QWEN]


def test_a_page_of_two_orgs_claims_per_repo(engine):
    """Claims are per repo: a run holding one card does not block the rest of a page."""
    first, second = start(engine), start(engine, pid=4343)
    assert store_page(engine, first, [entry(QWEN)]) == [QWEN]
    page = [entry(QWEN), entry("Qwen/Qwen3-14B")]
    assert store_page(engine, second, page) == ["Qwen/Qwen3-14B"]
    assert {r: holder(engine, r) for r in (QWEN, "Qwen/Qwen3-14B")} == {
        QWEN: first,
        "Qwen/Qwen3-14B": second,
    }


def test_a_run_claims_no_more_cards_than_it_may_still_fetch(engine):
    """Over its budget a run leaves the other cards unclaimed: another crawl may take them
    now, and the next run finds them in its backlog."""
    first, second = start(engine), start(engine, pid=4343)
    page = [entry("Qwen/Qwen3-14B"), entry(QWEN)]
    assert store_page(engine, first, page, limit=1) == ["Qwen/Qwen3-14B"]
    assert holder(engine, QWEN) is None
    assert store_page(engine, second, page, limit=0) == []
    with Session(engine) as s:
        assert card_backlog(s, ["Qwen"], 10, second) == [(QWEN, "hf:Qwen")]


def test_without_a_run_nothing_is_claimed(engine):
    """renormalize and the other offline callers fetch nothing: they claim nothing."""
    assert store_page(engine, None) == [QWEN]
    assert holder(engine, QWEN) is None
