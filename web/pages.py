"""The editor pages: queue, candidate, decisions and edits, source status, login.

Every handler here needs an editor (`require_editor`) and every POST passes `verify_csrf`
first (the router's dependency), so no action runs without a session and its token. Each
action is written to the candidate's history with the editor's name (`Event.editor`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from store.models import Candidate, utcnow
from store.overrides import (
    EDIT_ORDER,
    READ_ONLY,
    OverrideError,
    clear_override,
    conflict_choice,
    open_conflicts,
    parse_value,
    set_override,
)
from store.publish import TEXT_KEYS, publish_candidate
from store.queue import QueueError, candidate_detail, get_candidate, set_status
from web import candidate_view, ids_view, offers_view, triage
from web.auth import (
    LoginRequired,
    check_host,
    check_login,
    csrf_token,
    current_editor,
    login_session,
    logout_session,
    require_editor,
    safe_next,
    session_of,
    verify_csrf,
)
from web.queue_view import (
    COMMERCIAL_CHOICES,
    SOURCE_KINDS,
    STATUS_CHOICES,
    QueueFilters,
    queue_page,
)

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)
Editor = Annotated[str, Depends(require_editor)]

ACTIONS = {
    "accept": "accepted",
    "reject": "rejected",
    "duplicate": "duplicate",
    "snooze": "snoozed",
    "reopen": "new",
}
SNOOZE_DAYS = 7
# Which observations are evidence for which field.
EVIDENCE = {
    "sizes": ("params",),
    "license": ("license",),
    "commercial_use": ("license",),
    "announced_at": ("announcement",),
    "entry_price": ("pricing",),
    "pricing_line": ("pricing",),
    "tagline": ("announcement",),
    "description": ("announcement",),
}
HINTS = {
    "sizes": "1B, 4B, 12B & 27B",
    "license": "SPDX or Hub id: Apache-2.0, gemma",
    "announced_at": "2025-03-12",
    "entry_price": "Free / Paid",
}


MAX_JSON_DEPTH = 32  # an edited value is a field, not a document: deeper is a mistake or an attack


def json_depth(text: str) -> int:
    """How deeply brackets nest in `text` (outside JSON strings): checked before parsing,
    since json.loads recurses once per level and 9,999 levels exhaust Python's stack."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return deepest


def db(request: Request):
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


