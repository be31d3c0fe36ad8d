"""Which crawl fetches a repo's card: a claim per repo, held by one live run.

Crawls on several hosts (or a scheduler's overlapping jobs) list the same orgs. Without a
claim, two of them each see that a queued release's card is missing and both fetch it,
one through its listing entry, the other, from the backlog, through the repo's model info:
twice the requests, and the stored card cites whichever document was applied last. So a
run takes a card only by claiming it first, in the transaction that decides it is wanted
(the page that lists the repo, or the backlog a run starts with), and lets go of its
claims when it closes.

A claim binds while its run is `running` and is younger than CLAIM_LEASE. A run whose
process died is closed by its host (`runs.close_abandoned`, `runs.mark_dead_runs`), which
frees its claims at once; the lease frees those of a host that never comes back. A card
still missing once its claim is gone is in the next run's backlog: nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, not_, or_, update
from sqlmodel import Session, select

from store.models import CrawlRun, Variant, utcnow

# Longer than a crawl's default time limit (ingest.crawl.DEFAULT_TIME_LIMIT_S, one hour),
# so only a run that nothing closed outlives it.
CLAIM_LEASE = timedelta(hours=2)


def claimable(run_id: int, now: datetime | None = None):
    """The condition on a variant that its card's claim is this run's, or nobody's (none,
    lapsed, or its run is over): what a backlog query adds."""
    now = now or utcnow()
    live = exists().where(CrawlRun.id == Variant.card_run_id, CrawlRun.status == "running")
    return or_(
        Variant.card_run_id.is_(None),
        Variant.card_run_id == run_id,
        Variant.card_claimed_at < now - CLAIM_LEASE,
        not_(live),
    )


def _card_missing():
    return or_(Variant.info_sha.is_(None), Variant.info_sha != Variant.sha)


def claim(
    session: Session, repo_ids: Iterable[str], run_id: int, now: datetime | None = None
) -> set[str]:
    """Claim the cards of these repos for `run_id`; returns the repos now claimed by it.

    A repo whose card another live run holds, or whose card is stored for its sha by now,
    is not claimed. On PostgreSQL the rows are locked in repo order first, so two writers
    claiming overlapping pages wait on each other instead of deadlocking; the second then
    sees the first one's claim."""
    ids = sorted(set(repo_ids))
    if not ids:
        return set()
    now = now or utcnow()
    wanted = and_(Variant.repo_id.in_(ids), _card_missing(), claimable(run_id, now))
    if session.get_bind().dialect.name == "postgresql":
        session.exec(
            select(Variant.id).where(Variant.repo_id.in_(ids)).order_by(Variant.repo_id)
            .with_for_update()
        ).all()  # fmt: skip
    session.execute(
        update(Variant.__table__).where(wanted).values(card_run_id=run_id, card_claimed_at=now)
    )
    held = select(Variant.repo_id).where(Variant.repo_id.in_(ids), Variant.card_run_id == run_id)
    return set(session.exec(held).all())


def release(session: Session, run_ids: Iterable[int]) -> int:
    """Let go of every claim of these runs (a crawl closing); returns how many."""
    ids = list(run_ids)
    if not ids:
        return 0
    result = session.execute(
        update(Variant.__table__)
        .where(Variant.card_run_id.in_(ids))
        .values(card_run_id=None, card_claimed_at=None)
    )
    return result.rowcount or 0
