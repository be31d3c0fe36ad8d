"""The price model: what toolscout records about what an offer costs.

This module owns the `Pricing` record (tier, per-million-token prices, cache and batch prices,
context-length tiers, prices per other units, evidence), the tier vocabulary and the exact
reading of a catalog's price value. The readers of catalog records (`normalize.pricing_records`)
and of prose (`normalize.pricing`) fill it; neither decides its shape.

Unknown is never zero: a price nobody stated is `None`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from normalize.evidence import Evidence
from normalize.versions import ruleset_version

VERSION = ruleset_version("pricing")
MAX_PRICE = 1e6  # USD per million tokens, per unit or per month; larger is a parsing accident

FREE = "free"
FREEMIUM = "freemium"
PAID = "paid"
OPEN_WEIGHTS = "open-weights"
UNKNOWN = "unknown"


@dataclass(slots=True)
class PriceTier:
    """Prices that apply once a request's context is above `above_tokens`."""

    above_tokens: int
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None

    def to_json(self) -> dict:
        return {
            "above_tokens": self.above_tokens,
            "input_usd_per_mtok": self.input_usd_per_mtok,
            "output_usd_per_mtok": self.output_usd_per_mtok,
        }


@dataclass(slots=True)
class UnitPrice:
    """A price per another unit than the token: USD per one image, second, request…"""

    unit: str
    direction: str
    usd: float

    def to_json(self) -> dict:
        return {"unit": self.unit, "direction": self.direction, "usd": self.usd}


@dataclass(slots=True)
class Pricing:
    tier: str
    input_usd_per_mtok: float | None
    output_usd_per_mtok: float | None
    subscription_usd_per_month: float | None
    evidence: list[Evidence] = field(default_factory=list)
    cache_read_usd_per_mtok: float | None = None
    cache_write_usd_per_mtok: float | None = None
    batch_input_usd_per_mtok: float | None = None
    batch_output_usd_per_mtok: float | None = None
    tiers: list[PriceTier] = field(default_factory=list)
    units: list[UnitPrice] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "tier": self.tier,
            "input_usd_per_mtok": self.input_usd_per_mtok,
            "output_usd_per_mtok": self.output_usd_per_mtok,
            "subscription_usd_per_month": self.subscription_usd_per_month,
            "cache_read_usd_per_mtok": self.cache_read_usd_per_mtok,
            "cache_write_usd_per_mtok": self.cache_write_usd_per_mtok,
            "batch_input_usd_per_mtok": self.batch_input_usd_per_mtok,
            "batch_output_usd_per_mtok": self.batch_output_usd_per_mtok,
            "tiers": [tier.to_json() for tier in self.tiers],
            "units": [unit.to_json() for unit in self.units],
            "evidence": [item.to_json() for item in self.evidence],
        }


def round_price(value: float) -> float:
    """Float arithmetic leaves noise (0.035000000000000003); ten significant digits do not."""
    return float(f"{value:.10g}")


def decimal_price(value: object) -> Decimal | None:
    """A non-negative finite price, read exactly: "0.0000003" stays 3E-7, a float is read
    from its shortest repr (2.5e-06, not 2.49999…e-06). -1, booleans and junk are None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().lstrip("$").strip()
        if not value or len(value) > 40:
            return None
    elif isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    elif not isinstance(value, int):
        return None
    try:
        price = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    if not price.is_finite() or price < 0:
        return None  # OpenRouter uses "-1" for a price that varies by request
    return price


def scaled(value: object, scale: int | float) -> float | None:
    """`value` (a catalog's price per unit) times `scale`, exactly, as a float; None when it
    is unstated or absurd."""
    price = decimal_price(value)
    if price is None:
        return None
    result = float(price * Decimal(scale if isinstance(scale, int) else repr(scale)))
    return result if result <= MAX_PRICE else None


def tier_for(prices: list[float | None], self_hosted: bool = False) -> str:
    """Paid when any price is above zero; all zero is free (or open weights when the record
    says it runs on the user's own hardware); nothing stated is unknown."""
    known = [price for price in prices if price is not None]
    if not known:
        return UNKNOWN
    if any(price > 0 for price in known):
        return PAID
    return OPEN_WEIGHTS if self_hosted else FREE
