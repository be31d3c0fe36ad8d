"""What a size is: the result types (`Params`, `ParamVariant`) and reading and writing a count.

`parse_param_count` reads one count as an editor or a table cell writes it ("27B", "7 billion",
"27,432,406,640"); `format_count` writes one back ("27B"); `describe` sums up a result for logs.
The limits shared by every reader of the package live here too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from normalize.evidence import Evidence
from normalize.params.size_words import COUNT_UNITS_RE, UNIT_LETTER, UNIT_SCALE
from normalize.versions import ruleset_version

VERSION = ruleset_version("params")
MAX_TEXT_CHARS = 400_000
MAX_NAME_CHARS = 300
MAX_EVIDENCE = 4
# Real cards state a size a few dozen times at most; the caps keep hostile text linear.
MAX_MENTIONS = 400
MAX_TABLE_ROWS = 200
MAX_TABLE_LINES = 10_000
MAX_TABLE_CELLS = 64
MAX_VARIANTS = 64
# Below this a "count" is a typo or a unit-less label ("27"), above it no model exists.
MIN_COUNT = 1e4
MAX_COUNT = 1e15

# The scale words of a count (normalize/data/size_words.toml): "bn" → 1e9, written "B".
_UNIT_SCALE = UNIT_SCALE
_UNIT_LETTER = UNIT_LETTER


@dataclass(slots=True)
class ParamVariant:
    label: str
    total: float | None
    active: float | None
    # Where the variant was declared (a table row's first cell, say); used only to match a
    # family card's variants against a repo name. Not part of the JSON.
    hint: str = ""
    precision: int = 0
    # The statements this variant was read from, as (text, source, mention): its evidence is
    # built from them only when the variant is part of the answer. Not part of the JSON.
    origins: list = field(default_factory=list, compare=False, repr=False)

    def to_json(self) -> dict:
        return {"label": self.label, "total": self.total, "active": self.active}


@dataclass(slots=True)
class Params:
    total: float | None
    active: float | None
    variants: list[ParamVariant] = field(default_factory=list)
    method: str | None = None
    experts: int | None = None
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "total": self.total,
            "active": self.active,
            "variants": [variant.to_json() for variant in self.variants],
            "method": self.method,
            "experts": self.experts,
            "evidence": [item.to_json() for item in self.evidence],
        }


# ---------------------------------------------------------------------------------------------
# Numbers


_COUNT = re.compile(
    r"\s*(?:~|≈|about\s+|approx(?:imately|\.)?\s+|over\s+)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:_\d{3})+|\d{1,16}(?:[.,]\d{1,6})?)"
    rf"\s*-?\s*(?P<unit>{COUNT_UNITS_RE})?"
    r"\s*\+?\s*(?:(?:total\s+|active\s+|activated\s+)?param(?:eter)?s?)?\s*",
    re.IGNORECASE,
)


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _number(text: str) -> float | None:
    """A decimal number, with ',' read as a thousands separator only before exactly 3 digits."""
    if "," in text or "_" in text:
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        else:
            text = text.replace("_", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _scaled(num: str, unit: str | None) -> float | None:
    value = _number(num)
    if value is None:
        return None
    if unit:
        value *= _UNIT_SCALE[unit.lower()]
    elif value < 1000:
        # A bare small number ("27") is a label without its unit, not a count.
        return None
    if not MIN_COUNT <= value <= MAX_COUNT:
        return None
    if unit and ("." in num or "," in num):
        return float(f"{value:.6g}")  # 7.61 * 1e9 carries float noise; whole numbers do not
    return value


def parse_param_count(text: str) -> float | None:
    """A parameter count from "27B", "1.5b", "135M", "7 billion", "27,432,406,640"."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    match = _COUNT.fullmatch(text)
    if not match:
        return None
    return _scaled(match["num"], match["unit"])


def _label(num: str, unit: str) -> str:
    unit = _UNIT_LETTER.get(unit.lower(), unit.upper())
    return f"{num.replace(',', '.')}{unit}"


def _precision(num: str) -> int:
    """Significant digits as written: '1.23' is more precise than '1'."""
    return len(num.replace(".", "").replace(",", "").lstrip("0")) or 1


def format_count(value: float) -> str:
    """A short label for a count: 2.7e10 -> '27B', 1.35e8 -> '135M'."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.0f}"


def _close(a: float | None, b: float | None, ratio: float) -> bool:
    if not a or not b:
        return False
    return max(a, b) / min(a, b) <= ratio


def describe(params: Params | None) -> str:
    """A one-line human summary, for logs and the benchmark."""
    if params is None:
        return "unknown"
    parts = [format_count(params.total) if params.total else "?"]
    if params.active:
        parts.append(f"active {format_count(params.active)}")
    return " ".join(parts) + f" ({params.method})"
