"""The editor's answer to a suggested catalog entry (the candidate page's id map section,
`web.ids_view`): confirm or reject, remembered.

The POST passes `verify_csrf` (the router's dependency) and needs an editor, like every
editor action in `web.pages`; what an answer does is `store.ids.decide`'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from store.ids import IdsError, decide
from store.publish import publish_candidate
from store.resolve import refresh_candidate
from web.auth import require_editor, verify_csrf
from web.pages import DB, _candidate, flash

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
Editor = Annotated[str, Depends(require_editor)]


@router.post("/candidates/{slug}/ids")
def answer_suggestion(
    request: Request,
    slug: str,
    editor: Editor,
    session: DB,
    source: Annotated[str, Form(max_length=200)],
    model_id: Annotated[str, Form(max_length=300)],
    decision: Annotated[str, Form(max_length=20)],
) -> Response:
    cand = _candidate(session, slug)
    try:
        decide(session, cand, source, model_id, decision, editor)
    except IdsError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/candidates/{cand.slug}#ids", status_code=303)
    refresh_candidate(session, cand.id, actor=f"editor:{editor}")
    publish_candidate(session, cand)
    session.commit()
    word = (
        "joined: its prices and id are the release's"
        if decision == "confirmed"
        else "rejected: it will not be suggested again"
    )
    flash(request, f"{model_id} {word}")
    return RedirectResponse(f"/candidates/{cand.slug}#ids", status_code=303)
