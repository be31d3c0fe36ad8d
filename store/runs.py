"""Crawl runs, their errors, and what each source remembers between runs."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlmodel import Session, select

from store import card_claims
from store.models import CrawlError, CrawlRun, SourceState, utcnow


def start_run(session: Session, source: str, started_at: datetime | None = None) -> int:
    run = CrawlRun(
        source=source, pid=os.getpid(), host=this_host(), started_at=started_at or utcnow()
    )
    session.add(run)
    session.commit()
    return run.id


def this_host() -> str:
    return socket.gethostname()[:255]


def record_error(session: Session, run_id: int | None, source: str, url: str, reason: str) -> None:
    session.add(CrawlError(run_id=run_id, source=source, url=url[:2048], reason=reason[:2000]))


def finish_run(
    session: Session, run_id: int, counts: dict[str, int], status: str, message: str | None = None
) -> None:
    run = session.get(CrawlRun, run_id)
    for key, value in counts.items():
        if key in CrawlRun.model_fields:  # a pipeline may count more than a run keeps
            setattr(run, key, value)
    run.status = status
    run.message = message
    run.finished_at = utcnow()
    session.add(run)


def mark_dead_runs(session: Session, pid: int, status: str, message: str) -> int:
    """Runs a child process left 'running' when it was killed or timed out; the cards
    they had claimed are free again."""
    dead = (CrawlRun.pid == pid, CrawlRun.status == "running")
    ids = list(session.exec(select(CrawlRun.id).where(*dead)).all())
    result = session.execute(
        update(CrawlRun).where(*dead).values(status=status, message=message, finished_at=utcnow())
    )
    card_claims.release(session, ids)
    session.commit()
    return result.rowcount or 0


def close_abandoned(
    session: Session,
    sources: list[str] | None,
    before: datetime,
    alive: Callable[[int | None], bool],
) -> int:
    """Runs left 'running' by a crawl of this host whose process is gone: the crawl and the
    process that started it both died (kill -9 of both, a reboot, an OOM kill of the group),
    so nobody marked them. Closed as killed, so `status` stops showing them as going and the
    source is due again. Called by every command that looks at runs (`crawl`, `status`).

    Only runs of `sources` (None: all) started `before` now, recorded on this host (a run
    of another host, or one recorded before runs knew their host, is that host's to close)
    and whose pid `alive` says is not a crawl."""
    query = select(CrawlRun).where(
        CrawlRun.status == "running",
        CrawlRun.started_at < before,
        CrawlRun.host == this_host(),
    )
    if sources is not None:
        query = query.where(CrawlRun.source.in_(sources))
    now, closed = utcnow(), []
    for run in session.exec(query).all():
        if alive(run.pid):
            continue
        run.status = "killed"
        run.finished_at = now
        run.message = f"abandoned: crawl process {run.pid} is gone and nothing closed its run"
        session.add(run)
        closed.append(run.id)
    card_claims.release(session, closed)
    session.commit()
    return len(closed)


def source_state(session: Session, source: str) -> SourceState:
    return session.get(SourceState, source) or SourceState(source=source)


def _locked_state(session: Session, source: str) -> SourceState:
    """The source's state row, created if need be and locked to the end of the transaction:
    two crawls of one source (on two hosts) finishing at once must neither both insert it
    nor both read the old watermark and error count and each write its own."""
    table = SourceState.__table__
    insert = (sqlite.insert if session.get_bind().dialect.name == "sqlite" else pg.insert)(table)
    session.execute(insert.values(source=source).on_conflict_do_nothing())
    return session.exec(
        select(SourceState)
        .where(SourceState.source == source)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def save_success(session: Session, source: str, run_id: int, watermark: str | None) -> None:
    state = _locked_state(session, source)
    if watermark and (state.watermark is None or watermark > state.watermark):
        state.watermark = watermark
    state.last_run_id = run_id
    state.last_success_at = utcnow()
    state.consecutive_errors = 0
    state.last_error = None
    session.add(state)


def save_failure(session: Session, source: str, run_id: int, error: str) -> None:
    state = _locked_state(session, source)
    state.last_run_id = run_id
    state.consecutive_errors += 1
    state.last_error = error[:2000]
    session.add(state)


def watermarks(session: Session, sources: list[str]) -> dict[str, str]:
    rows = session.exec(select(SourceState).where(SourceState.source.in_(sources)))
    return {row.source: row.watermark for row in rows if row.watermark}


def latest_runs(session: Session) -> list[CrawlRun]:
    newest = (
        select(CrawlRun.source, func.max(CrawlRun.id).label("id")).group_by(CrawlRun.source)
    ).subquery()
    return list(session.exec(select(CrawlRun).join(newest, CrawlRun.id == newest.c.id)))


def runs_since(session: Session, started: datetime) -> list[CrawlRun]:
    return list(
        session.exec(select(CrawlRun).where(CrawlRun.started_at >= started).order_by(CrawlRun.id))
    )
