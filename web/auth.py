"""Editors only: signed session cookies, login, CSRF, and who did what.

The session is a small signed cookie (itsdangerous; HttpOnly, SameSite=Lax, Secure when the
request came over https) holding the editor's name and a CSRF token. Every visitor of the
editor pages gets one, so the login form is CSRF-protected too, and logging in replaces it
(new token: no session fixation). The public API and feeds never read or set it.

A signed cookie alone cannot be taken back, so a logged-in session also names a session id
that this server keeps (`SessionRegistry`): logout forgets it, and a cookie whose id the
server does not know is a visitor, not an editor. The id is bound to a fingerprint of the
credential that opened it, so a changed password or token ends the sessions it opened
even where the signing key (`TOOLSCOUT_SECRET_KEY`) stays the same. The registry lives in
the server's memory: a restart ends every session (editors log in again), never the reverse.

Every POST must carry the session's token in the form field `csrf`; a POST without a session,
without the token, or from another origin is refused with 403, before any handler runs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from web.config import EditorConfig, is_loopback

COOKIE = "toolscout_session"
SESSION_MAX_AGE = 12 * 3600  # an editor logs in once a working day
PUBLIC_PREFIXES = (
    "/api/",
    "/feeds/",
    "/hooks/",
    "/tools/",
    "/static/",
    "/openapi.json",
    "/healthz",
)
LOGIN_FAILURES = 5  # per client and window, then 429 until the window passes
LOGIN_WINDOW_S = 300.0


class LoginRequired(Exception):
    """Raised by page handlers: the visitor is sent to the login page."""


class SessionRegistry:
    """The logged-in sessions this server has opened and not yet ended (id -> editor)."""

    def __init__(self) -> None:
        self._live: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def open(self, editor: str) -> str:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._prune()
            self._live[sid] = (editor, time.monotonic())
        return sid

    def alive(self, sid: object, editor: object) -> bool:
        if not isinstance(sid, str):
            return False
        with self._lock:
            entry = self._live.get(sid)
        return entry is not None and entry[0] == editor

    def end(self, sid: object) -> None:
        if isinstance(sid, str):
            with self._lock:
                self._live.pop(sid, None)

    def end_editor(self, editor: str) -> int:
        """Every session of one editor (a password or token change, an admin's logout)."""
        with self._lock:
            gone = [sid for sid, (who, _) in self._live.items() if who == editor]
            for sid in gone:
                del self._live[sid]
        return len(gone)

    def __len__(self) -> int:
        return len(self._live)

    def _prune(self) -> None:
        cutoff = time.monotonic() - SESSION_MAX_AGE
        for sid in [sid for sid, (_, at) in self._live.items() if at < cutoff]:
            del self._live[sid]


def credential_mark(config: EditorConfig, secret: str) -> str:
    """A short keyed digest of the credential a session was opened with (never the secret)."""
    return hmac.new(config.secret, secret.encode(), hashlib.sha256).hexdigest()[:16]


def current_marks(config: EditorConfig) -> set[str]:
    marks = {credential_mark(config, token) for token in config.tokens}
    if config.password:
        marks.add(credential_mark(config, config.password))
    return marks


class SessionMiddleware:
    """Loads the signed session into `scope["session"]`, writes it back when it changed."""

    def __init__(self, app, config: EditorConfig, registry: SessionRegistry) -> None:
        self.app = app
        self.config = config
        self.registry = registry
        self.marks = current_marks(config)
        self.signer = URLSafeTimedSerializer(config.secret, salt="toolscout.session")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        session = self._load(scope)
        fresh = session is None
        if fresh:
            session = new_session(None)
        scope["session"] = session
        scope["session_original"] = dict(session) if not fresh else None

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if scope["session_original"] != current:
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", self._cookie(scope, current).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, scope) -> dict | None:
        for name, value in scope.get("headers", []):
            if name != b"cookie":
                continue
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            if COOKIE in jar:
                try:
                    data = self.signer.loads(jar[COOKIE].value, max_age=SESSION_MAX_AGE)
                except BadSignature:
                    return None
                if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                    return self._checked(data)
        return None

    def _checked(self, data: dict) -> dict:
        """A session whose login ended (logout, restart, another password) keeps its CSRF
        token, so forms still work, but is no longer an editor's."""
        editor = data.get("editor")
        if editor is None:
            return data
        if self.registry.alive(data.get("sid"), editor) and data.get("cred") in self.marks:
            return data
        return {"csrf": data["csrf"], "editor": None}

    def _cookie(self, scope, session: dict | None) -> str:
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        if not session:
            return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
        value = self.signer.dumps(session)
        return (
            f"{COOKIE}={value}; Path=/; Max-Age={SESSION_MAX_AGE}; HttpOnly; SameSite=Lax{secure}"
        )


def new_session(editor: str | None) -> dict:
    return {"csrf": secrets.token_urlsafe(24), "editor": editor}


def login_session(request: Request, editor: str, secret: str) -> dict:
    """A new session (new token: no session fixation) that this server knows as logged in."""
    config: EditorConfig = request.app.state.config
    session = new_session(editor)
    session["sid"] = request.app.state.sessions.open(editor)
    session["cred"] = credential_mark(config, secret)
    return session


def logout_session(request: Request) -> dict:
    """End the session here, on the server, not only in the browser's cookie jar."""
    request.app.state.sessions.end(session_of(request).get("sid"))
    return new_session(None)


def session_of(request: Request) -> dict:
    return request.scope.setdefault("session", new_session(None))


def csrf_token(request: Request) -> str:
    return session_of(request)["csrf"]


def current_editor(request: Request) -> str | None:
    config: EditorConfig = request.app.state.config
    if not config.login_required:
        return config.open_editor
    return session_of(request).get("editor")


def require_editor(request: Request) -> str:
    """Dependency of every editor page: the editor's name, or off to the login page."""
    check_host(request)
    editor = current_editor(request)
    if editor is None:
        if request.method == "GET":
            raise LoginRequired()
        raise HTTPException(403, "log in first")
    return editor


def check_host(request: Request) -> None:
    """Without a login, answer only requests addressed to a loopback name (DNS rebinding)."""
    if request.app.state.config.login_required:
        return
    host = host_name(request.headers.get("host") or "")
    if not is_loopback(host):
        raise HTTPException(403, "without an editor login this server answers loopback only")


def host_name(header: str) -> str:
    """The name in a Host header: "127.0.0.1:8000" -> "127.0.0.1", "[::1]:80" -> "::1"."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


async def verify_csrf(request: Request) -> None:
    """Dependency of every POST: a session, its token in the form, and our own origin."""
    if request.method != "POST":
        return
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            raise HTTPException(403, "cross-origin form refused")
    if request.scope.get("session_original") is None:
        raise HTTPException(403, "no session: reload the page and try again")
    form = await request.form()
    sent = form.get("csrf")
    token = session_of(request)["csrf"]
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), token.encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def check_login(config: EditorConfig, name: str, secret: str) -> str | None:
    """The editor's name when `secret` is the password (with a name) or a token, else None."""
    secret = secret or ""
    for token, editor in config.tokens.items():
        if hmac.compare_digest(secret.encode(), token.encode()):
            return editor
    if config.password and hmac.compare_digest(secret.encode(), config.password.encode()):
        name = " ".join((name or "").split())[:60]
        return name or None
    return None


class LoginThrottle:
    """At most LOGIN_FAILURES failed logins per client per window (guessing is slow)."""

    def __init__(self) -> None:
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, client: str) -> bool:
        window = self.failures[client]
        cutoff = time.monotonic() - LOGIN_WINDOW_S
        while window and window[0] < cutoff:
            window.popleft()
        return len(window) >= LOGIN_FAILURES

    def failed(self, client: str) -> None:
        self.failures[client].append(time.monotonic())

    def succeeded(self, client: str) -> None:
        self.failures.pop(client, None)


def safe_next(target: Any) -> str:
    """A local path to go back to; anything else (//evil, https://…) becomes the queue."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return "/queue"
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return "/queue"
    return target
