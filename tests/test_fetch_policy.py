"""The fetch layer's URL policy, tried as an attacker would.

Tables for the rules themselves, then real crawls (a child process, Scrapy over HTTP)
against a hostile server on loopback that is a configured source, and a second loopback
server playing an internal service that must receive zero requests.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sqlmodel import Session, select

from ingest.crawl import crawl
from ingest.fetch.policy import UrlPolicy, address_refusal, origin_of, same_origin_refusal
from ingest.fetch.resolver import PolicyResolver, RefusedAddress
from store.db import make_engine
from store.models import Candidate, CrawlError, Document
from tests.hostile import HostileServer

SECRET = "INTERNAL ADMIN PANEL SECRET-TOKEN-42 7B db_password=hunter2"
TRUSTED = UrlPolicy.of(["http://127.0.0.1:8765/feed.xml", "https://huggingface.co"])


@pytest.mark.parametrize(
    ("url", "refused_because"),
    [
        ("https://huggingface.co/api/models", None),
        ("http://127.0.0.1:8765/other/page", None),  # a configured origin, any path
        ("http://93.184.216.34/post", None),  # a public address
        ("https://mistral.ai/news/x", None),  # a name: judged again on its DNS answer
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://127.0.0.1:70/x", "scheme 'gopher'"),
        ("ftp://example.org/x", "scheme 'ftp'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("data:text/html,hi", "scheme 'data'"),
        ("http://127.0.0.1:9999/admin/secret", "loopback"),  # another port of a trusted host
        ("http://127.0.0.2/", "loopback"),
        ("http://[::1]:8765/", "loopback"),
        ("http://[::ffff:127.0.0.1]:8765/", "loopback"),  # IPv4-mapped IPv6
        ("http://localhost:8765/admin", "names this machine"),
        ("http://LOCALHOST./admin", "names this machine"),
        ("http://api.localhost/", "names this machine"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://[fe80::1]/", "link-local"),
        ("http://10.0.0.5:8080/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fc00::1]/", "private"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0:8765/", "unspecified"),
        ("http:///no-host", "no host"),
    ],
)
def test_url_policy(url, refused_because):
    why = TRUSTED.refusal(url)
    if refused_because is None:
        assert why is None
    else:
        assert why is not None and refused_because in why, why


def test_allow_private_trusts_that_origin_only():
    policy = UrlPolicy.of(["http://10.0.0.5:8080"])
    assert policy.refusal("http://10.0.0.5:8080/models") is None
    assert "private" in policy.refusal("http://10.0.0.5:8081/models")
    assert "private" in policy.refusal("https://10.0.0.5:8080/models")  # another scheme


@pytest.mark.parametrize(
    ("url", "cursor_of", "allowed"),
    [
        ("https://huggingface.co/api/models?cursor=x", "https://huggingface.co/api/models", True),
        ("https://huggingface.co:443/api/models?c", "https://huggingface.co/api/models", True),
        ("http://huggingface.co/api/models?c", "https://huggingface.co/api/models", False),
        ("https://evil.example/api/models", "https://huggingface.co/api/models", False),
        ("file:///etc/passwd", "https://huggingface.co/api/models", False),
        ("https://openrouter.ai/api/v1/models?p=2", "https://openrouter.ai/api/v1/models", True),
    ],
)
def test_cursors_stay_on_their_origin(url, cursor_of, allowed):
    assert (same_origin_refusal(url, cursor_of) is None) is allowed


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("100.100.100.100", False),
        ("::ffff:10.0.0.1", False),
        ("fe80::1%eth0", False),
    ],
)
def test_addresses(address, public):
    assert (address_refusal(address) is None) is public


def test_dns_answers_are_checked():
    resolver = PolicyResolver.__new__(PolicyResolver)
    resolver.policy = UrlPolicy.of(["http://mirror.internal:8080"])
    assert resolver._checked("93.184.216.34", "example.org") == "93.184.216.34"
    assert resolver._checked("10.0.0.7", "mirror.internal") == "10.0.0.7"  # configured
    with pytest.raises(RefusedAddress, match="resolves to 169.254.169.254"):
        resolver._checked("169.254.169.254", "innocent.example")


def test_origins_are_normalized():
    assert origin_of("HTTPS://HuggingFace.co/api") == "https://huggingface.co:443"
    assert origin_of("http://[::1]:80/") == "http://[::1]:80"
    assert origin_of("http://x:99999/") is None  # a port out of range is no origin


# -- real crawls against a hostile source -----------------------------------------------
@pytest.fixture
def attack(monkeypatch, tmp_path):
    """(the hostile source's server, the internal server, write_sources)"""
    evil, internal = HostileServer(), HostileServer()
    internal.route("*", SECRET, Content_Type="text/html")
    db = tmp_path / "store.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("HF_ENDPOINT", evil.url)
    monkeypatch.delenv("HF_TOKEN", raising=False)

    def write_sources(extra_crawl: str = "") -> Path:
        path = tmp_path / "sources.toml"
        path.write_text(
            f"""
[hub]
page_size = 5
orgs = ["evil"]

[[feeds]]
name = "evil"
url = "{evil.url}/feed.xml"
org = "evil"

[[pricing]]
name = "evil"
url = "{evil.url}/api/v1/models"
format = "openrouter"

[crawl]
delay = 0
autothrottle = false
timeout = 3
time_limit = "2m"
{extra_crawl}
"""
        )
        monkeypatch.setenv("TOOLSCOUT_SOURCES", str(path))
        return path

    write_sources()
    yield evil, internal, write_sources
    evil.stop()
    internal.stop()


def stored(kind):
    engine = make_engine(__import__("os").environ["DATABASE_URL"])
    with Session(engine) as s:
        found = list(s.exec(select(kind)))
    engine.dispose()
    return found


def rss(*items: tuple[str, str]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}#{i}</guid>"
        f"<pubDate>Wed, 12 Mar 2025 0{i}:00:00 GMT</pubDate>"
        f"<description>{title}: a new open model.</description></item>"
        for i, (title, link) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Evil</title>{entries}</channel></rss>'


def hostname_on_loopback() -> str | None:
    """This machine's own host name, when it resolves to a non-public address: a name that
    is not 'localhost' and still leads to this machine, as a DNS record can."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        return None
    return name if address_refusal(address) else None


@pytest.mark.crawl
def test_entry_links_and_redirects_to_internal_hosts_are_never_fetched(attack):
    evil, internal, _ = attack
    own_name = hostname_on_loopback()
    links = [
        ("Gemma 3 27B released", f"http://127.0.0.1:{internal.port}/admin/secret"),
        ("Qwen3 235B released", f"http://localhost:{internal.port}/admin/secret"),
        ("Mistral Small 3.1 released", f"{evil.url}/go"),  # 302 to the internal port
        ("Phi-4 14B released", f"http://[::ffff:127.0.0.1]:{internal.port}/admin"),
        ("SmolLM3 3B released", "file:///etc/passwd"),
        ("Llama 4 Scout released", f"gopher://127.0.0.1:{internal.port}/x"),
    ]
    if own_name:
        links.append(("DeepSeek-R1 released", f"http://{own_name}:{internal.port}/admin"))
    evil.route("/feed.xml", rss(*links), Content_Type="application/rss+xml")
    evil.route("/go", status=302, Location=f"http://127.0.0.1:{internal.port}/admin/secret")

    outcome = crawl(["feed:evil"])

    assert internal.log == [], internal.paths()  # not one request, not even robots.txt
    run = outcome.runs[0]
    assert run.status == "partial"
    reasons = [e.reason for e in stored(CrawlError)]
    refused = [r for r in reasons if "refused" in r or "not fetched" in r]
    assert len(refused) == len(links), reasons
    assert any("file:" in r and "passwd" in r for r in reasons), reasons
    assert any("gopher://" in r for r in reasons)
    if own_name:
        assert any(f"{own_name} resolves to" in r for r in reasons), reasons
    for doc in stored(Document):
        assert str(internal.port) not in doc.url and not doc.url.startswith(("file:", "gopher:"))
    assert not [c for c in stored(Candidate) if "SECRET" in (c.name or "")]


@pytest.mark.crawl
@pytest.mark.parametrize(
    "cursor",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:{internal}/1",
        "http://127.0.0.1:{internal}/api/models?cursor=2",
        "http://localhost:{internal}/api/models?cursor=2",
    ],
)
def test_hub_cursors_never_leave_the_hub(attack, cursor):
    evil, internal, _ = attack
    target = cursor.format(internal=internal.port)
    model = {"id": "evil/tiny-1b", "createdAt": "2025-03-12T10:00:00.000Z", "tags": []}
    evil.route(
        "/api/models",
        json.dumps([model]),
        Content_Type="application/json",
        Link=f'<{target}>; rel="next"',
    )
    outcome = crawl(["hf:evil"])
    assert internal.log == []
    assert outcome.runs[0].status == "partial"
    errors = stored(CrawlError)
    assert [e.url.split("?")[0] for e in errors] == [f"{evil.url}/api/models"]  # the lister
    assert target[:40] in errors[0].reason and "refused" in errors[0].reason
    assert not [d for d in stored(Document) if not d.url.startswith(evil.url)]


@pytest.mark.crawl
def test_openrouter_cursor_to_a_file_is_refused(attack):
    evil, internal, _ = attack
    body = {"data": [{"id": "qwen/qwen3-8b", "pricing": {"prompt": "0.000000035"}}]}
    body["links"] = {"next": "file:///etc/passwd"}
    evil.route("/api/v1/models", json.dumps(body), Content_Type="application/json")
    outcome = crawl(["pricing:evil"])
    assert outcome.runs[0].status == "partial"
    (error,) = stored(CrawlError)
    assert error.url == f"{evil.url}/api/v1/models" and "file:///etc/passwd" in error.reason
    assert [d.url for d in stored(Document)] == [f"{evil.url}/api/v1/models"]


@pytest.mark.crawl
def test_the_token_goes_to_the_hub_origin_only(attack, monkeypatch):
    evil, internal, write_sources = attack
    # The internal server is allowed on purpose here, so only the credential rule and the
    # cursor rule stand between it and the token.
    write_sources(f'allow_private = ["{internal.url}"]')
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_1234")
    model = {"id": "evil/tiny-1b", "createdAt": "2025-03-12T10:00:00.000Z", "tags": []}
    evil.route(
        "/api/models",
        json.dumps([model]),
        Content_Type="application/json",
        Link=f'<{internal.url}/api/models?cursor=2>; rel="next"',
    )
    evil.route("/evil/tiny-1b/raw/main/README.md", status=302, Location=f"{internal.url}/card")
    internal.route("/card", "---\nlicense: mit\n---\n# tiny\n")
    crawl(["hf:evil"])
    to_hub = [r for r in evil.log if r["path"].startswith("/api/models")]
    assert to_hub and all(
        r["headers"].get("Authorization") == "Bearer hf_secret_token_1234" for r in to_hub
    )
    assert "/api/models?cursor=2" not in internal.paths()  # a cursor elsewhere: refused
    assert all("Authorization" not in r["headers"] for r in internal.log), internal.log


# -- bytes chosen to hurt -----------------------------------------------------------------
@pytest.mark.crawl
@pytest.mark.timeout(120)
def test_a_pathological_prolog_fails_alone_and_fast(attack):
    evil, _, _ = attack
    body = b'<?xml version="1.0"?>' + b"<?a?>" * 40 + b"!"
    evil.route("/feed.xml", body, Content_Type="application/rss+xml")
    outcome = crawl(["feed:evil"])
    run = outcome.runs[0]
    assert run.status == "failed" and "time limit" not in (run.message or "")
    assert stored(CrawlError)


@pytest.mark.crawl
def test_a_429_longer_than_the_run_ends_that_source_at_once(attack):
    evil, _, _ = attack
    evil.route("/feed.xml", "slow down", status=429, Retry_After="3600")
    outcome = crawl(["feed:evil"])
    run = outcome.runs[0]
    assert run.status == "failed"
    assert "rate limited until" in run.message and "time limit" not in run.message
    assert run.rate_limited == 1 and run.waited_s == 3600
    assert len([r for r in evil.log if r["path"] == "/feed.xml"]) == 1


@pytest.mark.crawl
def test_a_page_with_json_ld_nested_100k_deep_is_read(attack):
    evil, _, _ = attack
    evil.route(
        "/feed.xml",
        rss(("Gemma 3 27B: our new open model", f"{evil.url}/post")),
        Content_Type="application/rss+xml",
    )
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    page = (
        f"<html><head><title>Gemma 3 27B</title>{deep}</head><body><article>"
        "<h1>Gemma 3 27B</h1><p>Gemma 3 27B is released today under the Gemma license, "
        "with 27B parameters.</p></article></body></html>"
    )
    evil.route("/post", page, Content_Type="text/html; charset=utf-8")
    outcome = crawl(["feed:evil"])
    assert outcome.runs[0].status == "ok", outcome.runs[0].message
    assert [e.reason for e in stored(CrawlError)] == []
