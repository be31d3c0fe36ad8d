"""The WebSub callback: `/hooks/websub/{token}`, one per subscription (W3C WebSub).

- `GET` is the hub's verification of intent: confirmed (the `hub.challenge` echoed as
  text/plain, the lease recorded) only for a token we handed out, the `hub.topic` of that
  subscription and a subscribe request still waiting; anything else is 404, so a stranger
  cannot make us confirm what we never asked for. `hub.mode=denied` records the hub's
  refusal, after which the feed is polled.
- `POST` is a content delivery: read up to `MAX_BODY_BYTES` (a polled feed's limit), then
  accepted only with an `X-Hub-Signature: <sha1|sha256|sha384|sha512>=<hex>` that is the
  HMAC of the raw body with the subscription's secret, compared in constant time. A
  missing, malformed or wrong signature is 403 and nothing is stored. A good one is stored
  (`store.websub.record_delivery`; the same bytes again are a duplicate) for the source's
  crawl, which the scheduler starts within seconds and which reads the body as a polled
  copy of the feed. Like `web.hooks`, this process never crawls.

The token is the only thing naming a subscription, so it is random (`secrets`), and the
route is public (under `/hooks/`, `web.auth.PUBLIC_PREFIXES`): hubs do not log in.
"""

from __future__ import annotations

import hashlib
import hmac

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlmodel import Session

from store import websub
from store.models import utcnow
from web.hooks import limited_body

router = APIRouter()

# As much as a polled feed may be (spiders.feeds.FEED_MAX_BYTES; tests/test_websub.py
# checks the two agree): a hub delivers the same document.
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_CHALLENGE = 1024
SIGNATURE_METHODS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def signature_ok(header: str | None, body: bytes, secret: str) -> bool:
    """Whether `X-Hub-Signature` is `method=hex` of the body's HMAC with `secret`."""
    if not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    digest = SIGNATURE_METHODS.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    # Bytes of one alphabet: equal time for any two values of one length, and a
    # non-ASCII header cannot raise.
    return hmac.compare_digest(given.strip().lower().encode("utf-8", "replace"), expected.encode())


def _lease(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 else None


@router.get("/hooks/websub/{token}", include_in_schema=False)
async def verify(request: Request, token: str) -> PlainTextResponse:
    query = request.query_params
    mode = query.get("hub.mode", "")
    topic = query.get("hub.topic", "")
    challenge = query.get("hub.challenge", "")

    def check() -> str | None:
        with Session(request.app.state.engine) as session:
            sub = websub.by_token(session, token)
            if sub is None:
                return "unknown subscription"
            now = utcnow()
            if mode == "denied":
                ok = websub.deny(session, sub, topic, query.get("hub.reason", "")[:300], now)
                session.commit()
                return None if ok else "hub.topic is not this subscription's topic"
            if not challenge or len(challenge) > MAX_CHALLENGE:
                return "no usable hub.challenge"
            why = websub.verify(
                session, sub, mode, topic, _lease(query.get("hub.lease_seconds")), now
            )
            session.commit()
            return why

    why = await anyio.to_thread.run_sync(check)
    if why:
        raise HTTPException(404, why)
    body = "" if mode == "denied" else challenge
    return PlainTextResponse(body, headers={"X-Content-Type-Options": "nosniff"})


@router.post("/hooks/websub/{token}", include_in_schema=False)
async def deliver(request: Request, token: str) -> JSONResponse:
    engine = request.app.state.engine

    def find():
        with Session(engine) as session:
            sub = websub.by_token(session, token)
            if sub is not None:
                session.expunge(sub)
            return sub

    sub = await anyio.to_thread.run_sync(find)
    if sub is None:
        raise HTTPException(404, "unknown subscription")
    body = await limited_body(request, MAX_BODY_BYTES)
    if not signature_ok(request.headers.get("x-hub-signature"), body, sub.secret):
        raise HTTPException(403, "missing or wrong X-Hub-Signature: delivery ignored")
    digest = hashlib.sha256(body).hexdigest()

    def store() -> bool:
        with Session(engine) as session:
            return websub.record_delivery(
                session, sub, body, digest, request.headers.get("content-type"), utcnow()
            )

    fresh = await anyio.to_thread.run_sync(store)
    status = "queued" if fresh else "duplicate"
    return JSONResponse({"status": status, "source": sub.source}, status_code=202 if fresh else 200)
