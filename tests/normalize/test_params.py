"""Parameter counts from names, cards, announcements and Hub weight totals (real releases)."""

import pytest

from normalize.params import (
    best_params,
    params_from_name,
    params_from_text,
    params_from_weights,
    parse_param_count,
)

B = 1e9
M = 1e6


def approx(value):
    return None if value is None else pytest.approx(value, rel=1e-3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27B", 27 * B),
        ("1.5b", 1.5 * B),
        ("135M", 135 * M),
        ("1T", 1e12),
        ("7 billion", 7 * B),
        ("30.5B", 30.5 * B),
        ("27,432,406,640", 27_432_406_640),
        ("684531386000", 684_531_386_000),
        ("0.5B", 0.5 * B),
        ("360M", 360 * M),
        ("1.7B", 1.7 * B),
        ("405B", 405 * B),
        ("671B", 671 * B),
        ("~7B", 7 * B),
        ("7.61B", 7.61 * B),
        ("1.1 billion", 1.1 * B),
        ("1 trillion", 1e12),
        ("70B parameters", 70 * B),
        ("8B params", 8 * B),
        ("17 Bn", 17 * B),
        ("3.8B", 3.8 * B),
        ("46.7B", 46.7 * B),
        ("2,5B", 2.5 * B),
        ("27", None),
        ("", None),
        ("gpt-4o", None),
        ("B", None),
        ("128k tokens", None),
        ("1e400", None),
    ],
)
def test_parse_param_count(text, expected):
    assert parse_param_count(text) == approx(expected)


