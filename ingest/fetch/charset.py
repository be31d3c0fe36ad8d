"""Which charset a fetched body is in, decided once for every parser downstream.

Scrapy, BeautifulSoup and feedparser each believe the `Content-Type` charset first, and
feedparser, when the body does not decode in it, reads the whole document as windows-1252:
one stray byte in a UTF-8 feed turns every accented letter into mojibake. So the decision
is made here, from the bytes and what was declared, and a body that is not plainly UTF-8
under a true header is handed on re-encoded as UTF-8, its header (and XML declaration)
saying so. Everything is one pass over the bytes.

The rule, in order:
1. a byte-order mark names the charset;
2. plain ASCII is left as it came;
3. bytes that decode as UTF-8 are UTF-8, whatever was declared: text in a single-byte
   charset with letters beyond ASCII practically never forms valid multi-byte sequences;
4. declared UTF-8 (or nothing) and *mostly* UTF-8 (at least as many well-formed
   multi-byte characters as bad bytes) stays UTF-8, the bad bytes replaced by U+FFFD;
5. declared UTF-8 but no well-formed multi-byte character at all: the document's own
   XML declaration, else windows-1252 (what the web means by latin-1);
6. any other declared charset is believed.
"""

from __future__ import annotations

import codecs
import re

_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([^\"';\s]+)", re.I)
# Read on the first 200 bytes only: the declaration must come first in an XML document.
_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]{0,150}?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})")
_XML_ENCODING_ATTR = re.compile(rb"(\bencoding\s*=\s*)([\"'])[A-Za-z0-9._-]{1,40}\2")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def declared_charset(content_type: str | None) -> str | None:
    match = _CHARSET.search(content_type or "")
    return match.group(1).lower() if match else None


def _known(charset: str | None) -> str | None:
    """The codec's canonical name, or None for a charset Python does not know."""
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _xml_declared(body: bytes) -> str | None:
    match = _XML_DECLARED.match(body[:200])
    return match.group(1).decode("ascii").lower() if match else None


def transcode_from(body: bytes, declared: str | None) -> str | None:
    """The charset to re-encode `body` from (rules above) when a parser believing the
    header would misread it; None when it reads right as it came."""
    if not body or body.isascii() or body.startswith(_BOMS):
        return None  # every parser honours a byte-order mark before any header
    stated = _known(declared)
    try:
        body.decode("utf-8")
        # Nothing declared: every parser here reads undeclared JSON and XML as UTF-8.
        return None if stated in (None, "utf-8") else "utf-8"
    except UnicodeDecodeError:
        pass
    if stated and stated.startswith(("utf-16", "utf-32")):
        return None  # not ASCII-compatible: nothing to compare
    if stated not in (None, "utf-8"):
        return None  # a single-byte or legacy charset, believed
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    well_formed = len(text) - len(text.encode("ascii", "ignore")) - bad
    if well_formed >= bad:
        return "utf-8"  # UTF-8 with a few bad bytes: only those become U+FFFD
    own = _known(_xml_declared(body))
    if own and not own.startswith("utf"):
        return own
    return "cp1252" if stated == "utf-8" else None


def as_utf8(body: bytes, charset: str) -> bytes:
    """`body` decoded from `charset` (bad bytes as U+FFFD) and encoded as UTF-8, its XML
    declaration, if any, saying utf-8."""
    text = body.decode(charset, "replace").lstrip("\ufeff")
    out = text.encode("utf-8")
    head = out[:200]
    if head.lstrip().startswith(b"<?xml"):
        end = head.find(b"?>")
        if end > 0:
            prolog = _XML_ENCODING_ATTR.sub(rb"\1\2utf-8\2", out[:end], count=1)
            out = prolog + out[end:]
    return out


def utf8_content_type(content_type: str | None) -> str:
    """The Content-Type with its charset parameter set to utf-8."""
    content_type = content_type or "application/octet-stream"
    if _CHARSET.search(content_type):
        return _CHARSET.sub("; charset=utf-8", content_type, count=1)
    return f"{content_type}; charset=utf-8"
