"""Ruleset versions: each extractor's version is a digest of its rules and data.

An extractor's rules are its module source(s) and its data files (normalize/data/), so a
changed regex, table row or vocabulary entry is a new version without anyone bumping a
constant. The version goes into every value's evidence and every stored observation;
a document remembers the ruleset it was read with (`document_ruleset`), and
`toolscout renormalize --stale` reprocesses only the documents read with an older one.

Paths are globs relative to this package; a glob that matches nothing (a data file not
written yet) adds nothing. The sources are read once, when the package is imported.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# What every extractor leans on: text helpers and the evidence record.
COMMON = ("text.py", "evidence.py", "versions.py")
# extractor family (the part of an extractor's name before the dot) → its rules and data.
RULESETS: dict[str, tuple[str, ...]] = {
    "license": ("licenses.py", "licenses/*.py", "data/licenses*", "data/license_*"),
    "params": ("params/*.py", "cards.py", "data/params*", "data/size*"),
    "pricing": ("pricing.py", "pricing_*.py", "price_units.py", "pricing/*.py", "data/pric*"),
    "names": ("names.py", "vendors.py", "data/vendors*"),
    "hub": ("hub.py", "cards.py"),
    "relevance": ("relevance.py",),
    "titles": ("titles.py",),
    "announcements": ("announcements.py",),
    "draft": ("draft.py",),
    "lifecycle": ("lifecycle.py",),
    "offers": ("offers.py",),
}
# A kind of stored document → the extractors that read it.
DOCUMENT_RULESETS: dict[str, tuple[str, ...]] = {
    "hub": ("hub", "names", "params", "license", "draft"),  # listings, model info (with cards)
    "entry": (
        "announcements",
        "relevance",
        "titles",
        "names",
        "license",
        "params",
        "pricing",
        "draft",
    ),
    "prices": ("pricing", "names", "lifecycle", "offers"),  # provider price lists
}
HUB_DOCUMENT_KINDS = ("hf_listing", "hf_model_info")
PRICE_DOCUMENT_KINDS = ("pricing",)


def _files(patterns: tuple[str, ...]) -> list[Path]:
    found: set[Path] = set()
    for pattern in (*patterns, *COMMON):
        found.update(p for p in PACKAGE.glob(pattern) if p.is_file())
    return sorted(found)


@cache
def ruleset_version(family: str) -> str:
    """The version of one extractor family ("license", "params", …): 12 hex digits."""
    digest = hashlib.sha256(family.encode())
    for path in _files(RULESETS[family]):
        # The path inside the package is part of the rules: a file moved is a change.
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def extractor_version(extractor: str) -> str:
    """The version of a named extractor ("license.card" → the license ruleset's)."""
    family = extractor.split(".", 1)[0]
    return ruleset_version(family) if family in RULESETS else "1"


@cache
def document_ruleset(kind: str) -> str:
    """The version of everything that reads one kind of document ("hub", "entry",
    "prices"): a document read with another one has observations from an older ruleset."""
    parts = [f"{family}={ruleset_version(family)}" for family in DOCUMENT_RULESETS[kind]]
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:12]


def document_kind(doc_kind: str) -> str | None:
    """Which ruleset reads a stored document of this `Document.kind`; None: none directly
    (a card is read with its listing or model info, a feed with its entries)."""
    if doc_kind in HUB_DOCUMENT_KINDS:
        return "hub"
    if doc_kind in PRICE_DOCUMENT_KINDS:
        return "prices"
    return None
