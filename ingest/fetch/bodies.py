"""Checks on fetched bytes that must cost one pass, whatever the bytes are.

The one check today: an XML document cut short. A complete XML document ends with the end
tag of its root element (or a root that closes itself); feedparser's recovery returns the
entries before a cut and the run would look clean, while the validators saved with it
answer 304 for the rest forever.

The prolog (XML declaration, processing instructions, comments, a DOCTYPE) is skipped by
hand with `bytes.find`, never by a regex with a repeated group: a regex of that shape
backtracks exponentially on a body such as `<?a?>` repeated forty times and a `!`.
"""

from __future__ import annotations

import re

TAIL_BYTES = 65536  # where a complete document's root end tag must be
_NAME = re.compile(rb"[A-Za-z_][\w.:-]{0,200}")
_SPACE = b" \t\r\n"


def looks_xml(body: bytes, content_type: str | None) -> bool:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.endswith("/xml") or ctype.endswith("+xml"):
        return True
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf:RDF"))


def _after(body: bytes, at: int, end: bytes) -> int:
    """The offset just past the next `end` at or after `at`, or -1."""
    found = body.find(end, at)
    return -1 if found < 0 else found + len(end)


def _after_doctype(body: bytes, at: int) -> int:
    """Past `<!DOCTYPE …>`, whose internal subset `[…]` may hold `>`."""
    close, bracket = body.find(b">", at), body.find(b"[", at)
    if 0 <= bracket < close or (bracket >= 0 and close < 0):
        subset_end = body.find(b"]", bracket)
        return -1 if subset_end < 0 else _after(body, subset_end, b">")
    return -1 if close < 0 else close + 1


def root_start(body: bytes) -> tuple[bytes, int, bool] | None:
    """(name, end offset of its start tag, closes itself) of the root element, or None when
    no element starts where XML has it."""
    at = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    while at >= 0:
        while at < len(body) and body[at] in _SPACE:
            at += 1
        if body.startswith(b"<?", at):
            at = _after(body, at + 2, b"?>")
        elif body.startswith(b"<!--", at):
            at = _after(body, at + 4, b"-->")
        elif body.startswith(b"<!DOCTYPE", at):
            at = _after_doctype(body, at + 9)
        elif body.startswith(b"<", at):
            name = _NAME.match(body, at + 1)
            if name is None:
                return None
            close = body.find(b">", name.end())
            if close < 0:
                return None
            return name.group(), close + 1, body[close - 1 : close] == b"/"
        else:
            return None
    return None


def unclosed_root(body: bytes) -> str | None:
    """The root element's name when the XML document ends before `</root>`, else None.

    Junk after the end tag (a server's appended warning) is not truncation: a parser's
    recovery handles that, and the document itself is whole.
    """
    root = root_start(body[:TAIL_BYTES])
    if root is None:
        return None  # no start tag where XML has it: not for this check to judge
    name, start_end, self_closed = root
    if self_closed or name.lower() == b"html":
        return None  # <root/>: nothing to close; XHTML goes to an HTML parser, which needs none
    tail = body[max(start_end, len(body) - TAIL_BYTES) :]
    at = tail.find(b"</" + name)
    while at >= 0:
        after = at + 2 + len(name)
        rest = tail[after : after + 64].lstrip(_SPACE)
        if rest.startswith(b">"):
            return None
        at = tail.find(b"</" + name, after)
    return name.decode("ascii", "replace")
