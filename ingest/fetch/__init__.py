"""The fetch layer: every request of every spider passes through it, as Miniflux's `fetcher`.

It owns, in one place each:

- `policy`: which URLs may be fetched at all (http/https only; no loopback, private,
  link-local, CGNAT, multicast or unspecified address unless that exact origin is configured;
  cursors only on their own origin), checked before each request and each redirect hop, and
  again on the DNS answer (`resolver`);
- `credentials`: `HF_TOKEN` goes to the configured Hub origin and nowhere else;
- `revalidate`: conditional GET (stored ETag / Last-Modified, `Cache-Control: max-age=0`);
- `charset`: which charset a body is in, decided once, so every parser downstream sees UTF-8;
- `bodies`: linear-time checks on fetched bytes (an XML document cut short);
- `ratelimit`: waiting as a server asks (429 `Retry-After`, `RateLimit`), within the run's time.

Spiders build requests with `fetch.request.make_request` and never set these headers or
decide these questions themselves; `ingest/settings.py` installs the middlewares.
"""
