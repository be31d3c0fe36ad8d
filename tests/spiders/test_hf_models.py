"""The Hub spider's callbacks on saved Hub API responses (`files/hf_models_*`)."""

from __future__ import annotations

import pytest
from spider_files import call, file_response, items_of, requests_of, start_requests

from ingest.fetch.policy import UrlPolicy, same_origin_refusal
from ingest.sources import Source
from spiders.hf_models import LISTING_EXPAND, HfModelsSpider, HubState

ENDPOINT = "https://huggingface.co"
GOOGLE = Source(name="hf:google", kind="hub", interval_s=3600, org="google")
UNSLOTH = Source(name="hf:unsloth", kind="hub", interval_s=3600, org="unsloth", role="derivative")
NEXT = f"{ENDPOINT}/api/models?author=google&sort=createdAt&limit=3&cursor=eyIkb3IiOlt7Il9pZCI6"


def spider(since: str | None = None, watermarks: dict | None = None) -> HfModelsSpider:
    made = HfModelsSpider(sources=[GOOGLE, UNSLOTH], endpoint=ENDPOINT, page_size=3, since=since)
    made.hub_state = HubState(watermarks=watermarks or {})
    return made


def listing_request(made: HfModelsSpider, org: str = "google"):
    return next(r for r in start_requests(made) if r.cb_kwargs["org"] == org)


def test_start_lists_each_org_newest_first_with_the_expand_keys():
    requests = start_requests(spider())
    assert sorted(r.cb_kwargs["org"] for r in requests) == ["google", "unsloth"]
    google = next(r for r in requests if r.cb_kwargs["org"] == "google")
    assert google.url.startswith(f"{ENDPOINT}/api/models?author=google&sort=createdAt&limit=3")
    assert google.url.count("expand%5B%5D=") == len(LISTING_EXPAND)
    assert google.meta["doc_kind"] == "hf_listing" and google.meta["revalidate"] is True
    assert google.cb_kwargs == {"org": "google", "page": 1}


LISTING_CASES = [
    # (case, since, watermark, models kept, follows the cursor)
    (
        "first run",
        None,
        None,
        ["google/gemma-3-27b-it", "google/gemma-3-12b-it", "google/gemma-2-2b-it"],
        True,
    ),
    ("since bound", "2025-01-01", None, ["google/gemma-3-27b-it", "google/gemma-3-12b-it"], False),
    (
        "watermark reached",
        None,
        "2025-03-01T19:09:47.000Z",
        ["google/gemma-3-27b-it", "google/gemma-3-12b-it", "google/gemma-2-2b-it"],
        False,
    ),
    (
        "watermark older than the page",
        None,
        "2024-01-01T00:00:00.000Z",
        ["google/gemma-3-27b-it", "google/gemma-3-12b-it", "google/gemma-2-2b-it"],
        True,
    ),
]


@pytest.mark.parametrize(
    "case,since,watermark,kept,follows", LISTING_CASES, ids=[c[0] for c in LISTING_CASES]
)
def test_listing_page(case, since, watermark, kept, follows):
    made = spider(since=since, watermarks={"google": watermark} if watermark else None)
    request = listing_request(made)
    headers = {"Link": f'<{NEXT}>; rel="next"', "ETag": 'W/"4f2-abc"'}
    output = call(request, file_response("hf_models_listing_google.json", request, headers=headers))
    [item] = items_of(output)
    assert item["kind"] == "hf_listing"
    assert (item["source"], item["org"], item["role"], item["page"]) == (
        "hf:google",
        "google",
        "original",
        1,
    )
    assert item["etag"] == 'W/"4f2-abc"'
    assert [m["id"] for m in item["models"]] == kept
    assert item["models"][0]["safetensors"]["total"] == 27432406640
    assert item["body"].startswith(b"[")
    nxt = requests_of(output)
    assert [r.url for r in nxt] == ([NEXT] if follows else [])
    if follows:
        assert nxt[0].cb_kwargs == {"org": "google", "page": 2}
        assert nxt[0].meta["cursor_of"] == request.url
        assert nxt[0].meta["named_by"] == request.url


def test_derivative_org_listing_carries_its_role():
    made = spider()
    request = listing_request(made, "unsloth")
    [item] = items_of(call(request, file_response("hf_models_listing_google.json", request)))
    assert (item["source"], item["role"]) == ("hf:unsloth", "derivative")


def test_not_modified_listing_is_one_item():
    request = listing_request(spider())
    output = call(request, file_response("hf_models_listing_google.json", request, status=304))
    assert output == [
        {"kind": "not_modified", "source": "hf:google", "url": request.url, "status": 304}
    ]


ERROR_CASES = [
    # (file, reason starts, still follows the header's cursor)
    ("hf_models_listing_malformed.json", "invalid JSON", True),
    ("hf_models_listing_object.json", "expected a JSON array of models, got dict", True),
]


