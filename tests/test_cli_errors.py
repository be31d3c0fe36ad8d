"""Errors a person can act on: each CLI error is one line on stderr naming what is wrong,
exit code 2 for usage and configuration errors (1 for a failure at run time), and no
traceback unless --debug. Run as the installed command runs: a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, _free_port

CLOSED = _free_port()  # nothing listens here
GOOD_SOURCES = '[hub]\norgs = ["google"]\n'


def toolscout(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TOOLSCOUT_", "DATABASE_URL", "HF_"))
    }
    full.update(env)
    full.setdefault("TOOLSCOUT_PURE_PYTHON", "1")
    full["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-c", "from ingest.cli import main; main()", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line(result: subprocess.CompletedProcess, code: int, *said: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    extra = [line for line in lines if not line.startswith(("error: ", "(--debug"))]
    assert not extra, result.stderr
    for text in said:
        assert text in errors[0], errors[0]


# (name, args, environment, sources.toml text or None for none, code, what the line says)
CASES = [
    ("port too high", ["serve", "--port", "99999"], {}, GOOD_SOURCES, 2, ["'--port'", "65535"]),
    ("port zero", ["serve", "--port", "0"], {}, GOOD_SOURCES, 2, ["'--port'"]),
    ("bad duration", ["crawl", "--all", "--time-limit", "1x"], {}, GOOD_SOURCES, 2,
     ["'--time-limit'", "'1x' is not a duration"]),
    # "1h" is taken: the command goes on to the next thing wrong, the unknown source.
    ("1h accepted", ["crawl", "hf:nvidia", "--time-limit", "1h"], {}, GOOD_SOURCES, 2,
     ["no source named 'hf:nvidia'"]),
    ("interval", ["schedule", "--interval", "soon"], {}, GOOD_SOURCES, 2, ["'--interval'"]),
    ("interval env", ["schedule"], {"TOOLSCOUT_INTERVAL": "often"}, GOOD_SOURCES, 2,
     ["TOOLSCOUT_INTERVAL"]),
    ("unknown command", ["crawll"], {}, GOOD_SOURCES, 2, ["No such command 'crawll'"]),
    ("unknown option", ["queue", "list", "--stauts", "new"], {}, GOOD_SOURCES, 2, ["--stauts"]),
    ("not a url", ["queue", "list"], {"DATABASE_URL": "notaurl"}, GOOD_SOURCES, 2,
     ["DATABASE_URL 'notaurl' is not a database URL", "postgresql+psycopg://"]),
    ("missing dir", ["queue", "list"], {"DATABASE_URL": "sqlite:////nonexistent/dir/x.db"},
     GOOD_SOURCES, 2, ["directory /nonexistent/dir does not exist"]),
    ("other driver", ["status"], {"DATABASE_URL": "postgresql+psycopg2://u@h/db"}, GOOD_SOURCES,
     2, ["psycopg2 driver is not installed"]),
    ("mysql", ["status"], {"DATABASE_URL": "mysql://u@h/db"}, GOOD_SOURCES, 2,
     ["'mysql' databases are not supported"]),
    ("postgres:// down", ["queue", "list"],
     {"DATABASE_URL": f"postgres://u:secret@127.0.0.1:{CLOSED}/x"}, GOOD_SOURCES, 1,
     [f"postgresql+psycopg://u:***@127.0.0.1:{CLOSED}/x", "refused"]),
    ("log level", ["status"], {"TOOLSCOUT_LOG_LEVEL": "loud"}, GOOD_SOURCES, 2,
     ["TOOLSCOUT_LOG_LEVEL 'loud'"]),
    ("hf endpoint", ["status"], {"HF_ENDPOINT": "huggingface.co"}, GOOD_SOURCES, 2,
     ["HF_ENDPOINT 'huggingface.co' must be an absolute"]),
    ("export path", ["export", "-o", "/nonexistent/x.csv", "--format", "csv"], {}, GOOD_SOURCES,
     2, ["cannot write /nonexistent/x.csv: No such file or directory"]),
    ("export format", ["export", "--format", "xml"], {}, GOOD_SOURCES, 2, ["--format"]),
    ("renormalize, no file", ["renormalize"], {}, None, 2, ["sources file not found"]),
    ("status, no file", ["status"], {}, None, 2, ["sources file not found"]),
    ("check, no file", ["status", "--check"], {}, None, 2, ["sources file not found"]),
    ("crawl, no file", ["crawl", "--all"], {}, None, 2, ["sources file not found"]),
    ("schedule, no file", ["schedule"], {}, None, 2, ["sources file not found"]),
    ("renormalize, typo", ["renormalize"], {}, '[hub]\nogrs = ["google"]\n', 2,
     ["unknown key 'ogrs' in [hub] (did you mean 'orgs'?)"]),
    ("check, typo", ["status", "--check"], {}, '[[feed]]\nname = "a"\nurl = "https://a.test/f"\n',
     2, ["unknown section [feed] (did you mean [[feeds]]?)"]),
    # Rich markup would have eaten "[pricing]": the section name survives.
    ("markup", ["crawl", "--all"], {},
     '[[pricing]]\nname = "x"\nurl = "https://a.test/m"\nformat = "csv"\n', 2,
     ["[[pricing]] entry 1 (x) format: must be 'openrouter'"]),
    ("sources is a dir", ["status"], {"TOOLSCOUT_SOURCES": "/"}, None, 2, ["is a directory"]),
    ("serve network", ["serve", "--host", "0.0.0.0", "--port", "1"], {}, GOOD_SOURCES, 2,
     ["refusing to listen on 0.0.0.0"]),
    ("web setting", ["serve", "--port", "1"], {"TOOLSCOUT_PUBLIC_URL": "tools.example"},
     GOOD_SOURCES, 2, ["TOOLSCOUT_PUBLIC_URL"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "sources", "code", "said"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_errors_are_one_line(tmp_path, args, env, sources, code, said):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'ts.db'}", **env}
    if sources is not None:
        (tmp_path / "sources.toml").write_text(sources)
    env.setdefault("TOOLSCOUT_SOURCES", str(tmp_path / "sources.toml"))
    assert_one_line(toolscout(args, env, tmp_path), code, *said)


def test_debug_shows_the_traceback(tmp_path):
    env = {"DATABASE_URL": f"postgres://u@127.0.0.1:{CLOSED}/x"}
    for args, extra in (
        (["--debug", "status"], {}),
        (["status"], {"TOOLSCOUT_LOG_LEVEL": "DEBUG"}),
    ):
        (tmp_path / "sources.toml").write_text(GOOD_SOURCES)
        result = toolscout(args, {**env, **extra, "TOOLSCOUT_SOURCES": "sources.toml"}, tmp_path)
        assert result.returncode == 1
        assert "Traceback (most recent call last)" in result.stderr
        assert "OperationalError" in result.stderr


@pytest.mark.postgres
def test_postgres_scheme_is_accepted(pg_server, tmp_path):
    from tests.conftest import fresh_postgres_database

    url = fresh_postgres_database(pg_server)
    assert url.startswith("postgresql+psycopg://")
    (tmp_path / "sources.toml").write_text(GOOD_SOURCES)
    for scheme in ("postgres://", "postgresql://"):
        env = {
            "DATABASE_URL": scheme + url.removeprefix("postgresql+psycopg://"),
            "TOOLSCOUT_SOURCES": "sources.toml",
        }
        result = toolscout(["queue", "list", "--json"], env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "[]"


def test_snooze_until_a_plain_date(tmp_path, monkeypatch):
    """The form the help shows: a date without a zone, taken as UTC."""
    from sqlmodel import Session, select

    from store.db import make_engine, upgrade
    from store.models import Candidate
    from tests.web_seed import seed

    url = f"sqlite:///{tmp_path / 'snooze.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, monkeypatch, tmp_path, url)
    env = {"DATABASE_URL": url, "TOOLSCOUT_SOURCES": os.environ["TOOLSCOUT_SOURCES"]}
    result = toolscout(["queue", "snooze", "gemma-3", "--until", "2030-01-01"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 candidate(s) marked snoozed" in result.stderr
    with Session(engine) as s:
        cand = s.exec(select(Candidate).where(Candidate.slug == "gemma-3")).one()
        assert cand.status == "snoozed"
        assert cand.snoozed_until.isoformat().startswith("2030-01-01T00:00:00")
    bad = toolscout(["queue", "snooze", "gemma-3", "--until", "next week"], env, tmp_path)
    assert_one_line(bad, 2, "'--until'")
    engine.dispose()


def test_an_offline_crawl_says_what_failed_without_tracebacks(tmp_path):
    """A source nothing answers for (as offline): the log lines and the run summary, no
    Scrapy traceback."""
    (tmp_path / "sources.toml").write_text(
        f'[[feeds]]\nname = "gone"\nurl = "http://127.0.0.1:{CLOSED}/feed.xml"\n'
        "[crawl]\ndelay = 0\ntimeout = 2\n"
    )
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'ts.db'}", "TOOLSCOUT_SOURCES": "sources.toml"}
    result = toolscout(["crawl", "feed:gone", "--time-limit", "2m"], env, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "failed" in result.stdout and "feed:gone" in result.stdout
    assert "Connection" in result.stderr or "refused" in result.stderr.lower()
    assert len(result.stderr.splitlines()) < 15, result.stderr