# (name, total, active, experts, labels)
NAMES = [
    ("google/gemma-3-27b-it", 27 * B, None, None, ["27B"]),
    ("google/gemma-3-4b-it", 4 * B, None, None, ["4B"]),
    ("google/gemma-3-1b-pt", 1 * B, None, None, ["1B"]),
    ("google/gemma-3-12b-it", 12 * B, None, None, ["12B"]),
    ("google/gemma-3-270m", 270 * M, None, None, ["270M"]),
    ("google/gemma-2-9b-it", 9 * B, None, None, ["9B"]),
    ("google/gemma-2-2b", 2 * B, None, None, ["2B"]),
    ("google/gemma-2-27b", 27 * B, None, None, ["27B"]),
    ("google/gemma-7b", 7 * B, None, None, ["7B"]),
    ("google/gemma-3n-E2B-it", None, None, None, ["E2B"]),
    ("google/gemma-3n-E4B", None, None, None, ["E4B"]),
    ("google/paligemma-3b-pt-224", 3 * B, None, None, ["3B"]),
    ("meta-llama/Llama-2-7b-hf", 7 * B, None, None, ["7B"]),
    ("meta-llama/Llama-2-13b-chat-hf", 13 * B, None, None, ["13B"]),
    ("meta-llama/Llama-2-70b-chat-hf", 70 * B, None, None, ["70B"]),
    ("meta-llama/Meta-Llama-3-8B-Instruct", 8 * B, None, None, ["8B"]),
    ("meta-llama/Meta-Llama-3-70B", 70 * B, None, None, ["70B"]),
    ("meta-llama/Llama-3.1-8B-Instruct", 8 * B, None, None, ["8B"]),
    ("meta-llama/Llama-3.1-405B", 405 * B, None, None, ["405B"]),
    ("meta-llama/Llama-3.2-1B", 1 * B, None, None, ["1B"]),
    ("meta-llama/Llama-3.2-3B-Instruct", 3 * B, None, None, ["3B"]),
    ("meta-llama/Llama-3.2-11B-Vision-Instruct", 11 * B, None, None, ["11B"]),
    ("meta-llama/Llama-3.2-90B-Vision", 90 * B, None, None, ["90B"]),
    ("meta-llama/Llama-3.3-70B-Instruct", 70 * B, None, None, ["70B"]),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", None, 17 * B, 16, ["17B-16E"]),
    ("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", None, 17 * B, 128, ["17B-128E"]),
    ("meta-llama/Llama-Guard-3-1B", 1 * B, None, None, ["1B"]),
    ("meta-llama/Llama-Prompt-Guard-2-86M", 86 * M, None, None, ["86M"]),
    ("meta-llama/CodeLlama-34b-Instruct-hf", 34 * B, None, None, ["34B"]),
    ("mistralai/Mistral-7B-v0.1", 7 * B, None, None, ["7B"]),
    ("mistralai/Mistral-7B-Instruct-v0.3", 7 * B, None, None, ["7B"]),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", None, None, 8, ["8x7B"]),
    ("mistralai/Mixtral-8x22B-v0.1", None, None, 8, ["8x22B"]),
    ("mistralai/Mistral-Small-3.2-24B-Instruct-2506", 24 * B, None, None, ["24B"]),
    ("mistralai/Mistral-Small-24B-Base-2501", 24 * B, None, None, ["24B"]),
    ("mistralai/Ministral-8B-Instruct-2410", 8 * B, None, None, ["8B"]),
    ("mistralai/Codestral-22B-v0.1", 22 * B, None, None, ["22B"]),
    ("mistralai/Pixtral-12B-2409", 12 * B, None, None, ["12B"]),
    ("mistralai/Mistral-Nemo-Instruct-2407", None, None, None, None),
    ("mistralai/Mistral-Large-Instruct-2411", None, None, None, None),
    ("mistralai/Devstral-Small-2505", None, None, None, None),
    ("mistralai/Voxtral-Mini-3B-2507", 3 * B, None, None, ["3B"]),
    ("Qwen/Qwen2.5-0.5B-Instruct", 0.5 * B, None, None, ["0.5B"]),
    ("Qwen/Qwen2.5-1.5B", 1.5 * B, None, None, ["1.5B"]),
    ("Qwen/Qwen2.5-7B-Instruct", 7 * B, None, None, ["7B"]),
    ("Qwen/Qwen2.5-7B-Instruct-1M", 7 * B, None, None, ["7B"]),
    ("Qwen/Qwen2.5-14B-Instruct-1M", 14 * B, None, None, ["14B"]),
    ("Qwen/Qwen2.5-72B-Instruct", 72 * B, None, None, ["72B"]),
    ("Qwen/Qwen2.5-Coder-32B-Instruct-AWQ", 32 * B, None, None, ["32B"]),
    ("Qwen/Qwen2.5-VL-3B-Instruct", 3 * B, None, None, ["3B"]),
    ("Qwen/Qwen2.5-Omni-7B-AWQ", 7 * B, None, None, ["7B"]),
    ("Qwen/Qwen3-0.6B", 0.6 * B, None, None, ["0.6B"]),
    ("Qwen/Qwen3-8B", 8 * B, None, None, ["8B"]),
    ("Qwen/Qwen3-32B-GGUF", 32 * B, None, None, ["32B"]),
    ("Qwen/Qwen3-30B-A3B", 30 * B, 3 * B, None, ["30B-A3B"]),
    ("Qwen/Qwen3-30B-A3B-Instruct-2507-FP8", 30 * B, 3 * B, None, ["30B-A3B"]),
    ("Qwen/Qwen3-235B-A22B", 235 * B, 22 * B, None, ["235B-A22B"]),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", 480 * B, 35 * B, None, ["480B-A35B"]),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", 80 * B, 3 * B, None, ["80B-A3B"]),
    ("Qwen/Qwen2-57B-A14B", 57 * B, 14 * B, None, ["57B-A14B"]),
    ("Qwen/Qwen1.5-MoE-A2.7B", None, 2.7 * B, None, ["A2.7B"]),
    ("Qwen/Qwen-1_8B-Chat", 1.8 * B, None, None, ["1.8B"]),
    ("Qwen/QwQ-32B", 32 * B, None, None, ["32B"]),
    ("Qwen/QwQ-32B-Preview", 32 * B, None, None, ["32B"]),
    ("Qwen/Qwen3-Embedding-0.6B", 0.6 * B, None, None, ["0.6B"]),
    ("deepseek-ai/DeepSeek-R1", None, None, None, None),
    ("deepseek-ai/DeepSeek-R1-0528", None, None, None, None),
    ("deepseek-ai/DeepSeek-V3", None, None, None, None),
    ("deepseek-ai/DeepSeek-V2-Lite", None, None, None, None),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", 1.5 * B, None, None, ["1.5B"]),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 7 * B, None, None, ["7B"]),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 8 * B, None, None, ["8B"]),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", 32 * B, None, None, ["32B"]),
    ("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", 70 * B, None, None, ["70B"]),
    ("deepseek-ai/deepseek-coder-33b-instruct", 33 * B, None, None, ["33B"]),
    ("deepseek-ai/deepseek-llm-67b-chat", 67 * B, None, None, ["67B"]),
    ("deepseek-ai/deepseek-moe-16b-base", 16 * B, None, None, ["16B"]),
    ("deepseek-ai/Janus-Pro-7B", 7 * B, None, None, ["7B"]),
    ("deepseek-ai/DeepSeek-Prover-V2-671B", 671 * B, None, None, ["671B"]),
    ("microsoft/Phi-3-mini-4k-instruct", None, None, None, None),
    ("microsoft/Phi-3-medium-128k-instruct", None, None, None, None),
    ("microsoft/Phi-3.5-mini-instruct", None, None, None, None),
    ("microsoft/Phi-3.5-MoE-instruct", None, None, None, None),
    ("microsoft/phi-4", None, None, None, None),
    ("microsoft/Phi-4-mini-instruct", None, None, None, None),
    ("microsoft/phi-2", None, None, None, None),
    ("HuggingFaceTB/SmolLM2-135M-Instruct", 135 * M, None, None, ["135M"]),
    ("HuggingFaceTB/SmolLM2-360M", 360 * M, None, None, ["360M"]),
    ("HuggingFaceTB/SmolLM2-1.7B-Instruct", 1.7 * B, None, None, ["1.7B"]),
    ("HuggingFaceTB/SmolLM3-3B", 3 * B, None, None, ["3B"]),
    ("HuggingFaceTB/SmolVLM-256M-Instruct", 256 * M, None, None, ["256M"]),
    ("tiiuae/falcon-7b", 7 * B, None, None, ["7B"]),
    ("tiiuae/falcon-40b-instruct", 40 * B, None, None, ["40B"]),
    ("tiiuae/falcon-180B", 180 * B, None, None, ["180B"]),
    ("tiiuae/Falcon3-10B-Instruct", 10 * B, None, None, ["10B"]),
    ("tiiuae/Falcon-H1-34B-Instruct", 34 * B, None, None, ["34B"]),
    ("allenai/OLMo-7B-0724-hf", 7 * B, None, None, ["7B"]),
    ("allenai/OLMo-2-1124-13B-Instruct", 13 * B, None, None, ["13B"]),
    ("allenai/OLMoE-1B-7B-0924", None, None, None, ["1B", "7B"]),
    # Encoder-decoder models named by encoder and decoder sizes: the model holds both.
    ("google/t5gemma-2b-2b-ul2", 4 * B, None, None, ["2B-2B"]),
    ("google/t5gemma-2b-2b-prefixlm-it", 4 * B, None, None, ["2B-2B"]),
    ("google/t5gemma-9b-2b-ul2-it", 11 * B, None, None, ["9B-2B"]),
    ("google/t5gemma-9b-9b-prefixlm", 18 * B, None, None, ["9B-9B"]),
    ("google/t5gemma-2-270m-270m", 540 * M, None, None, ["270M-270M"]),
    ("google/t5gemma-2-4b-4b", 8 * B, None, None, ["4B-4B"]),
    ("google/t5gemma-b-b-ul2", None, None, None, None),
    ("google/flan-t5-xl", None, None, None, None),
    ("ibm-granite/granite-3.3-8b-instruct", 8 * B, None, None, ["8B"]),
    ("ibm-granite/granite-3.0-3b-a800m-instruct", 3 * B, 800 * M, None, ["3B-A800M"]),
    ("ibm-granite/granite-3.1-1b-a400m-base", 1 * B, 400 * M, None, ["1B-A400M"]),
    ("ibm-granite/granite-4.0-h-tiny", None, None, None, None),
    ("CohereForAI/c4ai-command-r-plus-08-2024", None, None, None, None),
    ("CohereForAI/c4ai-command-r-v01", None, None, None, None),
    ("CohereForAI/c4ai-command-r7b-12-2024", 7 * B, None, None, ["7B"]),
    ("CohereForAI/aya-23-35B", 35 * B, None, None, ["35B"]),
    ("01-ai/Yi-34B-Chat", 34 * B, None, None, ["34B"]),
    ("01-ai/Yi-1.5-9B-Chat-16K", 9 * B, None, None, ["9B"]),
    ("01-ai/Yi-6B-200K", 6 * B, None, None, ["6B"]),
    ("internlm/internlm2_5-7b-chat", 7 * B, None, None, ["7B"]),
    ("internlm/internlm2_5-7b-chat-1m", 7 * B, None, None, ["7B"]),
    ("internlm/internlm3-8b-instruct", 8 * B, None, None, ["8B"]),
    ("THUDM/glm-4-9b-chat", 9 * B, None, None, ["9B"]),
    ("THUDM/chatglm3-6b-32k", 6 * B, None, None, ["6B"]),
    ("zai-org/GLM-4.5-Air", None, None, None, None),
    ("zai-org/GLM-4.1V-9B-Thinking", 9 * B, None, None, ["9B"]),
    ("moonshotai/Kimi-K2-Instruct", None, None, None, None),
    ("moonshotai/Kimi-Dev-72B", 72 * B, None, None, ["72B"]),
    ("openai/gpt-oss-20b", 20 * B, None, None, ["20B"]),
    ("openai/gpt-oss-120b", 120 * B, None, None, ["120B"]),
    ("bigscience/bloom-7b1", 7.1 * B, None, None, ["7.1B"]),
    ("bigscience/bloom-560m", 560 * M, None, None, ["560M"]),
    ("EleutherAI/pythia-2.8b", 2.8 * B, None, None, ["2.8B"]),
    ("EleutherAI/gpt-neox-20b", 20 * B, None, None, ["20B"]),
    ("stabilityai/stablelm-2-1_6b", 1.6 * B, None, None, ["1.6B"]),
    ("TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", 1.1 * B, None, None, ["1.1B"]),
    ("tencent/Hunyuan-A13B-Instruct", None, 13 * B, None, ["A13B"]),
    ("baidu/ERNIE-4.5-300B-A47B-PT", 300 * B, 47 * B, None, ["300B-A47B"]),
    ("baidu/ERNIE-4.5-0.3B-PT", 0.3 * B, None, None, ["0.3B"]),
    ("LGAI-EXAONE/EXAONE-3.5-2.4B-Instruct", 2.4 * B, None, None, ["2.4B"]),
    ("nvidia/Nemotron-4-340B-Instruct", 340 * B, None, None, ["340B"]),
    ("NousResearch/Hermes-3-Llama-3.1-8B", 8 * B, None, None, ["8B"]),
    ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", 8 * B, None, None, ["8B"]),
    ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", 8 * B, None, None, ["8B"]),
    ("unsloth/Llama-3.2-3B-Instruct-bnb-4bit", 3 * B, None, None, ["3B"]),
    ("mlx-community/Qwen3-4B-4bit", 4 * B, None, None, ["4B"]),
    ("TheBloke/Mistral-7B-Instruct-v0.2-AWQ", 7 * B, None, None, ["7B"]),
    ("turboderp/Llama-3-70B-Instruct-exl2-4.0bpw", 70 * B, None, None, ["70B"]),
    ("RedHatAI/Llama-3.1-8B-Instruct-FP8-dynamic", 8 * B, None, None, ["8B"]),
    ("google-bert/bert-base-uncased", None, None, None, None),
    ("openai/whisper-large-v3", None, None, None, None),
    ("black-forest-labs/FLUX.1-dev", None, None, None, None),
    ("gpt-4o", None, None, None, None),
    ("gpt-4o-mini-2024-07-18", None, None, None, None),
    ("Code Llama 4 (70B & 400B)", None, None, None, ["70B", "400B"]),
    ("Code Llama 4", None, None, None, None),
    ("Gemma 3 27B", 27 * B, None, None, ["27B"]),
    ("Llama 3.1 405B", 405 * B, None, None, ["405B"]),
    ("1.5B", 1.5 * B, None, None, ["1.5B"]),
    ("Mixtral 8x22B", None, None, 8, ["8x22B"]),
    ("Phi-3-mini", None, None, None, None),
    ("bartowski/Qwen_Qwen3-30B-A3B-GGUF", 30 * B, 3 * B, None, ["30B-A3B"]),
    ("stabilityai/stablelm-2-1_6b-chat", 1.6 * B, None, None, ["1.6B"]),
    ("baidu/ERNIE-4.5-300B-A47B-PT", 300 * B, 47 * B, None, ["300B-A47B"]),
    ("LiquidAI/LFM2-350M", 350 * M, None, None, ["350M"]),
    ("meta-llama/Llama-Prompt-Guard-2-86M", 86 * M, None, None, ["86M"]),
]


