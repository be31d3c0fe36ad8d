"""The DNS answer is checked, not only the name: a public-looking host name that resolves to
127.0.0.1 or 169.254.169.254 (a rebinding trick, or a plain A record) is refused at the
moment of connecting, with the very address the connection would use.

Installed as Scrapy's `TWISTED_DNS_RESOLVER`; every connection of the crawl process (pages,
redirect hops, robots.txt) resolves through it. Names of configured origins may resolve to
private addresses (an internal mirror, the replay server); `middleware` keeps other ports
of such a host out.
"""

from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from ingest.fetch.policy import UrlPolicy, address_refusal, policy_from_sources


class RefusedAddress(DNSLookupError):
    """The name resolved to an address the crawler does not connect to."""


# Twisted reports every failed lookup as "no results for hostname lookup", whatever the
# resolver raised: why a name was refused is kept here for the error record.
_REFUSED: dict[str, str] = {}


def refusal_for(host: str) -> str | None:
    """Why this crawl process refused to connect to `host` after resolving it, if it did."""
    return _REFUSED.get(host.rstrip(".").lower())


class PolicyResolver(CachingThreadedResolver):
    policy: UrlPolicy = UrlPolicy()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PolicyResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = policy_from_sources()
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:  # noqa: N802 - Twisted's name
        d = super().getHostByName(name, timeout)
        d.addCallback(self._checked, name)
        return d

    def _checked(self, address: str, name: str) -> str:
        if name.rstrip(".").lower() in self.policy.trusted_hosts:
            return address
        why = address_refusal(address)
        if why:
            message = f"{name} resolves to {why}, and is not a configured origin"
            _REFUSED[name.rstrip(".").lower()] = message
            raise RefusedAddress(message)
        return address
