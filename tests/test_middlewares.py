"""The fetch layer's body and wait rules (rate limits, charsets, truncated XML) and crawl
politeness. Its URL policy is tested in test_fetch_policy.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from scrapy.http import Response

from ingest import settings
from ingest.crawl import crawl
from ingest.fetch.bodies import looks_xml, unclosed_root
from ingest.fetch.charset import as_utf8, declared_charset, transcode_from
from ingest.fetch.ratelimit import ratelimit_fields, seconds_from_retry_after, wait_seconds
from tests.conftest import FIXTURES

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: no wait
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value, expected):
    assert seconds_from_retry_after(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"api";r=0;t=55', {"r": 0, "t": 55}),
        ('"api";r=489;t=189', {"r": 489, "t": 189}),
        ('"pages";r=3', {"r": 3}),
        ("garbage", {}),
    ],
)
def test_ratelimit_header(value, expected):
    assert ratelimit_fields(value) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"RateLimit": '"api";r=0;t=55'}, 56.0),  # the official client sleeps t+1
        ({"RateLimit": '"api";r=10;t=55', "Retry-After": "3"}, 3.0),
        ({"Retry-After": "2"}, 2.0),
        ({"RateLimit": '"api";r=10;t=55'}, None),
        ({}, None),
    ],
)
def test_wait_seconds(headers, expected):
    assert wait_seconds(Response("http://x/", status=429, headers=headers)) == expected


# -- a charset that lies ------------------------------------------------------------------
GEMMA = "Welcome Gemma 3: Google\u2019s multimodal, multilingual open model \u2014 1B to 27B"


MOSTLY_UTF8 = ("Qwen3 \u2014 235B-A22B, Mod\u00e8le fran\u00e7ais ".encode() * 3) + b"caf\xe9"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        # UTF-8 served as latin-1 (a misconfigured web server's default): it is UTF-8
        ("application/rss+xml; charset=iso-8859-1", GEMMA.encode(), "utf-8"),
        ("text/html; charset=windows-1252", "Qwen3 \u2014 235B-A22B".encode(), "utf-8"),
        ("text/html; charset=ISO-8859-1", "Mistral Small 3.1 \u2013 24B".encode(), "utf-8"),
        ("text/html; charset=iso-8859-1", "Caf\u00e9".encode(), "utf-8"),
        # what it says: latin-1 letters never make valid UTF-8 sequences
        ("text/html; charset=windows-1252", "Mod\u00e8le fran\u00e7ais".encode("cp1252"), None),
        ("text/html; charset=iso-8859-1", "Caf\u00e9".encode("cp1252"), None),
        ("text/html; charset=shift_jis", "\u30e2\u30c7\u30eb".encode("shift_jis"), None),
        ("text/html; charset=utf-8", GEMMA.encode(), None),
        ("text/plain; charset=us-ascii", b"SmolLM3 3B", None),  # ASCII is ASCII in all
        ("text/plain; charset=iso-8859-1", b"plain ascii", None),
        ("application/json", GEMMA.encode(), None),  # nothing declared: JSON is UTF-8
        ("text/html; charset=utf-8", b"\xef\xbb\xbf" + "Caf\u00e9".encode("cp1252"), None),  # BOM
        # declared UTF-8, but it is not: the document's own declaration, else windows-1252
        (
            "application/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Mod\xe8le</title></rss>',
            "iso8859-1",
        ),
        ("text/html; charset=UTF-8", "Mod\u00e8le".encode("cp1252"), "cp1252"),
        # UTF-8 with one bad byte stays UTF-8: only that byte is lost
        ("application/rss+xml; charset=utf-8", MOSTLY_UTF8, "utf-8"),
        (None, MOSTLY_UTF8, "utf-8"),
        ("text/html; charset=utf-16", "Gemma".encode("utf-16"), None),
    ],
)
def test_transcode_from(content_type, body, expected):
    assert transcode_from(body, declared_charset(content_type)) == expected


def test_one_bad_byte_costs_one_character():
    text = as_utf8(MOSTLY_UTF8, "utf-8").decode("utf-8")
    assert text.count("\ufffd") == 1
    assert text.count("Mod\u00e8le fran\u00e7ais") == 3


def test_transcoded_xml_declares_utf8():
    body = b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Mod\xe8le</title></rss>'
    out = as_utf8(body, "iso8859-1")
    assert out.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert "Mod\u00e8le".encode() in out


# -- XML cut short -----------------------------------------------------------------------
RSS = (DATA / "feeds" / "static" / "blog" / "feed.xml").read_bytes()
ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US">
  <id>tag:github.com,2008:https://github.com/vllm-project/vllm/releases</id>
  <title>Release notes from vllm</title>
  <entry><id>tag:github.com,2008:Repository/599547518/v0.9.2</id><title>v0.9.2</title></entry>
</feed>
"""
RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/"><title>Papers</title></channel>
</rdf:RDF>"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (RSS, None),
        (RSS[: len(RSS) // 2], "rss"),
        (RSS[: RSS.rindex(b"</rss>")], "rss"),  # cut just before the end tag
        (RSS.rstrip() + b"\n<!-- generated in 12 ms -->\n", None),
        (RSS + b"\n<b>Warning</b>: Undefined index in feed.php on line 12\n", None),
        (ATOM, None),
        (ATOM[:-30], "feed"),
        (RDF, None),
        (RDF[:-12], "rdf:RDF"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "rss.dtd">\n<rss version="0.91"/>', None),
        (b"\xef\xbb\xbf" + ATOM, None),
        (b"\xef\xbb\xbf" + ATOM[:200], "feed"),
        (b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body><p>', None),
        (b"", None),
        (b"not xml at all", None),
    ],
    ids=lambda v: None if isinstance(v, (str, type(None))) else f"{len(v)}b",
)
def test_unclosed_root(body, expected):
    assert unclosed_root(body) == expected


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/rss+xml; charset=utf-8", b"<rss>", True),
        ("application/atom+xml", b"<feed>", True),
        ("text/xml", b"<rss>", True),
        ("text/html; charset=utf-8", b"<!doctype html><html>", False),
        ("text/plain", RSS, True),  # a feed served as text is still a feed
        ("application/json", b'[{"id": "google/gemma-3-27b-it"}]', False),
        (None, b"  \n<rss version='2.0'>", True),
    ],
)
def test_looks_xml(content_type, body, expected):
    assert looks_xml(body, content_type) is expected


