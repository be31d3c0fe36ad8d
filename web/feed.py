"""`/feeds/tools.atom`: the newest published tools as an Atom 1.0 feed (RFC 4287).

Built with ElementTree, so every scraped string is escaped as XML; characters XML 1.0 cannot
carry at all (most C0 controls) are dropped first, since an escaped one is still invalid.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from store.models import Tool, ToolChange
from web.api import make_etag, not_modified, public_base
from web.render import human_count

router = APIRouter(tags=["read API"])
ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    return _NOT_XML.sub("", str(text or ""))


def _add(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean(text)
    return el


def _summary(record: dict) -> str:
    parts = [record.get("tagline") or record.get("description") or ""]
    facts = [
        record.get("vendor"),
        ", ".join(s.get("label") or human_count(s.get("total")) for s in record.get("sizes") or []),
        (record.get("license") or {}).get("id"),
    ]
    parts.append(" · ".join(f for f in facts if f))
    # What changes after publication (offers, prices, lifecycle) shows in the entry too, so
    # a reader sees why its `updated` moved.
    parts.append(record.get("pricing_line") or "")
    stage = record.get("lifecycle")
    if stage in ("deprecated", "retired"):
        when = record.get("retired_at" if stage == "retired" else "deprecated_at")
        parts.append(f"{stage.capitalize()}{f' {when}' if when else ''}")
    return "\n".join(p for p in parts if p)


def atom_feed(records: list[dict], base: str, updated: datetime | None) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", f"{base}/feeds/tools.atom")
    _add(feed, "title", "toolscout: newly published AI tools")
    _add(feed, "updated", (updated.isoformat() if updated else "1970-01-01T00:00:00+00:00"))
    _add(feed, "link", rel="self", href=f"{base}/feeds/tools.atom", type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=f"{base}/api/tools", type="application/json")
    author = _add(feed, "author")
    _add(author, "name", "toolscout editors")
    _add(feed, "generator", "toolscout")
    for r in records:
        entry = _add(feed, "entry")
        _add(entry, "id", f"{base}/api/tools/{r['slug']}")
        _add(entry, "title", r.get("name") or r["slug"], type="text")
        _add(entry, "updated", r["updated_at"])
        _add(entry, "published", r["published_at"])
        # A person's page first (what feed readers open), the JSON record beside it.
        slug = quote(r["slug"], safe="")
        _add(entry, "link", rel="alternate", href=f"{base}/tools/{slug}", type="text/html")
        _add(
            entry,
            "link",
            rel="alternate",
            href=f"{base}/api/tools/{slug}",
            type="application/json",
        )
        if r.get("category"):
            _add(entry, "category", term=r["category"])
        _add(entry, "summary", _summary(r), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@router.get(
    "/feeds/tools.atom",
    response_class=Response,
    responses={
        200: {"content": {"application/atom+xml": {}}},
        304: {"description": "Not modified"},
    },
    summary="Newly published tools, newest first (Atom 1.0).",
)
def tools_atom(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    base = public_base(request)
    with request.app.state.engine.connect() as conn:
        version = conn.execute(select(func.max(ToolChange.id))).scalar() or 0
        etag = make_etag("atom", version, limit, base)
        if not_modified(request, etag):
            return Response(status_code=304, headers={"ETag": etag})
        rows = (
            conn.execute(
                select(Tool.record).order_by(Tool.published_at.desc(), Tool.id.desc()).limit(limit)
            )
            .scalars()
            .all()
        )
        updated = conn.execute(select(func.max(Tool.updated_at))).scalar()
    body = atom_feed(list(rows), base, updated)
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        headers={"ETag": etag, "Cache-Control": "no-cache"},
    )
