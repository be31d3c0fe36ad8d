"""The `toolscout` command: crawl, triage the queue, normalize, run the demo.

Errors a person can act on: every error is one line (two at most) saying what is wrong and
what to do, on stderr, with exit code 2 for usage and configuration errors (a bad option,
sources.toml, the environment) and 1 for a failure at run time. `main()` is where an
exception becomes that line; the traceback is shown only with `--debug` or
TOOLSCOUT_LOG_LEVEL=DEBUG. Durations (`--time-limit`, `--interval`, …) take what
sources.toml takes: 90, "90s", "15m", "1h".
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

app = typer.Typer(
    help="toolscout: AI-tool intake. Crawls sources into evidence-backed candidates for editors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
queue_app = typer.Typer(help="List, show and triage candidates.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")
app.add_typer(db_app, name="db")

# Piped or captured output gets wide tables instead of Rich's 80-column fallback.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 180)


USAGE, FAILURE = 2, 1  # exit codes: a usage or configuration error; a failure at run time
DEMO_PORT = 8765  # the replay origin of `toolscout demo` (fixtures/sources.demo.toml's)
_debug = False  # --debug: tracebacks instead of one line


def say_error(message: str) -> None:
    """`error: <message>` on stderr; the message is text, never Rich markup ('[hub]')."""
    from rich.text import Text

    # soft_wrap: one line however long, so a monitor or `grep` sees the whole of it.
    err.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


def fail(message: str, code: int = USAGE) -> None:
    say_error(message)
    raise typer.Exit(code)


def debugging() -> bool:
    from ingest.environment import debug_requested

    return _debug or debug_requested()


def duration(value: object) -> float:
    """An option's duration: 90, "90s", "15m", "1h" (as sources.toml takes them)."""
    from ingest.sources import SourcesError, parse_duration

    if isinstance(value, int | float):
        return float(value)
    try:
        return parse_duration(str(value))
    except SourcesError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show tracebacks (as TOOLSCOUT_LOG_LEVEL=DEBUG does)."),
    ] = False,
) -> None:
    """toolscout: AI-tool intake. Crawls sources into evidence-backed candidates for editors."""
    global _debug
    _debug = _debug or debug
    if ctx.invoked_subcommand == "normalize":
        return  # pure: needs neither a database nor sources.toml
    from ingest.environment import EnvError, check

    try:
        check()
    except EnvError as exc:
        fail(str(exc))


def human_count(n: float | None) -> str:
    if not n:
        return "?"
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}".replace(".0" + unit, unit)
    return f"{n:.0f}"


def sizes_text(sizes: list[dict]) -> str:
    parts = []
    for s in sizes:
        text = s["label"]
        if s.get("active") and s.get("total"):
            # MoE: the label names one of the two counts at most; show the total beside it.
            text += f" ({human_count(s['total'])} total)"
        parts.append(text)
    return ", ".join(parts) or "—"


# -- crawl ------------------------------------------------------------------------------
@app.command()
def crawl(
    names: Annotated[
        list[str] | None, typer.Argument(help="Sources, e.g. hf:google, or hf for all Hub orgs.")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Crawl every source in sources.toml.")
    ] = False,
    time_limit: Annotated[
        float | None,
        typer.Option(parser=duration, help="Time before the crawl is stopped: 90s, 15m, 1h."),
    ] = None,
) -> None:
    """Crawl now and print a summary per source."""
    from ingest.crawl import crawl as run_crawl
    from ingest.sources import SourcesError, load_sources

    if not names and not all_:
        fail("name the sources to crawl (see sources.toml) or pass --all")
    try:
        chosen = load_sources().named(names or [])
    except SourcesError as exc:
        fail(str(exc))
    err.print(f"crawling {len(chosen)} source(s): {', '.join(s.name for s in chosen)}")
    with (
        _tracebacks_folded(),
        err.status("crawling… (TOOLSCOUT_LOG_LEVEL=INFO shows Scrapy's log)"),
    ):
        outcome = run_crawl([s.name for s in chosen], time_limit=time_limit)
    print_runs(outcome.runs, f"crawl finished in {outcome.seconds:.1f}s")
    if outcome.killed:
        fail(f"crawl stopped after {outcome.seconds:.0f}s (time limit)", 1)
    if outcome.exit_code != 0 or any(r.status in ("failed", "killed") for r in outcome.runs):
        raise typer.Exit(1)


