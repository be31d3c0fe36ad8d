"""Evidence: where a normalized value was read from.

This module owns the `Evidence` record attached to every value the normalizers produce and the
helper that cuts a short, readable snippet out of a larger document. It does not decide what a
value is; the extractors in the sibling modules do.
"""

from __future__ import annotations

from dataclasses import dataclass

SNIPPET_MAX = 200


@dataclass(frozen=True, slots=True)
class Evidence:
    source: str
    snippet: str
    extractor: str
    version: str

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "snippet": self.snippet,
            "extractor": self.extractor,
            "version": self.version,
        }


def compact(text: str, limit: int = SNIPPET_MAX) -> str:
    """Collapse runs of whitespace and cut to `limit` characters (with an ellipsis)."""
    if len(text) > 4 * limit:
        # A prefix of a long text compacts to a prefix of the whole text compacted; when it
        # is already over the limit, the rest of the text cannot change the snippet.
        head = " ".join(text[: 4 * limit].split())
        if len(head) > limit:
            return head[: limit - 1].rstrip() + "…"
    flat = " ".join(text.split())  # str.split is much faster than a regex here
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def snippet_around(text: str, start: int, end: int, width: int = 80) -> str:
    """The text from `start` to `end` with up to `width` characters of context either side.

    Whitespace is compacted so a snippet from a table or a wrapped paragraph reads as one line,
    and an ellipsis marks each side where the document goes on.
    """
    if not isinstance(text, str) or not text:
        return ""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    width = max(0, width)
    left = max(0, start - width)
    right = min(len(text), end + width)
    body = " ".join(text[left:right].split())
    # Keep room for both ellipses inside the snippet limit.
    body = body[: SNIPPET_MAX - 2]
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return f"{prefix}{body}{suffix}"


def make_evidence(source: str, snippet: str, extractor: str, version: str) -> Evidence:
    """An `Evidence` whose snippet is compacted and within the length limit."""
    return Evidence(
        source=source if isinstance(source, str) else "",
        snippet=compact(snippet) if isinstance(snippet, str) else "",
        extractor=extractor,
        version=version,
    )
