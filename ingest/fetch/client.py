"""Requests made outside a crawl (a WebSub subscribe to a hub) under the same URL policy.

A hub's URL is whatever a feed advertised, so it is judged exactly as a crawled URL is:
`policy.UrlPolicy.refusal` on the URL (scheme, literal addresses, this machine's names),
then `policy.address_refusal` on the address the name resolves to, unless the host is a
configured one (as `resolver` and `middleware` do for Scrapy). The connection goes to the
very address that was judged, so a name cannot resolve to one address for the check and
another for the request. Redirects are followed only a few hops, each judged again.

Standard library only: one small form POST does not need Scrapy's reactor.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin, urlsplit

from ingest.fetch.policy import RefusedURL, UrlPolicy, address_refusal, host_of
from ingest.settings import USER_AGENT

MAX_REDIRECTS = 3
MAX_ANSWER_BYTES = 64 * 1024  # a hub's answer is a status and a line of text


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    url: str  # after redirects


def resolve_checked(url: str, policy: UrlPolicy) -> str:
    """The address to connect to for `url`, or RefusedURL saying why not."""
    why = policy.refusal(url)
    if why:
        raise RefusedURL(why)
    parts = urlsplit(url)
    host = host_of(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"{host}: cannot resolve ({exc})") from None
    address = infos[0][4][0]
    if not policy.is_trusted(url):
        why = address_refusal(address)
        if why:
            raise RefusedURL(f"{host} resolves to {why}, and is not a configured origin")
    return address


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to an address already judged, whatever the name resolves to now."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post_form(
    url: str, fields: dict[str, str], policy: UrlPolicy, *, timeout: float = 15.0
) -> Answer:
    """POST `fields` form-encoded to `url`; RefusedURL when the policy refuses it (or a
    redirect hop), OSError when it cannot be reached."""
    body = urlencode(fields).encode()
    for _ in range(MAX_REDIRECTS + 1):
        address = resolve_checked(url, policy)
        parts = urlsplit(url)
        tls = parts.scheme.lower() == "https"
        port = parts.port or (443 if tls else 80)
        conn = (_PinnedTLS if tls else _Pinned)(parts.hostname or "", address, port, timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": USER_AGENT,
                },
            )
            response = conn.getresponse()
            answer = response.read(MAX_ANSWER_BYTES)
            location = response.getheader("Location")
        except (http.client.HTTPException, ssl.SSLError) as exc:
            raise OSError(f"{parts.hostname}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        # 307/308 keep the method and body (a hub that moved); other redirects do not
        # apply to a POST.
        if response.status in (307, 308) and location:
            url = urljoin(url, location)
            continue
        return Answer(response.status, answer, url)
    raise OSError(f"more than {MAX_REDIRECTS} redirects from the hub")
