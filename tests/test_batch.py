"""A listing page applied as one batch (store.batch): the grouping rules of the README,
on real repo names and the Hub's listing-entry shape, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from ingest.sources import Notability
from store.batch import apply_page, card_backlog, derivative_row
from store.models import Candidate, Variant

URL = "http://hub.test/api/models?author=x"
RULES = Notability(orgs=frozenset({"qwen", "google"}), min_likes=100)


def entry(repo: str, created: str = "2025-04-29T03:00:00.000Z", **extra) -> dict:
    """A listing entry with the spider's expand[] keys (the Hub's shape, trimmed)."""
    base = extra.pop("base", None)
    relation = extra.pop("relation", "quantized")
    tags = list(extra.pop("tags", []))
    if base:
        tags.append(f"base_model:{relation}:{base}")
    return {
        "_id": "x",
        "id": repo,
        "createdAt": created,
        "lastModified": created,
        "sha": extra.pop("sha", "a" * 40),
        "tags": tags,
        "likes": extra.pop("likes", 10),
        "downloads": extra.pop("downloads", 100),
        "cardData": extra.pop("cardData", {"license": "apache-2.0"}),
        **extra,
    }


def apply(engine, entries, source, role="original", **kwargs):
    with Session(engine) as s:
        result = apply_page(s, entries, source, role, URL, RULES, **kwargs)
        s.commit()
    return result


def variants(engine) -> dict[str, Variant]:
    with Session(engine) as s:
        return {v.repo_id: v for v in s.exec(select(Variant))}


def candidate(engine, slug: str) -> Candidate:
    with Session(engine) as s:
        return s.exec(select(Candidate).where(Candidate.slug == slug)).one()


def test_one_page_groups_sizes_into_one_release(engine):
    result = apply(
        engine,
        [
            entry("Qwen/Qwen3-32B"),
            entry("Qwen/Qwen3-8B"),
            entry("Qwen/Qwen3-8B-Base"),
            entry("Qwen/Qwen3-30B-A3B"),
        ],
        "hf:Qwen",
    )
    qwen = candidate(engine, "qwen3")
    assert result.created == {qwen.id} and result.applied == 4
    assert [s["label"] for s in qwen.fields["sizes"]] == ["8B", "30B-A3B", "32B"]
    assert qwen.fields["license"]["id"] == "Apache-2.0"
    assert qwen.notable  # allowlisted org


DERIVED = [
    # (arrival order of pages, as the crawl of several orgs may interleave them)
    pytest.param(["base", "finetune", "gguf"], id="base-first"),
    pytest.param(["gguf", "finetune", "base"], id="quantization-of-a-finetune-first"),
    pytest.param(["finetune", "gguf", "base"], id="finetune-first"),
]


@pytest.mark.parametrize("order", DERIVED)
def test_derivatives_of_derivatives_reach_the_base_release_in_any_order(engine, order):
    pages = {
        "base": ([entry("Qwen/Qwen3-8B")], "hf:Qwen", "original"),
        "finetune": (
            [entry("NousResearch/Hermes-4-Qwen3-8B", base="Qwen/Qwen3-8B", relation="finetune")],
            "hf:NousResearch",
            "derivative",
        ),
        "gguf": (
            [entry("mradermacher/Hermes-4-Qwen3-8B-GGUF", base="NousResearch/Hermes-4-Qwen3-8B")],
            "hf:mradermacher",
            "derivative",
        ),
    }
    for name in order:
        models, source, role = pages[name]
        apply(engine, models, source, role)
    found = variants(engine)
    qwen = candidate(engine, "qwen3")
    assert {v.candidate_id for v in found.values()} == {qwen.id}
    assert qwen.fields["derivatives"] == 2
    gguf = found["mradermacher/Hermes-4-Qwen3-8B-GGUF"]
    assert gguf.is_derivative and gguf.is_quantized and gguf.relation == "quantized"


def test_a_base_on_the_same_page_counts_as_stored(engine):
    apply(engine, [entry("Qwen/Qwen3-8B")], "hf:Qwen")
    # Newest first, as listed: the quantization of a fine-tune above the fine-tune.
    page = [
        entry("unsloth/Qwen3-8B-sft-GGUF", "2025-05-02T00:00:00.000Z", base="unsloth/Qwen3-8B-sft"),
        entry(
            "unsloth/Qwen3-8B-sft",
            "2025-05-01T00:00:00.000Z",
            base="Qwen/Qwen3-8B",
            relation="finetune",
        ),
    ]
    apply(engine, page, "hf:unsloth", "derivative")
    assert {v.candidate_id for v in variants(engine).values()} == {candidate(engine, "qwen3").id}


def test_an_unchanged_sha_is_not_applied_again_but_its_popularity_is(engine):
    apply(engine, [entry("acme-lab/Widget-7B", likes=3)], "hf:acme-lab")
    widget = candidate(engine, "widget")
    assert not widget.notable and "likes 3 < 100" in widget.notability
    again = apply(engine, [entry("acme-lab/Widget-7B", likes=250)], "hf:acme-lab")
    assert (again.applied, again.unchanged) == (0, 1)
    assert variants(engine)["acme-lab/Widget-7B"].likes == 250
    widget = candidate(engine, "widget")
    assert widget.notable and "likes 250 ≥ 100" in widget.notability


def test_a_new_sha_is_applied_again(engine):
    apply(engine, [entry("Qwen/Qwen3-8B")], "hf:Qwen")
    changed = entry("Qwen/Qwen3-8B", sha="b" * 40, cardData={"license": "mit"})
    result = apply(engine, [changed], "hf:Qwen")
    assert result.applied == 1
    assert candidate(engine, "qwen3").fields["license"]["id"] == "MIT"


def test_a_bad_entry_fails_alone(engine):
    bad = entry("Qwen/Qwen3-4B", cardData={"license": "apache-2.0"})
    bad["createdAt"] = {"$date": 1}  # not a string: the parser must not take the page down
    bad["safetensors"] = {"parameters": {"BF16": "many"}, "total": [1, 2]}
    bad["tags"] = "not-a-list"
    result = apply(engine, [entry("Qwen/Qwen3-8B"), bad, 7, {"id": None}], "hf:Qwen")
    assert result.applied + len(result.errors) == 2
    assert "Qwen/Qwen3-8B" in variants(engine)


def test_cards_are_wanted_for_queued_releases_only_and_never_for_quantized_builds(engine):
    result = apply(
        engine,
        [
            entry("Qwen/Qwen3-8B"),
            entry("Qwen/Qwen3-8B-AWQ"),
            entry("Qwen/Qwen3-8B-GGUF", tags=["gguf"]),
        ],
        "hf:Qwen",
    )
    assert [e["id"] for e in result.cards] == ["Qwen/Qwen3-8B"]
    held = apply(engine, [entry("acme-lab/Widget-7B", likes=1)], "hf:acme-lab")
    assert held.cards == []  # held: its card is fetched the run it is queued
    with Session(engine) as s:
        assert card_backlog(s, ["Qwen", "acme-lab"], 10) == [("Qwen/Qwen3-8B", "hf:Qwen")]


def test_a_card_applied_later_adds_declared_counts_and_leaves_the_backlog(engine):
    moe = entry("Qwen/Qwen3-30B-A3B")
    apply(engine, [moe], "hf:Qwen")
    card = "---\nlicense: apache-2.0\n---\nQwen3-30B-A3B has 30.5B parameters in total and 3.3B activated.\n"
    apply(engine, [moe], "hf:Qwen", force=True, cards={moe["id"]: card})
    v = variants(engine)["Qwen/Qwen3-30B-A3B"]
    assert v.info_sha == v.sha and v.params_method == "declared"
    assert v.total_params == pytest.approx(30.5e9) and v.active_params == pytest.approx(3.3e9)
    with Session(engine) as s:
        assert card_backlog(s, ["Qwen"], 10) == []


@pytest.mark.parametrize(
    ("repo", "tags", "library", "quantized"),
    [
        ("bartowski/Llama-3.3-70B-Instruct-GGUF", [], None, True),
        ("mlx-community/Qwen3-8B-4bit", [], "mlx", True),
        ("TheBloke/Mixtral-8x7B-Instruct-v0.1-AWQ", [], None, True),
        ("RedHatAI/Llama-3.1-8B-Instruct-FP8", [], None, True),
        ("unsloth/gemma-3-27b-it-bnb-4bit", [], None, True),
        ("NousResearch/Hermes-3-Llama-3.1-8B", [], None, False),
        ("someone/my-merge", ["gguf"], None, True),
    ],
)
def test_derivative_rows_tell_quantized_builds_from_their_names_tags_and_library(
    repo, tags, library, quantized
):
    row = derivative_row(entry(repo, tags=tags, library_name=library), "hf:x")
    assert row["is_quantized"] is quantized and row["is_derivative"]


def test_a_release_s_fields_do_not_depend_on_the_order_its_repos_were_stored():
    """Two writers store a release's repos in different orders, so the database returns
    them in different orders: the fields must come out the same (Gemma 3: the 1B is
    text-generation, the others image-text-to-text; -it and -pt counts differ slightly)."""
    import itertools

    from store.models import Observation
    from store.resolve import candidate_fields

    def variant(repo, label, total, tag):
        return Variant(
            repo_id=repo, org="google", source="hf:google", size_label=label,
            total_params=total, params_method="weights", pipeline_tag=tag,
        )  # fmt: skip

    repos = [
        variant("google/gemma-3-1b-it", "1B", 999_885_952, "text-generation"),
        variant("google/gemma-3-4b-it", "4B", 4_300_079_472, "image-text-to-text"),
        variant("google/gemma-3-4b-pt", "4B", 4_300_079_400, "image-text-to-text"),
        variant("google/gemma-3-27b-it", "27B", 27_432_406_640, "image-text-to-text"),
    ]
    said = [
        Observation(candidate_id=1, field="params", subject=url, extractor="params.declared",
                    value={"variants": [{"label": "27B", "total": total}]}, source_url=url)
        for url, total in (("https://a.example/post", 27e9), ("https://b.example/post", 2.7e10))
    ]  # fmt: skip
    cand = Candidate(slug="gemma-3", name="Gemma 3", org="google", family="Gemma 3",
                     family_key="gemma-3", vendor="Google DeepMind")  # fmt: skip
    results = [
        candidate_fields(cand, list(order), list(obs))
        for order in itertools.permutations(repos)
        for obs in (said, said[::-1])
    ]
    assert all(result == results[0] for result in results)
    assert results[0]["pipeline_tag"] == "image-text-to-text"