@contextlib.contextmanager
def _tracebacks_folded() -> Iterator[None]:
    """While a crawl child runs, its stderr (Scrapy's log, inherited) passes through a
    filter that drops Python tracebacks: an offline crawl logs one of ~70 lines per failed
    request, where the log line before it and the run's summary already say what failed.
    With --debug or TOOLSCOUT_LOG_LEVEL=DEBUG everything passes."""
    if debugging():
        yield
        return
    sys.stderr.flush()
    real = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    hidden = [0]
    copier = threading.Thread(target=_copy_without_tracebacks, args=(read_end, real, hidden))
    copier.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(real, 2)  # closes our write end; the copier ends when the child's is closed
        copier.join(timeout=10)
        os.close(real)
        if hidden[0]:
            err.print(
                f"({hidden[0]} traceback(s) hidden; --debug or TOOLSCOUT_LOG_LEVEL=DEBUG "
                "shows them)",
                markup=False,
            )


_CHAINED = ("The above exception was", "During handling of the above exception")


def _copy_without_tracebacks(read_fd: int, write_fd: int, hidden: list[int]) -> None:
    normal, frames, after = 0, 1, 2
    with os.fdopen(read_fd, "rb") as source, os.fdopen(write_fd, "wb", closefd=False) as sink:
        state = normal
        for line in source:
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("Traceback (most recent call last)"):
                hidden[0] += state == normal
                state = frames
                continue
            if state == frames:
                # Frames are indented; the exception's own line is not: it ends the frames.
                if text[:1] not in (" ", "\t", ""):
                    state = after
                continue
            if state == after:
                # A chained traceback follows after a blank line and a sentence.
                if not text or text.startswith(_CHAINED):
                    continue
                state = normal
            sink.write(line)
            sink.flush()


def print_runs(runs: list, title: str) -> None:
    table = Table(title=title, title_justify="left")
    for col in ("source", "status", "requests", "304", "items", "new", "updated", "errors", "time"):
        table.add_column(col, justify="left" if col in ("source", "status") else "right")
    for r in runs:
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0
        style = {"ok": "green", "partial": "yellow"}.get(r.status, "red")
        table.add_row(
            r.source,
            f"[{style}]{r.status}[/]",
            str(r.requests),
            str(r.not_modified),
            str(r.items),
            str(r.new_candidates),
            str(r.updated_candidates),
            str(r.errors),
            f"{took:.1f}s",
        )
    out.print(table)
    for r in runs:
        if r.message:
            err.print(f"[yellow]{escape(r.source)}[/]: {escape(r.message)}")


# -- queue ------------------------------------------------------------------------------
@queue_app.command("list")
def queue_list(
    status: Annotated[
        str | None,
        typer.Option(
            help="new|accepted|rejected|duplicate|snoozed|held|all, as on the web queue page "
            "(default: all but held)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Stable JSON (see README).")] = False,
) -> None:
    """List candidates, newest release first."""
    from store.db import get_engine, session, upgrade
    from store.queue import QueueError, candidate_summary, list_candidates

    upgrade(get_engine())
    with session() as s:
        try:
            rows = [candidate_summary(c) for c in list_candidates(s, status)]
        except QueueError as exc:
            fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(rows)} candidate(s)", title_justify="left")
    for col in ("slug", "name", "vendor", "sizes", "license", "status", "announced", "conflicts"):
        table.add_column(col)
    for r in rows:
        lic = (r["license"] or {}).get("id") or "—"
        table.add_row(
            escape(r["slug"]),
            escape(r["name"]),
            escape(r["vendor"] or "—"),
            escape(sizes_text(r["sizes"])),
            escape(lic),
            r["status"],
            (r["announced_at"] or "")[:10],
            f"[red]{r['conflicts']} conflict[/]" if r["conflicts"] else "",
        )
    out.print(table)


