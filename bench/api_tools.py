"""The read API with 100,000 published tools: latency of /api/tools pages and filters.

Loads N accepted candidates with their evidence and publishes them through `store.publish`
(the path editors' decisions take) into a SQLite file kept under bench/out/ for reruns and
for bench/api_load.py (or into the empty database --url names), serves the app with uvicorn
on a free loopback port, and times requests one at a time over HTTP keep-alive: first pages,
deep cursors, each filter, a 304 revalidation, one tool, the change log. Prints p50/p99 per
query. No assertion: the goal is p99 <= 20 ms. The same API under concurrent load, beside
Datasette: bench/api_load.py.

    .venv/bin/python bench/api_tools.py [--tools 100000] [--requests 200] [--url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import os
import socket
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from store.db import make_engine, upgrade  # noqa: E402
from store.models import Candidate, Observation, Tool, utcnow  # noqa: E402
from store.publish import analyze, publish_many  # noqa: E402
from web.app import create_app  # noqa: E402
from web.config import EditorConfig  # noqa: E402

VENDORS = [f"Vendor {i}" for i in range(200)]
LICENSES = [
    {"id": "Apache-2.0", "name": "Apache License 2.0", "family": "permissive", "commercial_use": True},
    {"id": "MIT", "name": "MIT License", "family": "permissive", "commercial_use": True},
    {"id": "CC-BY-NC-4.0", "name": "CC BY-NC 4.0", "family": "non-commercial", "commercial_use": False},
    {"id": "llama3.1", "name": "Llama 3.1 Community License", "family": "community", "commercial_use": True},
    {"id": "other:custom", "name": "custom", "family": None, "commercial_use": None},
]  # fmt: skip
OUT = Path(__file__).resolve().parent / "out"
SIZES = [1e8, 5e8, 1e9, 3e9, 7e9, 8e9, 14e9, 27e9, 32e9, 70e9, 123e9, 405e9, 671e9]


def rows(start: int, n: int, now) -> list[dict]:
    out = []
    for i in range(start, start + n):
        sizes = sorted({SIZES[(i * 7 + k) % len(SIZES)] for k in range(1 + i % 3)})
        labels = [f"{s / 1e9:g}B" for s in sizes]
        repos = [f"org{i % 500}/tool-{i}-{label.lower()}" for label in labels]
        out.append(
            {
                "slug": f"tool-{i}",
                "name": f"Tool {i}",
                "vendor": VENDORS[i % len(VENDORS)],
                "org": f"org{i % 500}",
                "family": f"Tool {i}",
                "family_key": f"tool-{i}",
                "status": "accepted",
                "first_seen": now - timedelta(minutes=i),
                "announced_at": now - timedelta(minutes=i),
                "updated_at": now,
                "fields": {
                    "name": f"Tool {i} ({' & '.join(labels)})",
                    "vendor": VENDORS[i % len(VENDORS)],
                    "family": f"Tool {i}",
                    "sizes": [
                        {"label": lb, "total": s, "active": None, "repos": [r]}
                        for lb, s, r in zip(labels, sizes, repos, strict=True)
                    ],
                    "license": LICENSES[i % len(LICENSES)],
                    "repos": repos,
                    "derivatives": i % 5,
                    "pipeline_tag": "text-generation",
                },
                "conflicts": [],
            }
        )
    return out


def evidence(cand: Candidate, now) -> list[dict]:
    """The observations a crawl leaves for each repo of a tool, in their stored shapes: the
    weights' parameter count and the card's license (what /api/tools/{slug} shows)."""
    out = []
    for size in cand.fields["sizes"]:
        repo, total, lic = size["repos"][0], size["total"], cand.fields["license"]
        url = f"https://huggingface.co/api/models/{repo}"
        params = {"total": total, "active": None, "method": "weights", "experts": None,
                  "variants": [{"label": size["label"], "total": total, "active": None}]}  # fmt: skip
        out += [
            {"candidate_id": cand.id, "field": "params", "subject": repo,
             "extractor": "params.weights", "value": params,
             "source_url": f"{url}#safetensors.total", "seen_at": now,
             "snippet": f"safetensors.parameters {{BF16: {total:.0f}}} total {total:.0f}"},
            {"candidate_id": cand.id, "field": "license", "subject": repo,
             "extractor": "license.card", "value": lic, "source_url": f"{url}#cardData",
             "snippet": f"license: {lic['id'].lower()}", "seen_at": now},
        ]  # fmt: skip
    return out


def load(engine, n: int, batch: int = 2000) -> None:
    now = utcnow()
    known = set(Candidate.__table__.columns.keys())
    for start in range(0, n, batch):
        with Session(engine, expire_on_commit=False) as s:
            chunk = [
                {k: v for k, v in r.items() if k in known}
                for r in rows(start, min(batch, n - start), now)
            ]
            s.execute(insert(Candidate.__table__), chunk)
            slugs = [r["slug"] for r in chunk]
            cands = list(s.exec(select(Candidate).where(Candidate.slug.in_(slugs))).scalars())
            s.execute(insert(Observation.__table__), [o for c in cands for o in evidence(c, now)])
            publish_many(s, cands)
            s.commit()


def published_database(n: int, out: Path = OUT) -> Path:
    """A SQLite store with `n` published tools, built once through `load` (the real publish
    path) and kept under bench/out/, keyed by size, schema head and this loader's source, so
    a rerun reuses it and a change of either builds it anew."""
    from store.db import head_revision

    loader = (rows, evidence, load)
    source = "".join(map(inspect.getsource, loader)) + repr((VENDORS, LICENSES, SIZES))
    key = hashlib.sha256(f"{head_revision()}|{source}".encode()).hexdigest()[:10]
    path = out / f"api-{n}-{key}.db"
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"api-{n}-*.db*"):
        stale.unlink()
    building = out / f".building-{os.getpid()}.db"
    engine = make_engine(f"sqlite:///{building}")
    upgrade(engine)
    start = time.perf_counter()
    load(engine, n)
    with Session(engine) as s:
        analyze(s, force=True)  # what the web server's sync does after a large publication
        s.commit()
    engine.dispose()  # the last connection checkpoints the WAL into the file
    print(f"published {n} tools in {time.perf_counter() - start:.0f}s into {path.name}")
    os.replace(building, path)
    return path


QUERIES = {
    "first page (50)": "/api/tools",
    "page of 500": "/api/tools?limit=500",
    "vendor": "/api/tools?vendor=vendor%2017",
    "license": "/api/tools?license=mit",
    "commercial=false": "/api/tools?commercial=false",
    "min_params=100e9": "/api/tools?min_params=1e11",
    "max_params=1e9": "/api/tools?max_params=1e9",
    "params 7e9..8e9": "/api/tools?min_params=7e9&max_params=8e9",
    "since (recent)": "/api/tools?since={since}",
    "vendor+license+commercial": "/api/tools?vendor=vendor%203&license=llama3.1&commercial=true",
    "one tool": "/api/tools/tool-{mid}",
    "changes since 0 (200)": "/api/changes?since=0",
    "changes, deep (200)": "/api/changes?since={deep}",
    "atom": "/feeds/tools.atom",
}


def timed(client: httpx.Client, path: str, requests: int, headers=None) -> tuple[float, float]:
    client.get(path, headers=headers)
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        r = client.get(path, headers=headers)
        took.append((time.perf_counter() - start) * 1000)
        assert r.status_code in (200, 304), (path, r.status_code)
    took.sort()
    return took[len(took) // 2], took[min(len(took) - 1, int(0.99 * len(took)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--url", help="an empty database to load (default: the SQLite file kept in bench/out/)"
    )
    args = parser.parse_args()
    if args.url:
        engine = make_engine(args.url)
        upgrade(engine)
        start = time.perf_counter()
        load(engine, args.tools)
        print(f"published {args.tools} tools in {time.perf_counter() - start:.0f}s")
    else:
        engine = make_engine(f"sqlite:///{published_database(args.tools)}")
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Tool.updated_at))).scalar()
    app = create_app(engine, EditorConfig(open_editor="bench"), sync_interval=0)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    since = (newest - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        cursor = None
        for _ in range(args.tools // 500 // 2):  # half-way through by cursor
            page = client.get(
                "/api/tools", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
            ).json()
            cursor = page["next_cursor"]
        values = {"since": since, "mid": args.tools // 2, "deep": args.tools // 2}
        print(f"{'query':28} {'p50 ms':>8} {'p99 ms':>8}")
        for name, path in QUERIES.items():
            p50, p99 = timed(client, path.format(**values), args.requests)
            print(f"{name:28} {p50:8.2f} {p99:8.2f}")
        p50, p99 = timed(client, f"/api/tools?cursor={cursor}", args.requests)
        print(f"{'deep cursor (page 100)':28} {p50:8.2f} {p99:8.2f}")
        etag = client.get("/api/tools").headers["etag"]
        p50, p99 = timed(client, "/api/tools", args.requests, {"If-None-Match": etag})
        print(f"{'304 revalidation':28} {p50:8.2f} {p99:8.2f}")
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


if __name__ == "__main__":
    main()
