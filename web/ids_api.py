"""The read API's id map and disagreements (issue 20): `GET /api/ids` and
`GET /api/disagreements`, published records only, as `/api/tools` serves them.

The map is kept by `store.publish` (`store.ids.index_ids`, table `tool_id`), so a lookup is
one indexed query; paging walks the published records by id with `/api/tools`' cursors.
Disagreements are computed from the observations each time (`store.disagreements`).
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Text, cast, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from store.disagreements import disagreements
from store.ids import ID_KEYS, record_ids
from store.models import Tool, ToolChange, ToolId
from web.api import MAX_LIMIT, decode_cursor, encode_cursor, make_etag, not_modified
from web.schemas import IDS_EXAMPLE, F, Ids, Problem, ToolRecord

router = APIRouter(tags=["read API"])


class IdEntry(BaseModel):
    slug: str = F(description="The published record (`/api/tools/{slug}`).", example="llama-3.3")
    name: str = F(description="Its display name.", example="Llama 3.3 70B")
    ids: Ids = F(description="Its id in each catalog.", example=IDS_EXAMPLE)


class IdPage(BaseModel):
    items: list[IdEntry] = F(description="This page's records.", example=[])
    next_cursor: str | None = F(
        None, "Pass as `cursor` for the next page; null on the last.", "dDQy"
    )


class DisagreementValue(BaseModel):
    value: Any = F(None, "What this source says.", 0.23)
    source: str = F(
        description="The source: a price list's name, `name`, `weights` or `card`.",
        example="pricing:litellm",
    )
    catalog: str = F(
        description="openrouter, litellm, models.dev or huggingface.", example="litellm"
    )
    id: str | None = F(
        None,
        "The entry's id in that catalog (a repo id for the Hub).",
        "deepinfra/meta-llama/Llama-3.3-70B-Instruct",
    )
    url: str | None = F(
        None,
        "The document it was read from.",
        "https://…/model_prices_and_context_window.json#deepinfra/meta-llama/Llama-3.3-70B-Instruct",
    )
    snippet: str | None = F(None, "The text it was read from.", "input_cost_per_token=2.3e-07")
    license: str | None = F(
        None, "A license disagreement's card side: the card's license id.", "Apache-2.0"
    )
    family: str | None = F(
        None, "A license disagreement's card side: the license's family.", "permissive"
    )
    seen_at: str | None = F(None, "When it was read (ISO 8601).", "2025-05-02T10:00:00+00:00")


class Disagreement(BaseModel):
    slug: str = F(description="The published record.", example="llama-3.3")
    kind: str = F(
        description=(
            "price: two catalogs price one provider's model differently; context_window: two "
            "catalogs state a different context window for it; license: a catalog's statement "
            "about open weights contradicts the repo's card license; size: the weights "
            "contradict the stated size."
        ),
        example="price",
    )
    field: str = F(
        description=(
            "input_usd_per_mtok, output_usd_per_mtok, context_window (tokens), open_weights "
            "(true/false) or params."
        ),
        example="input_usd_per_mtok",
    )
    subject: str = F(
        description="What both values are about: provider and model, or a repo.",
        example="deepinfra: meta-llama/Llama-3.3-70B-Instruct",
    )
    values: list[DisagreementValue] = F(
        description="Both values, each with its source and when it was seen.", example=[]
    )


class DisagreementPage(BaseModel):
    items: list[Disagreement] = F(description="This page's disagreements, by record.", example=[])
    next_cursor: str | None = F(
        None, "Pass as `cursor` for the next page; null on the last.", "dDQy"
    )


def _json(body: bytes, etag: str | None = None) -> Response:
    headers = {"Cache-Control": "no-cache"}
    if etag:
        headers["ETag"] = etag
    return Response(body, media_type="application/json", headers=headers)


def _version(conn: Connection) -> int:
    return conn.execute(select(func.max(ToolChange.id))).scalar() or 0


@router.get(
    "/api/ids",
    responses={
        200: {
            "description": "With one id: the tool record (as /api/tools serves it). Without: a page of the map (IdPage)."
        },
        400: {"model": Problem},
        404: {"model": Problem},
    },
    response_model=ToolRecord | IdPage,
    summary="The id map: which published tool an id names, or the whole map a page at a time.",
    description=(
        "`GET /api/ids?huggingface=meta-llama/Llama-3.3-70B-Instruct` (or `openrouter=`, "
        "`models_dev=`, `litellm=`) answers the published tool record that id belongs to "
        "(any case, as the Hub compares ids), or 404. Without an id, pages through the whole "
        'map in publication order: `{"items": [{"slug", "name", "ids"}], '
        '"next_cursor"}`; follow `next_cursor` until it is null. '
        "`toolscout export --format ids` writes the same map as JSON lines."
    ),
)
def ids(
    request: Request,
    huggingface: Annotated[
        str | None,
        Query(
            max_length=300,
            description="A Hub repo id: org/name.",
            examples=["meta-llama/Llama-3.3-70B-Instruct"],
        ),
    ] = None,
    openrouter: Annotated[
        str | None,
        Query(
            max_length=300,
            description="An OpenRouter model id.",
            examples=["meta-llama/llama-3.3-70b-instruct"],
        ),
    ] = None,
    models_dev: Annotated[
        str | None,
        Query(
            max_length=300,
            description='A models.dev id, "<provider>/<model>".',
            examples=["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
        ),
    ] = None,
    litellm: Annotated[
        str | None,
        Query(
            max_length=300,
            description="A LiteLLM key.",
            examples=["deepinfra/meta-llama/Llama-3.3-70B-Instruct"],
        ),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    given = {
        k: v
        for k, v in zip(ID_KEYS, (huggingface, openrouter, models_dev, litellm), strict=True)
        if v is not None
    }
    engine = request.app.state.engine
    if len(given) > 1:
        raise HTTPException(400, f"ask for one id at a time, not {' and '.join(given)}")
    if given:
        ((catalog, value),) = given.items()
        key = value.strip().lower()
        query = (
            select(cast(Tool.record, Text))
            .join(ToolId, ToolId.candidate_id == Tool.candidate_id)
            .where(ToolId.catalog == catalog, ToolId.key == key)
            .order_by(Tool.id)
            .limit(1)
        )
        with engine.connect() as conn:
            record = conn.execute(query).scalar()
        if record is None:
            raise HTTPException(
                404, f"no published tool has the {catalog} id {value.strip()[:300]!r}"
            )
        return _json(record.encode())
    after = decode_cursor(cursor, False)[0] if cursor else 0
    with engine.connect() as conn:
        etag = make_etag("ids", _version(conn), sorted(request.query_params.multi_items()))
        if not_modified(request, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        rows = conn.execute(
            select(Tool.id, Tool.slug, cast(Tool.record, Text))
            .where(Tool.id > after)
            .order_by(Tool.id)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = []
    for _, slug, text in rows:
        record = orjson.loads(text)
        items.append({"slug": slug, "name": record.get("name"), "ids": record_of_ids(record)})
    next_cursor = encode_cursor(rows[-1][0]) if more and rows else None
    return _json(orjson.dumps({"items": items, "next_cursor": next_cursor}), etag)


def record_of_ids(record: dict) -> dict:
    """A record's `ids`; one published before the id map, from its repos."""
    ids = record.get("ids")
    return ids if isinstance(ids, dict) else record_ids(record.get("repos") or [], None)


