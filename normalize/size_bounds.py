"""A size an editor types in a filter ("7B", "70", "1.5 T", "500M") → a parameter count.

The queue page filters releases by size; a bare number is in billions, as the site writes
sizes. The count itself is read by normalize.params, like every other size.
"""

from __future__ import annotations

from normalize.params import parse_param_count


def size_bound(text: str) -> float | None:
    """The parameter count a filter bound means; None when it is not a size."""
    text = text.strip().replace(" ", "")
    return parse_param_count(text) or parse_param_count(text + "B") if text else None