@pytest.mark.parametrize(("name", "total", "active", "experts", "labels"), NAMES)
def test_params_from_name(name, total, active, experts, labels):
    params = params_from_name(name)
    if labels is None:
        assert params is None
        return
    assert params is not None
    assert params.total == approx(total)
    assert params.active == approx(active)
    assert params.experts == experts
    assert [variant.label for variant in params.variants] == labels
    assert params.method == "name"


# (text, total, active, variant totals or None when there is one)
DECLARED = [
    ("Number of Parameters: 30.5B in total and 3.3B activated", 30.5 * B, 3.3 * B, None),
    ("| Llama 4 Scout | 17B (Activated) 109B (Total) |", 109 * B, 17 * B, None),
    ("Gemma is a 27-billion parameter model.", 27 * B, None, None),
    (
        "- Number of Parameters: 32.8B\n- Number of Paramaters (Non-Embedding): 31.2B",
        32.8 * B,
        None,
        None,
    ),
    (
        "- Number of Parameters: 7.61B\n- Number of Paramaters (Non-Embedding): 6.53B",
        7.61 * B,
        None,
        None,
    ),
    ("Code Llama 4 ships in 70B and 400B parameter variants.", None, None, [70 * B, 400 * B]),
    (
        "SmolLM3 is a 3B parameter language model designed to push the boundaries of small "
        "models. SmolLM3 is a fully open model that offers strong performance at the 3B–4B "
        "scale. It was pretrained on 11.2T tokens. Post-training included midtraining on 140B "
        "reasoning tokens.",
        3 * B,
        None,
        None,
    ),
    (
        "Gemma 3 is available in 1B, 4B, 12B and 27B sizes.",
        None,
        None,
        [1 * B, 4 * B, 12 * B, 27 * B],
    ),
    (
        "Total input context of 128K tokens for the 4B, 12B, and 27B sizes, and 32K tokens for "
        "the 1B size",
        None,
        None,
        [1 * B, 4 * B, 12 * B, 27 * B],
    ),
    ("The 27B model was trained with 14 trillion tokens.", 27 * B, None, None),
    ("The model was trained with 14 trillion tokens.", None, None, None),
    ("it was pretrained on 11.2T tokens with a staged curriculum", None, None, None),
    ("Post-training included midtraining on 140B reasoning tokens", None, None, None),
    ("Supports up to 128k tokens of context.", None, None, None),
    (
        "Kimi K2 is a state-of-the-art mixture-of-experts (MoE) language model with 32 billion "
        "activated parameters and 1 trillion total parameters.",
        1e12,
        32 * B,
        None,
    ),
    (
        "DeepSeek-V3, a strong Mixture-of-Experts (MoE) language model with 671B total "
        "parameters with 37B activated for each token.",
        671 * B,
        37 * B,
        None,
    ),
    (
        "We pre-train DeepSeek-V3 on 14.8 trillion diverse and high-quality tokens.",
        None,
        None,
        None,
    ),
    (
        "Mixtral has 46.7B total parameters but only uses 12.9B parameters per token.",
        46.7 * B,
        12.9 * B,
        None,
    ),
    (
        "DBRX uses a fine-grained MoE architecture with 132B total parameters of which 36B "
        "parameters are active on any input.",
        132 * B,
        36 * B,
        None,
    ),
    (
        "MiniMax-M1 has 456 billion parameters in total, with 45.9 billion parameters activated "
        "per token.",
        456 * B,
        45.9 * B,
        None,
    ),
    (
        "The Mistral-7B-v0.1 Large Language Model (LLM) is a pretrained generative text model "
        "with 7 billion parameters.",
        7 * B,
        None,
        None,
    ),
    (
        "The Phi-3-Mini-4K-Instruct is a 3.8B parameters, lightweight, state-of-the-art open model",
        3.8 * B,
        None,
        None,
    ),
    (
        "| **Architecture** | 14B parameters, dense decoder-only Transformer model |",
        14 * B,
        None,
        None,
    ),
    (
        "| **Model** | **#Total Params** | **#Activated Params** | **Context Length** |\n"
        "| :---: | :---: | :---: | :---: |\n"
        "| DeepSeek-V3-Base | 671B | 37B | 128K |\n"
        "| DeepSeek-V3 | 671B | 37B | 128K |",
        671 * B,
        37 * B,
        None,
    ),
    (
        "|  | Training Data | Params | Context Length | Token count |\n"
        "| :---- | :---- | :---- | :---- | :---- |\n"
        "| Llama 3.2 (text only) | A new mix of publicly available online data. | 1B (1.23B) | "
        "128k | Up to 9T tokens |\n"
        "|  |  | 3B (3.21B) |  |  |",
        None,
        None,
        [1.23 * B, 3.21 * B],
    ),
    (
        "| | **Total Parameters** | 1T |\n| | **Activated Parameters** | 32B |",
        1e12,
        32 * B,
        None,
    ),
    (
        "Qwen2.5 is available in sizes of 0.5B, 1.5B, 3B, 7B, 14B, 32B, and 72B.",
        None,
        None,
        [0.5 * B, 1.5 * B, 3 * B, 7 * B, 14 * B, 32 * B, 72 * B],
    ),
    (
        "we release a number of base language models ranging from 0.5 to 72 billion parameters",
        None,
        None,
        None,
    ),
    ("Llama 3.1 405B is the first openly available 405B model", 405 * B, None, None),
    ("Mistral Small 3 is a 24B-parameter model", 24 * B, None, None),
    (
        "Falcon 180B is a 180 billion parameter model trained on 3.5 trillion tokens.",
        180 * B,
        None,
        None,
    ),
    (
        "OLMo 2 is a family of 7B and 13B models trained on up to 5T tokens.",
        None,
        None,
        [7 * B, 13 * B],
    ),
    ("The company raised $1B to train models on 2T tokens.", None, None, None),
    (
        "Granite-3.3-8B-Instruct is a 8-billion parameter 128K context length model.",
        8 * B,
        None,
        None,
    ),
    ("See Figure 3b and Table 2b for results.", None, None, None),
    ("", None, None, None),
    ("no numbers here at all", None, None, None),
    (
        "Llama 4 Scout, a 17 billion parameter model with 16 experts",
        None,
        17 * B,
        None,
    ),
    (
        "Qwen3-235B-A22B, a flagship model with 235B total parameters and 22B activated parameters",
        235 * B,
        22 * B,
        None,
    ),
    # The qualifier after 'parameters' ('in total', 'activated') and a smaller active size
    # that follows a plain one in the same statement (Qwen3, MiniMax-M1, gpt-oss cards).
    ("Qwen3-30B-A3B has 30.5B parameters in total and 3.3B activated.", 30.5 * B, 3.3 * B, None),
    (
        "MiniMax-M1 has 456 billion parameters in total, with 45.9 billion parameters activated "
        "per token.",
        456 * B,
        45.9 * B,
        None,
    ),
    ("gpt-oss-120b: 117B parameters with 5.1B active parameters per token", 117 * B, 5.1 * B, None),
    ("Hunyuan-A13B: 80B total parameters, 13B active parameters", 80 * B, 13 * B, None),
    # Labelled clauses on one line: a comma or semicolon ends one label's reach.
    ("Total parameters: 235B, activated parameters: 22B", 235 * B, 22 * B, None),
    ("Total Parameters: 1T; Activated Parameters: 32B", 1000 * B, 32 * B, None),
    (
        "With only 13 billion active parameters (out of a total of 80 billion), the model "
        "delivers competitive performance on a wide range of benchmark tasks",
        80 * B,
        13 * B,
        None,
    ),
    (
        "The newly introduced Hunyuan-A13B model features a total of 80 billion parameters "
        "with 13 billion active parameters.",
        80 * B,
        13 * B,
        None,
    ),
    ("The model has approximately 7.6B parameters (6.5B non-embedding).", 7.6 * B, None, None),
    # Two statements about two models are not one model's total and active counts.
    (
        "The 70B model is our largest. Our MoE uses 12B active parameters.",
        None,
        None,
        [None, 70 * B],
    ),
]