@queue_app.command("show")
def queue_show(
    slug: str,
    as_json: Annotated[bool, typer.Option("--json", help="Stable JSON (see README).")] = False,
) -> None:
    """Show one candidate: fields, variants, evidence, conflicts, history."""
    from store.db import get_engine, session, upgrade
    from store.queue import QueueError, candidate_detail, get_candidate

    upgrade(get_engine())
    with session() as s:
        try:
            detail = candidate_detail(s, get_candidate(s, slug))
        except QueueError as exc:
            fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(detail, indent=2, ensure_ascii=False) + "\n")
        return
    lic = detail["fields"].get("license") or {}
    # Names, reasons and snippets come from scraped pages: printed as text, never as Rich
    # markup (a card's "[/docs]" would end a style that was never opened, and fail).
    out.print(f"[bold]{escape(detail['name'])}[/]  ({escape(detail['slug'])}, {detail['status']})")
    out.print(f"vendor: {detail['vendor']}   announced: {detail['announced_at']}", markup=False)
    out.print(f"sizes: {sizes_text(detail['sizes'])}", markup=False)
    out.print(
        f"license: {lic.get('id')} ({lic.get('name')}), commercial use: {lic.get('commercial_use')}",
        markup=False,
    )
    out.print(f"queued because: {detail['queued_reason']}", markup=False)
    if detail.get("notability"):
        out.print(f"notability: {detail['notability']}", markup=False)
    table = Table(title="variants", title_justify="left")
    for col in ("repo", "size", "params", "method", "license", "kind"):
        table.add_column(col)
    for v in detail["variants"]:
        kind = (
            v["relation"]
            if v["is_derivative"]
            else ("quantized" if v["is_quantized"] else v["flavour"] or "")
        )
        table.add_row(
            *map(
                escape,
                (
                    v["repo_id"],
                    v["size_label"] or "—",
                    human_count(v["total_params"]),
                    v["params_method"] or "—",
                    v["license_id"] or "—",
                    kind or "",
                ),
            )
        )
    out.print(table)
    for c in detail["conflict_details"]:
        values = "; ".join(f"{x['value']} ({x['subject']}: {x['snippet']})" for x in c["values"])
        said = escape(f"{c['field']}: chosen {c['chosen']}; seen {values}")
        out.print(f"[red]conflict[/] on {said}")
    evidence = Table(title="evidence", title_justify="left")
    for col in ("field", "subject", "extractor", "snippet"):
        evidence.add_column(col)
    for o in detail["observations"]:
        evidence.add_row(
            *map(escape, (o["field"], o["subject"], o["extractor"], (o["snippet"] or "")[:90]))
        )
    out.print(evidence)


def _decide(slugs: list[str], status: str, reason: str | None = None, **kwargs) -> None:
    from store.db import get_engine, session, upgrade
    from store.queue import QueueError, set_status

    upgrade(get_engine())
    actor = f"editor:{os.environ.get('TOOLSCOUT_EDITOR') or os.environ.get('USER') or 'cli'}"
    with session() as s:
        try:
            for slug in slugs:
                set_status(s, slug, status, actor, reason=reason, **kwargs)
            s.commit()
        except QueueError as exc:
            fail(str(exc))
    err.print(f"{len(slugs)} candidate(s) marked {status}")


@queue_app.command("accept")
def queue_accept(slugs: list[str]) -> None:
    """Accept candidates: they are published to downstream sites."""
    _decide(slugs, "accepted")


@queue_app.command("reject")
def queue_reject(slugs: list[str], reason: Annotated[str | None, typer.Option()] = None) -> None:
    """Reject candidates, optionally with a reason."""
    _decide(slugs, "rejected", reason)


@queue_app.command("duplicate")
def queue_duplicate(
    slugs: list[str], of: Annotated[str, typer.Option("--of", help="Slug of the original.")]
) -> None:
    """Mark candidates as duplicates of another."""
    _decide(slugs, "duplicate", duplicate_of=of)


