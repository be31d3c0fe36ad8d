"""What the queue page adds to the queue's rows for daily triage: sort orders, per-status
counts, popularity, first seen and "new since your last visit", a duplicate hint, the
commercial-use warning, and the undo of the last decision.

The queue's query and its filters are `web.queue_view`'s (its rows and priority order);
this module only reads a few more columns for the rows a page shows, or for every row the
filters kept when a sort needs them, in one query each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import Candidate, Variant
from store.queue import QueueError, get_candidate, set_status
from store.similar import THRESHOLD, similarity

# Column → how rows sort by it; "priority" is the queue's own order (notable, then recent).
SORTS = ("priority", "name", "vendor", "size", "license", "entry", "popular", "first_seen", "when")
VISIT_COOKIE = "toolscout_visit"
VISIT_GAP = timedelta(minutes=30)  # reloads within this are one visit: "new" stays marked
RESTRICTED_FAMILIES = frozenset({"non-commercial", "research"})


def parse_sort(text: str | None) -> tuple[str, bool]:
    """ "-popular" → ("popular", descending); anything unknown → the queue's priority."""
    text = (text or "").strip()
    key = text.removeprefix("-")
    if key not in SORTS:
        return "priority", False
    return key, text.startswith("-")


def popularity(session: Session, ids: list[int]) -> dict[int, dict]:
    """Likes and downloads summed over each release's own repos, its best trending score
    (as store.notability counts them)."""
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(
                Variant.candidate_id,
                func.sum(Variant.likes),
                func.sum(Variant.downloads),
                func.max(Variant.trending_score),
            )
            .where(col(Variant.candidate_id).in_(chunk), Variant.is_derivative == False)  # noqa: E712
            .group_by(Variant.candidate_id)
        )
        for cid, likes, downloads, trending in session.exec(query):
            found[cid] = {
                "likes": int(likes or 0),
                "downloads": int(downloads or 0),
                "trending": float(trending or 0),
            }
    return found


def _first_seen(session: Session, ids: list[int]) -> dict[int, tuple[datetime, str]]:
    found = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(Candidate.id, Candidate.first_seen, Candidate.family).where(
            col(Candidate.id).in_(chunk)
        )
        for cid, first_seen, family in session.exec(query):
            found[cid] = (_utc(first_seen), family or "")
    return found


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _size(row: dict) -> float:
    return row["params_max"] or 0.0


def sorter(session: Session, key: str, descending: bool) -> Callable[[list[dict]], None] | None:
    """A function that sorts the filtered rows in place before paging, or None for the
    queue's own priority order. Unknown values sort last either way."""
    if key == "priority":
        return None

    def order(rows: list[dict]) -> None:
        extra: dict[int, Any] = {}
        if key == "popular":
            extra = popularity(session, [r["id"] for r in rows])
        elif key == "first_seen":
            extra = _first_seen(session, [r["id"] for r in rows])
        value: Callable[[dict], Any] = {
            "name": lambda r: (r["name"] or "").lower(),
            "vendor": lambda r: (r["vendor"] or "").lower(),
            "size": _size,
            "license": lambda r: ((r["license"] or {}).get("id") or "").lower(),
            "entry": lambda r: (r["entry_price"] or "").lower(),
            "popular": lambda r: extra.get(r["id"], {}).get("likes", 0),
            "first_seen": lambda r: extra[r["id"]][0].timestamp() if r["id"] in extra else 0,
            "when": lambda r: r["when"].timestamp() if r["when"] else 0,
        }[key]
        rows.sort(key=lambda r: r["slug"])
        rows.sort(key=value, reverse=descending)

    return order


def status_counts(session: Session, now: datetime) -> dict[str, int]:
    """Candidates per status as the queue's status menu names them: "new" counts what waits
    (snoozes that ran out included), "held" what notability keeps out."""
    counts: dict[str, int] = {}
    query = select(Candidate.status, Candidate.notable, func.count()).group_by(
        Candidate.status, Candidate.notable
    )
    for status, notable, n in session.exec(query):
        key = "held" if status == "new" and notable is False else status
        counts[key] = counts.get(key, 0) + n
    due = session.exec(
        select(func.count())
        .select_from(Candidate)
        .where(Candidate.status == "snoozed", col(Candidate.snoozed_until) <= now)
        .where(Candidate.notable != False)  # noqa: E712
    ).one()
    due = due[0] if isinstance(due, tuple) else due
    counts["new"] = counts.get("new", 0) + due
    counts["due"] = due
    counts["all"] = sum(n for k, n in counts.items() if k not in ("due", "all"))
    return counts


