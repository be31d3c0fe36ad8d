"""Backfill benchmark: a whole-Hub backfill through toolscout, beside what a user would use.

For each size N (a synthetic catalog from bench/make_catalog.py, served by the replay
server in its own process with cursor pages of 1,000) it measures, in one run:

- the server's ceiling: a client that only reads the listing pages;
- peer (a): `huggingface_hub.HfApi(endpoint=…).list_models()` inserting the raw rows into
  SQLite with `executemany`, what a user would write instead;
- peer (b): a keep-alive `http.client` loop with `orjson` and `executemany`, near the limit;
- toolscout: `toolscout crawl --all` (spider, pipelines, normalizers, grouping, one child
  process) into a fresh SQLite file and a fresh PostgreSQL database, every org of the
  catalog in its sources.toml. Each toolscout run is capped by a time budget; a capped run
  reports the rate it reached, and its timeline (models stored every 10 s) shows whether
  it slowed down.

With `--baseline DIR` another build of toolscout runs beside this one, on the same catalog,
replay server and backends, each into a fresh store: DIR is a checkout set up with its own
`.venv` (`make setup`; for the compiled build of an older commit, `make setup native` there),
and its runs are named `baseline/<backend>`, with this tree's rate and CPU seconds as a ratio
of the baseline's.

Every run reports models/s, requests, CPU seconds, peak RSS (largest process, exact, and
the whole process tree, sampled) and the store's size, and toolscout's ratio to each peer.
Then the cost-growth table over the sizes and a profile of the toolscout backfill split
into Scrapy/Twisted, JSON, normalization, database and grouping. The machine is shared:
figures are noisy, CPU seconds less so. The hourly run with nothing new is bench/hourly.py.

    make bench                                     # BENCH_SIZES, BENCH_BUDGET apply
    .venv/bin/python bench/backfill.py --sizes 10000,100000 --budget 120
    .venv/bin/python bench/backfill.py --sizes 100000 --baseline /tmp/toolscout-7d6ef76
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after ROOT: bench/normalize.py must not hide normalize/

from _common import (  # noqa: E402
    MB,
    PYTHON,
    Measured,
    count_rows,
    database_bytes,
    delta,
    fmt_mb,
    fresh_database,
    measure,
    postgres_server,
    replay_server,
    table,
)
from make_catalog import ensure_catalog, sources_toml  # noqa: E402

from spiders.hf_models import LISTING_EXPAND  # noqa: E402

OUT = ROOT / "bench" / "out"
TOOLSCOUT = str(Path(PYTHON).with_name("toolscout"))
PAGE = 1000
STORE_TABLES = ("variant", "candidate", "observation", "document", "event", "crawl_error")


# --------------------------------------------------------------------------- the peers


def run_peer(kind: str, replay, size: int, workdir: Path) -> dict:
    """One peer in its own process (bench/_peers.py), over the whole catalog."""
    db = None if kind == "ceiling" else str(workdir / f"{kind}.db")
    out = workdir / f"{kind}.json"
    cmd = [PYTHON, str(ROOT / "bench" / "_peers.py"), kind, "--endpoint", replay.url]
    cmd += ["--size", str(size), "--expand", ",".join(LISTING_EXPAND), "--out", str(out)]
    cmd += ["--db", db] if db else []
    env = os.environ | {"HF_HOME": str(workdir / "hf-home")}
    before = replay.stats()
    m = measure(cmd, env)
    if m.exit_code != 0:
        raise RuntimeError(f"peer {kind} failed with exit code {m.exit_code}")
    got = json.loads(out.read_text())
    result = _result(kind, size, got["models"], m, db and f"sqlite:///{db}")
    result["steady_rate"] = round(got["models"] / got["loop_seconds"], 1)
    return result | {"requests": delta(replay.stats(), before).get("requests", 0)}


def _result(who: str, size: int, models: int, m: Measured, db_url: str | None) -> dict:
    return {
        "who": who,
        "size": size,
        "models": models,
        "seconds": round(m.seconds, 2),
        "cpu_seconds": round(m.cpu_seconds, 2),
        "rate": round(models / m.seconds, 1) if m.seconds else 0.0,
        "peak_rss": m.peak_rss,
        "peak_tree_rss": m.peak_tree_rss,
        "db_bytes": database_bytes(db_url) if db_url else None,
        "complete": models >= size,
        "load": round(os.getloadavg()[0], 1),  # the machine is shared: how busy it was
    }


# --------------------------------------------------------------------------- toolscout


def crawl_env(url: str, db_url: str, sources: Path) -> dict:
    return os.environ | {
        "DATABASE_URL": db_url,
        "TOOLSCOUT_SOURCES": str(sources),
        "HF_ENDPOINT": url,
        "TOOLSCOUT_LOG_LEVEL": "ERROR",
    }


def run_toolscout(
    replay,
    size: int,
    seed: int,
    db_url: str,
    budget: float,
    workdir: Path,
    tree: Path = ROOT,
    who: str = "toolscout",
) -> dict:
    """`toolscout crawl --all` of the checkout `tree` (its `.venv`, run from it: the crawl
    child imports the tree's packages) over the whole catalog."""
    from fixtures.synthetic import SyntheticCatalog

    catalog = SyntheticCatalog.load(ensure_catalog(size, seed, quiet=True))
    sources = workdir / "sources.toml"
    sources.write_text(sources_toml(catalog, replay.url, PAGE), encoding="utf-8")
    before = replay.stats()
    toolscout = TOOLSCOUT if tree == ROOT else str(tree / ".venv" / "bin" / "toolscout")
    cmd = [toolscout, "crawl", "--all", "--time-limit", str(budget)]

    def stored() -> dict:
        # Models stored so far (a count every 10 s; the store may not exist yet).
        try:
            return {"models": count_rows(db_url, ("variant",))["variant"]}
        except Exception:
            return {"models": 0}

    env = crawl_env(replay.url, db_url, sources)
    m = measure(cmd, env, poll=stored, poll_every=10, cwd=tree)
    requests = delta(replay.stats(), before)
    rows = count_rows(db_url, STORE_TABLES)
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    result = _result(f"{who}/{backend}", size, rows["variant"], m, db_url)
    result |= {"requests": requests.get("requests", 0), "rows": rows}
    result["timeline"] = [(round(t, 1), s.get("models", 0)) for t, s in m.samples]
    result["steady_rate"] = steady_rate(result["timeline"])
    return result


def steady_rate(timeline: list[tuple[float, int]]) -> float | None:
    """Models/s once crawling (start-up excluded): models stored between the samples."""
    points = [(t, n) for t, n in timeline if n > 0]
    if len(points) < 2 or points[-1][0] <= points[0][0]:
        return None
    return round((points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0]), 1)