@queue_app.command("snooze")
def queue_snooze(
    slugs: list[str],
    until: Annotated[
        datetime | None, typer.Option(help="Date to bring it back (YYYY-MM-DD, UTC).")
    ] = None,
) -> None:
    """Snooze candidates until a date (default: a week from now)."""
    from datetime import UTC, timedelta

    from store.models import utcnow

    if until is None:
        until = utcnow() + timedelta(days=7)
    elif until.tzinfo is None:
        until = until.replace(tzinfo=UTC)  # typer's formats carry no zone: the date is UTC
    _decide(slugs, "snoozed", until=until)


@queue_app.command("reopen")
def queue_reopen(slugs: list[str]) -> None:
    """Put candidates back in the queue as new."""
    _decide(slugs, "new")


# -- normalize --------------------------------------------------------------------------
@app.command()
def normalize() -> None:
    """JSON lines in on stdin (text, model_info, card, pricing), JSON lines out."""
    from normalize.record import normalize_stream

    # Bytes in and out: orjson reads UTF-8 itself, and junk bytes fail one line, not the run.
    normalize_stream(sys.stdin.buffer, sys.stdout.buffer)


@app.command()
def renormalize(
    stale: Annotated[
        bool,
        typer.Option(
            "--stale",
            help="Only the documents and entries read with an older ruleset than today's.",
        ),
    ] = False,
) -> None:
    """Rebuild candidates from stored documents, without crawling (Hub, feeds, prices)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ingest.renormalize import renormalize_all
    from ingest.sources import SourcesError, load_sources

    # Without its sources file, renormalize would not know which orgs publish derivatives:
    # every quantizer's repo would be queued as a release of its own.
    try:
        load_sources()
    except SourcesError as exc:
        fail(str(exc))
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("documents", total=None)
        counts = renormalize_all(
            progress=bar,
            advance=lambda done, total: bar.update(task, completed=done, total=total),
            stale=stale,
        )
    if stale:
        err.print(
            f"{counts['documents']} of {counts['stored']} stored document(s) and entr(ies) "
            "were read with an older ruleset"
        )
    err.print(
        f"renormalized {counts['models']} model(s), {counts['entries']} feed entr(ies) and "
        f"{counts['price_lists']} price list(s) into {counts['candidates']} candidate(s); "
        f"{counts['errors']} error(s)"
    )


# -- db, demo ---------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from ingest.environment import masked_url
    from store.db import database_url, get_engine, upgrade

    head = upgrade(get_engine())
    err.print(f"database at revision {head}: {masked_url(database_url())}", markup=False)


class _ReplayProcess:
    """The fixtures' replay server (`python -m fixtures.replay`) in a child process: the
    product runs it, never imports it (fixtures are test data, kept out of the import graph
    by the import contracts)."""

    def __init__(self, roots: list[Path], port: int) -> None:
        self.roots, self.port, self.url = roots, port, ""
        self.proc: subprocess.Popen | None = None

    def start(self) -> _ReplayProcess:
        argv = [sys.executable, "-m", "fixtures.replay", "--port", str(self.port)]
        for root in self.roots:
            argv += ["--root", str(root)]
        # The package's parent on the path: `fixtures` is found from a checkout or an install.
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(self.roots[0].parent.parent), os.environ.get("PYTHONPATH", "")]
            ).rstrip(os.pathsep),
        }
        # stderr to a file, not a pipe: nobody reads it while the server runs (the child
        # keeps its own descriptor of the file once this one is closed).
        with tempfile.TemporaryFile("w+") as errors:
            self.proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
            )
            # The server prints its URL once it listens, and dies with a traceback if not.
            line = self.proc.stdout.readline().strip()
            if not line.startswith("http"):
                self.proc.wait()
                errors.seek(0)
                error = errors.read()
                raise OSError(_errno_of(error), _strerror_of(error))
        self.url = line
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _errno_of(traceback_text: str) -> int:
    found = re.search(r"\[Errno (\d+)\]", traceback_text)
    return int(found.group(1)) if found else 0


def _strerror_of(traceback_text: str) -> str:
    """ "Address already in use" from the child's last line ("OSError: [Errno 98] …")."""
    last = (traceback_text.strip().splitlines() or ["the server did not start"])[-1]
    return re.sub(r"^\w+(?:Error)?: (?:\[Errno \d+\] )?", "", last)


