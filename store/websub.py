"""WebSub subscriptions (W3C Recommendation): what was asked of which hub, what it answered,
and the feed documents it pushed.

Three processes share these rows and nothing else: the crawl records the hub and topic a
feed advertises (`discovered`); the scheduler subscribes, renews and gives up
(`next_action`, `mark_requested`, `mark_failed`, `expire`), through the fetch layer; the
web callback verifies intent (`verify`, `deny`) and stores signed deliveries
(`record_delivery`), which the source's next crawl reads as a polled copy of the feed
(`pending_deliveries`, `mark_processed`). So any of them may restart without losing a
subscription or a delivery.

A subscription's life, in `state`:

    discovered ─subscribe→ requested ─hub verifies→ active ─renew at 80%→ active …
         ▲                    │ no verification in time,     │ lease ran out
         └──── retry ──── failed ◀─ hub refused, unreachable, └→ expired → subscribe again
                                     refused by the URL policy

While a subscription is not `active` the feed is polled as any other (`push_health` tells
`store.cadence` so); a failed one is tried again after `retry_delay`.

This module decides nothing about URLs (the fetch layer does) or what a feed says.
"""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.models import WebSubDelivery, WebSubSubscription, utcnow

REQUESTED_LEASE_S = 10 * 86400  # what we ask for; the hub decides (hub.lease_seconds)
RENEW_AT = 0.8  # of the lease: renewed with a fifth of it left
VERIFY_TIMEOUT_S = 300.0  # a hub that has not verified by then is not going to
RETRY_BASE_S = 900.0
RETRY_CAP_S = 24 * 3600.0
ERROR_MAX = 500
ZLIB_LEVEL = 3

DISCOVERED, REQUESTED, ACTIVE, FAILED, EXPIRED = (
    "discovered",
    "requested",
    "active",
    "failed",
    "expired",
)


@dataclass(frozen=True, slots=True)
class Action:
    """What the scheduler should do about one subscription now."""

    kind: str  # subscribe | renew | timeout | expire
    why: str


@dataclass(frozen=True, slots=True)
class PushHealth:
    """How push stands for a source: None when it has none, else healthy or not and why."""

    healthy: bool | None
    why: str | None = None


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def retry_delay(failures: int) -> float:
    """Seconds before a failed subscription is tried again: doubling from 15 min to 24 h."""
    if failures <= 0:
        return 0.0
    return min(RETRY_BASE_S * 2.0 ** min(failures - 1, 20), RETRY_CAP_S)


def renew_at(sub: WebSubSubscription) -> datetime | None:
    verified, lease = aware(sub.verified_at), sub.lease_seconds
    if verified is None or not lease:
        return None
    return verified + timedelta(seconds=lease * RENEW_AT)


def next_action(
    sub: WebSubSubscription, now: datetime, verify_timeout_s: float = VERIFY_TIMEOUT_S
) -> Action | None:
    """The one thing due for `sub` at `now`, or None (a pure function of the row)."""
    requested = aware(sub.requested_at)
    expires = aware(sub.lease_expires_at)
    retry_ok = sub.failed_at is None or now >= aware(sub.failed_at) + timedelta(
        seconds=retry_delay(sub.failures)
    )
    if requested is not None:
        if now - requested >= timedelta(seconds=verify_timeout_s):
            return Action("timeout", f"the hub did not verify within {verify_timeout_s:.0f}s")
        return None  # waiting for the hub's verification
    if sub.state == ACTIVE:
        if expires is not None and now >= expires:
            return Action("expire", f"lease expired at {expires.isoformat(timespec='seconds')}")
        due = renew_at(sub)
        if due is not None and now >= due and retry_ok:
            return Action("renew", f"{RENEW_AT:.0%} of the {sub.lease_seconds}s lease is gone")
        return None
    if sub.state in (DISCOVERED, EXPIRED):
        return Action("subscribe", f"subscription {sub.state}")
    if sub.state == FAILED and retry_ok:
        return Action("subscribe", f"retrying after {sub.failures} failed attempt(s)")
    return None