@pytest.mark.parametrize("name,reason,follows", ERROR_CASES)
def test_broken_listing_is_an_error_item_and_the_cursor_still_leads_on(name, reason, follows):
    request = listing_request(spider())
    headers = {"Link": f'<{NEXT}>; rel="next"'}
    output = call(request, file_response(name, request, headers=headers))
    [item] = items_of(output)
    assert item["kind"] == "fetch_error" and item["doc_kind"] == "hf_listing"
    assert item["reason"].startswith(reason), item["reason"]
    assert item["url"] == request.url and item["source"] == "hf:google"
    assert item["body"] == file_response(name, request).body
    assert [r.url for r in requests_of(output)] == ([NEXT] if follows else [])


OFF_POLICY_CURSORS = [
    # (Link target, what refuses it)
    ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    ("https://evil.example/api/models?cursor=x", "cursors are followed only on their own origin"),
    ("http://127.0.0.1:8080/api/models?cursor=x", "a loopback address"),
]


@pytest.mark.parametrize("target,refused_as", OFF_POLICY_CURSORS)
def test_a_cursor_off_the_listing_origin_is_refused_by_the_fetch_policy(target, refused_as):
    request = listing_request(spider())
    headers = {"Link": f'<{target}>; rel="next"'}
    output = call(request, file_response("hf_models_listing_google.json", request, headers=headers))
    [cursor] = requests_of(output)
    assert cursor.url == target
    policy = UrlPolicy.of([ENDPOINT])
    why = policy.refusal(cursor.url) or same_origin_refusal(cursor.url, cursor.meta["cursor_of"])
    assert why and refused_as in why, why


def info_request(made: HfModelsSpider, repo_id: str = "google/gemma-3-27b-it"):
    return made._request(
        f"{ENDPOINT}/api/models/{repo_id}", made._on_info, GOOGLE, "hf_model_info", repo_id=repo_id
    )


def test_model_info_asks_for_the_raw_card():
    made = spider()
    request = info_request(made)
    [card] = call(request, file_response("hf_models_info_gemma.json", request))
    assert card.url == f"{ENDPOINT}/google/gemma-3-27b-it/raw/main/README.md"
    assert card.meta["doc_kind"] == "hf_card" and card.meta["download_maxsize"] == 2 * 1024 * 1024
    assert card.meta["handle_httpstatus_list"] == [401, 403, 404]
    assert card.cb_kwargs["repo_id"] == "google/gemma-3-27b-it"
    assert card.cb_kwargs["info"]["sha"] == "005ad3404e59d6023443cb575daa05336842228a"
    assert card.cb_kwargs["info_url"] == request.url
    assert card.cb_kwargs["info_body"] == file_response("hf_models_info_gemma.json", request).body


INFO_ERRORS = [
    # (file, status, reason)
    ("hf_models_info_no_id.json", 200, "expected a model object with an id"),
    ("hf_models_listing_malformed.json", 200, "invalid JSON"),
    ("hf_models_info_gemma.json", 404, "HTTP 404"),
]


@pytest.mark.parametrize("name,status,reason", INFO_ERRORS)
def test_unusable_model_info_is_an_error_item(name, status, reason):
    request = info_request(spider())
    [item] = call(request, file_response(name, request, status=status))
    assert item["kind"] == "fetch_error" and item["doc_kind"] == "hf_model_info"
    assert item["status"] == status and item["reason"].startswith(reason)


def card_request(made: HfModelsSpider):
    info = {"id": "google/gemma-3-27b-it", "sha": "005ad3404e59d6023443cb575daa05336842228a"}
    return made._card_request(
        GOOGLE, info["id"], info, f"{ENDPOINT}/api/models?author=google", None
    )


CARD_CASES = [
    # (file, status, served as, kind of item, card body kept)
    ("hf_models_card_gemma.md", 200, None, "hf_model", True),
    ("hf_models_card_gemma.md", 404, None, "hf_model", False),
    ("hf_models_card_login.html", 200, "text/html; charset=utf-8", "fetch_error", False),
    # an HTML-looking body served as text/plain is a card someone wrote in HTML
    ("hf_models_card_login.html", 200, "text/plain", "hf_model", True),
]


@pytest.mark.parametrize("name,status,served,kind,kept", CARD_CASES)
def test_card(name, status, served, kind, kept):
    made = spider()
    request = card_request(made)
    headers = {"Content-Type": served} if served else None
    response = file_response(name, request, status=status, headers=headers)
    [item] = call(request, response)
    assert item["kind"] == kind
    if kind == "fetch_error":
        assert item["reason"].startswith("README served as text/html")
        return
    assert item["repo_id"] == "google/gemma-3-27b-it" and item["role"] == "original"
    assert item["card_status"] == status and item["card_url"] == request.url
    assert item["card_body"] == (response.body if kept else None)
