"""Push deliveries: what the web endpoint received, waiting for the scheduler to act.

The web process records each delivery (`record_delivery`); the scheduler process, which
owns the crawls, asks which orgs are due (`due_orgs`) and marks what it did with them
(`mark_handled`). The store is the only thing both share, so either may restart without
losing a delivery.

Debouncing: an org is due once its newest pending delivery is `quiet_s` old (a burst of
commits on a launch settles), or its oldest `max_wait_s` old (a steady stream still gets a
crawl). The scheduler picks the numbers (`ingest.schedule.PUSH_*`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from store.models import HookDelivery, Variant, utcnow


@dataclass(frozen=True, slots=True)
class DueOrg:
    org: str
    repos: tuple[str, ...]
    delivery_ids: tuple[int, ...]


def record_delivery(session: Session, delivery: HookDelivery) -> bool:
    """Store a delivery; False when the same bytes were delivered before (a replay)."""
    try:
        with session.begin_nested():
            session.add(delivery)
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def due_orgs(session: Session, now: datetime, quiet_s: float, max_wait_s: float) -> list[DueOrg]:
    """Orgs (lower-case: the Hub's names are case-blind) whose pending deliveries settled."""
    org = func.lower(HookDelivery.org)
    rows = session.exec(
        select(org, func.min(HookDelivery.received_at), func.max(HookDelivery.received_at))
        .where(HookDelivery.status == "pending")
        .group_by(org)
    ).all()
    due = []
    for name, oldest, newest in rows:
        settled = now - _aware(newest) >= timedelta(seconds=quiet_s)
        overdue = now - _aware(oldest) >= timedelta(seconds=max_wait_s)
        if not (settled or overdue):
            continue
        pending = session.exec(
            select(HookDelivery.id, HookDelivery.repo).where(
                HookDelivery.status == "pending", org == name
            )
        ).all()
        repos = tuple(sorted({repo for _, repo in pending}))
        due.append(DueOrg(name, repos, tuple(i for i, _ in pending)))
    return due


def mark_handled(session: Session, ids: tuple[int, ...], status: str, note: str) -> None:
    session.execute(
        update(HookDelivery)
        .where(HookDelivery.id.in_(ids))
        .values(status=status, note=note[:500], handled_at=utcnow())
    )
    session.commit()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def source_of_repo(session: Session, repo: str) -> str | None:
    """The source a known repo was found by (the Hub compares repo ids case-insensitively)."""
    exact = session.exec(select(Variant.source).where(Variant.repo_id == repo)).first()
    if exact is not None:  # the index answers; the case-blind scan is the rare fallback
        return exact
    return session.exec(
        select(Variant.source).where(func.lower(Variant.repo_id) == repo.lower()).limit(1)
    ).first()


def pending_count(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(HookDelivery).where(HookDelivery.status == "pending")
    ).one()


def prune(session: Session, before: datetime) -> int:
    """Forget deliveries handled before `before` (a replay of one that old crawls again)."""
    result = session.execute(
        delete(HookDelivery).where(
            HookDelivery.status != "pending", HookDelivery.handled_at < before
        )
    )
    session.commit()
    return result.rowcount or 0
