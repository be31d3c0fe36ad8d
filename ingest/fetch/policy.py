"""Which URLs may be fetched: the crawler's one URL policy.

A URL named by a feed, a page, a header or a JSON body is the publisher's choice, so it is
checked before it is fetched: only http and https; a host that is, or resolves to, an
address no public web server has (loopback, RFC 1918 and fc00::/7, link-local including the
cloud metadata address, CGNAT, multicast, unspecified, reserved) is refused, unless that
exact origin (scheme, host and port) is one the operator configured: a source's own URL,
the Hub endpoint, or `[crawl] allow_private`. The demo's and the tests' replay server lives
on loopback, and works because it is such a configured origin.

The checks here are pure functions of a URL or an address; `resolver` applies
`address_refusal` to DNS answers, `middleware` applies `refusal` to each request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
# Not covered by ipaddress's own flags: the shared address space of carrier-grade NAT.
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class RefusedURL(ValueError):
    """A URL the fetch layer will not fetch; the message says why."""


def origin_of(url: str) -> str | None:
    """`scheme://host:port` with the port spelled out, lower-cased; None when unreadable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if not scheme or not host:
        return None
    port = port or DEFAULT_PORTS.get(scheme)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}"


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def address_refusal(address: str) -> str | None:
    """Why no crawler should connect to this IP address, or None for a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for flag, what in (
        ("is_loopback", "a loopback"),
        ("is_unspecified", "an unspecified"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_private", "a private"),
        ("is_reserved", "a reserved"),
    ):
        if getattr(ip, flag):
            return f"{ip} is {what} address"
    if ip in _CGNAT:
        return f"{ip} is a carrier-grade NAT (shared) address"
    return None


def _literal_address(host: str) -> str | None:
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """The configured origins, which are trusted whatever address they are on."""

    trusted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, urls: Iterable[str]) -> UrlPolicy:
        return cls(frozenset(o for o in (origin_of(u) for u in urls if u) if o))

    @property
    def trusted_hosts(self) -> frozenset[str]:
        """Host names of trusted origins: their private DNS answers are expected."""
        return frozenset(host_of(o) for o in self.trusted)

    def is_trusted(self, url: str) -> bool:
        return origin_of(url) in self.trusted

    def refusal(self, url: str) -> str | None:
        """Why `url` must not be fetched, or None. A host name that is not an address is
        judged again on its DNS answer (`resolver`), which this cannot see."""
        try:
            scheme = urlsplit(url.strip()).scheme.lower()
        except ValueError:
            return f"unreadable URL {url[:200]!r}"
        if scheme not in SCHEMES:
            return f"scheme {scheme or '(none)'!r} is never fetched (only http and https)"
        origin = origin_of(url)
        if origin is None:
            return f"no host in {url[:200]!r}"
        if origin in self.trusted:
            return None
        host = host_of(url)
        literal = _literal_address(host)
        if literal is not None:
            why = address_refusal(literal)
            return f"{origin}: {why}, and not a configured origin" if why else None
        if host in _LOCAL_NAMES or host.endswith(".localhost"):
            return f"{origin}: {host!r} names this machine, and is not a configured origin"
        return None


def same_origin_refusal(url: str, cursor_of: str) -> str | None:
    """A cursor (Hub `Link: rel="next"`, OpenRouter `links.next`) leads on only within the
    origin of the response that named it."""
    here, there = origin_of(cursor_of), origin_of(url)
    if here is not None and here == there:
        return None
    return f"cursor {url[:300]!r} leaves {here}: cursors are followed only on their own origin"


def configured_policy(config: object) -> UrlPolicy:
    """The trusted origins of a loaded sources file: every source's URL, the Hub endpoint,
    and `[crawl] allow_private`."""
    sources = getattr(config, "sources", ())
    crawl = getattr(config, "crawl", {}) or {}
    urls = [s.url for s in sources if getattr(s, "url", None)]
    urls += [getattr(config, "hf_endpoint", "") or ""]
    urls += list(crawl.get("TOOLSCOUT_ALLOW_PRIVATE") or ())
    return UrlPolicy.of(urls)


def policy_from_sources() -> UrlPolicy:
    """The policy of the sources file in force; an unreadable file trusts nothing."""
    from ingest.sources import SourcesError, load_sources

    try:
        return configured_policy(load_sources())
    except SourcesError:
        return UrlPolicy()