# -- the crawl ---------------------------------------------------------------------------
def discovered(session: Session, source: str, topic: str, hub: str) -> WebSubSubscription:
    """Record the hub and topic a feed advertises. A new hub or topic starts afresh: a new
    callback token and secret, so nothing the old hub sends is taken for the new one."""
    sub = session.exec(
        select(WebSubSubscription).where(WebSubSubscription.source == source)
    ).first()
    if sub is not None and (sub.topic, sub.hub) == (topic[:2048], hub[:2048]):
        return sub
    sub = sub or WebSubSubscription(source=source, topic="", hub="", token="", secret="")
    sub.topic, sub.hub = topic[:2048], hub[:2048]
    sub.token, sub.secret = secrets.token_urlsafe(32), secrets.token_hex(32)
    sub.state, sub.failures, sub.failed_at, sub.last_error = DISCOVERED, 0, None, None
    sub.requested_at = sub.verified_at = sub.lease_expires_at = None
    sub.lease_seconds = None
    sub.updated_at = utcnow()
    session.add(sub)
    return sub


def forget(session: Session, source: str) -> None:
    """The feed no longer advertises a hub: polling only."""
    sub = session.exec(
        select(WebSubSubscription).where(WebSubSubscription.source == source)
    ).first()
    if sub is not None:
        session.delete(sub)


# -- the scheduler -----------------------------------------------------------------------
def subscriptions(session: Session, sources: list[str] | None = None) -> list[WebSubSubscription]:
    query = select(WebSubSubscription).order_by(WebSubSubscription.id)
    if sources is not None:
        query = query.where(WebSubSubscription.source.in_(sources))
    return list(session.exec(query))


def mark_requested(session: Session, sub: WebSubSubscription, now: datetime) -> None:
    """The hub accepted a subscribe request (202): its verification is awaited."""
    sub.requested_at = now
    if sub.state != ACTIVE:  # a renewal keeps the lease it has meanwhile
        sub.state = REQUESTED
    sub.updated_at = now
    session.add(sub)


def mark_failed(session: Session, sub: WebSubSubscription, why: str, now: datetime) -> None:
    """A subscribe or renewal that did not work. A lease still running keeps pushing (and
    the renewal is retried); anything else falls back to polling."""
    sub.requested_at = None
    sub.failures += 1
    sub.failed_at = now
    sub.last_error = why[:ERROR_MAX]
    expires = aware(sub.lease_expires_at)
    if not (sub.state == ACTIVE and expires is not None and now < expires):
        sub.state = FAILED
    sub.updated_at = now
    session.add(sub)


def expire(session: Session, sub: WebSubSubscription, why: str, now: datetime) -> None:
    sub.state = EXPIRED
    sub.last_error = why[:ERROR_MAX]
    sub.updated_at = now
    session.add(sub)


# -- the web callback --------------------------------------------------------------------
def by_token(session: Session, token: str) -> WebSubSubscription | None:
    if not token or len(token) > 64:
        return None
    return session.exec(select(WebSubSubscription).where(WebSubSubscription.token == token)).first()


def verify(
    session: Session,
    sub: WebSubSubscription,
    mode: str,
    topic: str,
    lease_seconds: int | None,
    now: datetime,
) -> str | None:
    """Confirm the hub's verification of intent; None when confirmed, else why not (the
    callback answers 404). Only a subscribe we asked for, for this topic, is confirmed."""
    if mode != "subscribe":
        return f"hub.mode {mode[:20]!r} was not asked for"
    if topic != sub.topic:
        return "hub.topic is not this subscription's topic"
    if sub.requested_at is None:
        return "no subscribe request is waiting for verification"
    lease = lease_seconds if lease_seconds and lease_seconds > 0 else REQUESTED_LEASE_S
    sub.state = ACTIVE
    sub.requested_at = None
    sub.verified_at = now
    sub.lease_seconds = lease
    sub.lease_expires_at = now + timedelta(seconds=lease)
    sub.failures, sub.failed_at, sub.last_error = 0, None, None
    sub.updated_at = now
    session.add(sub)
    return None


