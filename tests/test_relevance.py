import pytest

from normalize.relevance import relevance

# (title, text, hub repos linked, announces a model?)
CASES = [
    (
        "Welcome Gemma 3: Google's all new multimodal, multilingual, long context open LLM",
        "Gemma 3 comes in 1B, 4B, 12B and 27B sizes.",
        ["google/gemma-3-27b-it"],
        True,
    ),
    (
        "Welcome Llama 4 Maverick & Scout on Hugging Face",
        "Scout has 17B active parameters and 16 experts.",
        [],
        True,
    ),
    (
        "SmolLM3: smol, multilingual, long-context reasoner",
        "A 3B model under Apache 2.0.",
        [],
        True,
    ),
    ("Mistral Small 3.1", "Today we release Mistral Small 3.1, a 24B model.", [], True),
    (
        "v0.2.0",
        "Llama 4 Scout and Maverick: 17B active parameters, mixture-of-experts models.",
        [],
        True,
    ),
    (
        "Qwen3: Think Deeper, Act Faster",
        "Qwen3-235B-A22B and Qwen3-30B-A3B are open-weighted.",
        [],
        True,
    ),
    ("Code Llama 4 (70B & 400B)", "", [], True),
    ("We're hiring: open-source ML engineers", "Join our team in Paris.", [], False),
    ("v0.3.1", "Fix tokenizer path on Windows", [], False),
    ("v0.1.1", "Docs: typo in README", [], False),
    (
        "Fine-tune an embedding model in under a day: a step-by-step guide",
        "We use sentence-transformers.",
        [],
        False,
    ),
    ("Recap of our Paris meetup", "Great talks about agents.", [], False),
    ("Mistral AI and a cloud provider announce a partnership", "Enterprise customers.", [], False),
    ("The Hugging Face course now has a chapter on datasets", "Learn to stream data.", [], False),
    ("Datasets 3.0: faster streaming", "The datasets library gets parquet streaming.", [], False),
    ("", "", [], False),
    # benchmarks, events and tutorials that name models and link them
    (
        "Introducing RTEB: A New Standard for Retrieval Evaluation",
        "A new benchmark to evaluate the retrieval accuracy of embedding models.",
        [],
        False,
    ),
    (
        "Hugging Face at NeurIPS 2025: come meet us in San Diego",
        "Join our workshop on open model evaluation.",
        [],
        False,
    ),
    (
        "Build a Domain-Specific Embedding Model in Under a Day",
        "In this tutorial we fine-tune Llama-3.2-NV-EmbedQA-1B-v2, a 1B parameter model.",
        ["nvidia/llama-3.2-nv-embedqa-1b-v2"],
        False,
    ),
    (
        "How to fine-tune Gemma 3 for text-to-SQL with Keras: a step-by-step guide",
        "We fine-tune Gemma 3 4B, released earlier this year, with LoRA.",
        [],
        False,
    ),
    # release notes titled with a tag: a major release says what it adds
    ("v3.0.0", "Gemma 3\nThis release adds Gemma 3 in 1B, 4B, 12B and 27B sizes.", [], True),
    ("v2.0.0", "Adds Gemma 2 in 2B, 9B and 27B sizes.", [], True),
    ("v0.2.1", "Bug fixes for the llama4 chat template", [], False),
    # an API model: no repo, a price and launch wording
    (
        "Gemini 2.5 Flash-Lite is now stable and generally available",
        "The stable version of our fastest and lowest cost model.",
        [],
        True,
    ),
    (
        "Meet Gemma 3n",
        "An open model for phones, in E2B and E4B sizes.",
        ["google/gemma-3n-E4B-it"],
        True,
    ),
]


@pytest.mark.parametrize(("title", "text", "repos", "expected"), CASES)
def test_relevance(title, text, repos, expected):
    verdict = relevance(title, text, repos)
    assert verdict.relevant is expected, verdict.reason()
    assert verdict.reasons or not expected


def test_reason_is_readable():
    assert (
        relevance("v0.3.1", "Fix a crash")
        .reason()
        .startswith("not an announcement (score -5: patch release")
    )


@pytest.mark.parametrize(
    ("title", "repos", "points"),
    [
        ("Welcome EmbeddingGemma", ["google/embeddinggemma-300m"], 3),  # the title names it
        ("Welcome Llama 4 Maverick & Scout", ["meta-llama/Llama-4-Scout-17B-16E-Instruct"], 3),
        ("Build an embedding model", ["nvidia/llama-3.2-nv-embedqa-1b-v2"], 1),  # merely used
        ("v0.2.0", ["meta-llama/Llama-4-Scout-17B-16E-Instruct"], 1),
    ],
)
def test_hub_link_weighs_more_when_the_title_names_it(title, repos, points):
    verdict = relevance(title, "", repos)
    assert any(r.startswith("links") and r.endswith(f"(+{points})") for r in verdict.reasons)