@pytest.mark.parametrize(("text", "total", "active", "variants"), DECLARED)
def test_params_from_text(text, total, active, variants):
    params = params_from_text(text, "https://example.org/card")
    if total is None and active is None and variants is None:
        assert params is None
        return
    assert params is not None
    assert params.method == "declared"
    if variants is None:
        assert params.total == approx(total)
        assert params.active == approx(active)
    else:
        assert params.total is None
        assert [v.total for v in params.variants] == [approx(v) for v in variants]
    assert params.evidence and params.evidence[0].extractor == "params.declared"
    assert all(len(item.snippet) <= 200 for item in params.evidence)


def test_llama4_table_pairs_active_with_total_per_row():
    html = (
        "<table><tr><th>Model Name</th><th>Training Data</th><th>Params</th>"
        "<th>Context length</th><th>Token count</th></tr>"
        '<tr><td>Llama 4 Scout (17Bx16E)</td><td rowspan="2">A mix of data</td>'
        "<td>17B (Activated)\n        109B (Total)\n    </td><td>10M</td><td>~40T</td></tr>"
        "<tr><td>Llama 4 Maverick (17Bx128E)</td><td>17B (Activated)\n 400B (Total)</td>"
        "<td>1M</td><td>~22T</td></tr></table>"
    )
    params = params_from_text(html)
    assert [(v.total, v.active) for v in params.variants] == [(109 * B, 17 * B), (400 * B, 17 * B)]