DB = Annotated[Session, Depends(db)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    env = request.app.state.templates
    session = session_of(request)
    flash = session.pop("flash", None)
    html = env.get_template(template).render(
        editor=current_editor(request),
        login_required=request.app.state.config.login_required,
        csrf=csrf_token(request),
        flash=flash,
        now=utcnow(),
        status_code=status_code,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def flash(request: Request, text: str, kind: str = "ok") -> None:
    session_of(request)["flash"] = {"text": text[:500], "kind": kind}


def back(target: str | None, default: str = "/queue", focus: str | None = None) -> Response:
    url = safe_next(target or default)
    if focus:
        url = url.split("#", 1)[0] + "#c-" + focus
    return RedirectResponse(url, status_code=303)


# -- login ----------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/queue") -> Response:
    check_host(request)
    if not request.app.state.config.login_required:
        return back(next)
    return render(request, "login.html", next=safe_next(next), name="", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    secret: Annotated[str, Form(max_length=500)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/queue",
) -> Response:
    config = request.app.state.config
    throttle = request.app.state.login_throttle
    client = request.client.host if request.client else "?"
    if throttle.blocked(client):
        raise HTTPException(429, "too many failed logins; wait a few minutes")
    editor = check_login(config, name, secret)
    if editor is None:
        throttle.failed(client)
        error = "Wrong password or token."
        if config.password and secret == config.password and not name.strip():
            error = "With the shared password, say who you are: the audit log names you."
        return render(
            request, "login.html", status_code=401, next=safe_next(next), name=name, error=error
        )
    throttle.succeeded(client)
    request.scope["session"] = login_session(request, editor, secret)
    return back(next)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.scope["session"] = logout_session(request)
    return RedirectResponse("/login", status_code=303)


# -- queue ----------------------------------------------------------------------------------
@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, editor: Editor, session: DB) -> Response:
    f = QueueFilters.from_query(request.query_params)
    sort, descending = triage.parse_sort(request.query_params.get("sort"))
    order = triage.sorter(session, sort, descending)
    page = queue_page(session, f, cache=request.app.state.queue_cache, order=order)
    now = utcnow()
    mark, last = triage.read_visit(request.cookies.get(triage.VISIT_COOKIE))
    mark = triage.next_visit(mark, last, now)
    triage.enrich(session, page.rows, mark)
    sort_text = ("-" if descending else "") + sort if sort != "priority" else ""
    here = "&".join(
        p for p in (f.query(page=page.page), f"sort={sort_text}" if sort_text else "") if p
    )
    response = render(
        request,
        "queue.html",
        f=f,
        page=page,
        sort=sort,
        descending=descending,
        sort_text=sort_text,
        counts=triage.status_counts(session, now),
        mark=mark,
        new_count=sum(1 for r in page.rows if r["is_new"]),
        undo=session_of(request).get("undo"),
        status_choices=STATUS_CHOICES,
        commercial_choices=COMMERCIAL_CHOICES,
        source_kinds=SOURCE_KINDS,
        return_to="/queue" + (f"?{here}" if here else ""),
    )
    response.set_cookie(
        triage.VISIT_COOKIE,
        triage.visit_cookie(mark, now),
        max_age=400 * 86400,
        httponly=True,
        samesite="lax",
        path="/queue",
    )
    return response


def _remember(request: Request, session: Session, slugs: list[str], label: str) -> list[dict]:
    """Before a decision: how the candidates were, for one undo (the editor's session)."""
    try:
        saved = [triage.snapshot(session, slug) for slug in slugs]
    except QueueError:
        return []  # the decision itself will say what is wrong
    return saved


def _keep_undo(request: Request, saved: list[dict], label: str) -> None:
    if saved:
        session_of(request)["undo"] = {"label": label[:300], "items": saved[:1000]}


@router.post("/queue/undo")
def undo_last(
    request: Request,
    editor: Editor,
    session: DB,
    return_to: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    saved = session_of(request).pop("undo", None)
    if not saved or not isinstance(saved.get("items"), list):
        flash(request, "nothing to undo", "error")
        return back(return_to)
    try:
        names = triage.undo(session, saved["items"], editor)
        session.commit()
    except QueueError as exc:
        session.rollback()
        flash(request, f"could not undo: {exc}", "error")
        return back(return_to)
    flash(request, f"undone: {saved.get('label')} ({', '.join(names)[:200]} back as before)")
    focus = saved["items"][0].get("slug") if len(saved["items"]) == 1 else None
    return back(return_to, focus=focus)


def _until(text: str | None) -> datetime:
    if not text:
        return utcnow() + timedelta(days=SNOOZE_DAYS)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise QueueError(f"snooze until: {text!r} is not a date like 2025-06-30") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def decide(
    session: Session,
    slug: str,
    action: str,
    editor: str,
    reason: str | None = None,
    of: str | None = None,
    until: str | None = None,
) -> Candidate:
    if action not in ACTIONS:
        raise QueueError(f"unknown action {action!r}")
    return set_status(
        session,
        slug,
        ACTIONS[action],
        f"editor:{editor}",
        reason=(reason or "").strip() or None,
        duplicate_of=(of or "").strip() or None,
        until=_until(until) if action == "snooze" else None,
    )


@router.post("/candidates/{slug}/status")
def candidate_status(
    request: Request,
    slug: str,
    editor: Editor,
    session: DB,
    action: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
    of: Annotated[str, Form(max_length=200)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
    return_to: Annotated[str, Form(max_length=2000)] = "",
    focus: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    saved = _remember(request, session, [slug], action)
    try:
        cand = decide(session, slug, action, editor, reason, of, until)
        session.commit()
    except QueueError as exc:
        session.rollback()
        flash(request, str(exc), "error")
        return back(return_to, f"/candidates/{slug}")
    done = f"{cand.name}: {ACTIONS[action] if action != 'reopen' else 'reopened'}"
    _keep_undo(request, saved, done)
    flash(request, done)
    return back(return_to, f"/candidates/{slug}", focus or None)


@router.post("/queue/bulk")
def bulk(
    request: Request,
    editor: Editor,
    session: DB,
    action: Annotated[str, Form(max_length=20)],
    slug: Annotated[list[str], Form()] = (),
    reason: Annotated[str, Form(max_length=500)] = "",
    of: Annotated[str, Form(max_length=200)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
    return_to: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    slugs = list(dict.fromkeys(slug))[:1000]
    if not slugs:
        flash(request, "select candidates first", "error")
        return back(return_to)
    saved = _remember(request, session, slugs, action)
    try:
        for one in slugs:
            decide(session, one, action, editor, reason, of, until)
        session.commit()
    except QueueError as exc:
        session.rollback()
        flash(request, f"nothing changed: {exc}", "error")
        return back(return_to)
    done = f"{len(slugs)} candidate(s): {action}"
    _keep_undo(request, saved, done)
    flash(request, done)
    return back(return_to)


# -- candidate ------------------------------------------------------------------------------
def _candidate(session: Session, slug: str) -> Candidate:
    try:
        return get_candidate(session, slug)
    except QueueError as exc:
        raise HTTPException(404, str(exc)) from exc


def field_rows(d: dict) -> list[dict]:
    """One row per field: value, what was crawled, evidence, override, conflict."""
    effective, derived, overrides = d["effective"], d["fields"], d["overrides"]
    draft = d.get("draft") if isinstance(d.get("draft"), dict) else {}
    last_edit = {}
    for e in d["history"]:
        if e["action"] == "override":
            last_edit[e["field"]] = e
    conflicts = {c["field"] for c in d["conflict_details"] if not c.get("settled")}
    keys = [k for k in EDIT_ORDER if k in effective or k not in READ_ONLY]
    keys += sorted(k for k in effective if k not in keys and not k.startswith("_"))
    rows = []
    for key in keys:
        lic = effective.get("license") if isinstance(effective.get("license"), dict) else {}
        value = lic.get("commercial_use") if key == "commercial_use" else effective.get(key)
        crawled = (
            (derived.get("license") or {}).get("commercial_use")
            if key == "commercial_use"
            else derived.get(key)
        )
        from_draft = key in TEXT_KEYS and key not in overrides and bool(draft.get(key))
        if key in TEXT_KEYS and draft.get(key):
            crawled = draft[key]  # what the sources give, before the editor's edit
        if from_draft:
            value = draft[key]
        wanted = EVIDENCE.get(key, (key,))
        edit = last_edit.get(key) or {}
        rows.append(
            {
                "key": key,
                "value": value,
                "derived": crawled,
                "overridden": key in overrides,
                "draft": from_draft,
                "by": edit.get("editor"),
                "at": edit.get("at"),
                "evidence": [o for o in d["observations"] if o["field"] in wanted],
                "editable": key not in READ_ONLY,
                "conflict": key in conflicts,
                "hint": HINTS.get(key, ""),
            }
        )
    return rows


@router.get("/candidates/{slug}", response_class=HTMLResponse)
def candidate(request: Request, slug: str, editor: Editor, session: DB) -> Response:
    cand = _candidate(session, slug)
    d = candidate_detail(session, cand)
    variants = d["variants"]
    conflicts = open_conflicts(cand)
    return render(
        request,
        "candidate.html",
        d=d,
        why=d.get("why_queued") or d.get("queued_reason"),
        conflicts=conflicts,
        grouped={c["field"]: candidate_view.grouped_conflict(c) for c in conflicts},
        card=candidate_view.summary(session, cand, d),
        record=candidate_view.preview_record(cand, d),
        evidence_lines=candidate_view.evidence_lines,
        max_evidence=candidate_view.MAX_EVIDENCE_LINES,
        hub_links=candidate_view.hub_links,
        field_rows=field_rows(d),
        originals=[v for v in variants if not v["is_derivative"]],
        derivatives=[v for v in variants if v["is_derivative"]],
        snooze_default=(utcnow() + timedelta(days=SNOOZE_DAYS)).date().isoformat(),
        return_to=f"/candidates/{cand.slug}",
        open_field=request.query_params.get("edit"),
        ids=ids_view.panel(session, cand, d),
        offers=offers_view.panel(session, cand, d),
    )


def _made_up(license_: Any) -> bool:
    """A license id no vocabulary knows: `store.overrides.parse_license` keeps it as
    other:<text>, with nothing known about it."""
    return (
        isinstance(license_, dict)
        and str(license_.get("id") or "").startswith("other:")
        and license_.get("family") is None
        and license_.get("commercial_use") is None
    )


def _after_edit(request: Request, session: Session, cand: Candidate, text: str) -> Response:
    publish_candidate(session, cand)
    session.commit()
    flash(request, text)
    return RedirectResponse(f"/candidates/{cand.slug}", status_code=303)


@router.post("/candidates/{slug}/edit")
def edit_field(
    request: Request,
    slug: str,
    editor: Editor,
    session: DB,
    field: Annotated[str, Form(max_length=60)],
    value: Annotated[str, Form(max_length=20000)] = "",
    custom: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    cand = _candidate(session, slug)
    try:
        if json_depth(value) > MAX_JSON_DEPTH:
            raise OverrideError(f"{field}: nested more than {MAX_JSON_DEPTH} levels deep")
        parsed = parse_value(field, value)
        if field == "license" and _made_up(parsed) and not custom:
            raise OverrideError(
                f"license: {value.strip()[:80]!r} is not an SPDX or Hugging Face Hub license id "
                "(Apache-2.0, MIT, CC-BY-NC-4.0, llama3.1, gemma, …); check the spelling, or "
                "tick “custom license” to record it as a license of its own, commercial use unknown"
            )
        set_override(session, cand, field, parsed, editor)
    except OverrideError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/candidates/{cand.slug}?edit={field}", status_code=303)
    return _after_edit(request, session, cand, f"{field} set; crawls will not change it")


@router.post("/candidates/{slug}/clear")
def clear_field(
    request: Request,
    slug: str,
    editor: Editor,
    session: DB,
    field: Annotated[str, Form(max_length=60)],
) -> Response:
    cand = _candidate(session, slug)
    clear_override(session, cand, field, editor)
    return _after_edit(request, session, cand, f"{field}: back to the crawled value")


@router.post("/candidates/{slug}/choose")
def choose(
    request: Request,
    slug: str,
    editor: Editor,
    session: DB,
    field: Annotated[str, Form(max_length=60)],
    option: Annotated[int, Form(ge=0, le=1000)],
) -> Response:
    cand = _candidate(session, slug)
    conflict = next((c for c in open_conflicts(cand) if c.get("field") == field), {})
    try:
        if conflict.get("kind") == "override" and option == 1:
            clear_override(session, cand, field, editor)  # the crawl's value, no override
        else:
            value = conflict_choice(session, cand, field, option)
            set_override(session, cand, field, value, editor)
    except OverrideError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse(f"/candidates/{cand.slug}", status_code=303)
    return _after_edit(request, session, cand, f"{field}: your choice is kept")


# -- status ---------------------------------------------------------------------------------
@router.get("/status", response_class=HTMLResponse)
def status(request: Request, editor: Editor) -> Response:
    return render(request, "status.html", rows=request.app.state.status_rows())


def login_redirect(request: Request, _exc: LoginRequired) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import urlencode

    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
