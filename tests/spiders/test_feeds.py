"""The feeds spider's callbacks (feeds, HTML index pages, article pages) on saved responses
(`files/feeds_*`)."""

from __future__ import annotations

import pytest
from spider_files import call, file_response, items_of, requests_of, start_requests
from twisted.python.failure import Failure

from ingest.fetch.middleware import Refused
from ingest.fetch.policy import UrlPolicy
from ingest.sources import Source
from spiders.feeds import FeedsSpider, FeedState

HUB = "https://huggingface.co"
BLOG = Source(name="feed:hf-blog", kind="feed", interval_s=3600, url=f"{HUB}/blog/feed.xml")
RELEASES = Source(
    name="feed:qwen3-releases",
    kind="feed",
    interval_s=3600,
    org="Qwen",
    url="https://github.com/QwenLM/Qwen3/releases.atom",
)
NEWS = Source(
    name="pages:mistral-news",
    kind="pages",
    interval_s=3600,
    org="mistralai",
    url="https://mistral.ai/news/",
)
MAGISTRAL_ONLY = Source(
    name="pages:mistral-reasoning",
    kind="pages",
    interval_s=3600,
    url="https://mistral.ai/news/",
    pattern=r"/news/magistral$",
)
NO_FOLLOW = Source(
    name="feed:hf-blog-titles",
    kind="feed",
    interval_s=3600,
    url=f"{HUB}/blog/feed.xml",
    follow=False,
)
ALL = [BLOG, RELEASES, NEWS, MAGISTRAL_ONLY, NO_FOLLOW]


def spider(since: str | None = None, known: dict | None = None) -> FeedsSpider:
    made = FeedsSpider(sources=ALL, since=since, hub_endpoint=HUB)
    made.feed_state = FeedState(entries=known or {})
    return made


def first_request(made: FeedsSpider, source: Source):
    return next(r for r in start_requests(made) if r.meta["source"] == source.name)


def test_start_fetches_each_feed_and_index_revalidated():
    requests = {r.meta["source"]: r for r in start_requests(spider())}
    assert sorted(requests) == sorted(s.name for s in ALL)
    assert requests[BLOG.name].meta["doc_kind"] == "feed"
    assert requests[NEWS.name].meta["doc_kind"] == "index"
    assert all(r.meta["revalidate"] for r in requests.values())
    assert requests[BLOG.name].meta["download_maxsize"] == 8 * 1024 * 1024


BLOG_KEYS = [
    f"{HUB}/blog/gemma3",
    f"{HUB}/blog/smollm3",
    f"{HUB}/blog/llama4-release",
    f"{HUB}/blog/script-link",
    f"{HUB}/blog/metadata-link",
    f"{HUB}/blog/idefics2",
]
FEED_CASES = [
    # (case, source, since, known entries, fresh keys, followed page URLs)
    (
        "first run",
        BLOG,
        None,
        {},
        BLOG_KEYS,
        # newest first
        [
            "http://169.254.169.254/latest/meta-data/iam/",
            f"{HUB}/blog/smollm3",
            f"{HUB}/blog/llama4-release",
            f"{HUB}/blog/gemma3",
            f"{HUB}/blog/idefics2",
        ],
    ),
    (
        "since bound",
        BLOG,
        "2025-01-01",
        {},
        BLOG_KEYS[:5],
        [
            "http://169.254.169.254/latest/meta-data/iam/",
            f"{HUB}/blog/smollm3",
            f"{HUB}/blog/llama4-release",
            f"{HUB}/blog/gemma3",
        ],
    ),
    ("no follow", NO_FOLLOW, "2025-06-01", {}, BLOG_KEYS[1:2] + BLOG_KEYS[3:5], []),
]


