"""Near-duplicate candidates, suggested to editors with a score, never merged.

Two candidates look like one release when their family names match once separators are
ignored ("Code Llama 4" / "CodeLlama 4" / "Code Llama 4 (70B & 400B)"), or nearly match.
Version-bearing tokens must agree: "Gemma 3" and "Gemma 3n" are different families, so
a difference there halves the score.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from sqlalchemy import func
from sqlmodel import Session, select

from store.models import Candidate

THRESHOLD = 0.8
_SIZES = re.compile(r"\([^)]*\)")


def _tokens(family: str) -> list[str]:
    return re.findall(r"[a-z]+|\d+(?:\.\d+)*[a-z]*", _SIZES.sub("", family.lower()))


def similarity(a: str, b: str) -> float:
    """0..1: how likely two family names name the same release."""
    ta, tb = _tokens(a), _tokens(b)
    sa, sb = "".join(ta), "".join(tb)
    if not sa or not sb:
        return 0.0
    score = 1.0 if sa == sb else SequenceMatcher(None, sa, sb).ratio()
    versions_a = {t for t in ta if t[0].isdigit()}
    versions_b = {t for t in tb if t[0].isdigit()}
    if versions_a != versions_b:
        score *= 0.5
    return round(score, 3)


def similar_candidates(session: Session, cand: Candidate, limit: int = 5) -> list[dict]:
    """Other candidates that may be the same release, best first, with their score."""
    tokens = _tokens(cand.family)
    if not tokens:
        return []
    # Only families sharing the first word can score high; that keeps the scan small.
    query = select(Candidate).where(
        Candidate.id != cand.id, func.lower(Candidate.family).like(f"{tokens[0][:4]}%")
    )
    found = []
    for other in session.exec(query):
        score = similarity(cand.family, other.family)
        if score >= THRESHOLD:
            found.append(
                {
                    "slug": other.slug,
                    "name": other.name,
                    "vendor": other.vendor,
                    "status": other.status,
                    "score": score,
                }
            )
    found.sort(key=lambda f: (-f["score"], f["slug"]))
    return found[:limit]
