"""The CLI's environment, read through a pydantic-settings schema before any command runs.

What it checks is what would otherwise surface as a traceback deep inside a command:
`DATABASE_URL` that is no URL, names a driver that is not installed, or puts the SQLite
file in a directory that does not exist; a log level Scrapy would refuse; a sources path
that is a directory. `postgres://` and `postgresql://` (the spellings Heroku, Render and
`psql` use) mean psycopg 3, the driver installed, and are rewritten to
`postgresql+psycopg://` in this process's environment, so the store and every crawl child
see one spelling. The web server's own variables are checked by `web.config`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite:///./toolscout.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Spellings of PostgreSQL that mean "the default driver", and the driver installed here.
_POSTGRES_SCHEMES = ("postgres://", "postgresql://")
_POSTGRES = "postgresql+psycopg://"
_EXAMPLES = "sqlite:///./toolscout.db or postgresql+psycopg://user:password@host/db"


class EnvError(ValueError):
    """A variable of the environment that cannot be used; the message names it."""


class Environment(BaseSettings):
    """The variables the CLI reads (unknown ones are ignored: the environment is shared)."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    hf_endpoint: str | None = Field(None, validation_alias="HF_ENDPOINT")
    sources: str | None = Field(None, validation_alias="TOOLSCOUT_SOURCES")
    log_level: str | None = Field(None, validation_alias="TOOLSCOUT_LOG_LEVEL")


def database_url(text: str | None) -> str:
    """The URL to use for `DATABASE_URL`'s value, or EnvError saying what is wrong."""
    text = (text or "").strip() or DEFAULT_DATABASE_URL
    for scheme in _POSTGRES_SCHEMES:
        if text.startswith(scheme):
            text = _POSTGRES + text[len(scheme) :]
    try:
        url = make_url(text)
    except ArgumentError:
        raise EnvError(
            f"DATABASE_URL {masked_url(text)!r} is not a database URL; use {_EXAMPLES}"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgresql":
        if driver != "psycopg":
            raise EnvError(
                f"DATABASE_URL: the {driver} driver is not installed; "
                f"write {_POSTGRES}… (psycopg 3)"
            )
        return text
    if backend != "sqlite":
        raise EnvError(f"DATABASE_URL: {backend!r} databases are not supported; use {_EXAMPLES}")
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if path.is_dir():
            raise EnvError(f"DATABASE_URL: {database} is a directory, not a file")
        if not path.parent.is_dir():
            raise EnvError(
                f"DATABASE_URL: directory {path.parent} does not exist "
                "(create it, or point DATABASE_URL at a file in an existing directory)"
            )
    return text


def masked_url(text: str) -> str:
    """A URL as it may be printed: its password, if any, masked."""
    try:
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return text[:200]


def check(environ: dict[str, str] | None = None) -> Environment:
    """Validate the environment; rewrite DATABASE_URL to its one spelling in `os.environ`."""
    env = os.environ if environ is None else environ
    try:
        found = Environment.model_validate({k: v for k, v in env.items() if isinstance(v, str)})
    except ValidationError as exc:  # every field is text: only a broken mapping gets here
        raise EnvError(str(exc.errors()[0]["msg"])) from None
    if found.database_url is not None:
        url = database_url(found.database_url)
        if url != found.database_url:
            env["DATABASE_URL"] = url
    else:
        database_url(None)
    level = (found.log_level or "").strip().upper()
    if level and level not in LOG_LEVELS:
        raise EnvError(
            f"TOOLSCOUT_LOG_LEVEL {found.log_level!r} is not one of {', '.join(LOG_LEVELS)}"
        )
    if found.hf_endpoint and not found.hf_endpoint.startswith(("http://", "https://")):
        raise EnvError(
            f"HF_ENDPOINT {found.hf_endpoint!r} must be an absolute http(s) URL "
            "(e.g. https://huggingface.co)"
        )
    if found.sources and Path(found.sources).is_dir():
        raise EnvError(
            f"TOOLSCOUT_SOURCES {found.sources!r} is a directory; point it at the sources file"
        )
    return found


def debug_requested(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return (env.get("TOOLSCOUT_LOG_LEVEL") or "").strip().upper() == "DEBUG"
