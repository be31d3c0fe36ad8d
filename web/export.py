"""`toolscout export --format jsonl|csv|ids`: every published record, in publication order
(`ids`: the id map, one `{"slug", "name", "ids"}` line per record, as `GET /api/ids` pages it).

Reads the same records as `/api/tools` (after a reconcile, so changes crawls made since the
last web sync are in), in keyset batches so 100,000 records stream in constant memory.
CSV flattens lists ("1B; 4B") and the license, writes other nested values (pricing, offers)
as compact JSON, and defuses spreadsheet formulas: a scraped
text cell starting with = + - @ is prefixed with ' (CSV injection).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.models import Tool
from store.publish import RECORD_KEYS, reconcile
from web.ids_api import record_of_ids

FORMATS = ("jsonl", "csv", "ids")
BATCH = 1000
CSV_COLUMNS = [
    k if k != "license" else "license_id" for k in RECORD_KEYS if k not in ("sizes",)
] + ["license_name", "sizes"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def records(engine: Engine) -> Iterator[dict]:
    """Published records by id, after bringing the published set up to date."""
    with Session(engine, expire_on_commit=False) as session:
        reconcile(session)
        session.commit()
        after = 0
        while True:
            rows = session.exec(
                select(Tool.id, Tool.record).where(Tool.id > after).order_by(Tool.id).limit(BATCH)
            ).all()
            if not rows:
                return
            for _, record in rows:
                yield record
            after = rows[-1][0]


def csv_row(record: dict) -> dict:
    lic = record.get("license") or {}
    row = {k: record.get(k) for k in RECORD_KEYS if k not in ("sizes", "license")}
    row["license_id"] = lic.get("id")
    row["license_name"] = lic.get("name")
    row["sizes"] = "; ".join(str(s.get("label")) for s in record.get("sizes") or [])
    row["repos"] = " ".join(record.get("repos") or [])
    ids = record.get("ids") if isinstance(record.get("ids"), dict) else {}
    row["ids"] = " ".join(f"{k}:{v}" for k, values in ids.items() for v in values or [])
    for key, value in row.items():
        if isinstance(value, dict | list):
            # Nested values (pricing, offers) as compact JSON: one cell, read back exactly.
            value = row[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if value is None:
            row[key] = ""
        elif isinstance(value, bool):
            row[key] = "true" if value else "false"
        elif isinstance(value, str) and value.startswith(_FORMULA):
            row[key] = "'" + value
    return row


def export(engine: Engine, fmt: str, out: TextIO) -> int:
    """Write every published record to `out`; returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    n = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
    for record in records(engine):
        if fmt == "ids":
            entry = {
                "slug": record.get("slug"),
                "name": record.get("name"),
                "ids": record_of_ids(record),
            }
            out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        elif writer is None:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        else:
            writer.writerow(csv_row(record))
        n += 1
    return n