# -- politeness, checked on a real crawl ---------------------------------------------------
@pytest.fixture
def polite_env(monkeypatch, replay, tmp_path):
    replay.set_roots([FIXTURES / "hub", DATA / "feeds", DATA / "robots"])
    monkeypatch.setenv("HF_ENDPOINT", replay.url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    return replay


def sources_file(tmp_path, crawl_section: str) -> str:
    text = (DATA / "sources.faults.toml").read_text()
    text = text[: text.index("[crawl]")] + crawl_section
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.crawl
def test_a_crawl_is_polite(polite_env, monkeypatch, tmp_path):
    """One identifying User-Agent, robots.txt obeyed, list and feed requests revalidated."""
    monkeypatch.setenv("TOOLSCOUT_SOURCES", sources_file(tmp_path, ""))  # the defaults
    outcome = crawl(["hf:microsoft", "feed:blog"])
    log = polite_env.request_log()
    assert {r["headers"].get("user-agent") for r in log} == {settings.USER_AGENT}
    assert "toolscout" in settings.USER_AGENT and "+http" in settings.USER_AGENT
    # once per host and crawler (the hub and the feed crawler run side by side), first
    assert log[0]["path"] == "/robots.txt"
    assert [r["path"] for r in log].count("/robots.txt") <= 2
    # robots.txt of the fixture disallows /microsoft/phi-4/raw/: never asked, recorded
    assert not [r for r in log if r["path"].startswith("/microsoft/phi-4/raw/")]
    runs = {r.source: r for r in outcome.runs}
    assert runs["hf:microsoft"].status == "partial"
    assert "robots.txt" in runs["hf:microsoft"].message
    assert runs["feed:blog"].status == "ok"
    for r in log:
        listing = r["path"] in ("/api/models", "/blog/feed.xml")
        assert (r["headers"].get("cache-control") == "max-age=0") is listing, r["path"]


def in_flight(log: list[dict], hold: float) -> int:
    """The most requests the server held at once, counting a slowed request as held from
    its arrival for `hold` seconds: it cannot have been answered sooner, so this never
    counts more than were really in flight."""
    edges = sorted(
        [(r["time"], 1) for r in log]
        + [(r["time"] + (hold if r["fault"] == "slow" else 0), -1) for r in log],
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    peak = level = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


@pytest.mark.crawl
def test_per_domain_concurrency_is_a_ceiling(polite_env, monkeypatch, tmp_path):
    crawl_section = "[crawl]\ndelay = 0\nautothrottle = false\nper_domain = 2\n"
    monkeypatch.setenv("TOOLSCOUT_SOURCES", sources_file(tmp_path, crawl_section))
    # Each model info and card takes a while, so requests would pile up without a ceiling.
    hold = 0.4
    polite_env.add_faults(
        [{"fault": "slow", "delay": hold, "match": r"^/(api/models/|Qwen/)", "times": -1}]
    )
    outcome = crawl(["hf:Qwen"])
    assert outcome.runs[0].status == "ok"
    assert in_flight(polite_env.request_log(), hold) == 2  # 5 and more without the ceiling


SETTINGS_PROBE = """
import json
from scrapy.crawler import Crawler
from scrapy.utils.project import get_project_settings
from spiders.hf_models import HfModelsSpider

settings = get_project_settings()
settings.setmodule("ingest.settings", priority="project")
crawler = Crawler(HfModelsSpider, settings, init_reactor=True)
crawler._apply_settings()
names = [type(m).__module__ + "." + type(m).__name__ for m in crawler.extensions.middlewares]
keys = ("AUTOTHROTTLE_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY",
        "REMOTE_CONTROL_ENABLED", "TELNETCONSOLE_ENABLED", "DOWNLOAD_MAXSIZE",
        "DOWNLOAD_DELAY", "USER_AGENT")
print(json.dumps({"extensions": names, **{k: crawler.settings.get(k) for k in keys}}))
"""


def crawler_settings(sources: str) -> dict:
    env = {**os.environ, "TOOLSCOUT_SOURCES": sources, "HF_ENDPOINT": "http://127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_crawler_extensions_and_defaults(tmp_path):
    """What a crawl process really loads: AutoThrottle on, no remote control, no telnet."""
    loaded = crawler_settings(sources_file(tmp_path, ""))
    assert "scrapy.extensions.throttle.AutoThrottle" in loaded["extensions"]
    assert not [e for e in loaded["extensions"] if "remote_control" in e or "telnet" in e]
    assert loaded["REMOTE_CONTROL_ENABLED"] is False
    assert loaded["ROBOTSTXT_OBEY"] is True
    assert loaded["CONCURRENT_REQUESTS_PER_DOMAIN"] == 4
    assert loaded["DOWNLOAD_MAXSIZE"] == 16 * 1024 * 1024
    assert loaded["DOWNLOAD_DELAY"] == 0.25
    assert loaded["USER_AGENT"] == settings.USER_AGENT
    # sources.toml's [crawl] applies to the crawl process
    section = "[crawl]\ndelay = 0\nautothrottle = false\nper_domain = 2\nmax_bytes = 1048576\n"
    loaded = crawler_settings(sources_file(tmp_path, section))
    assert "scrapy.extensions.throttle.AutoThrottle" not in loaded["extensions"]
    assert loaded["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert loaded["DOWNLOAD_MAXSIZE"] == 1048576
    # no delay at all would let Scrapy 2.19 start a host's whole queue at once
    assert 0 < loaded["DOWNLOAD_DELAY"] <= 0.001


# -- the prolog scan is linear, whatever the bytes ------------------------------------------
PROLOG_PARTS = st.sampled_from(
    [b" ", b"\n", b"<?a?>", b"<?xml-stylesheet href='s.xsl'?>", b"<!-- c -->", b"<!-- -- -->",
     b"<!DOCTYPE rss>", b"<!DOCTYPE rss [<!ENTITY e 'x>y'>]>", b"<?", b"<!--", b"?>", b"!"]
)  # fmt: skip


@given(parts=st.lists(PROLOG_PARTS, max_size=60), closed=st.booleans())
@hypothesis_settings(max_examples=300)
def test_any_prolog_before_a_root(parts, closed):
    """Whatever stands before the root, a document is judged on whether </rss> ends it; a
    prolog that does not close (a lone `<?`) leaves nothing to judge."""
    prolog = b"".join(parts)
    body = b'<?xml version="1.0"?>' + prolog + b"<rss><channel/>" + (b"</rss>" if closed else b"")
    found = unclosed_root(body)
    assert found in (None, "rss")
    if closed:
        assert found is None


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?>' + b"<?a?>" * 40 + b"!",
        b'<?xml version="1.0"?>' + b"<?a?>" * 200_000 + b"!",
        b"<?" * 300_000,
        b"<!--" * 300_000,
        b"<!DOCTYPE [" * 100_000,
        b"<rss>" + b"</rss" * 100_000,
    ],
    ids=["issue-221-bytes", "pis-1MB", "open-pis", "open-comments", "doctypes", "near-end-tags"],
)
def test_pathological_prologs_finish(body):
    assert unclosed_root(body) in (None, "rss")