def test_phi35_moe_expert_form():
    params = params_from_text("Phi-3.5-MoE has 16x3.8B parameters with 6.6B active parameters.")
    assert params.total is None
    assert params.active == approx(6.6 * B)
    assert params.experts == 16
    assert params.variants[0].label == "16x3.8B"


def test_stated_expert_count():
    text = "- Number of Parameters: 30.5B in total and 3.3B activated\n- Number of Experts: 128\n- Number of Activated Experts: 8"
    assert params_from_text(text).experts == 128


# (model_info, total or None)
WEIGHTS = [
    (
        {
            "id": "google/gemma-3-27b-it",
            "safetensors": {"parameters": {"BF16": 27432406640}, "total": 27432406640},
        },
        27432406640,
    ),
    (
        {
            "id": "deepseek-ai/DeepSeek-R1",
            "safetensors": {
                "parameters": {"BF16": 3918786560, "F8_E4M3": 680571043840, "F32": 41555600},
                "total": 684531386000,
            },
            "config": {"quantization_config": {"quant_method": "fp8"}},
        },
        684531386000,
    ),
    (
        {
            "id": "Qwen/Qwen3-4B",
            "safetensors": {"parameters": {"BF16": 4022468096}, "total": 4022468096},
        },
        4022468096,
    ),
    (
        {
            "id": "Qwen/Qwen3.5-4B",
            "safetensors": {"parameters": {"BF16": 4659861248, "F32": 3840}, "total": 4659865088},
        },
        4659865088,
    ),
    (
        {"id": "HuggingFaceH4/zephyr-7b-beta", "safetensors": {"parameters": {"BF16": 7241732096}}},
        7241732096,
    ),
    (
        {"id": "bigscience/bloomz-560m", "safetensors": {"parameters": {"F16": 559214592}}},
        559214592,
    ),
    (
        {
            "id": "google-bert/bert-base-uncased",
            "safetensors": {"parameters": {"F32": 110106428, "I64": 512}, "total": 110106940},
        },
        110106940,
    ),
    (
        {
            "id": "orcarouter/Qwen3.8-27B-Uncensored-MLX",
            "config": {"quantization_config": {"bits": 4}},
            "safetensors": {"parameters": {"BF16": 463375600, "U32": 26893352960}},
        },
        None,
    ),
    (
        {
            "id": "TheBloke/Llama-2-7B-AWQ",
            "safetensors": {
                "parameters": {"I32": 880803840, "F16": 266338304},
                "total": 1147142144,
            },
        },
        None,
    ),
    (
        {
            "id": "unsloth/Llama-3.2-3B-Instruct-bnb-4bit",
            "config": {"quantization_config": {"load_in_4bit": True}},
            "safetensors": {"parameters": {"F32": 400000, "BF16": 1000000000, "U8": 1200000000}},
        },
        None,
    ),
    (
        {
            "id": "Venastine-Research/Xing4.0-29B-A4B-GGUF",
            "safetensors": {},
            "gguf": {"architecture": "xing4_0", "total": 31215031088},
        },
        31215031088,
    ),
    (
        {
            "id": "orcarouter/OrcaSAQ-2-Cyber-27B-Uncensored-GGUF",
            "gguf": {"architecture": "qwen35", "total": 27320697856},
        },
        27320697856,
    ),
    (
        {
            "id": "Qwen/Qwen-Image-2.1",
            "safetensors": {"parameters": {"BF16": 7115124736}},
            "gguf": {},
        },
        7115124736,
    ),
    ({"id": "x/empty", "safetensors": {}}, None),
    ({"id": "x/none"}, None),
    ({"safetensors": {"total": "27B"}}, None),
    ({"safetensors": {"total": True}}, None),
    ({"safetensors": {"total": -5}}, None),
    ({"safetensors": [1, 2]}, None),
]