def duplicate_hints(session: Session, families: dict[int, str]) -> dict[int, dict]:
    """The closest other candidate of each row (by family name, `store.similar`), when it
    scores past the threshold; rejected candidates are no one's original."""
    hints: dict[int, dict] = {}
    prefixes = {f.lower()[:4] for f in families.values() if f}
    if not prefixes:
        return hints
    others: list[tuple] = []
    for prefix in prefixes:
        query = select(Candidate.id, Candidate.slug, Candidate.name, Candidate.family).where(
            func.lower(Candidate.family).like(f"{prefix}%"), Candidate.status != "rejected"
        )
        others += list(session.exec(query))
    for cid, family in families.items():
        best = None
        for oid, slug, name, other_family in others:
            if oid == cid or not family or not other_family:
                continue
            if other_family.lower()[:4] != family.lower()[:4]:
                continue
            score = similarity(family, other_family)
            if score >= THRESHOLD and (
                best is None or (-score, slug) < (-best["score"], best["slug"])
            ):
                best = {"slug": slug, "name": name, "score": score}
        if best:
            hints[cid] = best
    return hints


def restricted(license_: dict | None) -> str | None:
    """Why the comparison site cannot call this free for business use, or None."""
    if not isinstance(license_, dict):
        return None
    family = license_.get("family")
    if family == "research":
        return "research only"
    if family == "non-commercial":
        return "non-commercial"
    if license_.get("commercial_use") is False:
        return "no commercial use"
    return None


# -- "new since your last visit" --------------------------------------------------------
def read_visit(cookie: str | None) -> tuple[datetime | None, datetime | None]:
    """(the mark "new" is measured from, the last queue view) from the cookie's
    "mark|last"; nonsense reads as a first visit."""
    mark = last = None
    for i, part in enumerate((cookie or "").split("|")[:2]):
        try:
            value = _utc(datetime.fromisoformat(part)) if part else None
        except ValueError:
            return None, None
        if i == 0:
            mark = value
        else:
            last = value
    return mark, last


def next_visit(mark: datetime | None, last: datetime | None, now: datetime) -> datetime | None:
    """The mark for this view: the end of the previous visit once a visit is over (no view
    for VISIT_GAP), so a reload keeps today's rows marked new."""
    if last is None:
        return mark
    return last if now - last > VISIT_GAP else mark


def visit_cookie(mark: datetime | None, now: datetime) -> str:
    return f"{mark.isoformat() if mark else ''}|{now.isoformat()}"


def enrich(session: Session, rows: list[dict], mark: datetime | None) -> None:
    """Add what a triage row shows beside the queue's columns (in place)."""
    ids = [r["id"] for r in rows]
    popular = popularity(session, ids)
    seen = _first_seen(session, ids)
    hints = duplicate_hints(session, {cid: family for cid, (_, family) in seen.items()})
    for r in rows:
        first_seen = seen.get(r["id"], (None, ""))[0]
        r["popularity"] = popular.get(r["id"])
        r["first_seen"] = first_seen
        r["is_new"] = bool(mark and first_seen and first_seen > mark)
        r["dup"] = hints.get(r["id"])
        r["restricted"] = restricted(r["license"])


# -- undo ----------------------------------------------------------------------------------
def snapshot(session: Session, slug: str) -> dict:
    """What an undo puts back: a candidate's status and what goes with it."""
    cand = get_candidate(session, slug)
    target = session.get(Candidate, cand.duplicate_of) if cand.duplicate_of else None
    return {
        "slug": cand.slug,
        "name": cand.name,
        "status": cand.status,
        "reason": cand.status_reason,
        "of": target.slug if target else None,
        "until": cand.snoozed_until.isoformat() if cand.snoozed_until else None,
    }


def undo(session: Session, saved: list[dict], editor: str) -> list[str]:
    """Put every candidate of the last decision back as it was; the history keeps both."""
    names = []
    for item in saved:
        until = item.get("until")
        try:
            when = _utc(datetime.fromisoformat(until)) if until else None
        except ValueError:
            when = None
        status = item.get("status") or "new"
        if status == "duplicate" and not item.get("of"):
            status = "new"
        if status == "snoozed" and when is None:
            raise QueueError(f"{item.get('slug')}: cannot undo, the snooze date is gone")
        set_status(
            session,
            str(item.get("slug")),
            status,
            f"editor:{editor}",
            reason=item.get("reason"),
            duplicate_of=item.get("of") if status == "duplicate" else None,
            until=when if status == "snoozed" else None,
        )
        names.append(str(item.get("name") or item.get("slug")))
    return names