def slowdown(timeline: list[tuple[float, int]]) -> str:
    """Models/s over the first and the last third of a run (models stored)."""
    points = [(t, n) for t, n in timeline if n > 0]
    if len(points) < 4:
        return "—"
    k = len(points) // 3
    first = (points[k][1] - points[0][1]) / max(points[k][0] - points[0][0], 1e-9)
    last = (points[-1][1] - points[-1 - k][1]) / max(points[-1][0] - points[-1 - k][0], 1e-9)
    return f"{first:,.0f} → {last:,.0f}"


# --------------------------------------------------------------------------- profile

# Self time by where it burns: the first matching rule wins (path or function name).
PROFILE_BUCKETS = (
    ("waiting (epoll: server and network)", ("select.epoll", "selectors.py")),
    ("startup (imports, compiling, introspection)", ("marshal.loads", "builtins.compile",
     "importlib", "<frozen", "/inspect.py", "/tokenize.py", "/ast.py", "/linecache.py")),
    ("JSON parsing", ("/json/", "_json", "orjson", "json.decoder")),
    ("normalization (normalize/)", ("/normalize/",)),
    ("grouping (store/resolve.py, own code)", ("/store/resolve.py",)),
    ("database (SQLAlchemy, SQLModel, drivers)", ("sqlalchemy", "sqlmodel", "sqlite3",
                                                   "psycopg", "alembic")),
    ("documents (zlib, sha256)", ("zlib", "_hashlib", "hashlib")),
    ("Scrapy / Twisted / asyncio", ("/scrapy/", "/twisted/", "asyncio", "/w3lib/",
                                    "/parsel/", "/zope/", "_socket", "/ssl.py", "/socket.py",
                                    "/queuelib/", "/protego/")),
    ("toolscout spider, pipeline, store", ("/spiders/", "/ingest/", "/store/")),
    ("regex", ("re/_", "_sre", "re.py")),
)  # fmt: skip
STEPS = (
    ("pipeline: all items", "pipelines.py", "process_item"),
    ("pipeline: one model (documents, facts, grouping)", "pipelines.py", "_on_hf_model"),
    ("pipeline: one listing page", "pipelines.py", "_on_hf_listing"),
    ("normalize: model_facts", "normalize/hub.py", "model_facts"),
    ("store: save_document", "store/documents.py", "save_document"),
    ("grouping: apply_page", "store/batch.py", "apply_page"),
    ("grouping: refresh_candidate", "store/resolve.py", "refresh_candidate"),
    ("store: upsert", "store/upsert.py", "upsert"),
    ("spider: parse_listing", "spiders/hf_models.py", "parse_listing"),
    ("spider: parse_json", "spiders/hf_models.py", "parse_json"),
    ("spider start-up: open_spider (state)", "pipelines.py", "open_spider"),
)  # fmt: skip