@pytest.mark.parametrize(("model_info", "total"), WEIGHTS)
def test_params_from_weights(model_info, total):
    params = params_from_weights(model_info)
    if total is None:
        assert params is None
        return
    assert params.total == total
    assert params.method == "weights"
    assert params.evidence[0].extractor == "params.weights"
    assert (
        params.evidence[0].source.startswith("https://huggingface.co/api/models/")
        or "id" not in model_info
    )


def test_weights_evidence_names_the_field():
    params = params_from_weights(WEIGHTS[0][0])
    assert params.evidence[0].source == (
        "https://huggingface.co/api/models/google/gemma-3-27b-it#safetensors.total"
    )
    assert "27432406640" in params.evidence[0].snippet


GEMMA_CARD_BODY = (
    "Gemma 3 has a large, 128K context window.\n"
    "-  Total input context of 128K tokens for the 4B, 12B, and 27B sizes, and\n"
    "   32K tokens for the 1B size\n"
    "The 27B model was trained with 14 trillion tokens, the 12B model was\n"
    "trained with 12 trillion tokens, 4B model was trained with 4 trillion tokens and\n"
    "1B with 2 trillion tokens.\n"
)
QWEN3_MOE_BODY = (
    "**Qwen3-30B-A3B** has the following features:\n"
    "- Number of Parameters: 30.5B in total and 3.3B activated\n"
    "- Number of Paramaters (Non-Embedding): 29.9B\n"
    "- Number of Experts: 128\n"
    "- Number of Activated Experts: 8\n"
)
R1_DISTILL_BODY = (
    "| **Model** | **#Total Params** | **#Activated Params** | **Context Length** |\n"
    "| :---: | :---: | :---: | :---: |\n"
    "| DeepSeek-R1-Zero | 671B | 37B | 128K |\n"
    "| DeepSeek-R1 | 671B | 37B | 128K |\n"
)


