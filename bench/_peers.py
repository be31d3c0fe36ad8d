"""The peers of the backfill benchmark, each run in its own lean process by bench/backfill.py.

Only the standard library, orjson and (for peer a) huggingface_hub are imported, so a peer's
peak RSS is its own and not toolscout's imports.

- `hf`: (a) what a user writes instead: `HfApi(endpoint=…).list_models()` over the whole
  catalog, each page's raw rows into SQLite with `executemany`;
- `raw`: (b) the near-limit: one keep-alive `http.client` connection, `orjson`, `executemany`;
- `ceiling`: (b) without parsing or storing, which is the replay server's own limit.

    python bench/_peers.py raw --endpoint URL --size N --expand createdAt,sha --db out.db --out r.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PAGE = 1000
RAW_COLUMNS = (
    "id TEXT PRIMARY KEY, created_at TEXT, last_modified TEXT, sha TEXT, downloads INTEGER,"
    " likes INTEGER, pipeline_tag TEXT, library_name TEXT, tags TEXT, gated TEXT,"
    " params INTEGER, card_data TEXT"
)
RAW_INSERT = "INSERT OR REPLACE INTO models VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"


def raw_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # as toolscout's store
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"CREATE TABLE IF NOT EXISTS models ({RAW_COLUMNS})")
    return db


def peer_hf(endpoint: str, db_path: str, size: int, expand: list[str]) -> dict:
    """(a) huggingface_hub's list_models, each page's rows written with executemany."""
    os.environ["HF_ENDPOINT"] = endpoint  # the client's side requests go there too
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import HfApi

    def iso(dt) -> str | None:
        return dt.isoformat() if dt else None

    db, rows, n = raw_db(db_path), [], 0
    api = HfApi(endpoint=endpoint)
    t0 = time.perf_counter()
    for m in api.list_models(sort="createdAt", limit=size, expand=expand):
        card = m.card_data.to_dict() if m.card_data else None
        params = m.safetensors.total if m.safetensors else None
        rows.append(
            (m.id, iso(m.created_at), iso(m.last_modified), m.sha, m.downloads, m.likes,
             m.pipeline_tag, m.library_name, json.dumps(m.tags), str(m.gated), params,
             json.dumps(card))
        )  # fmt: skip
        if len(rows) == PAGE:
            db.executemany(RAW_INSERT, rows)
            db.commit()
            n, rows = n + len(rows), []
    db.executemany(RAW_INSERT, rows)
    db.commit()
    return {"models": n + len(rows), "loop_seconds": time.perf_counter() - t0}


def listing_path(expand: list[str]) -> str:
    query = [("sort", "createdAt"), ("limit", str(PAGE))] + [("expand[]", k) for k in expand]
    return "/api/models?" + urlencode(query)


def next_path(link: str | None) -> str | None:
    if not link or 'rel="next"' not in link:
        return None
    split = urlsplit(link.split(";")[0].strip().strip("<>"))
    return f"{split.path}?{split.query}"


def peer_raw(endpoint: str, db_path: str | None, size: int, expand: list[str]) -> dict:
    """(b) keep-alive http.client, orjson, executemany; with no db, only read (the ceiling)."""
    import orjson

    split = urlsplit(endpoint)
    conn = http.client.HTTPConnection(split.hostname, split.port)
    db = raw_db(db_path) if db_path else None
    dumps = orjson.dumps
    path, n = listing_path(expand), 0
    t0 = time.perf_counter()
    while path and n < size:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        path = next_path(resp.getheader("Link"))
        if db is None:
            n += body.count(b'"_id":')
            continue
        rows = [
            (m["id"], m.get("createdAt"), m.get("lastModified"), m.get("sha"),
             m.get("downloads"), m.get("likes"), m.get("pipeline_tag"), m.get("library_name"),
             dumps(m.get("tags")), str(m.get("gated")), (m.get("safetensors") or {}).get("total"),
             dumps(m.get("cardData")))
            for m in orjson.loads(body)
        ][: size - n]  # fmt: skip
        db.executemany(RAW_INSERT, rows)
        db.commit()
        n += len(rows)
    return {"models": n, "loop_seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peer", choices=("hf", "raw", "ceiling"))
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--expand", required=True, help="comma-separated expand[] keys")
    parser.add_argument("--db", help="SQLite file (not for ceiling)")
    parser.add_argument("--out", type=Path, required=True, help="JSON result")
    args = parser.parse_args(argv)
    expand = args.expand.split(",")
    if args.peer == "hf":
        result = peer_hf(args.endpoint, args.db, args.size, expand)
    else:
        result = peer_raw(args.endpoint, args.db if args.peer == "raw" else None, args.size, expand)
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
