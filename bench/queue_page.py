"""How long the queue page takes with 5,000 candidates waiting (issue 6).

Builds a SQLite store (or the one --url names) holding N candidates shaped like the
resolver's output (sizes, license, repos, a few conflicts and announcements), serves the app
with uvicorn on a free loopback port, and requests /queue over HTTP (keep-alive) as a browser
would, printing the median and p95 of several requests per view, first request apart (it
fills the row cache). No assertion: a figure to read. The load average is printed too: on a
shared machine, other work inflates the figures.

    .venv/bin/python bench/queue_page.py [--candidates 5000] [--requests 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from store.db import make_engine, upgrade  # noqa: E402
from store.models import Candidate, Observation, utcnow  # noqa: E402
from web.app import create_app  # noqa: E402
from web.config import EditorConfig  # noqa: E402

VENDORS = ["Google DeepMind", "Meta", "Mistral AI", "Alibaba (Qwen)", "Microsoft", "DeepSeek"]
LICENSES = [
    {"id": "Apache-2.0", "name": "Apache License 2.0", "family": "permissive", "commercial_use": True},
    {"id": "gemma", "name": "Gemma Terms of Use", "family": "community", "commercial_use": True},
    {"id": "CC-BY-NC-4.0", "name": "CC BY-NC 4.0", "family": "non-commercial", "commercial_use": False},
    {"id": "llama3.1", "name": "Llama 3.1 Community License", "family": "community", "commercial_use": True},
]  # fmt: skip
SIZES = [(1e9, "1B"), (4e9, "4B"), (8e9, "8B"), (27e9, "27B"), (70e9, "70B"), (405e9, "405B")]
VIEWS = {
    "queue (new)": "/queue",
    "filtered: vendor + commercial": "/queue?vendor=Meta&commercial=yes",
    "filtered: params 7B-30B": "/queue?min_params=7B&max_params=30B",
    "search": "/queue?q=model+12",
    "conflicts": "/queue?conflicts=1",
    "page 20": "/queue?page=20",
}


def candidate_row(i: int, now) -> dict:
    sizes = [SIZES[(i + k) % len(SIZES)] for k in range(1 + i % 3)]
    family = f"Model {i}"
    repos = [f"org{i % 40}/model-{i}-{label.lower()}" for _, label in sizes]
    lic = LICENSES[i % len(LICENSES)]
    conflicts = []
    if i % 25 == 0:
        conflicts = [
            {
                "field": "license",
                "chosen": lic["id"],
                "values": [
                    {"value": lic["id"], "subject": repos[0], "source": "https://hub/x", "snippet": "license: x"},
                    {"value": "MIT", "subject": "https://blog/y", "source": "https://blog/y", "snippet": "MIT"},
                ],
            }
        ]  # fmt: skip
    return {
        "slug": f"model-{i}",
        "name": f"{family} ({', '.join(label for _, label in sizes)})",
        "vendor": VENDORS[i % len(VENDORS)],
        "org": f"org{i % 40}",
        "family": family,
        "family_key": f"model-{i}",
        "status": "new",
        "queued_reason": f"crawler:hf:org{i % 40}; new release by watched org org{i % 40}",
        "first_seen": now - timedelta(minutes=i),
        "announced_at": now - timedelta(minutes=3 * i),
        "updated_at": now,
        "fields": {
            "name": f"{family}",
            "vendor": VENDORS[i % len(VENDORS)],
            "family": family,
            "sizes": [
                {"label": label, "total": total, "active": None, "repos": [repos[k]]}
                for k, (total, label) in enumerate(sizes)
            ],
            "license": {**lic, "source": "https://hub/x"},
            "announced_at": (now - timedelta(minutes=3 * i)).isoformat(),
            "repos": repos,
            "quantizations": i % 2,
            "derivatives": i % 7,
            "gated": False,
            "pipeline_tag": "text-generation",
        },
        "conflicts": conflicts,
        "notable": True,
    }


def load(engine, n: int) -> None:
    now = utcnow()
    rows = [candidate_row(i, now) for i in range(n)]
    with engine.begin() as conn:
        known = set(Candidate.__table__.columns.keys())
        conn.execute(
            insert(Candidate.__table__), [{k: v for k, v in r.items() if k in known} for r in rows]
        )
        ids = dict(conn.execute(Candidate.__table__.select().with_only_columns(
            Candidate.__table__.c.slug, Candidate.__table__.c.id)).all())  # fmt: skip
        obs = [
            {
                "candidate_id": ids[f"model-{i}"],
                "field": "announcement",
                "subject": f"https://blog.example/{i}",
                "extractor": "feed.entry",
                "value": {"title": f"Introducing Model {i}", "url": f"https://blog.example/{i}"},
                "source_url": f"https://blog.example/{i}",
                "snippet": f"Introducing Model {i}",
                "extractor_version": "1",
                "trust": 0,
                "seen_at": now,
            }
            for i in range(0, n, 10)
        ]
        if obs:
            conn.execute(insert(Observation.__table__), obs)


def time_view(client: httpx.Client, path: str, requests: int) -> tuple[float, float, int]:
    client.get(path)  # warm: templates compiled, caches filled
    took = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    took.sort()
    p95 = took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]
    return statistics.median(took), p95, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        start = time.perf_counter()
        load(engine, args.candidates)
        print(
            f"loaded {args.candidates} candidates in {time.perf_counter() - start:.1f}s ({url.split(':')[0]})"
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
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            start = time.perf_counter()
            client.get("/queue")
            print(
                f"first request (fills the row cache): {(time.perf_counter() - start) * 1000:.0f} ms"
            )
            print(f"{'view':32} {'median ms':>10} {'p95 ms':>8} {'KiB':>6}")
            for name, path in VIEWS.items():
                median, p95, size = time_view(client, path, args.requests)
                print(f"{name:32} {median:10.1f} {p95:8.1f} {size / 1024:6.0f}")
        print(
            f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


if __name__ == "__main__":
    main()