@pytest.mark.parametrize(
    "case,source,since,known,fresh,followed", FEED_CASES, ids=[c[0] for c in FEED_CASES]
)
def test_rss_feed(case, source, since, known, fresh, followed):
    made = spider(since=since, known=known)
    request = first_request(made, source)
    headers = {"ETag": '"blog-feed-1"', "Last-Modified": "Tue, 02 Sep 2025 10:00:00 GMT"}
    output = call(request, file_response("feeds_hf_blog.xml", request, headers=headers))
    feed = next(i for i in items_of(output) if i["kind"] == "feed")
    assert feed["feed_title"] == "Hugging Face - Blog"
    assert (feed["etag"], feed["last_modified"]) == (
        '"blog-feed-1"',
        "Tue, 02 Sep 2025 10:00:00 GMT",
    )
    assert feed["error"] is None and feed["doc_kind"] == "feed"
    assert [e["key"] for e in feed["entries"]] == BLOG_KEYS
    assert sorted(feed["fresh"]) == sorted(fresh)
    pages = requests_of(output)
    assert [r.url for r in pages] == followed
    for page in pages:
        assert page.meta["doc_kind"] == "page" and page.meta["named_by"] == request.url
        assert page.cb_kwargs["entry_key"] == page.meta["entry_key"]
        assert page.dont_filter


def test_rss_entries_read_as_the_feed_says():
    request = first_request(spider(), BLOG)
    output = call(request, file_response("feeds_hf_blog.xml", request))
    entries = {e["key"]: e for e in items_of(output)[0]["entries"]}
    smol = entries[f"{HUB}/blog/smollm3"]
    # a relative link is made absolute against the feed
    assert smol["link"] == f"{HUB}/blog/smollm3" and smol["title"].startswith("SmolLM3")
    assert smol["published"] == "2025-07-08T00:00:00+00:00"
    assert smol["text"] == "" and smol["complete"] is False and len(smol["content_hash"]) == 64
    script = entries[f"{HUB}/blog/script-link"]
    assert (script["link"], script["refused_link"]) == (None, "javascript:alert(document.cookie)")


def test_a_known_entry_is_not_fresh_again():
    first = first_request(spider(), BLOG)
    entries = items_of(call(first, file_response("feeds_hf_blog.xml", first)))[0]["entries"]
    known = {BLOG.name: {e["key"]: e["content_hash"] for e in entries[1:]}}
    made = spider(known=known)
    request = first_request(made, BLOG)
    output = call(request, file_response("feeds_hf_blog.xml", request))
    assert items_of(output)[0]["fresh"] == [f"{HUB}/blog/gemma3"]
    assert [r.url for r in requests_of(output)] == [f"{HUB}/blog/gemma3"]


REFUSALS = [
    # (entry, refused by, reason) — a link the fetch layer never fetches
    ("script-link", "spider", "links to 'javascript:alert(document.cookie)': not fetched"),
    ("metadata-link", "policy", "169.254.169.254 is a link-local address"),
]


@pytest.mark.parametrize("slug,by,reason", REFUSALS)
def test_off_policy_entry_links_are_refused(slug, by, reason):
    request = first_request(spider(), BLOG)
    output = call(request, file_response("feeds_hf_blog.xml", request))
    key = f"{HUB}/blog/{slug}"
    if by == "spider":
        [error] = [i for i in items_of(output) if i["kind"] == "fetch_error"]
        assert error["url"] == request.url and error["body"] is None
        assert reason in error["reason"] and key in error["reason"]
        assert key not in [r.meta["entry_key"] for r in requests_of(output)]
        return
    [page] = [r for r in requests_of(output) if r.meta["entry_key"] == key]
    why = UrlPolicy.of([s.url for s in ALL] + [HUB]).refusal(page.url)
    assert why and reason in why
    # The fetch layer raises Refused; the spider's errback records it against the feed
    # that named the link, and with its entry, which is still judged on what the feed said.
    failure = Failure(Refused(why))
    failure.request = page
    [error] = spider().on_page_error(failure)
    assert error["url"] == request.url and error["entry_key"] == key
    assert error["reason"] == f"refused {page.url}: {why}" and error["status"] == 0


def test_github_release_feed_is_complete_and_links_its_hub_repos():
    request = first_request(spider(), RELEASES)
    output = call(request, file_response("feeds_github_releases.xml", request))
    [feed] = items_of(output)
    first, second = feed["entries"]
    assert first["key"] == "tag:github.com,2008:Repository/689012345/v2507"
    assert first["published"] == "2025-07-25T08:00:00+00:00"  # only <updated> in a release feed
    assert first["author"] == "JustinLin610" and first["complete"] is True
    assert first["hub_repos"] == [
        "Qwen/Qwen3-235B-A22B-Instruct-2507",
        "Qwen/Qwen3-30B-A3B-Instruct-2507",
    ]
    assert first["text"].splitlines()[0] == "Qwen3-235B-A22B-Instruct-2507"
    assert second["text"] == "Dense and MoE models from 0.6B to 235B."
    assert requests_of(output) == []  # release notes are whole: no page to fetch