def _bucket(func: tuple) -> str | None:
    where = f"{func[0]}:{func[2]}"
    return next((b for b, needles in PROFILE_BUCKETS if any(n in where for n in needles)), None)


def profile_split(path: Path) -> dict:
    """Self time per bucket; a function in no bucket (a built-in such as isinstance or
    dict.get) is charged to its callers' buckets, in proportion to the time each caused."""
    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    buckets: dict[str, float] = {}
    total = 0.0
    for func, (_cc, _nc, tottime, _ct, callers) in stats.items():
        total += tottime
        bucket = _bucket(func)
        if bucket or not callers:
            key = bucket or "other Python"
            buckets[key] = buckets.get(key, 0.0) + tottime
            continue
        for caller, (_c, _n, caller_tt, _t) in callers.items():
            key = _bucket(caller) or "other Python"
            buckets[key] = buckets.get(key, 0.0) + caller_tt
    steps = {}
    for label, file_part, func in STEPS:
        cum = [v[3] for (f, _l, n), v in stats.items() if n == func and file_part in f]
        steps[label] = round(max(cum), 2) if cum else 0.0
    return {"total": round(total, 2), "buckets": buckets, "steps": steps}


def run_profile(size: int, seed: int, budget: float, workdir: Path) -> dict:
    """cProfile of the crawl child (`python -m ingest.crawl hf`), stopped after `budget` s."""
    from fixtures.synthetic import SyntheticCatalog

    directory = ensure_catalog(size, seed)
    catalog = SyntheticCatalog.load(directory)
    db_url = f"sqlite:///{workdir / 'profile.db'}"
    prof = OUT / f"profile-{size}.prof"
    with replay_server(directory) as replay:
        sources = workdir / "profile-sources.toml"
        sources.write_text(sources_toml(catalog, replay.url, PAGE), encoding="utf-8")
        env = crawl_env(replay.url, db_url, sources)
        subprocess.run([TOOLSCOUT, "db", "upgrade"], env=env, check=True, capture_output=True)
        cmd = [PYTHON, "-m", "cProfile", "-o", str(prof), "-m", "ingest.crawl", "hf"]
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)  # Scrapy stops gracefully; cProfile then writes
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        models = count_rows(db_url, ("variant",))["variant"]
    split = profile_split(prof)
    split |= {"size": size, "models": models, "budget": budget, "file": str(prof)}
    return split


# --------------------------------------------------------------------------- report


