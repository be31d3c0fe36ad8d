"""Editors only: signed session cookies, login, CSRF, and who did what.

The session is a small signed cookie (itsdangerous; HttpOnly, SameSite=Lax, Secure when the
request came over https) holding the editor's name and a CSRF token. Every visitor of the
editor pages gets one, so the login form is CSRF-protected too, and logging in replaces it
(new token: no session fixation). The public API and feeds never read or set it.

Every POST must carry the session's token in the form field `csrf`; a POST without a session,
without the token, or from another origin is refused with 403, before any handler runs.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from http.cookies import SimpleCookie
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from web.config import EditorConfig, is_loopback

COOKIE = "toolscout_session"
SESSION_MAX_AGE = 12 * 3600  # an editor logs in once a working day
PUBLIC_PREFIXES = ("/api/", "/feeds/", "/static/", "/openapi.json", "/healthz")
LOGIN_FAILURES = 5  # per client and window, then 429 until the window passes
LOGIN_WINDOW_S = 300.0


class LoginRequired(Exception):
    """Raised by page handlers: the visitor is sent to the login page."""


class SessionMiddleware:
    """Loads the signed session into `scope["session"]`, writes it back when it changed."""

    def __init__(self, app, config: EditorConfig) -> None:
        self.app = app
        self.config = config
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
                    return data
        return None

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
