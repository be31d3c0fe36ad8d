"""Splitting model cards into front matter and body, the way the Hub writes them."""

import pytest

from normalize.cards import split_card

# (card, front matter, body starts with)
CARDS = [
    ("---\nlicense: apache-2.0\n---\n# SmolLM3\n", {"license": "apache-2.0"}, "# SmolLM3"),
    (
        "---\r\nlicense: apache-2.0\r\nlicense_link: https://huggingface.co/Qwen/Qwen3-32B-GGUF/blob/main/LICENSE\r\npipeline_tag: text-generation\r\nbase_model: Qwen/Qwen3-32B\r\n---\r\n\r\n# Qwen3-32B-GGUF\r\n",
        {
            "license": "apache-2.0",
            "license_link": "https://huggingface.co/Qwen/Qwen3-32B-GGUF/blob/main/LICENSE",
            "pipeline_tag": "text-generation",
            "base_model": "Qwen/Qwen3-32B",
        },
        "# Qwen3-32B-GGUF",
    ),
    ("\ufeff---\nlicense: mit\n---\nbody", {"license": "mit"}, "body"),
    ("\n\n---\nlicense: mit\n---\nbody", {"license": "mit"}, "body"),
    (b"---\nlicense: gemma\n---\n# Gemma 3 model card\n", {"license": "gemma"}, "# Gemma 3"),
    ("---\nlicense: license:gemma\n---\n", {"license": "license:gemma"}, ""),
    (
        "---\nlicense: other\nlicense_name: llama4\n---\n## Model Information",
        {"license": "other", "license_name": "llama4"},
        "## Model Information",
    ),
    (
        "---\nbase_model:\n- mistralai/Mistral-Small-3.1-24B-Base-2503\nlicense: apache-2.0\n---\n# Mistral",
        {"base_model": ["mistralai/Mistral-Small-3.1-24B-Base-2503"], "license": "apache-2.0"},
        "# Mistral",
    ),
    (
        "---\nextra_gated_prompt: >-\n  ### LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nlicense: llama3.2\n---\nbody",
        {"extra_gated_prompt": "### LLAMA 3.2 COMMUNITY LICENSE AGREEMENT", "license": "llama3.2"},
        "body",
    ),
    ("# No front matter\nJust text.", {}, "# No front matter"),
    ("---\nlicense: [unclosed\n---\nbody", {}, "body"),
    ("---\n- a list\n- not a mapping\n---\nbody", {}, "body"),
    ("---\njust a string\n---\nbody", {}, "body"),
    ("---\nlicense: mit\nno closing fence", {}, "---"),
    ("", {}, ""),
    (None, {}, ""),
    (12345, {}, ""),
    ("---\n---\nbody", {}, "body"),
    ("---\nlicense: mit\n...\nbody", {"license": "mit"}, "body"),
    ("---\n!!python/object/apply:os.system ['echo hi']\n---\nbody", {}, "body"),
]


@pytest.mark.parametrize(("card", "front", "body_start"), CARDS)
def test_split_card(card, front, body_start):
    got_front, body = split_card(card)
    assert got_front == front
    assert body.startswith(body_start)


@pytest.mark.parametrize("depth", [100, 5_000, 200_000])
@pytest.mark.parametrize("opener", ["[", "{a: ", "- "])
def test_deep_nesting_is_refused_not_crashing(depth, opener):
    front, body = split_card("---\nx:\n" + opener * depth + "\n---\nbody")
    assert front == {}
    assert body == "body"


def test_size_limit():
    front, body = split_card("---\nlicense: mit\n---\n" + "x" * 3_000_000)
    assert front == {"license": "mit"}
    assert len(body) < 2_000_001