BROKEN = [
    # (source, file, status, reason)
    (BLOG, "feeds_malformed.xml", 200, "not a readable feed"),
    (BLOG, "feeds_index_mistral.html", 200, "not a readable feed"),
    (NEWS, "feeds_index_empty.html", 200, "no article links found on the index page"),
]


@pytest.mark.parametrize("source,name,status,reason", BROKEN)
def test_unreadable_document_is_an_error_item(source, name, status, reason):
    request = first_request(spider(), source)
    output = call(request, file_response(name, request, status=status))
    [item] = output
    assert item["kind"] == "fetch_error" and item["source"] == source.name
    assert item["reason"].startswith(reason), item["reason"]
    assert item["body"] == file_response(name, request).body


@pytest.mark.parametrize(
    "source,name", [(BLOG, "feeds_hf_blog.xml"), (NEWS, "feeds_index_mistral.html")]
)
def test_not_modified(source, name):
    request = first_request(spider(), source)
    [item] = call(request, file_response(name, request, status=304))
    assert item == {
        "kind": "not_modified",
        "source": source.name,
        "url": request.url,
        "status": 304,
    }


INDEX_CASES = [
    # (source, article URLs in page order, titles)
    (
        NEWS,
        [
            "https://mistral.ai/news/mistral-small-3-1",
            "https://mistral.ai/news/magistral",
            "https://mistral.ai/news/codestral-25-01",
        ],
        ["Mistral Small 3.1", "Magistral, our first reasoning model", "Codestral 25.01 is out"],
    ),
    (
        MAGISTRAL_ONLY,
        ["https://mistral.ai/news/magistral"],
        ["Magistral, our first reasoning model"],
    ),
]


@pytest.mark.parametrize("source,urls,titles", INDEX_CASES, ids=["no pattern", "pattern"])
def test_index_page(source, urls, titles):
    request = first_request(spider(), source)
    output = call(request, file_response("feeds_index_mistral.html", request))
    [item] = items_of(output)
    assert item["kind"] == "feed" and item["doc_kind"] == "index"
    assert item["feed_title"] == "News | Mistral AI"
    assert [e["link"] for e in item["entries"]] == urls
    assert [e["title"] for e in item["entries"]] == titles
    dates = {e["link"]: e["published"] for e in item["entries"]}
    assert dates.get("https://mistral.ai/news/magistral") == "2025-06-10"
    assert sorted(r.url for r in requests_of(output)) == sorted(urls)


def page_request(made: FeedsSpider, url: str = f"{HUB}/blog/gemma3"):
    feed = first_request(made, BLOG)
    output = call(feed, file_response("feeds_hf_blog.xml", feed))
    return next(r for r in requests_of(output) if r.url == url)


def test_article_page_is_read():
    request = page_request(spider())
    [item] = call(request, file_response("feeds_page_gemma.html", request))
    assert item["kind"] == "page" and item["entry_key"] == f"{HUB}/blog/gemma3"
    page = item["page"]
    assert page["title"] == "Welcome Gemma 3: multimodal, multilingual, long context open LLM"
    assert page["description"] == "Gemma 3 comes in 1B, 4B, 12B and 27B sizes."
    assert page["published"] == "2025-03-12"
    # the Hub's own blog links relatively; collections are no repos
    assert page["hub_repos"] == ["google/gemma-3-27b-it", "google/gemma-3-4b-it"]
    assert page["github_repos"] == ["google-deepmind/gemma"]
    assert "never part of the text" not in page["text"]
    assert page["text"].splitlines()[0] == "Welcome Gemma 3"


PAGE_ERRORS = [
    # (file, status, reason)
    ("feeds_page_gemma.html", 404, "HTTP 404"),
    ("feeds_page_plain.md", 200, "not an HTML page"),
]


@pytest.mark.parametrize("name,status,reason", PAGE_ERRORS)
def test_unusable_page_is_an_error_of_its_entry(name, status, reason):
    request = page_request(spider())
    [item] = call(request, file_response(name, request, status=status))
    assert item["kind"] == "fetch_error" and item["doc_kind"] == "page"
    assert item["reason"] == reason and item["entry_key"] == f"{HUB}/blog/gemma3"
