"""The `toolscout` command: crawl, triage the queue, normalize, run the demo."""

from __future__ import annotations

import json
import os
import sys
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


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


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
        float | None, typer.Option(help="Seconds before the crawl is stopped.")
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
    with err.status("crawling… (TOOLSCOUT_LOG_LEVEL=INFO shows Scrapy's log)"):
        outcome = run_crawl([s.name for s in chosen], time_limit=time_limit)
    print_runs(outcome.runs, f"crawl finished in {outcome.seconds:.1f}s")
    if outcome.killed:
        fail(f"crawl stopped after {outcome.seconds:.0f}s (time limit)", 1)
    if outcome.exit_code != 0 or any(r.status in ("failed", "killed") for r in outcome.runs):
        raise typer.Exit(1)


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
        str | None, typer.Option(help="new|accepted|rejected|duplicate|snoozed")
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
        datetime | None, typer.Option(help="Date to bring it back (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Snooze candidates until a date."""
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
def renormalize() -> None:
    """Rebuild candidates from stored documents, without crawling (Hub, feeds, prices)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ingest.renormalize import renormalize_all

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("documents", total=None)
        counts = renormalize_all(
            progress=bar, advance=lambda done, total: bar.update(task, completed=done, total=total)
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
    from store.db import database_url, get_engine, upgrade

    head = upgrade(get_engine())
    err.print(f"database at revision {head}: {database_url()}")


@app.command()
def demo(
    once: Annotated[bool, typer.Option("--once", help="Crawl once and exit.")] = False,
) -> None:
    """Start the replay server on the bundled fixtures, crawl it, print the queue (offline)."""
    from fixtures.replay import ReplayServer

    root = Path(__file__).resolve().parent.parent / "fixtures"
    # The Hub's responses and, beside them, feeds, pages and a price list (fixtures/web).
    server = ReplayServer([root / "hub", root / "web"]).start()
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
        help="Seconds between runs of every source, instead of sources.toml's interval.",
    ),
]
JitterOption = Annotated[
    float | None,
    typer.Option(help="Random delay added to each run, seconds (default: interval/10, ≤ 60)."),
]
TimeLimitOption = Annotated[
    float | None, typer.Option(help="Hard time limit of one crawl, seconds.")
]
WorkersOption = Annotated[int, typer.Option(help="Crawls that may run at the same time.")]
StopTimeoutOption = Annotated[
    float,
    typer.Option(
        help="On SIGTERM/SIGINT, seconds running crawls get to finish before they are stopped."
    ),
]


HostOption = Annotated[
    str,
    typer.Option(
        help="Address to listen on; other than loopback only with TOOLSCOUT_EDITOR_PASSWORD."
    ),
]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]


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
        chosen = load_sources().named(names or [])
    except SourcesError as exc:
        fail(str(exc))
    if not chosen:
        fail("sources.toml lists no sources to schedule")
    if interval is not None and interval <= 0:
        fail("--interval must be positive")
    _configure_logging()
    scheduler = Scheduler(
        chosen,
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
        code = run_with(scheduler.run, *web)
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
        serve_web(host, port)
    except ConfigError as exc:
        fail(str(exc))


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
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
    engine = get_engine()
    upgrade(engine)
    if output is None:
        n = export_records(engine, fmt, sys.stdout)
        sys.stdout.flush()
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            n = export_records(engine, fmt, fh)
    err.print(f"exported {n} record(s) as {fmt}")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def health_rows(now: datetime | None = None) -> list[dict]:
    """`toolscout status --json`: one object per source (see README, "Scheduling and health")."""
    from ingest.sources import SourcesError, load_sources
    from store import health
    from store.db import get_engine, session, upgrade
    from store.models import utcnow

    now = now or utcnow()
    upgrade(get_engine())
    try:
        configured = [(s.name, s.kind, s.interval_s) for s in load_sources().sources]
    except SourcesError as exc:
        err.print(f"[yellow]warning:[/] {exc}; showing the sources the store knows")
        configured = []
    rows = []
    with session() as s:
        names = {name for name, _, _ in configured}
        extra = [(n, None, 3600.0) for n in health.known_sources(s) if n not in names]
        for name, kind, interval in configured + extra:
            h = health.source_health(s, name, interval, now)
            r = h.last_run
            rows.append(
                {
                    "source": name,
                    "kind": kind,
                    "configured": kind is not None,
                    "interval_s": interval,
                    "health": h.health,
                    "reason": h.reason,
                    "stale": h.stale,
                    "consecutive_failures": h.failures,
                    "consecutive_error_runs": h.error_runs,
                    "backoff_until": _iso(h.backoff_until),
                    "next_run_at": _iso(h.next_run_at),
                    "last_success_at": _iso(h.last_success_at),
                    "last_run": None
                    if r is None
                    else {
                        "id": r.id,
                        "status": r.status,
                        "started_at": _iso(r.started_at),
                        "finished_at": _iso(r.finished_at),
                        "duration_s": round((r.finished_at - r.started_at).total_seconds(), 3)
                        if r.finished_at
                        else None,
                        "requests": r.requests,
                        "not_modified": r.not_modified,
                        "bytes": r.bytes,
                        "items": r.items,
                        "new_candidates": r.new_candidates,
                        "updated_candidates": r.updated_candidates,
                        "errors": r.errors,
                        "message": r.message,
                    },
                    "last_error": None
                    if h.last_error is None
                    else {"at": _iso(h.last_error[0]), "message": h.last_error[1]},
                }
            )
    return rows


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
            "--check", help="For monitors: exit 1 if any source is unhealthy or stale, else 0."
        ),
    ] = False,
) -> None:
    """Each source's last run, next run, health and last error."""
    from store.health import FAILING, NEVER_RUN
    from store.models import utcnow

    now = utcnow()
    rows = health_rows(now)
    failing = [r for r in rows if r["configured"] and r["health"] in FAILING]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    elif check:
        for r in failing:
            out.print(f"{r['source']}: {r['health']}: {r['reason']}", markup=False)
        if not failing:
            out.print(f"all {sum(r['configured'] for r in rows)} source(s) healthy")
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
            nxt = "now" if r["next_run_at"] is None else _ago(r["next_run_at"], now)
            if r["backoff_until"]:
                nxt += f" (backoff, {r['consecutive_failures']} failed)"
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
    app()
