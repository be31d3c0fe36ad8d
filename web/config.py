"""Who may edit, read from the environment, and where the server may listen.

- `TOOLSCOUT_EDITOR_PASSWORD`: the shared editor password; an editor logging in with it
  types their name, which the audit log records.
- `TOOLSCOUT_EDITOR_TOKENS`: optional per-editor tokens, `name:token` pairs separated by
  commas (`alice:tok1,bob:tok2`); logging in with a token names its editor.
- `TOOLSCOUT_SECRET_KEY`: optional key that signs session cookies; without it a random key
  is drawn at start-up (sessions then end when the server restarts). It is never derived
  from the password: a signed cookie would let anyone holding one guess the password offline.

- `TOOLSCOUT_PUBLIC_URL`: the address downstream sites reach this server at
  (`https://tools.example.com`); absolute links (the Atom feed's) are built from it, never
  from the request's Host header, and its host is allowed.
- `TOOLSCOUT_ALLOWED_HOSTS`: comma-separated host names requests may be addressed to
  (`tools.example.com,10.0.0.5`); loopback names always are. A request naming any other host
  answers 400, so a forged Host header is never written into a link.
- `TOOLSCOUT_TRUSTED_PROXIES`: comma-separated addresses or networks of reverse proxies
  whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed (uvicorn's forwarded_allow_ips).
  Unset, those headers are ignored: the client is the peer of the TCP connection, which
  is what the login throttle counts.
- `TOOLSCOUT_HF_WEBHOOK_SECRET`: the secret of the Hugging Face Hub webhook that posts to
  `/hooks/huggingface` (`web.hooks`); unset, that route is off (404). ASCII, as the Hub allows.

- `TOOLSCOUT_CORS_ORIGINS`: which web origins may read the public API and feeds from a
  browser (`GET`/`HEAD` of /api/tools, /api/changes, /feeds/, /openapi.json): `*` (the
  default: the read API is public and uses no cookies), a comma-separated list
  (`https://site.example,https://admin.example`), or `none` to send no CORS headers. The
  editor pages never answer another origin.

With neither a password nor a token the pages are open, without login, to this machine
only: the server refuses to listen on any other address (`check_bind`), and requests must
name a loopback host (a DNS-rebinding page cannot reach it).

The variables are read through a pydantic-settings schema (`WebSettings`): a value that
cannot be used is a `ConfigError` naming the variable, before the server starts.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^[0-9a-f:.]+$")


class ConfigError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EditorConfig:
    password: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # token -> editor name
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    open_editor: str = "local"  # the editor's name when no login is configured
    public_url: str | None = None  # "https://tools.example.com", no trailing slash
    allowed_hosts: frozenset[str] = frozenset()  # beside loopback names, lower-case
    trusted_proxies: tuple[str, ...] = ()
    hf_webhook_secret: str | None = None
    cors_origins: tuple[str, ...] = ("*",)  # () sends no CORS headers

    @property
    def login_required(self) -> bool:
        return bool(self.password or self.tokens)

    def host_allowed(self, host: str) -> bool:
        """Whether a request may name `host` (a Host header's name, without the port)."""
        host = host.strip().strip("[]").lower().rstrip(".")
        if is_loopback(host) or host in self.allowed_hosts:
            return True
        return bool(self.public_url) and host == (urlsplit(self.public_url).hostname or "")


class WebSettings(BaseSettings):
    """The web server's environment, as typed values (unknown variables are ignored: the
    environment is shared with everything else on the host)."""

    model_config = SettingsConfigDict(env_prefix="TOOLSCOUT_", extra="ignore")

    editor_password: str | None = None
    editor_tokens: str | None = None
    secret_key: str | None = None
    editor: str | None = None
    public_url: str | None = None
    allowed_hosts: str | None = None
    trusted_proxies: str | None = None
    hf_webhook_secret: str | None = None
    cors_origins: str | None = None


def parse_webhook_secret(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isascii() or len(text) < 16:
        raise ConfigError(
            "TOOLSCOUT_HF_WEBHOOK_SECRET: use at least 16 ASCII characters (the Hub sends "
            "only ASCII secrets; a short one can be guessed), e.g. from `openssl rand -hex 32`"
        )
    return text


def parse_origins(text: str | None) -> tuple[str, ...]:
    """TOOLSCOUT_CORS_ORIGINS: unset → every origin ("*"), "none" → no CORS at all."""
    if text is None:
        return ("*",)
    text = text.strip()
    if text.lower() in ("", "none", "off"):
        return ()
    origins = []
    for part in text.split(","):
        part = part.strip().rstrip("/")
        if not part:
            continue
        if part == "*":
            return ("*",)
        parts = urlsplit(part)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ConfigError(
                f"TOOLSCOUT_CORS_ORIGINS: {part!r} is not an origin like https://site.example "
                "(scheme and host, no path), '*' or 'none'"
            )
        origins.append(part.lower())
    return tuple(origins)


def parse_public_url(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"TOOLSCOUT_PUBLIC_URL: {text!r} is not an http(s) base URL "
            "like https://tools.example.com"
        )
    return text.rstrip("/")


def parse_hosts(text: str | None) -> frozenset[str]:
    hosts = set()
    for part in (text or "").split(","):
        host = part.strip().strip("[]").lower().rstrip(".")
        if not host:
            continue
        if not _HOST_NAME.match(host):
            raise ConfigError(
                f"TOOLSCOUT_ALLOWED_HOSTS: {part.strip()!r} is not a host name "
                "(names without scheme or port, comma-separated: tools.example.com,10.0.0.5)"
            )
        hosts.add(host)
    return frozenset(hosts)


def parse_proxies(text: str | None) -> tuple[str, ...]:
    proxies = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError as exc:
            raise ConfigError(
                f"TOOLSCOUT_TRUSTED_PROXIES: {part!r} is not an IP address or network "
                "(e.g. 127.0.0.1,10.0.0.0/8)"
            ) from exc
        proxies.append(part)
    return tuple(proxies)


def parse_tokens(text: str | None) -> dict[str, str]:
    """ "alice:tok1,bob:tok2" -> {"tok1": "alice", "tok2": "bob"}."""
    tokens: dict[str, str] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, token = part.partition(":")
        name, token = name.strip(), token.strip()
        if not sep or not name or not token:
            raise ConfigError(
                f"TOOLSCOUT_EDITOR_TOKENS: {part!r} is not name:token (e.g. alice:s3cret,bob:…)"
            )
        if token in tokens:
            raise ConfigError(f"TOOLSCOUT_EDITOR_TOKENS: two editors share the token of {name!r}")
        tokens[token] = name
    return tokens


def config_from_env(environ: dict[str, str] | None = None) -> EditorConfig:
    env = os.environ if environ is None else environ
    try:
        if environ is None:
            settings = WebSettings()
        else:  # a given mapping only (tests): model_validate reads no environment
            settings = WebSettings.model_validate(
                {
                    name: env[f"TOOLSCOUT_{name.upper()}"]
                    for name in WebSettings.model_fields
                    if f"TOOLSCOUT_{name.upper()}" in env
                }
            )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"TOOLSCOUT_{str(first['loc'][0]).upper()}: {first['msg']}") from exc
    secret = settings.secret_key
    return EditorConfig(
        password=settings.editor_password or None,
        tokens=parse_tokens(settings.editor_tokens),
        secret=secret.encode() if secret else secrets.token_bytes(32),
        open_editor=settings.editor or env.get("USER") or "local",
        public_url=parse_public_url(settings.public_url),
        allowed_hosts=parse_hosts(settings.allowed_hosts),
        trusted_proxies=parse_proxies(settings.trusted_proxies),
        hf_webhook_secret=parse_webhook_secret(settings.hf_webhook_secret),
        cors_origins=parse_origins(settings.cors_origins),
    )


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, config: EditorConfig) -> None:
    """Refuse to serve the editor pages to the network without a login."""
    if config.login_required or is_loopback(host):
        return
    raise ConfigError(
        f"refusing to listen on {host}: no editor login is configured, so the editor pages "
        "would be open to anyone who can reach this address. Set TOOLSCOUT_EDITOR_PASSWORD "
        "(or TOOLSCOUT_EDITOR_TOKENS), or listen on 127.0.0.1."
    )