def rate_row(r: dict) -> list[str]:
    capped = "" if r["complete"] else " (capped)"
    return [
        r["who"],
        f"{r['size']:,}",
        f"{r['models']:,}{capped}",
        f"{r['seconds']:,.1f}",
        f"{r['cpu_seconds']:,.1f}",
        f"{r['rate']:,.0f}",
        f"{r['steady_rate']:,.0f}" if r.get("steady_rate") else "—",
        f"{r.get('requests', '—'):,}",
        fmt_mb(r["peak_rss"]),
        fmt_mb(r["peak_tree_rss"]),
        fmt_mb(r["db_bytes"]),
        f"{r['load']:.1f}",
    ]


RATE_HEADERS = ["run", "size", "models", "wall s", "cpu s", "models/s", "steady/s", "requests",
                "peak RSS", "tree RSS", "DB size", "load"]  # fmt: skip


def print_size(size: int, results: list[dict]) -> None:
    print(f"\n== backfill of {size:,} models (1,000 per page) ==")
    print(table(RATE_HEADERS, [rate_row(r) for r in results]))
    peers = {r["who"]: r for r in results}
    for r in results:
        if r["who"].startswith("baseline/"):
            continue
        if not r["who"].startswith("toolscout"):
            continue
        ratios = []
        for peer, target in (("a:huggingface_hub", 1.0), ("b:http.client", 0.35)):
            if peer in peers and peers[peer]["rate"]:
                ratio = r["rate"] / peers[peer]["rate"]
                verdict = "meets" if ratio >= target else "misses"
                ratios.append(f"/{peer[:1]} = {ratio:.4f} ({verdict} ≥ {target})")
        rss = "meets" if r["peak_tree_rss"] <= 500 * MB else "misses"
        print(
            f"{r['who']}: ratio {'; '.join(ratios)}; RSS {rss} ≤ 500 MB; "
            f"models/s first → last third of the run: {slowdown(r['timeline'])}"
        )


def print_baseline(results: list[dict]) -> None:
    """This tree's toolscout against the baseline build, backend by backend."""
    runs = {r["who"]: r for r in results}
    for who, r in runs.items():
        base = runs.get(who.replace("toolscout/", "baseline/", 1))
        if not who.startswith("toolscout/") or base is None or not base["rate"]:
            continue
        ratio = r["rate"] / base["rate"]
        cpu = r["cpu_seconds"] / base["cpu_seconds"] if base["cpu_seconds"] else float("nan")
        verdict = "within" if ratio >= 0.9 else "not within"
        print(
            f"{who} against the baseline: models/s {r['rate']:,.0f} / {base['rate']:,.0f} = "
            f"{ratio:.3f} ({verdict} 10%); CPU s {r['cpu_seconds']:,.1f} / "
            f"{base['cpu_seconds']:,.1f} = {cpu:.3f}"
        )


def print_growth(all_results: list[dict]) -> None:
    print("\n== cost growth (time, requests, RSS, DB size per size) ==")
    rows = []
    for r in sorted(all_results, key=lambda r: (r["who"], r["size"])):
        if r["who"] == "ceiling":
            continue
        per_k = r["seconds"] / max(r["models"], 1) * 1000
        rows.append(
            [
                r["who"],
                f"{r['size']:,}",
                f"{r['models']:,}" + ("" if r["complete"] else " (capped)"),
                f"{r['seconds']:,.1f}",
                f"{per_k:,.2f}",
                str(r.get("requests", "—")),
                fmt_mb(r["peak_tree_rss"]),
                fmt_mb(r["db_bytes"]),
                f"{(r['db_bytes'] or 0) / max(r['models'], 1):,.0f}",
            ]
        )
    print(
        table(
            ["run", "size", "models", "wall s", "s per 1k", "requests", "tree RSS", "DB size",
             "DB bytes/model"],
            rows,
        )
    )  # fmt: skip


