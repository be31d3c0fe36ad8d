"""What two stores built at different times may differ in, and nothing else: the tests that
compare a store with another (a killed run rerun, concurrent writers) leave these out."""

from __future__ import annotations

# Crawl-owned bookkeeping columns that differ between any two runs by nature.
VOLATILE = {"id", "first_seen", "updated_at", "seen_at", "fetched_at"}
# Clock times inside stored JSON values: an offer's `seen_at` (since when its price held).
NESTED_VOLATILE = {"seen_at"}


def without_clocks(value: object) -> object:
    """A stored value with the clock times inside it left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_clocks(v) for k, v in value.items() if k not in NESTED_VOLATILE}
    if isinstance(value, list | tuple):
        return [without_clocks(v) for v in value]
    return value
