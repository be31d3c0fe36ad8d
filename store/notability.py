"""Notability: which Hub candidates are queued for editors, and why.

Thousands of repos are created on the Hub every day; a watched org alone can publish
dozens of minor ones a week. A release is queued when its org is on the allowlist of
sources.toml's `[notability]`, or once the release (all its original repos together)
reaches a threshold: likes, downloads (the Hub's 30-day count) or trending score. Below
every threshold it is held: stored with the reason, kept up to date by later crawls, and
queued the day it crosses one. An announcement in a feed makes a release notable too.

Notability only ever goes from held to queued: a queued candidate is the editors' now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, select

from store.models import Candidate, Event, Variant


class Notability(Protocol):
    """The rules (sources.toml's [notability]): configuration, read by ingest.sources, whose
    `Notability` has this shape. A protocol, so the store needs nothing of the ingest side."""

    orgs: frozenset[str]  # lower-cased allowlist
    min_likes: int | None
    min_downloads: int | None
    min_trending: float | None


@dataclass(frozen=True, slots=True)
class Verdict:
    notable: bool
    reason: str


def release_signals(variants: list[Variant]) -> dict[str, float]:
    """Popularity of a release: likes and downloads summed over its own repos, the best
    trending score among them."""
    originals = [v for v in variants if not v.is_derivative]
    return {
        "likes": sum(v.likes or 0 for v in originals),
        "downloads": sum(v.downloads or 0 for v in originals),
        "trending": max((v.trending_score or 0 for v in originals), default=0),
    }


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def judge(rules: Notability, org: str, signals: dict[str, float]) -> Verdict:
    """Notable or held, with the reason an editor reads."""
    if org.lower() in rules.orgs:
        return Verdict(True, f"new release by allowlisted org {org}")
    met, missed = [], []
    for key, label, minimum in (
        ("likes", "likes", rules.min_likes),
        ("downloads", "downloads", rules.min_downloads),
        ("trending", "trending score", rules.min_trending),
    ):
        if minimum is None:
            continue
        value = signals.get(key) or 0
        (met if value >= minimum else missed).append(
            f"{label} {_fmt(value)} {'≥' if value >= minimum else '<'} {_fmt(minimum)}"
        )
    if met:
        return Verdict(True, f"popular release by {org}: {', '.join(met)}")
    why = f"org {org} is not on the allowlist"
    why += f"; {', '.join(missed)}" if missed else "; no thresholds set"
    return Verdict(False, f"held: {why}")


def _set(session: Session, cand: Candidate, verdict: Verdict, actor: str) -> bool:
    if cand.notable == verdict.notable and cand.notability == verdict.reason:
        return False
    if cand.notable != verdict.notable:
        session.add(
            Event(
                candidate_id=cand.id,
                actor=actor,
                action="notability",
                field="notable",
                old=cand.notable,
                new=verdict.notable,
            )
        )
    if verdict.notable and (cand.notable is False or not cand.queued_reason):
        cand.queued_reason = f"{actor}; {verdict.reason}"
    elif not verdict.notable:
        cand.queued_reason = None  # held: not queued (yet)
    cand.notable = verdict.notable
    cand.notability = verdict.reason
    session.add(cand)
    return True


def update(
    session: Session,
    cand: Candidate,
    variants: list[Variant],
    rules: Notability | None,
    actor: str,
) -> bool:
    """Judge a Hub candidate again after its repos changed; True if its verdict changed."""
    if rules is None or (cand.notable and cand.notability):
        return False  # no rules given, or already queued: queued stays queued
    return _set(session, cand, judge(rules, cand.org, release_signals(variants)), actor)


def mark_announced(
    session: Session, candidate_id: int, source: str, title: str, actor: str
) -> bool:
    """A relevant announcement resolved to this candidate: queue it, saying so."""
    cand = session.get(Candidate, candidate_id)
    if cand is None or (cand.notable and cand.notability):
        return False
    return _set(session, cand, Verdict(True, f"announced in {source}: {title[:200]}"), actor)


def _originals(candidate_id: int):
    """A release's own repos; its derivatives (thousands for a popular base) do not count."""
    return select(Variant).where(
        Variant.candidate_id == candidate_id, Variant.is_derivative.is_(False)
    )


def _signal(model: dict, key: str) -> float | None:
    value = model.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def refresh_signals(
    session: Session, models: list[dict], rules: Notability | None, actor: str
) -> set[int]:
    """A listing page's likes, downloads and trending scores for repos already stored; the
    held releases among them are judged again. Returns the candidates queued by it."""
    if rules is None or not models:
        return set()
    by_id = {m["id"]: m for m in models if isinstance(m.get("id"), str)}
    held: set[int] = set()
    for variant in session.exec(select(Variant).where(Variant.repo_id.in_(list(by_id)))):
        model = by_id[variant.repo_id]
        fresh = {
            "likes": _signal(model, "likes"),
            "downloads": _signal(model, "downloads"),
            "trending_score": _signal(model, "trendingScore"),
        }
        fresh = {k: v for k, v in fresh.items() if v is not None and getattr(variant, k) != v}
        if not fresh:
            continue
        for key, value in fresh.items():
            setattr(variant, key, int(value) if key != "trending_score" else float(value))
        session.add(variant)
        if variant.candidate_id is not None and not variant.is_derivative:
            held.add(variant.candidate_id)
    queued = set()
    session.flush()
    for cid in held:
        cand = session.get(Candidate, cid)
        if cand is None or cand.notable:
            continue
        variants = list(session.exec(_originals(cid)))
        if update(session, cand, variants, rules, actor) and cand.notable:
            queued.add(cid)
    return queued


def rejudge_held(session: Session, rules: Notability | None, orgs: list[str], actor: str) -> int:
    """Held releases of these orgs judged again under the current rules (sources.toml may
    have changed since); returns how many are queued now. The signals of all of them are
    summed by the database, a thousand releases a query: a large store holds tens of
    thousands of held releases, and this runs before every crawl."""
    if rules is None or not orgs:
        return 0
    held = session.exec(
        select(Candidate).where(Candidate.notable.is_(False), Candidate.org.in_(orgs))
    ).all()
    queued = 0
    for start in range(0, len(held), 1000):
        chunk = held[start : start + 1000]
        signals = _summed_signals(session, [c.id for c in chunk])
        for cand in chunk:
            found = signals.get(cand.id, {"likes": 0, "downloads": 0, "trending": 0})
            if _set(session, cand, judge(rules, cand.org, found), actor) and cand.notable:
                queued += 1
    return queued


def _summed_signals(session: Session, ids: list[int]) -> dict[int, dict[str, float]]:
    """`release_signals` of many candidates in one aggregate query."""
    rows = session.exec(
        select(
            Variant.candidate_id,
            func.coalesce(func.sum(Variant.likes), 0),
            func.coalesce(func.sum(Variant.downloads), 0),
            func.coalesce(func.max(Variant.trending_score), 0),
        )
        .where(Variant.candidate_id.in_(ids), Variant.is_derivative.is_(False))
        .group_by(Variant.candidate_id)
    ).all()
    return {cid: {"likes": lk, "downloads": dl, "trending": tr} for cid, lk, dl, tr in rows}
