"""The public, read-only API for downstream sites (documented at /openapi.json, /api/docs).

Each list is one indexed keyset query on the published records (`tool`, kept by
`store.publish`): `WHERE <filters> AND id > :cursor ORDER BY id LIMIT n`, so a page costs the
same on the first or the thousandth page of 100,000 records. The ETag of a list is the newest
change's id with the query; a client that sends it back gets 304 before any record is read.

The request path is kept short because it is most of the cost (bench/api_load.py, and
"Read API under load" in docs/performance.md): statements are compiled once per shape
(`web.readsql`), stored JSON is spliced rather than decoded and encoded again, and the
queries that read only their page run on the event loop instead of in a thread.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import math
import re
from datetime import UTC, datetime
from functools import cache, partial
from typing import Annotated

import anyio.to_thread
import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import Text, bindparam, cast, func, or_, select, tuple_
from sqlalchemy.engine import Connection, Dialect, Engine

from normalize.draft import DRAFT_FIELD
from normalize.params import parse_param_count
from store.models import Candidate, Observation, PriceHistory, Tool, ToolChange
from store.price_history import period as _period
from store.price_history import price_entries as _price_entries
from web.readsql import OverBudget, Prepared, prepare, result_processor
from web.schemas import ChangePage, PriceHistoryPage, Problem, ToolDetail, ToolPage

router = APIRouter(tags=["read API"])
API_VERSION = "1"
MAX_LIMIT = 500
# Thousands of SQLite VM steps a scanning list query may take on the event loop (about 2 ms;
# a size-range page of 50 takes 1-2 thousand, a range nothing matches 400-700 at 100k tools).
LOOP_SCAN_BUDGET = 20


def make_etag(*parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, (API_VERSION, *parts))).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def not_modified(request: Request | str | None, etag: str) -> bool:
    """Whether the If-None-Match sent (or the request's) names `etag`."""
    sent = request.headers.get("if-none-match") if isinstance(request, Request) else request
    if not sent:
        return False
    if sent.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    return etag.removeprefix("W/") in tags


def public_base(request: Request) -> str:
    """Where absolute links point: TOOLSCOUT_PUBLIC_URL, else the requested host, which
    `web.app.HostCheck` has checked against the allowed ones."""
    public_url = getattr(request.app.state.config, "public_url", None)
    return public_url or str(request.base_url).rstrip("/")


def _version(conn: Connection) -> int:
    return _statements(conn.dialect).version.rows(conn)[0][0] or 0


class _Statements:
    """The read API's statements for one dialect, compiled on first use (`web.readsql`)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.version = prepare(select(func.max(ToolChange.id)), dialect)
        self.updated_at = result_processor(Tool.__table__.c.updated_at, dialect)
        self.seen_at = result_processor(Observation.__table__.c.seen_at, dialect)
        self.pages: dict[tuple[bool, ...], Prepared] = {}
        self.tool = prepare(
            select(Tool.candidate_id, cast(Tool.record, Text), cast(Candidate.overrides, Text))
            .join(Candidate, Candidate.id == Tool.candidate_id)
            .where(Tool.slug == bindparam("slug")),
            dialect,
        )
        # The candidate's observations and its merged duplicates', in one statement.
        merged = select(Candidate.id).where(
            Candidate.duplicate_of == bindparam("candidate"), Candidate.status == "duplicate"
        )
        o = Observation
        self.evidence = prepare(
            select(o.field, o.subject, cast(o.value, Text), o.source_url, o.snippet)
            .add_columns(o.extractor, o.seen_at)
            .where(or_(o.candidate_id == bindparam("candidate"), o.candidate_id.in_(merged)))
            .where(o.field != DRAFT_FIELD)  # a draft's inputs are no evidence of a value
            .order_by(o.field, o.subject, o.extractor),
            dialect,
        )

    def page(self, shape: tuple[bool, ...]) -> Prepared:
        """The keyset query of one combination of filters (`_page_statement`)."""
        prepared = self.pages.get(shape)
        if prepared is None:
            prepared = self.pages[shape] = prepare(_page_statement(*shape), self.dialect)
        return prepared


@cache
def _statements(dialect: Dialect) -> _Statements:
    return _Statements(dialect)


def _page_statement(
    vendor: bool,
    license: bool,
    commercial: bool,
    min_params: bool,
    max_params: bool,
    since: bool,
    after_at: bool,
):
    """`WHERE <filters> AND <keyset> ORDER BY <keyset> LIMIT :limit`, with the filters that
    are present; the stored JSON text is selected as it is, to go out undecoded."""
    query = select(Tool.id, cast(Tool.record, Text), Tool.updated_at)
    if vendor:
        query = query.where(Tool.vendor_key == bindparam("vendor"))
    if license:
        query = query.where(Tool.license_key == bindparam("license"))
    if commercial:
        query = query.where(Tool.commercial_use == bindparam("commercial"))
    if min_params:
        query = query.where(Tool.params_max >= bindparam("min_params"))
    if max_params:
        query = query.where(Tool.params_min <= bindparam("max_params"))
    after = bindparam("after", type_=Tool.__table__.c.id.type)
    if not since:
        # (filter column, id) indexes: an equality filter plus this is one range scan.
        query = query.where(Tool.id > after).order_by(Tool.id)
    else:
        # (updated_at, id) index: the keyset follows the time order.
        at = Tool.__table__.c.updated_at.type
        query = query.where(Tool.updated_at >= bindparam("since", type_=at))
        if after_at:
            keyset = tuple_(bindparam("after_at", type_=at), after)
            query = query.where(tuple_(Tool.updated_at, Tool.id) > keyset)
        query = query.order_by(Tool.updated_at, Tool.id)
    return query.limit(bindparam("limit"))


def encode_cursor(tool_id: int, updated_at: datetime | None = None) -> str:
    """Opaque: the last row's id, and its `updated_at` when the list is ordered by it."""
    text = f"t{tool_id}" if updated_at is None else f"u{tool_id}|{updated_at.isoformat()}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


MAX_ID = 2**63 - 1  # ids are 64-bit signed integers in both databases
_SEQ = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also takes "²"


def parse_id(text: str) -> int:
    """A row id as sent by a client; ValueError past what the database can compare."""
    if not _SEQ.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    if value > MAX_ID:
        raise ValueError(text)
    return value


def decode_cursor(cursor: str, by_time: bool) -> tuple[int, datetime | None]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if by_time and text.startswith("u"):
            tool_id, _, when = text[1:].partition("|")
            return parse_id(tool_id), _utc(datetime.fromisoformat(when))
        if not by_time and text.startswith("t"):
            return parse_id(text[1:]), None
        raise ValueError(text)
    except (ValueError, OverflowError) as exc:
        raise HTTPException(400, "bad cursor: pass next_cursor from the previous page") from exc


def param_bound(name: str, text: str | None) -> float | None:
    """A size bound as the queue's filter takes it ("7B", "135M") or, as before, a number of
    parameters ("7e9", "7000000000"); a 400 naming the parameter otherwise."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        value = parse_param_count(text)
    if value is None or not math.isfinite(value) or value < 0:
        raise HTTPException(
            400, f"{name}: {text[:40]!r} is not a size like 7B, 135M or 7e9 (parameters)"
        )
    return value


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
async def list_tools(
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
    min_params: Annotated[
        str | None,
        Query(
            max_length=40,
            description='Smallest size wanted: "7B", "135M", "1.5T", or a count (7e9).',
            examples=["7B"],
        ),
    ] = None,
    max_params: Annotated[
        str | None,
        Query(
            max_length=40,
            description='Largest size wanted, as min_params: "70B" or 7e10.',
            examples=["70B"],
        ),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Only records updated at or after this time.")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    after, after_at = decode_cursor(cursor, since is not None) if cursor else (0, None)
    low, high = param_bound("min_params", min_params), param_bound("max_params", max_params)
    values = {
        "vendor": vendor.lower() if vendor else None,
        "license": license.lower() if license else None,
        "commercial": commercial,
        "min_params": low,
        "max_params": high,
        "since": _utc(since) if since is not None else None,
        "after_at": after_at,
    }
    shape = tuple(v is not None for v in values.values())
    query = (shape, {**values, "after": after, "limit": limit + 1})
    etag_parts = sorted(request.query_params.multi_items())
    sent = request.headers.get("if-none-match")
    engine = request.app.state.engine
    if _bounded(values):
        return _page(engine, query, etag_parts, sent)
    if engine.dialect.name == "sqlite":
        # A size range or combined filters usually find their page within a few hundred
        # rows (under a millisecond): tried on the event loop first, with a budget; only a
        # query that would scan on (a range nothing matches reads the whole table) is
        # handed to a worker thread. The hand-off and the threads' turns for the GIL cost
        # more than such a query: it made the size-range requests the slowest of all.
        with contextlib.suppress(OverBudget):
            return _page(engine, query, etag_parts, sent, budget=LOOP_SCAN_BUDGET)
    limiter = getattr(request.app.state, "scan_limiter", None)
    page = partial(_page, engine, query, etag_parts, sent)
    return await anyio.to_thread.run_sync(page, limiter=limiter)


def _bounded(values: dict[str, object]) -> bool:
    """Whether a list query reads at most its page from an index: no filter, or one equality
    filter with its (column, id) index, or `since` alone. Those run on the event loop (a few
    hundred microseconds, less than a hand-off to a thread); a query that may scan (a size
    range, filters combined) runs in a worker thread, so it cannot hold up the others."""
    present = {name for name, value in values.items() if value is not None} - {"after_at"}
    if "since" in present:
        return present == {"since"}
    return len(present) <= 1 and not present & {"min_params", "max_params"}


def _page(
    engine: Engine,
    query: tuple,
    etag_parts: list,
    if_none_match: str | None,
    budget: int | None = None,
) -> Response:
    shape, values = query
    statements = _statements(engine.dialect)
    with engine.connect() as conn:
        etag = make_etag(_version(conn), etag_parts)
        if not_modified(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        rows = statements.page(shape).rows(conn, values, budget)
    limit = values["limit"] - 1
    more = len(rows) > limit
    rows = rows[:limit]
    items = ",".join(record for _, record, _ in rows)
    last = rows[-1] if rows else None
    last_at = statements.updated_at(last[2]) if last and values["since"] is not None else None
    next_cursor = encode_cursor(last[0], last_at) if more else None
    cursor_json = orjson.dumps(next_cursor).decode()
    body = f'{{"items":[{items}],"next_cursor":{cursor_json}}}'.encode()
    return Response(
        body,
        media_type="application/json",
        headers={"ETag": etag, "Cache-Control": "no-cache"},
    )


HUB_SITE = "https://huggingface.co"  # where a person reads a repo (HF_ENDPOINT may be a mirror)
# Which kind names a document read for several fields: its announcement says most.
_KIND_RANK = {"announcement": 0, "pricing": 1, "page": 2, "hub": 3}


def source_of(field: str, subject: str, value: object, source_url: str, seen: str | None) -> dict:
    """One document behind a record, as `sources[]` lists it: a Hub repo, a provider's price
    entry, an announcement or another page, always titled. `url` is the document crawled
    (for a repo, often the API listing it came in); `page_url` is where a person reads it
    (a repo's model page), one source per page."""
    document = source_url.split("#", 1)[0]  # "#cardData": a place in one document
    if subject.startswith("pricing:"):
        provider, _, model = subject.removeprefix("pricing:").partition(":")
        title = f"{provider} price list: {model}" if model else f"{provider} price list"
        return _source(document, "pricing", title, seen, source_url)
    if "://" not in subject:  # a repo id: its model page, one source per repo
        return _source(document, "hub", subject, seen, f"{HUB_SITE}/{subject}")
    kind = "announcement" if field == "announcement" else "page"
    title = value.get("title") if isinstance(value, dict) else None
    return _source(document, kind, title or _url_title(document), seen, document)


def _source(url: str, kind: str, title: str, seen: str | None, page_url: str) -> dict:
    return {"url": url, "kind": kind, "title": title, "seen_at": seen, "page_url": page_url}


def _url_title(url: str) -> str:
    """A title for a page known only by its address: host and path."""
    rest = url.split("://", 1)[-1]
    return rest.rstrip("/")[:200] or url


def _better_source(new: dict, current: dict) -> bool:
    rank_new, rank_old = _KIND_RANK[new["kind"]], _KIND_RANK[current["kind"]]
    if rank_new != rank_old:
        return rank_new < rank_old
    return (new["seen_at"] or "") > (current["seen_at"] or "")


def _sources_and_evidence(
    conn: Connection, tool: dict, candidate_id: int, overrides: dict | None
) -> tuple[list, list]:
    statements = _statements(conn.dialect)
    rows = statements.evidence.rows(conn, {"candidate": candidate_id})
    evidence, sources = [], {}
    for field, subject, value, source_url, snippet, extractor, seen_at in rows:
        value = orjson.loads(value) if value is not None else None
        at = statements.seen_at(seen_at)
        seen = at.isoformat() if at else None
        evidence.append(
            {
                "field": field,
                "subject": subject,
                "value": value,
                "source_url": source_url,
                "snippet": snippet,
                "extractor": extractor,
                "seen_at": seen,
            }
        )
        source = source_of(field, subject, value, source_url, seen)
        current = sources.get(source["page_url"])
        if current is None or _better_source(source, current):
            sources[source["page_url"]] = source
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
    return sorted(sources.values(), key=lambda s: (s["url"], s["page_url"])), evidence


@router.get(
    "/api/tools/{slug}",
    response_model=ToolDetail,
    responses={304: {"description": "Not modified"}, 404: {"model": Problem}},
    summary="One published tool, with its sources and the evidence behind each value.",
)
async def get_tool(request: Request, slug: str) -> Response:
    # On the event loop: a unique-index lookup and one tool's evidence (see `_bounded`).
    engine = request.app.state.engine
    with engine.connect() as conn:
        found = _statements(engine.dialect).tool.rows(conn, {"slug": slug})
        if not found:
            raise HTTPException(404, f"no published tool {slug!r}")
        candidate_id, record, overrides = found[0]
        record = orjson.loads(record)
        overrides = orjson.loads(overrides) if overrides is not None else None
        sources, evidence = _sources_and_evidence(conn, record, candidate_id, overrides)
    detail = {**record, "sources": sources, "evidence": evidence}
    body = orjson.dumps(detail)
    etag = make_etag(hashlib.sha256(body).hexdigest())
    if not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": "no-cache"}
    )


@router.get(
    "/api/tools/{slug}/prices",
    response_model=PriceHistoryPage,
    responses={400: {"model": Problem}, 404: {"model": Problem}},
    summary="Every price the tool's offers held, and when (newest first).",
    description=(
        "One entry per price period of each offer: the price fields of `offers`, `from` (when "
        "toolscout first read that price) and `to` (when the catalog first stated another, "
        "or was first read without the entry; null while it holds). An offer the catalog "
        "dropped keeps its periods here. Follow `next_cursor` until it is null."
    ),
)
def tool_prices(
    request: Request,
    slug: str,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 200,
) -> Response:
    engine = request.app.state.engine
    history = PriceHistory.__table__
    after = decode_cursor(cursor, by_time=True) if cursor else None
    with engine.connect() as conn:
        found = conn.execute(select(Tool.candidate_id).where(Tool.slug == slug)).first()
        if found is None:
            raise HTTPException(404, f"no published tool {slug!r}")
        entries = _price_entries(conn, found[0])
        rows = []
        if entries:
            query = select(history).where(tuple_(history.c.source, history.c.model_id).in_(entries))
            if after is not None:
                after_id, after_at = after
                keyset = tuple_(
                    bindparam("at", after_at, type_=history.c.valid_from.type), after_id
                )
                query = query.where(tuple_(history.c.valid_from, history.c.id) < keyset)
            order = (history.c.valid_from.desc(), history.c.id.desc())
            rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    page = {
        "slug": slug,
        "prices": [_period(row) for row in rows],
        "next_cursor": encode_cursor(last.id, _utc(last.valid_from)) if last else None,
    }
    return Response(
        orjson.dumps(page), media_type="application/json", headers={"Cache-Control": "no-cache"}
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
    since = since.strip()
    if since.isascii() and since.isdigit():
        try:
            after = parse_id(since)
        except ValueError as exc:
            raise HTTPException(
                400, f"since: a sequence number is at most {MAX_ID} (pass next_since back)"
            ) from exc
        query = query.where(ToolChange.id > after)
    else:
        try:
            when = _utc(datetime.fromisoformat(since.replace("Z", "+00:00")))
        except (ValueError, OverflowError) as exc:
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