@router.get(
    "/api/disagreements",
    response_model=DisagreementPage,
    responses={400: {"model": Problem}, 404: {"model": Problem}},
    summary="Live disagreements between sources about published tools.",
    description=(
        "Each item names the field, both values, their sources and when each was seen: two "
        "catalogs pricing one provider's model differently (input or output per 1M tokens "
        "apart by more than 1%) or stating different context windows (tokens, compared "
        "exactly), models.dev's `open_weights` contradicting the license of the card of the "
        "repo the entry names (`open_weights: false` for an Apache-2.0 repo), or a repo's "
        "weights contradicting the size its name states. "
        "Computed from what the sources say now: a disagreement leaves the list when a source "
        "changes its mind. `slug` keeps one tool's; pages follow `next_cursor`."
    ),
)
def list_disagreements(
    request: Request,
    slug: Annotated[str | None, Query(max_length=200, description="One published tool.")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Tools read per page.")] = 100,
) -> Response:
    after = decode_cursor(cursor, False)[0] if cursor else 0
    query = select(Tool.id, Tool.candidate_id, Tool.slug).where(Tool.id > after)
    if slug is not None:
        query = query.where(Tool.slug == slug)
    with Session(request.app.state.engine) as session:
        tools = session.execute(query.order_by(Tool.id).limit(limit + 1)).all()
        if slug is not None and not tools and not after:
            raise HTTPException(404, f"no published tool {slug!r}")
        more = len(tools) > limit
        tools = tools[:limit]
        found = disagreements(session, [cid for _, cid, _ in tools])
    items = [{"slug": s, **item} for _, cid, s in tools for item in found.get(cid, [])]
    next_cursor = encode_cursor(tools[-1][0]) if more and tools else None
    return _json(orjson.dumps({"items": items, "next_cursor": next_cursor}))