def demo_next_steps(environ: dict[str, str] | None = None) -> str:
    """What to type next to triage the demo's data in the editor pages."""
    env = os.environ if environ is None else environ
    database = env.get("DATABASE_URL")
    prefix = f"DATABASE_URL={shlex.quote(database)} " if database else ""
    return (
        "Open the editor pages on this data:\n"
        f"  {prefix}toolscout serve        then http://127.0.0.1:8000/queue\n"
        "  (on this machine without a login; set TOOLSCOUT_EDITOR_PASSWORD to require one)\n"
        "  Worth a look: /queue?status=held (a held-back release), "
        "/candidates/codellama-4 (a likely duplicate and a license conflict)"
    )


@app.command()
def demo(
    once: Annotated[bool, typer.Option("--once", help="Crawl once and exit.")] = False,
) -> None:
    """Start the replay server on the bundled fixtures, crawl it, print the queue (offline)."""
    root = Path(__file__).resolve().parent.parent / "fixtures"
    # The Hub's responses and, beside them, feeds, pages and a price list (fixtures/web).
    # Always on one port: the origin is part of every stored URL, and a second demo on the
    # same database must find the same documents, not a copy of each under a new port.
    try:
        port = int(os.environ.get("TOOLSCOUT_DEMO_PORT") or DEMO_PORT)
        if not 0 < port < 65536:
            raise ValueError(port)
    except ValueError:
        fail(f"TOOLSCOUT_DEMO_PORT {os.environ['TOOLSCOUT_DEMO_PORT']!r} is not a port (1-65535)")
    # fixtures/demo: repos only the demo serves (a duplicate pair, conflicts, a held one).
    server = _ReplayProcess([root / "hub", root / "web", root / "demo"], port)
    try:
        server.start()
    except OSError as exc:
        fail(
            f"the demo's replay server cannot listen on 127.0.0.1:{port} ({exc.strerror}); "
            "stop what uses that port (another `toolscout demo`?) and try again",
            FAILURE,
        )
    os.environ["HF_ENDPOINT"] = server.url
    os.environ.setdefault("TOOLSCOUT_SOURCES", str(root / "sources.demo.toml"))
    err.print(
        f"replay server on {server.url}; database {os.environ.get('DATABASE_URL') or './toolscout.db'}"
    )
    try:
        try:
            crawl(names=None, all_=True, time_limit=600)
        except typer.Exit as exc:
            if exc.exit_code:
                raise
        queue_list(status=None, as_json=False)
        err.print(demo_next_steps(), markup=False, highlight=False)
        if not once:
            err.print(f"replay server still serving on {server.url} (HF_ENDPOINT); Ctrl-C to stop")
            import time

            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


