"""Push from the Hugging Face Hub: `POST /hooks/huggingface` receives webhook deliveries.

The Hub posts a JSON body (`event.action`, `event.scope`, `repo.type`, `repo.name`,
`repo.headSha`, …) and sends the webhook's secret verbatim in `X-Webhook-Secret` (or, when
the operator put it in the target URL, as `?secret=`). The route:

- is off (404) unless `TOOLSCOUT_HF_WEBHOOK_SECRET` is set;
- compares the secret in constant time before reading the body: a wrong or missing one is
  401 and nothing is stored or run;
- reads at most `MAX_BODY_BYTES` (the Hub's payloads are a few KB), validates the payload and
  stores it (`store.hooks.record_delivery`); the same bytes delivered twice (the Hub's
  "Replay" button, a retry) are stored once and answer `duplicate`;
- never crawls itself: the scheduler process, which owns the crawls, reads the pending
  deliveries and starts the source's crawl (`ingest.schedule`). That keeps one runner and
  one kind of run record, and a delivery received while the scheduler restarts waits in
  the store instead of being lost.

What is worth a crawl is decided here from the event alone: a model repo created, updated,
moved or given new content (`repo` and `repo.content` scopes, and narrower scopes under
them as the Hub's documentation asks). Everything else is recorded as `ignored` with why.
Whether the repo's org is one toolscout watches is the scheduler's call: it knows the
configured sources, this process does not.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import anyio
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from store.hooks import record_delivery
from store.models import HookDelivery

router = APIRouter()

MAX_BODY_BYTES = 256 * 1024
REPO_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$"
CRAWL_ACTIONS = frozenset({"create", "update", "move"})


class HubEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action: str = Field(min_length=1, max_length=50)
    scope: str = Field(min_length=1, max_length=100)


class HubRepo(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str = Field(min_length=1, max_length=20)
    name: str = Field(pattern=REPO_NAME)
    headSha: str | None = Field(default=None, pattern=r"^[0-9a-f]{7,64}$")  # noqa: N815


class HubDelivery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event: HubEvent
    repo: HubRepo


def worth_a_crawl(delivery: HubDelivery) -> str | None:
    """None when the event may have changed what toolscout reads of a model; else why not.

    The Hub's rule for scopes it adds later: an action on a narrower scope is an "update"
    of the broader one. So `repo.content.*` is new content, `repo.config.*` a settings
    change (nothing toolscout reads), and any other `repo.*` an update of the repo."""
    if delivery.repo.type != "model":
        return f"a {delivery.repo.type} repo, not a model"
    scope, action = delivery.event.scope, delivery.event.action
    if _within(scope, "repo.config") or not _within(scope, "repo"):
        return f"scope {scope!r} does not change a model's files or listing"
    if scope == "repo" and action not in CRAWL_ACTIONS:
        return f"action {action!r} on a repo"
    return None


def _within(scope: str, broader: str) -> bool:
    return scope == broader or scope.startswith(broader + ".")


async def limited_body(request: Request, limit: int) -> bytes:
    """A push delivery's raw body, refused with 413 past `limit` bytes: by its declared
    length before reading, by the bytes streamed when the length lies or is absent."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise HTTPException(413, f"a delivery is at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"a delivery is at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> HubDelivery:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise HTTPException(400, "the body is not JSON") from exc
    try:
        return HubDelivery.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise HTTPException(422, f"not a Hub webhook payload: {where}: {first['msg']}") from exc


def _secret_ok(request: Request, secret: str) -> bool:
    given = request.headers.get("x-webhook-secret")
    if given is None:
        given = request.query_params.get("secret", "")
    # compare_digest on bytes: equal time for any two values of one length, and a
    # non-ASCII header cannot raise.
    return hmac.compare_digest(given.encode("utf-8", "replace"), secret.encode())


@router.post("/hooks/huggingface", status_code=202, include_in_schema=False)
async def huggingface(request: Request) -> JSONResponse:
    secret = request.app.state.config.hf_webhook_secret
    if not secret:
        raise HTTPException(404, "Hub webhooks are off (set TOOLSCOUT_HF_WEBHOOK_SECRET)")
    if not _secret_ok(request, secret):
        raise HTTPException(401, "wrong or missing X-Webhook-Secret")
    body = await limited_body(request, MAX_BODY_BYTES)
    delivery = _parse(body)
    why_not = worth_a_crawl(delivery)
    org = delivery.repo.name.split("/", 1)[0]
    row = HookDelivery(
        digest=hashlib.sha256(body).hexdigest(),
        scope=delivery.event.scope,
        action=delivery.event.action,
        repo=delivery.repo.name,
        org=org,
        head_sha=delivery.repo.headSha,
        status="ignored" if why_not else "pending",
        note=why_not,
    )

    def store() -> bool:
        with Session(request.app.state.engine) as session:
            return record_delivery(session, row)

    fresh = await anyio.to_thread.run_sync(store)
    status = "duplicate" if not fresh else ("ignored" if why_not else "queued")
    answer = {"status": status, "repo": delivery.repo.name}
    if why_not:
        answer["reason"] = why_not
    return JSONResponse(answer, status_code=202 if status == "queued" else 200)
