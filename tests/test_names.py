import pytest

from normalize.names import display_name, parse_repo_name
from normalize.vendors import vendor_for_org

# (repo id, family, family key, size label, flavour, quantized)
REPOS = [
    ("google/gemma-3-27b-it", "Gemma 3", "gemma-3", "27B", "instruct", False),
    ("google/gemma-3-27b-pt", "Gemma 3", "gemma-3", "27B", "base", False),
    ("google/gemma-3-1b-it", "Gemma 3", "gemma-3", "1B", "instruct", False),
    ("google/gemma-3n-E2B-it", "Gemma 3n", "gemma-3n", "E2B", "instruct", False),
    ("google/gemma-2-9b", "Gemma 2", "gemma-2", "9B", None, False),
    (
        "meta-llama/Llama-4-Scout-17B-16E-Instruct",
        "Llama 4 Scout",
        "llama-4-scout",
        "17B-16E",
        "instruct",
        False,
    ),
    (
        "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
        "Llama 4 Maverick",
        "llama-4-maverick",
        "17B-128E",
        "instruct",
        False,
    ),
    ("meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1", "llama-3.1", "8B", "instruct", False),
    (
        "meta-llama/Llama-3.2-11B-Vision-Instruct",
        "Llama 3.2 Vision",
        "llama-3.2-vision",
        "11B",
        "instruct",
        False,
    ),
    ("meta-llama/Llama-2-7b-chat-hf", "Llama 2", "llama-2", "7B", "instruct", False),
    ("Qwen/Qwen3-30B-A3B", "Qwen3", "qwen3", "30B-A3B", None, False),
    ("Qwen/Qwen3-235B-A22B", "Qwen3", "qwen3", "235B-A22B", None, False),
    # Only an active count: it is the size label, not part of the family.
    ("tencent/Hunyuan-A13B-Instruct", "Hunyuan", "hunyuan", "A13B", "instruct", False),
    ("Qwen/Qwen1.5-MoE-A2.7B", "Qwen1.5 MoE", "qwen1.5-moe", "A2.7B", None, False),
    # Two sizes side by side: encoder and decoder, or active and total.
    ("google/t5gemma-2b-2b-ul2", "T5Gemma UL2", "t5gemma-ul2", "2B-2B", None, False),
    (
        "google/t5gemma-9b-2b-prefixlm-it",
        "T5Gemma Prefixlm",
        "t5gemma-prefixlm",
        "9B-2B",
        "instruct",
        False,
    ),
    ("allenai/OLMoE-1B-7B-0924", "OLMoE 0924", "olmoe-0924", "1B-7B", None, False),
    ("Qwen/Qwen3-32B-GGUF", "Qwen3", "qwen3", "32B", None, True),
    ("Qwen/Qwen3-8B-AWQ", "Qwen3", "qwen3", "8B", None, True),
    ("Qwen/Qwen2.5-Coder-7B-Instruct", "Qwen2.5 Coder", "qwen2.5-coder", "7B", "instruct", False),
    ("Qwen/Qwen2.5-0.5B", "Qwen2.5", "qwen2.5", "0.5B", None, False),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "Mixtral", "mixtral-v0.1", "8x7B", "instruct", False),
    ("mistralai/Mistral-7B-Instruct-v0.3", "Mistral", "mistral-v0.3", "7B", "instruct", False),
    (
        "mistralai/Mistral-Small-24B-Instruct-2501",
        "Mistral Small 2501",
        "mistral-small-2501",
        "24B",
        "instruct",
        False,
    ),
    (
        "mistralai/Mistral-Small-24B-Base-2501",
        "Mistral Small 2501",
        "mistral-small-2501",
        "24B",
        "base",
        False,
    ),
    ("deepseek-ai/DeepSeek-R1", "DeepSeek R1", "deepseek-r1", None, None, False),
    ("deepseek-ai/DeepSeek-R1-0528", "DeepSeek R1 0528", "deepseek-r1-0528", None, None, False),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "DeepSeek R1 Distill Qwen",
        "deepseek-r1-distill-qwen",
        "7B",
        None,
        False,
    ),
    ("microsoft/phi-4", "Phi 4", "phi-4", None, None, False),
    ("microsoft/Phi-3-mini-4k-instruct", "Phi 3 Mini", "phi-3-mini", None, "instruct", False),
    ("microsoft/Phi-3-mini-128k-instruct", "Phi 3 Mini", "phi-3-mini", None, "instruct", False),
    ("HuggingFaceTB/SmolLM3-3B", "SmolLM3", "smollm3", "3B", None, False),
    ("HuggingFaceTB/SmolLM2-135M-Instruct", "SmolLM2", "smollm2", "135M", "instruct", False),
    ("moonshotai/Kimi-K2-Instruct", "Kimi K2", "kimi-k2", None, "instruct", False),
    ("mlx-community/gemma-3-27b-it-4bit", "Gemma 3", "gemma-3", "27B", "instruct", True),
    ("unsloth/gemma-3-27b-it-GGUF", "Gemma 3", "gemma-3", "27B", "instruct", True),
    ("bartowski/Llama-3.3-70B-Instruct-GGUF", "Llama 3.3", "llama-3.3", "70B", "instruct", True),
    ("google/gemma-3-27b-it-qat-q4_0-gguf", "Gemma 3", "gemma-3", "27B", "instruct", True),
    # Quantizers prefix the original org and '_' ('bartowski/Qwen_Qwen3-…'): not the family.
    ("bartowski/Qwen_Qwen3-30B-A3B-GGUF", "Qwen3", "qwen3", "30B-A3B", None, True),
    (
        "bartowski/mistralai_Mistral-Small-3.2-24B-Instruct-2506-GGUF",
        "Mistral Small 3.2 2506",
        "mistral-small-3.2-2506",
        "24B",
        "instruct",
        True,
    ),
    # An underscore between digits is a decimal point in older repo names.
    ("Qwen/Qwen-1_8B-Chat", "Qwen", "qwen", "1.8B", "instruct", False),
    ("stabilityai/stablelm-2-1_6b-chat", "StableLM 2", "stablelm-2", "1.6B", "instruct", False),
    ("internlm/internlm2_5-7b-chat", "internlm2.5", "internlm2.5", "7B", "instruct", False),
    # Lower-case repo names, shown as their makers write the words.
    ("openai/gpt-oss-120b", "GPT OSS", "gpt-oss", "120B", None, False),
    ("bigscience/bloom-560m", "BLOOM", "bloom", "560M", None, False),
    ("google/paligemma2-3b-pt-224", "PaliGemma2 224", "paligemma2-224", "3B", "base", False),
    ("mosaicml/mpt-7b-instruct", "MPT", "mpt", "7B", "instruct", False),
    # ... but an underscore elsewhere separates words.
    ("someone/my_model_7b", "My Model", "my-model", "7B", None, False),
]


