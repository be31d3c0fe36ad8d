"""The read API with 100,000 published tools: latency of /api/tools pages and filters.

Loads N accepted candidates and publishes them through `store.publish` (the path editors'
decisions take), serves the app with uvicorn on a free loopback port, and times requests
over HTTP keep-alive: first pages, deep cursors, each filter, a 304 revalidation, one tool,
the change log. Prints p50/p99 per query. No assertion: the goal is p99 <= 20 ms.

    .venv/bin/python bench/api_tools.py [--tools 100000] [--requests 200] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from store.db import make_engine, upgrade  # noqa: E402
from store.models import Candidate, utcnow  # noqa: E402
from store.publish import publish_many  # noqa: E402
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
            publish_many(s, cands)
            s.commit()


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
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'api.db'}"
        engine = make_engine(url)
        upgrade(engine)
        start = time.perf_counter()
        load(engine, args.tools)
        print(
            f"published {args.tools} tools in {time.perf_counter() - start:.0f}s ({url.split(':')[0]})"
        )
        app = create_app(engine, EditorConfig(open_editor="bench"), sync_interval=0)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        since = (utcnow() - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
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