# -- scheduling and health --------------------------------------------------------------
def _configure_logging() -> None:
    import logging

    level = os.environ.get("TOOLSCOUT_SCHEDULE_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )
    # APScheduler logs every job start and end at INFO; our one line per run says more.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


SourceNames = Annotated[
    list[str] | None,
    typer.Argument(help="Sources to schedule (default: every source in sources.toml)."),
]
IntervalOption = Annotated[
    float | None,
    typer.Option(
        "--interval",
        envvar="TOOLSCOUT_INTERVAL",
        parser=duration,
        help="Time between runs of every source (90s, 15m, 1h), instead of sources.toml's.",
    ),
]
JitterOption = Annotated[
    float | None,
    typer.Option(
        parser=duration,
        help="Random delay added to each run, e.g. 30s (default: interval/10, ≤ 60s).",
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(parser=duration, help="Hard time limit of one crawl: 90s, 15m, 1h."),
]
WorkersOption = Annotated[
    int, typer.Option(min=1, max=64, help="Crawls that may run at the same time.")
]
StopTimeoutOption = Annotated[
    float,
    typer.Option(
        parser=duration,
        help="On SIGTERM/SIGINT, the time running crawls get to finish (e.g. 10s, 1m).",
    ),
]


HostOption = Annotated[
    str,
    typer.Option(
        help="Address to listen on; other than loopback only with TOOLSCOUT_EDITOR_PASSWORD."
    ),
]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on (1-65535).")]


def _start_scheduler(
    names: list[str] | None,
    interval: float | None,
    jitter: float | None,
    time_limit: float | None,
    workers: int,
    stop_timeout: float,
    web: tuple[str, int] | None = None,
) -> None:
    from ingest.schedule import Scheduler
    from ingest.sources import SourcesError, load_sources

    try:
        config = load_sources()
        chosen = config.named(names or [])
    except SourcesError as exc:
        fail(str(exc))
    if not chosen:
        fail("sources.toml lists no sources to schedule")
    if interval is not None and interval <= 0:
        fail("--interval must be positive")
    _configure_logging()
    from store.cadence import Bounds

    scheduler = Scheduler(
        chosen,
        bounds=Bounds(*config.cadence),
        interval_s=interval,
        jitter_s=jitter,
        time_limit=time_limit,
        workers=workers,
        stop_timeout=stop_timeout,
    )
    if web is None:
        raise typer.Exit(scheduler.run())
    from web.config import ConfigError
    from web.serve import run_with

    try:
        code = run_with(scheduler.run, *web, status_rows=_status_page_rows)
    except (ConfigError, RuntimeError) as exc:
        fail(str(exc))
    raise typer.Exit(code)


@app.command()
def schedule(
    names: SourceNames = None,
    interval: IntervalOption = None,
    jitter: JitterOption = None,
    time_limit: TimeLimitOption = None,
    workers: WorkersOption = 4,
    stop_timeout: StopTimeoutOption = 10.0,
) -> None:
    """Crawl every source at its interval until stopped (SIGTERM/SIGINT stop it cleanly).

    Each run is a child process with a hard time limit; a failing source backs off
    exponentially (up to 24 h) and recovers on its first success. One log line per run on
    stderr. The next run of each source follows from its runs in the store, so a restart
    neither repeats nor skips one.
    """
    _start_scheduler(names, interval, jitter, time_limit, workers, stop_timeout)


@app.command()
def run(
    names: SourceNames = None,
    interval: IntervalOption = None,
    jitter: JitterOption = None,
    time_limit: TimeLimitOption = None,
    workers: WorkersOption = 4,
    stop_timeout: StopTimeoutOption = 10.0,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
) -> None:
    """Run the service: the scheduler and the web server (`serve`) in one process.

    SIGTERM/SIGINT stop both: running crawls get --stop-timeout seconds, then the web
    server finishes the requests in flight.
    """
    _start_scheduler(names, interval, jitter, time_limit, workers, stop_timeout, (host, port))


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Serve the editor pages and the read API (README, "Web") until SIGTERM/SIGINT.

    Without TOOLSCOUT_EDITOR_PASSWORD (or TOOLSCOUT_EDITOR_TOKENS) it refuses any address
    but loopback, where the pages are open without login.
    """
    from web.config import ConfigError
    from web.serve import serve as serve_web

    _configure_logging()
    try:
        serve_web(host, port, status_rows=_status_page_rows)
    except ConfigError as exc:
        fail(str(exc))


@app.command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl, csv or ids (the id map, JSON lines).")
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Every published (accepted) record, as the read API serves them (README, "Web")."""
    from store.db import get_engine, upgrade
    from web.export import FORMATS
    from web.export import export as export_records

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    handle = None
    if output is not None:
        # Opened before any record is read: a path that cannot be written is a usage error.
        try:
            handle = output.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror} (--output names a file to create)")
    engine = get_engine()
    upgrade(engine)
    if handle is None:
        n = export_records(engine, fmt, sys.stdout)
        sys.stdout.flush()
    else:
        with handle:
            n = export_records(engine, fmt, handle)
    err.print(f"exported {n} record(s) as {fmt}")


def health_rows(now: datetime | None = None, strict: bool = True) -> list[dict]:
    """`toolscout status --json`: one object per source (see README, "Scheduling and health").

    Without a usable sources file: a SourcesError when `strict` (the CLI refuses to guess),
    else the sources the store knows (the web status page still shows something)."""
    from ingest.crawl import DEFAULT_TIME_LIMIT_S, crawl_alive
    from ingest.sources import SourcesError, load_sources
    from store import health, runs, websub
    from store.cadence import Bounds, next_check, source_cadence
    from store.db import get_engine, session, upgrade
    from store.models import utcnow

    now = now or utcnow()
    try:
        config = load_sources()
    except SourcesError:
        if strict:
            raise
        config = None
    upgrade(get_engine())
    configured = list(config.sources) if config else []
    bounds = Bounds(*config.cadence) if config else Bounds()
    limit = (config.crawl.get("TOOLSCOUT_TIME_LIMIT") if config else None) or DEFAULT_TIME_LIMIT_S
    with session() as s:
        # A run left `running` by a crawl of this host whose process is gone (its parent
        # died too, so nothing closed it) is closed here, as `crawl` does for its sources.
        runs.close_abandoned(s, None, now, crawl_alive)
        paces, checks = [], {}
        for src in configured:
            pace = source_cadence(
                s, src.name, src.kind, src.org, src.interval_s, src.adaptive, bounds, now
            )
            paces.append((src.name, src.kind, pace.interval_s, pace.reason))
            checks[src.name] = next_check(s, src.name, pace, now)
        rows = health.health_rows(s, paces, now, limit)
        subs = {sub.source: sub for sub in websub.subscriptions(s)}
        for row in rows:
            check = checks.get(row["source"])
            # When the scheduler checks the source next, and which rule decided it:
            # frequency, push, backoff, retry-after or fixed (store.cadence.next_check).
            row["next_check_at"] = check.at.isoformat() if check and check.at else None
            row["next_check_basis"] = check.basis if check else None
            row["next_check_reason"] = check.reason if check else None
            row["websub"] = websub.status_row(subs.get(row["source"]), now)
        return rows


def _status_page_rows() -> list[dict]:
    """The web status page's rows: every configured source, or without a usable sources
    file the ones the store knows (the page still shows something)."""
    return health_rows(strict=False)


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            value = seconds / size
            return (
                f"{value:.0f}{unit}" if value >= 10 or value == int(value) else f"{value:.1f}{unit}"
            )
    return f"{seconds:.0f}s"


def _ago(iso: str | None, now: datetime) -> str:
    if not iso:
        return "—"
    seconds = (now - datetime.fromisoformat(iso)).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{seconds / size:.0f}{unit}"
            break
    else:
        text = f"{seconds:.0f}s"
    return f"in {text}" if future else f"{text} ago"


@app.command()
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Stable JSON: a list of objects (see README).")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="For monitors: exit 1 if any configured source is unhealthy, stale or never "
            "ran, 2 if the configuration is missing or invalid, else 0.",
        ),
    ] = False,
) -> None:
    """Each source's last run, next run, health and last error."""
    from ingest.sources import SourcesError
    from store.health import FAILING, NEVER_RUN
    from store.models import utcnow

    now = utcnow()
    try:
        rows = health_rows(now)
    except SourcesError as exc:
        fail(str(exc))
    failing = [
        r for r in rows if r["configured"] and (r["health"] in FAILING or r["health"] == NEVER_RUN)
    ]
    for r in failing:
        if r["health"] == NEVER_RUN and not r["reason"]:
            r["reason"] = "configured but never ran (crawl it, or is the scheduler running?)"
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    elif check:
        for r in failing:
            out.print(f"{r['source']}: {r['health']}: {r['reason']}", markup=False)
        if not failing:
            configured = sum(r["configured"] for r in rows)
            if not configured:
                fail("the sources file lists no sources: nothing to check")
            out.print(f"all {configured} source(s) healthy")
    else:
        table = Table(title=f"{len(rows)} source(s)", title_justify="left")
        columns = (
            "source", "last run", "status", "requests", "304", "items", "new", "updated",
            "errors", "time", "next run", "health", "last error",
        )  # fmt: skip
        for col in columns:
            numeric = col in ("requests", "304", "items", "new", "updated", "errors", "time")
            table.add_column(col, justify="right" if numeric else "left")
        for r in rows:
            last = r["last_run"]
            style = {"healthy": "green", NEVER_RUN: "dim"}.get(r["health"], "red")
            reason = f": {escape(r['reason'])}" if r["reason"] else ""
            verdict = f"[{style}]{r['health']}[/]{reason}"
            if not r["configured"]:
                verdict = "[dim]not in sources.toml[/]"
            at = r.get("next_check_at") if r["configured"] else r["next_run_at"]
            nxt = "now" if at is None else _ago(at, now)
            if r["configured"] and r.get("next_check_basis") == "retry-after":
                nxt += escape(f" (retry-after: {r['next_check_reason']})")
            elif r["backoff_until"]:
                nxt += f" (backoff, {r['consecutive_failures']} failed)"
            elif r["configured"]:
                nxt += escape(
                    f" ({r.get('next_check_basis') or 'frequency'}, every "
                    f"{_span(r['interval_s'])}: {r['interval_reason']})"
                )
            sub = r.get("websub")
            if sub:
                state = "push ok" if sub["healthy"] else sub["state"]
                nxt += escape(f"; WebSub {state}")
            error = r["last_error"]
            if last is None:
                table.add_row(
                    r["source"], "never run", "", "", "", "", "", "", "", "", nxt, verdict, ""
                )
                continue
            table.add_row(
                r["source"],
                _ago(last["started_at"], now),
                last["status"],
                str(last["requests"]),
                str(last["not_modified"]),
                str(last["items"]),
                str(last["new_candidates"]),
                str(last["updated_candidates"]),
                str(last["errors"]),
                "" if last["duration_s"] is None else f"{last['duration_s']:.1f}s",
                nxt,
                verdict,
                escape(f"{_ago(error['at'], now)}: {error['message'][:120]}") if error else "",
            )
        out.print(table)
    if check and failing:
        raise typer.Exit(1)