@pytest.mark.parametrize(("repo", "family", "key", "size", "flavour", "quantized"), REPOS)
def test_parse_repo_name(repo, family, key, size, flavour, quantized):
    name = parse_repo_name(repo)
    assert (name.family, name.family_key, name.size_label, name.flavour, name.quantized) == (
        family,
        key,
        size,
        flavour,
        quantized,
    )


@pytest.mark.parametrize(
    ("family", "labels", "expected"),
    [
        ("Gemma 3", ["27B"], "Gemma 3 27B"),
        ("Code Llama 4", ["70B", "400B"], "Code Llama 4 (70B & 400B)"),
        ("Gemma 3", ["1B", "4B", "12B", "27B"], "Gemma 3 (1B, 4B, 12B & 27B)"),
        ("DeepSeek R1", [], "DeepSeek R1"),
        ("Qwen3", ["8B", "8B"], "Qwen3 8B"),
    ],
)
def test_display_name(family, labels, expected):
    assert display_name(family, labels) == expected


@pytest.mark.parametrize(
    ("org", "vendor"),
    [
        ("google", "Google DeepMind"),
        ("meta-llama", "Meta"),
        ("mistralai", "Mistral AI"),
        ("HuggingFaceTB", "Hugging Face"),
        ("Qwen", "Alibaba (Qwen)"),
        ("deepseek-ai", "DeepSeek"),
        ("microsoft", "Microsoft"),
        ("LGAI-EXAONE", "LG AI Research"),
        ("NousResearch", "Nous Research"),
        ("ByteDance-Seed", "ByteDance Seed"),
        ("upstage", "Upstage"),
        ("togethercomputer", "Together AI"),
        ("some-new-lab", "some-new-lab"),
        ("", None),
    ],
)
def test_vendor_for_org(org, vendor):
    assert vendor_for_org(org) == vendor