def deny(session: Session, sub: WebSubSubscription, topic: str, reason: str, now: datetime) -> bool:
    """The hub refused the subscription (hub.mode=denied); False when not about our topic."""
    if topic != sub.topic:
        return False
    mark_failed(
        session, sub, f"the hub denied the subscription: {reason or 'no reason given'}", now
    )
    if sub.state == ACTIVE:  # a denial ends the subscription, lease or not
        sub.state = FAILED
    return True


def record_delivery(
    session: Session,
    sub: WebSubSubscription,
    body: bytes,
    digest: str,
    content_type: str | None,
    now: datetime,
) -> bool:
    """Store a signed delivery for the source's next crawl; False when the same bytes were
    delivered before (a hub's retry, a replay): it is not read twice."""
    row = WebSubDelivery(
        source=sub.source,
        digest=digest,
        received_at=now,
        content_type=(content_type or "")[:200] or None,
        body=zlib.compress(body, ZLIB_LEVEL),
        size=len(body),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        session.rollback()
        return False
    session.execute(
        update(WebSubSubscription)
        .where(WebSubSubscription.id == sub.id)
        .values(
            last_delivery_at=now,
            deliveries=WebSubSubscription.deliveries + 1,
        )
    )
    session.commit()
    return True


# -- the crawl reading what was pushed ---------------------------------------------------
def pending_sources(session: Session) -> list[str]:
    rows = session.exec(
        select(WebSubDelivery.source).where(WebSubDelivery.status == "pending").distinct()
    )
    return sorted(rows)


def pending_deliveries(session: Session, sources: list[str]) -> dict[str, list[tuple]]:
    """source -> [(delivery id, body, content type)], oldest first."""
    rows = session.exec(
        select(WebSubDelivery)
        .where(WebSubDelivery.status == "pending", WebSubDelivery.source.in_(sources))
        .order_by(WebSubDelivery.id)
    )
    found: dict[str, list[tuple]] = {}
    for row in rows:
        body = zlib.decompress(row.body) if row.body is not None else b""
        found.setdefault(row.source, []).append((row.id, body, row.content_type))
    return found


def mark_processed(session: Session, ids: list[int], run_id: int | None) -> None:
    if not ids:
        return
    session.execute(
        update(WebSubDelivery)
        .where(WebSubDelivery.id.in_(ids))
        .values(status="processed", processed_at=utcnow(), run_id=run_id)
    )


# -- what the cadence and status see -----------------------------------------------------
def push_health(sub: WebSubSubscription | None, now: datetime) -> PushHealth:
    """Healthy while a verified lease runs; unhealthy (with why) when the subscription
    failed, expired or waits for a verification; None without one."""
    if sub is None or (sub.state == DISCOVERED and not sub.failures):
        return PushHealth(None)  # a hub advertised, never subscribed (no public URL)
    expires = aware(sub.lease_expires_at)
    if sub.state == ACTIVE and expires is not None and now < expires:
        until = expires.isoformat(timespec="seconds")
        return PushHealth(True, f"WebSub lease until {until}")
    if sub.state == FAILED:
        return PushHealth(False, f"WebSub failed: {sub.last_error or 'unknown'}")
    if sub.state in (ACTIVE, EXPIRED):
        return PushHealth(False, f"WebSub lease expired: {sub.last_error or 'not renewed'}")
    return PushHealth(False, f"WebSub {sub.state}, not verified yet")


def status_row(sub: WebSubSubscription | None, now: datetime) -> dict | None:
    """`toolscout status --json`'s `websub` object for one source."""
    if sub is None:
        return None
    push = push_health(sub, now)

    def iso(value: datetime | None) -> str | None:
        return aware(value).isoformat() if value else None

    return {
        "hub": sub.hub,
        "topic": sub.topic,
        "state": sub.state,
        "healthy": push.healthy,
        "reason": push.why,
        "lease_seconds": sub.lease_seconds,
        "lease_expires_at": iso(sub.lease_expires_at),
        "renew_at": iso(renew_at(sub)),
        "last_error": sub.last_error,
        "deliveries": sub.deliveries,
        "last_delivery_at": iso(sub.last_delivery_at),
    }
