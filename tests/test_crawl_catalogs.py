"""End to end: the LiteLLM price map and models.dev's api.json as `[[pricing]]` sources,
crawled with the Hub through the real crawl runner against the replay server (fixtures/hub
and fixtures/catalogs), joined onto Hub releases by the repo ids they name.

The fixtures are written in the catalogs' published formats with real model ids and prices.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from ingest.crawl import crawl
from store.models import Candidate, Observation, ProviderPrice
from tests.catalog_world import CatalogWorld
from tests.conftest import FIXTURES
from tests.test_crawl_hub import ALL as HUB

pytestmark = pytest.mark.crawl

CATALOGS = ["pricing:litellm", "pricing:models.dev"]
EXTRA = """
[[pricing]]
name = "litellm"
url = "${HF_ENDPOINT}/litellm/model_prices_and_context_window.json"
format = "litellm"

[[pricing]]
name = "models.dev"
url = "${HF_ENDPOINT}/models.dev/api.json"
format = "models.dev"
"""
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class World(CatalogWorld):
    def __init__(self, request, backend: str, tmp: Path, mp: pytest.MonkeyPatch) -> None:
        super().__init__(request, backend, tmp, mp, [FIXTURES / "catalogs"], EXTRA)

    def pricing(self, slug: str) -> dict | None:
        with Session(self.engine) as s:
            return s.exec(select(Candidate).where(Candidate.slug == slug)).one().fields["pricing"]

    def observations(self, slug: str) -> list[Observation]:
        with Session(self.engine) as s:
            cand = s.exec(select(Candidate).where(Candidate.slug == slug)).one()
            return list(
                s.exec(
                    select(Observation).where(
                        Observation.candidate_id == cand.id, Observation.field == "pricing"
                    )
                )
            )

    def stored(self) -> dict[tuple[str, str], ProviderPrice]:
        with Session(self.engine) as s:
            return {(p.source, p.model_id): p for p in s.exec(select(ProviderPrice))}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, request.param, tmp_path_factory.mktemp("catalogs"), mp)
        made.outcome = crawl(HUB + CATALOGS)
        yield made
        made.close()


def test_the_crawl_succeeds(world):
    assert world.outcome.exit_code == 0
    runs = {r.source: r for r in world.outcome.runs}
    assert all(runs[name].requests == 1 for name in CATALOGS)


# (slug, input, output, catalog extractor, provider model)
JOINED = [
    ("llama-3.3", 0.23, 0.4, "pricing.litellm", "deepinfra/meta-llama/Llama-3.3-70B-Instruct"),
    ("gemma-3", 0.09, 0.17, "pricing.litellm", "deepinfra/google/gemma-3-27b-it"),
    # the cheaper of DeepInfra's (LiteLLM) and Groq's (models.dev) offers
    ("llama-4-scout", 0.08, 0.3, "pricing.litellm", "deepinfra/meta-llama/Llama-4-Scout-17B-16E-Instruct"),
    # the cheapest paid offer over both catalogs: models.dev's OpenRouter entry
    ("qwen3", 0.028, 0.1104, "pricing.models_dev", "openrouter/qwen/qwen3-8b"),
]  # fmt: skip


@pytest.mark.parametrize(("slug", "input_", "output", "extractor", "model"), JOINED)
def test_catalog_prices_join_the_release_whose_repo_they_name(
    world, slug, input_, output, extractor, model
):
    pricing = world.pricing(slug)
    assert (pricing["tier"], pricing["input_usd_per_mtok"], pricing["output_usd_per_mtok"]) == (
        "paid",
        input_,
        output,
    )
    observed = {o.value["provider_model"]: o for o in world.observations(slug)}
    assert observed[model].extractor == extractor
    assert observed[model].snippet and "#" in observed[model].source_url


def test_no_offer_joins_a_release_it_does_not_name(world):
    # Together's "-Turbo" repo is not meta-llama/Llama-3.3-70B-Instruct; LM Studio's
    # Qwen3-30B-A3B-2507 is not Qwen3-30B-A3B; ollama's "llama3.1" names no repo at all.
    joined = {
        o.value["provider_model"]
        for slug in ("llama-3.3", "qwen3", "llama-3.1")
        for o in world.observations(slug)
    }
    assert "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo" not in joined
    assert "lmstudio/qwen/qwen3-30b-a3b-2507" not in joined
    assert "ollama/llama3.1" not in joined


# (source, model id, tier, input, output, extra fields expected)
STORED = [
    ("pricing:litellm", "gpt-4o", "paid", 2.5, 10.0,
     {"cache_read_usd_per_mtok": 1.25, "batch_input_usd_per_mtok": 1.25,
      "batch_output_usd_per_mtok": 5.0}),
    ("pricing:litellm", "gemini/gemini-2.5-pro", "paid", 1.25, 10.0,
     {"cache_read_usd_per_mtok": 0.3125,
      "tiers": [{"above_tokens": 200000, "input_usd_per_mtok": 2.5, "output_usd_per_mtok": 15.0}]}),
    ("pricing:litellm", "whisper-1", "paid", None, None,
     {"units": [{"unit": "second", "direction": "input", "usd": 0.0001},
                {"unit": "second", "direction": "output", "usd": 0.0001}]}),
    ("pricing:litellm", "tts-1", "paid", None, None,
     {"units": [{"unit": "character", "direction": "input", "usd": 1.5e-05}]}),
    ("pricing:litellm", "aiml/dall-e-3", "paid", None, None,
     {"units": [{"unit": "image", "direction": "output", "usd": 0.052}]}),
    ("pricing:litellm", "ollama/llama3.1", "open-weights", 0.0, 0.0, {}),
    ("pricing:models.dev", "anthropic/claude-sonnet-4-5", "paid", 3.0, 15.0,
     {"cache_read_usd_per_mtok": 0.3, "cache_write_usd_per_mtok": 3.75,
      "tiers": [{"above_tokens": 200000, "input_usd_per_mtok": 6.0, "output_usd_per_mtok": 22.5}]}),
    ("pricing:models.dev", "lmstudio/qwen/qwen3-30b-a3b-2507", "open-weights", 0.0, 0.0, {}),
]  # fmt: skip


@pytest.mark.parametrize(("source", "model", "tier", "input_", "output", "extra"), STORED)
def test_every_catalog_entry_is_kept_with_its_price_model(
    world, source, model, tier, input_, output, extra
):
    pricing = world.stored()[(source, model)].pricing
    assert (pricing["tier"], pricing["input_usd_per_mtok"], pricing["output_usd_per_mtok"]) == (
        tier,
        input_,
        output,
    )
    assert {key: pricing[key] for key in extra} == extra


def test_the_schema_entry_is_no_model(world):
    assert ("pricing:litellm", "sample_spec") not in world.stored()


def test_a_second_crawl_revalidates_each_catalog_with_one_request(request, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        made = World(request, "sqlite", tmp_path, mp)
        try:
            assert crawl(CATALOGS).exit_code == 0
            before = {key: p.content_hash for key, p in made.stored().items()}
            outcome = crawl(CATALOGS)
            runs = {r.source: r for r in outcome.runs}
            assert all(runs[s].requests == 1 and runs[s].not_modified == 1 for s in CATALOGS)
            assert {key: p.content_hash for key, p in made.stored().items()} == before
        finally:
            made.close()


def test_renormalize_rebuilds_catalog_prices_from_the_stored_documents(request, tmp_path):
    from ingest.renormalize import renormalize_all

    with pytest.MonkeyPatch.context() as mp:
        made = World(request, "sqlite", tmp_path, mp)
        try:
            assert crawl(HUB + CATALOGS).exit_code == 0
            key = ("pricing:litellm", "deepinfra/meta-llama/Llama-3.3-70B-Instruct")
            with Session(made.engine) as s:
                price = s.exec(
                    select(ProviderPrice).where(
                        ProviderPrice.source == key[0], ProviderPrice.model_id == key[1]
                    )
                ).one()
                price.pricing = {**price.pricing, "input_usd_per_mtok": 99.0}
                price.content_hash = "stale"
                s.add(price)
                s.commit()
            made.replay.stop()  # no re-crawl: the stored documents are all it needs
            counts = renormalize_all()
            assert counts["errors"] == 0 and counts["price_lists"] == 2
            assert made.stored()[key].pricing["input_usd_per_mtok"] == 0.23
        finally:
            made.close()
