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
            err.print(f"[yellow]{r.source}[/]: {r.message}")


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
            r["slug"],
            r["name"],
            r["vendor"] or "—",
            sizes_text(r["sizes"]),
            lic,
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
    out.print(f"[bold]{detail['name']}[/]  ({detail['slug']}, {detail['status']})")
    out.print(f"vendor: {detail['vendor']}   announced: {detail['announced_at']}")
    out.print(f"sizes: {sizes_text(detail['sizes'])}")
    out.print(
        f"license: {lic.get('id')} ({lic.get('name')}), commercial use: {lic.get('commercial_use')}"
    )
    out.print(f"queued because: {detail['queued_reason']}")
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
            v["repo_id"],
            v["size_label"] or "—",
            human_count(v["total_params"]),
            v["params_method"] or "—",
            v["license_id"] or "—",
            kind or "",
        )
    out.print(table)
    for c in detail["conflict_details"]:
        values = "; ".join(f"{x['value']} ({x['subject']}: {x['snippet']})" for x in c["values"])
        out.print(f"[red]conflict[/] on {c['field']}: chosen {c['chosen']}; seen {values}")
    evidence = Table(title="evidence", title_justify="left")
    for col in ("field", "subject", "extractor", "snippet"):
        evidence.add_column(col)
    for o in detail["observations"]:
        evidence.add_row(o["field"], o["subject"], o["extractor"], (o["snippet"] or "")[:90])
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
    from normalize.record import normalize_line

    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(normalize_line(line), ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command()
def renormalize() -> None:
    """Rebuild variants, observations and candidates from stored documents, without crawling."""
    from ingest.renormalize import renormalize_all

    counts = renormalize_all(progress=err)
    err.print(
        f"renormalized {counts['models']} model(s) into {counts['candidates']} candidate(s); "
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
    server = ReplayServer([root / "hub"]).start()
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


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each source's last run."""
    from store.db import get_engine, session, upgrade
    from store.runs import latest_runs

    upgrade(get_engine())
    with session() as s:
        runs = latest_runs(s)
    rows = [
        {
            "source": r.source,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "requests": r.requests,
            "items": r.items,
            "errors": r.errors,
            "message": r.message,
        }
        for r in runs
    ]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    print_runs(
        runs, sum(((r.finished_at or r.started_at) - r.started_at).total_seconds() for r in runs)
    )


def main() -> None:
    app()
