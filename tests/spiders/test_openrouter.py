"""The price-catalog spider's callback on saved catalogs (`files/openrouter_*`): OpenRouter's
model list, LiteLLM's price map and models.dev's api.json."""

from __future__ import annotations

import pytest
from spider_files import call, file_response, items_of, requests_of, start_requests

from ingest.fetch.policy import UrlPolicy, same_origin_refusal
from ingest.sources import Source
from spiders.openrouter import OpenRouterSpider

OPENROUTER = Source(
    name="pricing:openrouter",
    kind="pricing",
    interval_s=86400,
    url="https://openrouter.ai/api/v1/models",
    format="openrouter",
)
LITELLM = Source(
    name="pricing:litellm",
    kind="pricing",
    interval_s=86400,
    url="https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
    format="litellm",
)
MODELS_DEV = Source(
    name="pricing:models.dev",
    kind="pricing",
    interval_s=86400,
    url="https://models.dev/api.json",
    format="models.dev",
)
UNSET = Source(  # a [[pricing]] entry written before `format` existed: OpenRouter's
    name="pricing:openrouter-old",
    kind="pricing",
    interval_s=86400,
    url="https://openrouter.ai/api/v1/models",
)
ALL = [OPENROUTER, LITELLM, MODELS_DEV, UNSET]


def first_request(source: Source):
    made = OpenRouterSpider(sources=ALL)
    return next(r for r in start_requests(made) if r.meta["source"] == source.name)


def test_start_asks_each_catalog_for_json_revalidated():
    requests = start_requests(OpenRouterSpider(sources=ALL))
    assert [r.url for r in requests] == [s.url for s in ALL]
    for request in requests:
        assert request.headers.get("Accept") == b"application/json"
        assert request.meta["doc_kind"] == "pricing" and request.meta["revalidate"] is True
        assert request.cb_kwargs == {"page": 1}


CATALOGS = [
    # (source, file, model ids, one model's fields, next page URL)
    (
        OPENROUTER,
        "openrouter_models.json",
        ["qwen/qwen3-8b", "google/gemma-3-27b-it", "openrouter/auto"],
        (
            "qwen/qwen3-8b",
            {
                "hugging_face_id": "Qwen/Qwen3-8B",
                "pricing": {"prompt": "0.000000117", "completion": "0.000000455"},
            },
        ),
        "https://openrouter.ai/api/v1/models?offset=3",
    ),
    (
        UNSET,
        "openrouter_models.json",
        ["qwen/qwen3-8b", "google/gemma-3-27b-it", "openrouter/auto"],
        (
            "openrouter/auto",
            {"hugging_face_id": None, "pricing": {"prompt": "-1", "completion": "-1"}},
        ),
        "https://openrouter.ai/api/v1/models?offset=3",
    ),
    (
        OPENROUTER,
        "openrouter_models_last_page.json",
        ["mistralai/mistral-small-3.2-24b-instruct"],
        ("mistralai/mistral-small-3.2-24b-instruct", {"context_length": 131072}),
        None,
    ),
    (
        LITELLM,
        "openrouter_litellm.json",
        ["gemini/gemma-3-27b-it", "deepinfra/google/gemma-3-27b-it", "deepseek/deepseek-chat"],
        (
            "deepinfra/google/gemma-3-27b-it",
            {
                "input_cost_per_token": 9e-08,
                "_catalog": "litellm",
                "_model": "deepinfra/google/gemma-3-27b-it",
            },
        ),
        None,
    ),
    (
        MODELS_DEV,
        "openrouter_models_dev.json",
        ["openrouter/qwen/qwen3-8b", "deepseek/deepseek-reasoner"],
        (
            "deepseek/deepseek-reasoner",
            {
                "_catalog": "models.dev",
                "_provider": "deepseek",
                "_model": "deepseek-reasoner",
                "cost": {"input": 0.55, "output": 2.19, "cache_read": 0.14},
            },
        ),
        None,
    ),
]


@pytest.mark.parametrize(
    "source,name,ids,fields,nxt", CATALOGS, ids=[f"{c[0].name}:{c[1]}" for c in CATALOGS]
)
def test_catalog(source, name, ids, fields, nxt):
    request = first_request(source)
    headers = {"ETag": '"catalog-7"', "Last-Modified": "Mon, 01 Dec 2025 00:00:00 GMT"}
    output = call(request, file_response(name, request, headers=headers))
    [item] = items_of(output)
    assert item["kind"] == "pricing" and item["source"] == source.name
    assert item["format"] == source.format
    assert (item["etag"], item["last_modified"]) == ('"catalog-7"', "Mon, 01 Dec 2025 00:00:00 GMT")
    assert item["body"] == file_response(name, request).body
    assert [m["id"] for m in item["models"]] == ids
    model_id, expected = fields
    model = next(m for m in item["models"] if m["id"] == model_id)
    assert {k: model[k] for k in expected} == expected
    pages = requests_of(output)
    assert [r.url for r in pages] == ([nxt] if nxt else [])
    for page in pages:
        assert page.cb_kwargs == {"page": 2} and page.meta["cursor_of"] == request.url
        assert "revalidate" not in page.meta  # a cursor's page is fetched whole


ERRORS = [
    # (source, file, reason starts)
    (OPENROUTER, "openrouter_models_truncated.json", "invalid JSON"),
    (OPENROUTER, "openrouter_models_not_a_list.json", 'expected {"data": [...]}'),
    (OPENROUTER, "openrouter_litellm.json", 'expected {"data": [...]}'),
    (LITELLM, "openrouter_models_truncated.json", "invalid JSON"),
]


@pytest.mark.parametrize("source,name,reason", ERRORS)
def test_unreadable_catalog_is_an_error_item(source, name, reason):
    request = first_request(source)
    [item] = call(request, file_response(name, request))
    assert item["kind"] == "fetch_error" and item["doc_kind"] == "pricing"
    assert item["reason"].startswith(reason), item["reason"]
    assert item["url"] == source.url


def test_not_modified():
    request = first_request(OPENROUTER)
    [item] = call(request, file_response("openrouter_models.json", request, status=304))
    assert item == {
        "kind": "not_modified",
        "source": OPENROUTER.name,
        "url": OPENROUTER.url,
        "status": 304,
    }


def test_a_next_link_off_the_catalog_origin_is_refused_by_the_fetch_policy():
    request = first_request(OPENROUTER)
    output = call(request, file_response("openrouter_models_offsite_next.json", request))
    [page] = requests_of(output)
    assert page.url == "http://10.0.0.7/internal/models?offset=1"
    policy = UrlPolicy.of([s.url for s in ALL])
    assert "10.0.0.7 is a private address" in policy.refusal(page.url)
    assert "cursors are followed only on their own origin" in same_origin_refusal(
        page.url, page.meta["cursor_of"]
    )


def test_the_last_page_the_spider_follows():
    request = first_request(OPENROUTER)
    request.cb_kwargs["page"] = 20  # MAX_PAGES: a catalog that never ends stops here
    output = call(request, file_response("openrouter_models.json", request))
    assert requests_of(output) == [] and len(items_of(output)) == 1
