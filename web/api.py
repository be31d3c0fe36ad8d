"""The public, read-only API for downstream sites (documented at /openapi.json, /api/docs).

Each list is one indexed keyset query on the published records (`tool`, kept by
`store.publish`): `WHERE <filters> AND id > :cursor ORDER BY id LIMIT n`, so a page costs the
same on the first or the thousandth page of 100,000 records. The ETag of a list is the newest
change's id with the query; a client that sends it back gets 304 before any record is read.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import Text, cast, func, select, tuple_
from sqlalchemy.engine import Connection

from store.models import Candidate, Observation, Tool, ToolChange
from web.schemas import ChangePage, Problem, ToolDetail, ToolPage

router = APIRouter(tags=["read API"])
API_VERSION = "1"
MAX_LIMIT = 500


def make_etag(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, (API_VERSION, *parts))).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def not_modified(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match")
    if not sent:
        return False
    if sent.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    return etag.removeprefix("W/") in tags


def _version(conn: Connection) -> int:
    return conn.execute(select(func.max(ToolChange.id))).scalar() or 0


def encode_cursor(tool_id: int, updated_at: datetime | None = None) -> str:
    """Opaque: the last row's id, and its `updated_at` when the list is ordered by it."""
    text = f"t{tool_id}" if updated_at is None else f"u{tool_id}|{updated_at.isoformat()}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, by_time: bool) -> tuple[int, datetime | None]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if by_time and text.startswith("u"):
            tool_id, _, when = text[1:].partition("|")
            return int(tool_id), _utc(datetime.fromisoformat(when))
        if not by_time and text.startswith("t"):
            return int(text[1:]), None
        raise ValueError(text)
    except ValueError as exc:
        raise HTTPException(400, "bad cursor: pass next_cursor from the previous page") from exc


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get(
    "/api/tools",
    response_model=ToolPage,
    responses={304: {"description": "Not modified (If-None-Match)"}, 400: {"model": Problem}},
    summary="Published tools, one page at a time.",
    description=(
        "Accepted records only, in publication order; with `since`, in order of their last "
        "update (so a client polling with `since` sees each change once). Filters combine "
        "with AND. `min_params`/`max_params` keep the tools whose size range overlaps "
        "[min, max]. Follow `next_cursor` until it is null. Send the ETag back as "
        "If-None-Match to get 304 when nothing was published since."
    ),
)
def list_tools(
    request: Request,
    vendor: Annotated[
        str | None, Query(max_length=200, description="Vendor name, any case.")
    ] = None,
    license: Annotated[
        str | None, Query(max_length=200, description="License id, any case: apache-2.0.")
    ] = None,
    commercial: Annotated[
        bool | None, Query(description="Commercial use allowed (true) or not (false).")
    ] = None,
    min_params: Annotated[float | None, Query(ge=0, description="Parameters, e.g. 7e9.")] = None,
    max_params: Annotated[float | None, Query(ge=0, description="Parameters.")] = None,
    since: Annotated[
        datetime | None, Query(description="Only records updated at or after this time.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    after, after_at = decode_cursor(cursor, since is not None) if cursor else (0, None)
    with request.app.state.engine.connect() as conn:
        etag = make_etag(_version(conn), sorted(request.query_params.multi_items()))
        if not_modified(request, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        # The stored JSON text goes out as it is: no decoding and re-encoding per record.
        query = select(Tool.id, cast(Tool.record, Text), Tool.updated_at)
        if vendor:
            query = query.where(Tool.vendor_key == vendor.lower())
        if license:
            query = query.where(Tool.license_key == license.lower())
        if commercial is not None:
            query = query.where(Tool.commercial_use == commercial)
        if min_params is not None:
            query = query.where(Tool.params_max >= min_params)
        if max_params is not None:
            query = query.where(Tool.params_min <= max_params)
        if since is None:
            # (filter column, id) indexes: an equality filter plus this is one range scan.
            query = query.where(Tool.id > after).order_by(Tool.id)
        else:
            # (updated_at, id) index: the keyset follows the time order.
            query = query.where(Tool.updated_at >= _utc(since))
            if after_at is not None:
                query = query.where(tuple_(Tool.updated_at, Tool.id) > tuple_(after_at, after))
            query = query.order_by(Tool.updated_at, Tool.id)
        rows = conn.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = ",".join(record for _, record, _ in rows)
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(last[0], last[2] if since is not None else None) if more else None
    cursor_json = orjson.dumps(next_cursor).decode()
    body = f'{{"items":[{items}],"next_cursor":{cursor_json}}}'.encode()
    return Response(
        body,
        media_type="application/json",
        headers={"ETag": etag, "Cache-Control": "no-cache"},
    )


def _sources_and_evidence(conn: Connection, tool: dict, candidate_id: int) -> tuple[list, list]:
    ids = [candidate_id]
    ids += conn.execute(
        select(Candidate.id).where(
            Candidate.duplicate_of == candidate_id, Candidate.status == "duplicate"
        )
    ).scalars()
    overrides = conn.execute(
        select(Candidate.overrides).where(Candidate.id == candidate_id)
    ).scalar()
    obs = conn.execute(
        select(Observation)
        .where(Observation.candidate_id.in_(ids))
        .order_by(Observation.field, Observation.subject, Observation.extractor)
    ).all()
    evidence, sources = [], {}
    for o in obs:
        seen = o.seen_at.isoformat() if o.seen_at else None
        evidence.append(
            {
                "field": o.field,
                "subject": o.subject,
                "value": o.value,
                "source_url": o.source_url,
                "snippet": o.snippet,
                "extractor": o.extractor,
                "seen_at": seen,
            }
        )
        kind = "announcement" if o.field == "announcement" else "hub"
        if "://" in o.subject and kind == "hub":
            kind = "page"
        title = (
            o.value.get("title") if kind == "announcement" and isinstance(o.value, dict) else None
        )
        url = o.source_url.split("#", 1)[0]  # "#cardData": a place in one document
        current = sources.get(url)
        if current is None or (seen or "") > (current["seen_at"] or ""):
            sources[url] = {
                "url": url,
                "kind": kind,
                "title": title,
                "seen_at": seen,
            }
    for field, value in (overrides or {}).items():
        evidence.append(
            {
                "field": field,
                "subject": "editor",
                "value": value,
                "source_url": None,
                "snippet": "set by an editor",
                "extractor": "editor",
                "seen_at": tool.get("updated_at"),
            }
        )
    return sorted(sources.values(), key=lambda s: s["url"]), evidence


@router.get(
    "/api/tools/{slug}",
    response_model=ToolDetail,
    responses={304: {"description": "Not modified"}, 404: {"model": Problem}},
    summary="One published tool, with its sources and the evidence behind each value.",
)
def get_tool(request: Request, slug: str) -> Response:
    with request.app.state.engine.connect() as conn:
        row = conn.execute(select(Tool.candidate_id, Tool.record).where(Tool.slug == slug)).first()
        if row is None:
            raise HTTPException(404, f"no published tool {slug!r}")
        sources, evidence = _sources_and_evidence(conn, row.record, row.candidate_id)
    detail = {**row.record, "sources": sources, "evidence": evidence}
    body = orjson.dumps(detail)
    etag = make_etag(hashlib.sha256(body).hexdigest())
    if not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "no-cache"}
    )


@router.get(
    "/api/changes",
    response_model=ChangePage,
    responses={400: {"model": Problem}},
    summary="Field-level changes of published records, for incremental sync.",
    description=(
        "Start with since=0 and apply the changes in order: `publish` sets records[slug] "
        "to the whole record (value), `set` assigns records[slug][field] = value, "
        "`delete` removes records[slug]. Continue with "
        "since=next_since while has_more; later, poll with the last next_since. Replaying "
        "from 0 rebuilds exactly the records /api/tools serves. `since` also takes an ISO "
        "time (changes at or after it), but the sequence number is exact."
    ),
)
def changes(
    request: Request,
    since: Annotated[str, Query(max_length=40, description="A seq, or an ISO time.")] = "0",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> Response:
    columns = (ToolChange.id, ToolChange.at, ToolChange.slug, ToolChange.action, ToolChange.field)
    query = select(*columns, cast(ToolChange.value, Text).label("value"))
    if since.strip().isdigit():
        after = int(since)
        query = query.where(ToolChange.id > after)
    else:
        try:
            when = _utc(datetime.fromisoformat(since.strip().replace("Z", "+00:00")))
        except ValueError as exc:
            raise HTTPException(400, "since: a sequence number or an ISO 8601 time") from exc
        query = query.where(ToolChange.at >= when)
        after = 0
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(query.order_by(ToolChange.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    # Values are spliced in as stored (JSON text): a change may carry a whole record.
    changes = ",".join(
        orjson.dumps(
            {
                "seq": r.id,
                "at": r.at.isoformat(),
                "slug": r.slug,
                "action": r.action,
                "field": r.field,
            }
        )[:-1].decode()
        + f',"value":{r.value or "null"}}}'
        for r in rows
    )
    next_since = rows[-1].id if rows else after
    body = f'{{"changes":[{changes}],"next_since":{next_since},"has_more":{"true" if more else "false"}}}'
    return Response(
        body.encode(), media_type="application/json", headers={"Cache-Control": "no-cache"}
    )
