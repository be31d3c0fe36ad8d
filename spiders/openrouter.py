"""Pricing spider: a price catalog, one item per response: OpenRouter's
`GET /api/v1/models` (`{"data": [model, ...]}`), LiteLLM's
`model_prices_and_context_window.json` (`{name: entry}`) or models.dev's `api.json`
(`{provider: {models: {id: model}}}`), as the source's `format` says.

Each catalog answers with one document; for OpenRouter a `links.next` URL, which its SDKs
document, is followed all the same (up to MAX_PAGES). The list is revalidated with its stored
validators, so an unchanged list costs one request. Reading the prices and joining them to
Hub candidates (by `hugging_face_id`) is the pipeline's business.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.http import Response

from ingest.fetch.request import make_request
from ingest.fetch.revalidate import validators_of
from ingest.sources import Source, load_sources
from spiders.base import ToolscoutSpider
from spiders.hf_models import parse_json

LIST_MAX_BYTES = 16 * 1024 * 1024
MAX_PAGES = 20


CATALOG_FORMATS = ("openrouter", "litellm", "models.dev")
SCHEMA_ENTRY = "sample_spec"  # LiteLLM's first key documents the schema; it is no model


def models_of(payload: Any, fmt: str = "openrouter") -> list[dict]:
    """The model records of a catalog document, each with a string `id`; a ValueError says
    what is wrong instead.

    - openrouter: `{"data": [model, ...]}`, each model as it is.
    - litellm: `{name: entry, ...}`; each entry with its key as `id`.
    - models.dev: `{provider_id: {id, name, models: {model_id: model}}}`; each model with
      `id` "<provider>/<model_id>".
    The catalog and, where the catalog nests them, the provider and the provider's own model
    id travel as `_catalog`, `_provider` and `_model` (underscored: never a catalog key).
    """
    if fmt == "litellm":
        return _litellm_models(payload)
    if fmt == "models.dev":
        return _models_dev_models(payload)
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise ValueError('expected {"data": [...]} (a provider model list)')
    return [m for m in payload["data"] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def catalog_format(payload: Any) -> str:
    """Which catalog a stored document is, by its shape (for a document whose source is no
    longer configured): OpenRouter's `data` list, models.dev's providers with `models`, else
    LiteLLM's map."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        return "openrouter"
    if isinstance(payload, dict) and any(
        isinstance(v, dict) and isinstance(v.get("models"), dict) for v in payload.values()
    ):
        return "models.dev"
    return "litellm"


def _litellm_models(payload: Any) -> list[dict]:
    if not isinstance(payload, dict):
        raise ValueError("expected {model name: entry} (LiteLLM's price map)")
    return [
        {**entry, "id": name, "_catalog": "litellm", "_model": name}
        for name, entry in payload.items()
        if name != SCHEMA_ENTRY and isinstance(entry, dict) and name.strip()
    ]


def _models_dev_models(payload: Any) -> list[dict]:
    if not isinstance(payload, dict):
        raise ValueError("expected {provider: {models: {...}}} (models.dev api.json)")
    models = []
    for provider_id, provider in payload.items():
        if not isinstance(provider, dict) or not isinstance(provider.get("models"), dict):
            continue
        for model_id, model in provider["models"].items():
            if not isinstance(model, dict) or not isinstance(model_id, str) or not model_id:
                continue
            models.append(
                {
                    **model,
                    "id": f"{provider_id}/{model_id}",
                    "_catalog": "models.dev",
                    "_provider": provider_id,
                    "_model": model_id,
                }
            )
    return models


def next_page(payload: dict) -> str | None:
    links = payload.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    return nxt if isinstance(nxt, str) and nxt.strip() else None


class OpenRouterSpider(ToolscoutSpider):
    name = "openrouter"

    def __init__(self, sources: list[Source] | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if sources is None or isinstance(sources, str):
            wanted = [
                f"pricing:{s}" if ":" not in s else s for s in (sources or "").split(",") if s
            ]
            sources = [
                s for s in load_sources().named(wanted or ["pricing"]) if s.kind == "pricing"
            ]
        self.pricing_sources = {s.name: s for s in sources}
        # url -> (ETag, Last-Modified) the store trusts; sent by the fetch layer
        self.validators: dict[str, tuple[str | None, str | None]] = {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.pricing_sources.values():
            yield self._request(source, source.url, page=1)

    def _request(
        self, source: Source, url: str, page: int, cursor_of: Response | None = None
    ) -> scrapy.Request:
        return make_request(
            url,
            self.parse,
            source=source.name,
            doc_kind="pricing",
            errback=self.on_error,
            # The first page is revalidated; a cursor's page is fetched whole.
            revalidate=cursor_of is None,
            cursor_of=cursor_of,
            max_bytes=LIST_MAX_BYTES,
            headers={"Accept": "application/json"},
            cb_kwargs={"page": page},
        )

    def parse(self, response: Response, page: int = 1):
        source = self.pricing_sources[response.meta["source"]]
        base = {"source": source.name, "url": response.url, "status": response.status}
        if response.status == 304:
            yield {"kind": "not_modified", **base}
            return
        try:
            payload = parse_json(response.body)
            models = models_of(payload, source.format or "openrouter")
        except ValueError as exc:
            yield self.error_item(response, "pricing", str(exc))
            return
        etag, last_modified = validators_of(response)
        yield {
            "kind": "pricing",
            **base,
            "format": source.format,
            "etag": etag,
            "last_modified": last_modified,
            "body": response.body,
            "models": models,
        }
        nxt = next_page(payload) if source.format in (None, "openrouter") else None
        if nxt and page < MAX_PAGES:
            yield self._request(source, response.urljoin(nxt), page + 1, cursor_of=response)
