"""`/tools/{slug}`: a published record as an HTML page, the comparison site's card.

Public like the read API (no login, no cookies): the Atom feed's entries link here, so a
feed reader opens a page a person can read, with the JSON record one link away.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from store.models import Tool

router = APIRouter(include_in_schema=False)


@router.get("/tools/{slug}", response_class=HTMLResponse)
def tool_page(request: Request, slug: str) -> Response:
    with request.app.state.engine.connect() as conn:
        record = conn.execute(select(Tool.record).where(Tool.slug == slug)).scalar()
    html = request.app.state.templates.get_template("tool.html").render(r=record, slug=slug)
    return HTMLResponse(html, status_code=200 if record else 404)