def main() -> None:
    """The console script: runs the command and turns what it raises into one line."""
    code = run_cli(sys.argv[1:])
    sys.exit(code)


# The exceptions of the click typer runs on (click itself, or the copy newer typers carry).
_cx = sys.modules[typer.BadParameter.__module__]


def run_cli(argv: list[str]) -> int:
    global _debug
    _debug = "--debug" in argv
    try:
        result = app(args=argv, prog_name="toolscout", standalone_mode=False)
    except _cx.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            out.print(exc.ctx.get_help(), markup=False, highlight=False)
            return USAGE
        command = exc.ctx.command_path if exc.ctx else "toolscout"
        say_error(f"{exc.format_message()} (see {command} --help)")
        return USAGE
    except _cx.ClickException as exc:
        say_error(exc.format_message())
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted", markup=False)
        return 130
    except Exception as exc:
        if debugging():
            raise
        code, message = explain(exc)
        say_error(message)
        if code == FAILURE:
            err.print("(--debug shows the traceback)", markup=False, style="dim")
        return code
    return result if isinstance(result, int) else 0


def explain(exc: BaseException) -> tuple[int, str]:
    """The exit code and one line for an exception no command turned into a message."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

    from ingest.environment import EnvError
    from ingest.sources import SourcesError
    from store.db import database_url
    from web.config import ConfigError

    if isinstance(exc, SourcesError | EnvError | ConfigError):
        return USAGE, str(exc)
    if isinstance(exc, ArgumentError):
        return USAGE, f"DATABASE_URL: {exc}"
    if isinstance(exc, OperationalError | DBAPIError):
        from ingest.environment import masked_url

        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0][:300]
        return FAILURE, f"database {masked_url(database_url())}: {reason}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename else ""
        return FAILURE, f"{exc.strerror}:{where}".rstrip(":")
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return FAILURE, f"{type(exc).__name__}: {text}" if text else type(exc).__name__
