"""The queue page's query: filters, search, priority order and pages.

The queue holds what editors have not decided yet (a few thousand rows at most), so the
candidates of the chosen status are read once, with only the columns a row shows, and the
filters on derived values (license family, commercial use, sizes, conflicts) are applied in
Python; the status itself is an indexed condition. Priority: notable candidates first (a
candidate that notability holds out shows under "held"), then recency (announcement,
else first seen). "Why queued" is the notability reason, else the crawler's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, col, select

from normalize.draft import entry_price
from normalize.size_bounds import size_bound
from store.models import Candidate, Observation, utcnow
from store.overrides import effective_fields, open_conflicts
from store.queue import QUEUE_VIEWS, snooze_over, view_condition

PAGE_SIZE = 100
STATUS_CHOICES = QUEUE_VIEWS  # store.queue owns what each view holds
SOURCE_KINDS = ("hub", "feed")
COMMERCIAL_CHOICES = ("yes", "no", "unknown")


@dataclass(slots=True)
class QueueFilters:
    status: str = "new"
    vendor: str = ""
    family: str = ""  # license family
    commercial: str = ""
    min_params: str = ""
    max_params: str = ""
    source: str = ""
    conflicts: bool = False
    q: str = ""
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: Any) -> QueueFilters:
        f = cls(
            status=params.get("status") or "new",
            vendor=(params.get("vendor") or "")[:200],
            family=(params.get("family") or "")[:60],
            commercial=params.get("commercial") or "",
            min_params=(params.get("min_params") or "")[:40],
            max_params=(params.get("max_params") or "")[:40],
            source=params.get("source") or "",
            conflicts=params.get("conflicts") in ("1", "on", "yes", "true"),
            q=(params.get("q") or "")[:200],
        )
        try:
            f.page = max(1, int(params.get("page") or 1))
        except ValueError:
            f.page = 1
        if f.status not in STATUS_CHOICES:
            f.errors.append(f"unknown status {f.status!r}")
            f.status = "new"
        if f.commercial not in ("", *COMMERCIAL_CHOICES):
            f.commercial = ""
        if f.source not in ("", *SOURCE_KINDS):
            f.source = ""
        for name in ("min_params", "max_params"):
            text = getattr(f, name)
            if text and size_bound(text) is None:
                f.errors.append(f"{name.replace('_', ' ')}: {text!r} is not a count like 7B")
        return f

    def query(self, **changes: Any) -> str:
        """This view's query string, with some filters changed (page 1 unless given)."""
        other = replace(self, **{"page": 1, **changes})
        pairs = {
            "status": other.status if other.status != "new" else "",
            "vendor": other.vendor,
            "family": other.family,
            "commercial": other.commercial,
            "min_params": other.min_params,
            "max_params": other.max_params,
            "source": other.source,
            "conflicts": "1" if other.conflicts else "",
            "q": other.q,
            "page": str(other.page) if other.page > 1 else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


@dataclass(slots=True)
class QueuePage:
    rows: list[dict]
    total: int
    page: int
    pages: int
    vendors: list[str]
    families: list[str]


def _entry_price(c: Candidate, fields: dict) -> str | None:
    """The editor's entry price, else the draft's (which needs the fields only)."""
    edited = (c.overrides or {}).get("entry_price")
    if isinstance(edited, str):
        return edited
    pricing = fields.get("pricing") if isinstance(fields.get("pricing"), dict) else None
    return entry_price(bool(fields.get("repos")), pricing)


def _row(c: Candidate) -> dict:
    """What a queue row shows and filters on; depends on the candidate row alone (cached)."""
    fields = effective_fields(c.fields, c.overrides)
    lic = fields.get("license") if isinstance(fields.get("license"), dict) else {}
    sizes = [s for s in fields.get("sizes") or [] if isinstance(s, dict)]
    totals = [s["total"] for s in sizes if isinstance(s.get("total"), int | float)]
    repos = fields.get("repos") or []
    return {
        "id": c.id,
        "slug": c.slug,
        "name": (c.overrides or {}).get("name") or c.name,
        "vendor": fields.get("vendor", c.vendor),
        "status": c.status,
        "sizes": sizes,
        "params_min": min(totals) if totals else None,
        "params_max": max(totals) if totals else None,
        "license": lic or None,
        "family": lic.get("family"),
        "commercial": lic.get("commercial_use"),
        "entry_price": _entry_price(c, fields),
        "repos": len(repos),
        "derivatives": fields.get("derivatives") or 0,
        "conflicts": len(open_conflicts(c)),
        "when": c.announced_at or c.first_seen,
        "why": getattr(c, "notability", None) or c.queued_reason,
        "notable": getattr(c, "notable", True) is not False,
        "search": " ".join(
            str(x) for x in (c.slug, c.name, fields.get("name"), fields.get("vendor"), *repos) if x
        ).lower(),
    }


class RowCache:
    """Queue rows by candidate id, rebuilt only for candidates whose row changed.

    Every writer stamps `updated_at` (resolver, editor actions, overrides), so a cheap
    query of ids and stamps tells which rows to rebuild; the rest is served from memory,
    which keeps the page fast with thousands of candidates waiting. Bounded: past
    MAX_ROWS the cache starts over.
    """

    MAX_ROWS = 50_000

    def __init__(self) -> None:
        self.rows: dict[int, tuple[tuple, dict]] = {}
        self.lock = threading.Lock()  # requests and the start-up warm-up share it

    def get(self, session: Session, stamps: list[tuple]) -> list[dict]:
        with self.lock:
            return self._get(session, stamps)

    def _get(self, session: Session, stamps: list[tuple]) -> list[dict]:
        stale = [st[0] for st in stamps if self.rows.get(st[0], ((),))[0] != st[1:]]
        if len(self.rows) + len(stale) > self.MAX_ROWS:
            self.rows.clear()
            stale = [st[0] for st in stamps]
        by_id = {st[0]: st[1:] for st in stamps}
        for start in range(0, len(stale), 500):
            chunk = stale[start : start + 500]
            for c in session.exec(select(Candidate).where(col(Candidate.id).in_(chunk))):
                self.rows[c.id] = (by_id[c.id], _row(c))
        return [self.rows[st[0]][1] for st in stamps if st[0] in self.rows]


def _stamp_columns() -> list:
    cols = [Candidate.id, Candidate.updated_at, Candidate.status, Candidate.snoozed_until]
    for name in ("notable", "notability"):  # set by notability without a new stamp
        if hasattr(Candidate, name):
            cols.append(getattr(Candidate, name))
    return cols


def _announced(session: Session, ids: list[int] | None) -> dict[int, int]:
    """How many announcements each candidate has (of `ids`, or of all)."""
    query = select(Observation.candidate_id, func.count()).where(
        Observation.field == "announcement"
    )
    if ids is not None:
        query = query.where(col(Observation.candidate_id).in_(ids))
    return dict(session.exec(query.group_by(Observation.candidate_id)).all())


def _matches(
    row: dict, f: QueueFilters, lo: float | None, hi: float | None, feeds: dict[int, int]
) -> bool:
    if f.vendor and (row["vendor"] or "") != f.vendor:
        return False
    if f.family and (row["family"] or "none") != f.family:
        return False
    if f.commercial and {True: "yes", False: "no"}.get(row["commercial"], "unknown") != (
        f.commercial
    ):
        return False
    if lo is not None and (row["params_max"] is None or row["params_max"] < lo):
        return False
    if hi is not None and (row["params_min"] is None or row["params_min"] > hi):
        return False
    if f.source == "hub" and not row["repos"]:
        return False
    if f.source == "feed" and not feeds.get(row["id"]):
        return False
    if f.conflicts and not row["conflicts"]:
        return False
    return not f.q or all(word in row["search"] for word in f.q.lower().split())


def queue_page(
    session: Session,
    f: QueueFilters,
    now: datetime | None = None,
    cache: RowCache | None = None,
    order: Callable[[list[dict]], None] | None = None,
) -> QueuePage:
    """One page of the queue; `order` sorts the filtered rows in place instead of the
    priority order (the page's sortable columns, `web.triage.sorter`)."""
    now = now or utcnow()
    query = select(*_stamp_columns())
    condition = view_condition(f.status, now)
    if condition is not None:
        query = query.where(condition)
    stamps = [tuple(r) for r in session.exec(query).all()]
    rows = (cache or RowCache()).get(session, stamps)
    vendors = sorted({r["vendor"] for r in rows if r["vendor"]}, key=str.lower)
    families = sorted({r["family"] or "none" for r in rows})
    lo = size_bound(f.min_params) if f.min_params else None
    hi = size_bound(f.max_params) if f.max_params else None
    feeds = _announced(session, None) if f.source else {}
    rows = [r for r in rows if _matches(r, f, lo, hi, feeds)]
    rows.sort(key=lambda r: (not r["notable"], -r["when"].timestamp(), r["slug"]))
    if order is not None:
        order(rows)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(f.page, pages)
    start = (page - 1) * PAGE_SIZE
    shown = rows[start : start + PAGE_SIZE]
    feeds = feeds or _announced(session, [r["id"] for r in shown])
    due = {st[0] for st in stamps if snooze_over(st[2], st[3], now)}
    shown = [{**r, "feeds": feeds.get(r["id"], 0), "due": r["id"] in due} for r in shown]
    return QueuePage(shown, len(rows), page, pages, vendors, families)
