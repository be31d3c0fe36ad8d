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