# (kwargs, total, active, method, experts)
BEST = [
    ({"card": GEMMA_CARD_BODY, "name": "google/gemma-3-4b-it"}, 4 * B, None, "declared", None),
    ({"card": GEMMA_CARD_BODY, "name": "google/gemma-3-27b-it"}, 27 * B, None, "declared", None),
    (
        {"card": GEMMA_CARD_BODY, "model_info": WEIGHTS[0][0]},
        27432406640,
        None,
        "weights",
        None,
    ),
    (
        {
            "model_info": {
                "id": "Qwen/Qwen3-30B-A3B",
                "safetensors": {"parameters": {"BF16": 30532122624}, "total": 30532122624},
            },
            "card": QWEN3_MOE_BODY,
        },
        30532122624,
        3.3 * B,
        "weights",
        128,
    ),
    (
        {
            "model_info": {
                "id": "Qwen/Qwen3-30B-A3B",
                "safetensors": {"parameters": {"BF16": 30532122624}, "total": 30532122624},
            }
        },
        30532122624,
        3 * B,
        "weights",
        None,
    ),
    ({"card": QWEN3_MOE_BODY, "name": "Qwen/Qwen3-30B-A3B"}, 30.5 * B, 3.3 * B, "declared", 128),
    ({"name": "Qwen/Qwen3-30B-A3B"}, 30 * B, 3 * B, "name", None),
    (
        {
            "model_info": {
                "id": "meta-llama/Llama-4-Scout-17B-16E-Instruct",
                "safetensors": {"parameters": {"BF16": 108641793536}},
            }
        },
        108641793536,
        17 * B,
        "weights",
        16,
    ),
    (
        {"card": R1_DISTILL_BODY, "name": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"},
        7 * B,
        None,
        "name",
        None,
    ),
    (
        {"card": R1_DISTILL_BODY, "name": "deepseek-ai/DeepSeek-R1"},
        671 * B,
        37 * B,
        "declared",
        None,
    ),
    (
        {
            "text": "Phi-3-mini is a 3.8B parameters, lightweight model",
            "name": "microsoft/Phi-3-mini-4k-instruct",
        },
        3.8 * B,
        None,
        "declared",
        None,
    ),
    (
        {
            "model_info": {
                "id": "mlx-community/gemma-3-27b-it-4bit",
                "config": {"quantization_config": {"bits": 4}},
                "safetensors": {"parameters": {"BF16": 463375600, "U32": 26893352960}},
            }
        },
        27 * B,
        None,
        "name",
        None,
    ),
    ({"name": "mistralai/Mixtral-8x7B-v0.1"}, None, None, "name", 8),
    (
        {
            "text": "Mixtral 8x7B has 46.7B total parameters but only uses 12.9B parameters per token.",
            "name": "mistralai/Mixtral-8x7B-v0.1",
        },
        46.7 * B,
        12.9 * B,
        "declared",
        8,
    ),
    ({}, None, None, None, None),
    ({"name": "gpt-4o"}, None, None, None, None),
]


@pytest.mark.parametrize(("kwargs", "total", "active", "method", "experts"), BEST)
def test_best_params(kwargs, total, active, method, experts):
    params = best_params(**kwargs)
    if method is None:
        assert params is None
        return
    assert params.method == method
    assert params.total == approx(total)
    assert params.active == approx(active)
    assert params.experts == experts


def test_best_params_keeps_announcement_variants():
    params = best_params(text="Gemma 3 is available in 1B, 4B, 12B and 27B sizes.")
    assert params.total is None
    assert [v.label for v in params.variants] == ["1B", "4B", "12B", "27B"]


def test_best_params_single_repo_narrows_family_card():
    params = best_params(card=GEMMA_CARD_BODY, name="google/gemma-3-12b-pt")
    assert [v.label for v in params.variants] == ["12B"]


def test_to_json_shape():
    data = params_from_name("Qwen/Qwen3-30B-A3B").to_json()
    assert set(data) == {"total", "active", "variants", "method", "experts", "evidence"}
    assert data["variants"] == [{"label": "30B-A3B", "total": 3e10, "active": 3e9}]
    assert data["evidence"][0]["extractor"] == "params.name"


LLAMA32_BODY = (
    "The Llama 3.2 collection of multilingual large language models (LLMs) is a collection of "
    "pretrained and instruction-tuned generative models in 1B and 3B sizes (text in/text out).\n"
    "|  | Training Data | Params | Input modalities | Context Length | Token count |\n"
    "| :---- | :---- | :---- | :---- | :---- | :---- |\n"
    "| Llama 3.2 (text only) | A new mix of publicly available online data. | 1B (1.23B) | "
    "Multilingual Text | 128k | Up to 9T tokens |\n"
    "|  |  | 3B (3.21B) | Multilingual Text |  |  |\n"
)
LLAMA4_HTML = (
    "<table><tr><th>Model Name</th><th>Training Data </th><th>Params</th></tr>"
    '<tr><td>Llama 4 Scout (17Bx16E) </td><td rowspan="2">A mix of data</td>'
    "<td>17B (Activated) 109B (Total)</td></tr>"
    "<tr><td>Llama 4 Maverick (17Bx128E)</td><td>17B (Activated) 400B (Total)</td></tr></table>"
)


@pytest.mark.parametrize(
    ("name", "total", "active"),
    [
        ("meta-llama/Llama-3.2-1B-Instruct", 1.23 * B, None),
        ("meta-llama/Llama-3.2-3B-Instruct", 3.21 * B, None),
        ("meta-llama/Llama-3.2-3B", 3.21 * B, None),
    ],
)
def test_family_card_precise_variant(name, total, active):
    params = best_params(card=LLAMA32_BODY, name=name)
    assert (params.total, params.active) == (approx(total), approx(active))


@pytest.mark.parametrize(
    ("name", "total"),
    [
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 109 * B),
        ("meta-llama/Llama-4-Maverick-17B-128E-Instruct", 400 * B),
    ],
)
def test_llama4_card_row_chosen_by_name(name, total):
    params = best_params(card=LLAMA4_HTML, name=name)
    assert params.total == approx(total)
    assert params.active == approx(17 * B)


def test_a_letter_u_after_a_digit_is_not_a_unit():
    from normalize.params.prose import _unit_hits

    assert _unit_hits("gpt-4u and 0u, a 7b model") == [len("gpt-4u and 0u, a ")]