def print_profile(p: dict) -> None:
    print(
        f"\n== profile of the toolscout backfill ({p['models']:,} of {p['size']:,} models "
        f"in {p['budget']:.0f}s under cProfile; {p['file']}) =="
    )
    busy = sum(v for k, v in p["buckets"].items() if not k.startswith("waiting"))
    rows = [
        [k, f"{v:,.1f}", f"{v / busy:.0%}" if not k.startswith("waiting") else "—"]
        for k, v in sorted(p["buckets"].items(), key=lambda kv: -kv[1])
    ]
    print(table(["self time in", "s", "of busy"], rows))
    print("\ninclusive time of toolscout's steps:")
    print(table(["step", "s"], [[k, f"{v:,.1f}"] for k, v in p["steps"].items()]))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env_sizes = os.environ.get("BENCH_SIZES") or "10000,100000,1000000"
    parser.add_argument("--sizes", default=env_sizes, help="comma-separated (BENCH_SIZES)")
    parser.add_argument(
        "--budget",
        type=float,
        default=float(os.environ.get("BENCH_BUDGET") or 3600),
        help="seconds per toolscout run (BENCH_BUDGET)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--profile-size", type=int, default=10000, help="0: no profile")
    parser.add_argument("--profile-budget", type=float, default=90.0)
    parser.add_argument("--json", type=Path, default=OUT / "backfill.json")
    parser.add_argument(
        "--baseline", type=Path, help="a checkout with its .venv whose toolscout runs beside"
    )
    args = parser.parse_args(argv)
    if args.baseline and not (args.baseline / ".venv" / "bin" / "toolscout").exists():
        parser.error(f"{args.baseline}/.venv/bin/toolscout not found (make setup there)")

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    OUT.mkdir(parents=True, exist_ok=True)
    report: dict = {"sizes": sizes, "budget": args.budget, "runs": [], "started": time.time()}
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(postgres_server()) if "postgresql" in backends else None
        if "postgresql" in backends and pg is None:
            print("PostgreSQL binaries not found (make postgres): SQLite only", file=sys.stderr)
        for size in sizes:
            directory = ensure_catalog(size, args.seed)
            results = []
            with (
                tempfile.TemporaryDirectory(prefix="toolscout-bench-") as tmp,
                replay_server(directory) as replay,
            ):
                workdir = Path(tmp)
                for kind, who in (("ceiling", "ceiling"), ("hf", "a:huggingface_hub"),
                                  ("raw", "b:http.client")):  # fmt: skip
                    print(f"[{size:,}] {who} …", file=sys.stderr, flush=True)
                    results.append(run_peer(kind, replay, size, workdir) | {"who": who})
                for backend in backends:
                    if backend == "postgresql" and pg is None:
                        continue
                    db_url = (
                        f"sqlite:///{workdir / 'toolscout.db'}"
                        if backend == "sqlite"
                        else fresh_database(pg)
                    )
                    print(f"[{size:,}] toolscout/{backend} …", file=sys.stderr, flush=True)
                    results.append(
                        run_toolscout(replay, size, args.seed, db_url, args.budget, workdir)
                    )
                    if args.baseline:
                        db_url = (
                            f"sqlite:///{workdir / 'baseline.db'}"
                            if backend == "sqlite"
                            else fresh_database(pg)
                        )
                        print(f"[{size:,}] baseline/{backend} …", file=sys.stderr, flush=True)
                        results.append(
                            run_toolscout(
                                replay,
                                size,
                                args.seed,
                                db_url,
                                args.budget,
                                workdir,
                                tree=args.baseline.resolve(),
                                who="baseline",
                            )
                        )
            print_size(size, results)
            print_baseline(results)
            report["runs"] += results
            args.json.write_text(json.dumps(report, indent=1))
        print_growth(report["runs"])
    if args.profile_size:
        with tempfile.TemporaryDirectory(prefix="toolscout-profile-") as tmp:
            report["profile"] = run_profile(
                args.profile_size, args.seed, args.profile_budget, Path(tmp)
            )
        print_profile(report["profile"])
    args.json.write_text(json.dumps(report, indent=1))
    print(f"\nall figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
