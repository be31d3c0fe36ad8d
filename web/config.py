"""Who may edit, read from the environment, and where the server may listen.

- `TOOLSCOUT_EDITOR_PASSWORD`: the shared editor password; an editor logging in with it
  types their name, which the audit log records.
- `TOOLSCOUT_EDITOR_TOKENS`: optional per-editor tokens, `name:token` pairs separated by
  commas (`alice:tok1,bob:tok2`); logging in with a token names its editor.
- `TOOLSCOUT_SECRET_KEY`: optional key that signs session cookies; without it a random key
  is drawn at start-up (sessions then end when the server restarts). It is never derived
  from the password: a signed cookie would let anyone holding one guess the password offline.

With neither a password nor a token the pages are open, without login, to this machine
only: the server refuses to listen on any other address (`check_bind`), and requests must
name a loopback host (a DNS-rebinding page cannot reach it).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


class ConfigError(ValueError):
    """A setting that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class EditorConfig:
    password: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # token -> editor name
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    open_editor: str = "local"  # the editor's name when no login is configured

    @property
    def login_required(self) -> bool:
        return bool(self.password or self.tokens)


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
    secret = env.get("TOOLSCOUT_SECRET_KEY")
    return EditorConfig(
        password=env.get("TOOLSCOUT_EDITOR_PASSWORD") or None,
        tokens=parse_tokens(env.get("TOOLSCOUT_EDITOR_TOKENS")),
        secret=secret.encode() if secret else secrets.token_bytes(32),
        open_editor=env.get("TOOLSCOUT_EDITOR") or env.get("USER") or "local",
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
