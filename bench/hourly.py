"""The hourly run with nothing new: wall time of `toolscout crawl --all`, start included.

The replay server serves the bundled fixtures (`fixtures/hub` and `fixtures/web`, as
`toolscout demo` does) and `fixtures/sources.demo.toml` names every source: the Hub orgs,
the feeds, the news page and the price list. A first run fills a fresh store; each run
after it finds nothing new (each listing, feed, page and price list answers 304, but the
blog feed, whose runs the fixtures leave partial on purpose, so it is read whole), and those
are the runs measured: wall time including process start, the median of `--runs`. Also
`toolscout --help` alone (the CLI's own start), and the crawl child under cProfile, by
phase. Target: ≤ 5 s. SQLite, and PostgreSQL when its binaries are installed.

    .venv/bin/python bench/hourly.py [--runs 5] [--backends sqlite,postgresql] [--no-profile]
    .venv/bin/python bench/hourly.py --checkout /tmp/before   # another tree, same venv
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _common import PYTHON, fresh_database, measure, postgres_server, table  # noqa: E402

TOOLSCOUT = [str(Path(PYTHON).with_name("toolscout"))]
SOURCES = ROOT / "fixtures" / "sources.demo.toml"
TARGET_S = 5.0


@contextlib.contextmanager
def fixture_server():
    """The replay server on the bundled fixtures, in its own process; yields its URL."""
    roots = [r for r in (ROOT / "fixtures" / "hub", ROOT / "fixtures" / "web") if r.is_dir()]
    cmd = [PYTHON, "-m", "fixtures.replay", "--port", "0"]
    cmd += [arg for root in roots for arg in ("--root", str(root))]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = (proc.stdout.readline() if proc.stdout else "").strip()
        if not url.startswith("http"):
            raise RuntimeError(f"replay server did not start (exit {proc.poll()})")
        yield url
    finally:
        proc.terminate()
        proc.wait()


def toolscout(checkout: Path | None) -> list[str]:
    """The `toolscout` command: this checkout's, or another's run from its own directory
    (its crawl child, `python -m ingest.crawl`, then imports that checkout too)."""
    if checkout is None:
        return TOOLSCOUT
    return ["env", f"--chdir={checkout}", PYTHON, "-c", "from ingest.cli import main; main()"]


def crawl_env(url: str, db_url: str) -> dict:
    return os.environ | {
        "DATABASE_URL": db_url,
        "TOOLSCOUT_SOURCES": str(SOURCES),
        "HF_ENDPOINT": url,
        "TOOLSCOUT_LOG_LEVEL": "ERROR",
    }


def _replay(url: str, method: str = "GET") -> list[dict]:
    req = urllib.request.Request(f"{url}/_replay/log", method=method)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def statuses(url: str) -> dict[int, int]:
    """How the replay server answered since the log was last cleared, by status."""
    return dict(Counter(entry["status"] for entry in _replay(url)))


def hourly(url: str, db_url: str, runs: int, command: list[str]) -> dict:
    """A first run into a fresh store, then `runs` runs with nothing new."""
    env = crawl_env(url, db_url)
    cmd = [*command, "crawl", "--all"]
    first = measure(cmd, env)
    seconds, cpu, answers, codes = [], [], Counter(), set()
    for _ in range(runs):
        _replay(url, "DELETE")
        m = measure(cmd, env)
        seconds.append(m.seconds)
        cpu.append(m.cpu_seconds)
        codes.add(m.exit_code)
        answers.update(statuses(url))
    return {
        "backend": "sqlite" if db_url.startswith("sqlite") else "postgresql",
        "first_seconds": round(first.seconds, 2),
        "first_exit_code": first.exit_code,
        "seconds": [round(s, 2) for s in seconds],
        "median_seconds": round(statistics.median(seconds), 2),
        "median_cpu_seconds": round(statistics.median(cpu), 2),
        "exit_codes": sorted(codes),
        # 304 but for the blog feed (200: its partial runs confirm no validators) and the
        # robots.txt of each crawler (404 on the replay server).
        "answers": {str(k): v for k, v in sorted(answers.items())},
    }


def cli_start(runs: int, command: list[str]) -> float:
    return statistics.median(measure([*command, "--help"]).seconds for _ in range(runs))


def child_profile(url: str, db_url: str, workdir: Path, checkout: Path | None) -> dict:
    """The crawl child of an hourly run under cProfile, by phase (cumulative seconds).
    Started alone, it checks the schema itself (in a crawl, its parent does)."""
    prof = workdir / "hourly.prof"
    subprocess.run(
        [PYTHON, "-m", "cProfile", "-o", str(prof), "-m", "ingest.crawl"],
        env=crawl_env(url, db_url),
        cwd=checkout or ROOT,
        capture_output=True,
        check=False,
    )
    stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]

    def cum(file_part: str, name: str) -> float:
        found = [v[3] for (f, _l, n), v in stats.items() if n == name and file_part in f]
        return round(max(found), 2) if found else 0.0

    # Phases overlap: "imports" counts the lazy ones made inside the other phases too.
    return {
        "total": cum("ingest/crawl.py", "<module>"),
        "imports": cum("importlib._bootstrap", "_find_and_load"),
        "crawlers set up": cum("scrapy/crawler.py", "crawl"),
        "reactor running": cum("scrapy/crawler.py", "start"),
        "schema check": cum("store/db.py", "upgrade"),
        "pipeline open": cum("ingest/pipelines.py", "open_spider"),
        "pipeline close": cum("ingest/pipelines.py", "close_spider"),
    }


def report_lines(results: list[dict], help_s: float) -> list[str]:
    rows = [
        [
            r["backend"],
            f"{r['median_seconds']:.2f}",
            f"{r['median_cpu_seconds']:.2f}",
            " ".join(f"{s:.2f}" for s in r["seconds"]),
            f"{r['first_seconds']:.2f}",
            ",".join(map(str, r["exit_codes"])),
            " ".join(f"{k}×{v}" for k, v in r["answers"].items()),
            "meets" if r["median_seconds"] <= TARGET_S else "misses",
        ]
        for r in results
    ]
    head = ["store", "median s", "CPU s", "runs s", "first s", "exit", "answers", "≤ 5 s"]
    lines = [table(head, rows), f"`toolscout --help` alone: {help_s:.2f}s (median)"]
    for r in results:
        if "profile" in r:
            p = r["profile"]
            lines.append(
                f"{r['backend']} crawl child under cProfile, {p['total']:.1f}s (phases overlap): "
                + ", ".join(f"{k} {v:.2f}s" for k, v in p.items() if k != "total")
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per store")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--no-profile", dest="profile", action="store_false", help="skip the child's profile"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--checkout", type=Path, help="measure the toolscout of another checkout (same venv)"
    )
    args = parser.parse_args(argv)
    command = toolscout(args.checkout.resolve() if args.checkout else None)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    results = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="toolscout-hourly-")))
        pg = stack.enter_context(postgres_server()) if "postgresql" in backends else None
        if "postgresql" in backends and pg is None:
            print("PostgreSQL binaries not found (make postgres): SQLite only", file=sys.stderr)
        url = stack.enter_context(fixture_server())
        help_s = cli_start(args.runs, command)
        for backend in backends:
            if backend == "postgresql" and pg is None:
                continue
            db_url = f"sqlite:///{tmp / 'hourly.db'}" if backend == "sqlite" else fresh_database(pg)
            print(f"hourly run, {backend} …", file=sys.stderr, flush=True)
            result = hourly(url, db_url, args.runs, command)
            if args.profile:
                result["profile"] = child_profile(url, db_url, tmp, args.checkout)
            results.append(result)
    print(f"== hourly run with nothing new (bundled fixtures, {SOURCES.name}), {args.runs} runs ==")
    print("\n".join(report_lines(results, help_s)))
    if args.json:
        args.json.write_text(json.dumps({"cli_help_seconds": help_s, "runs": results}, indent=1))
    return 0 if all(r["exit_codes"] == [0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
