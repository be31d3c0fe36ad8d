"""Benchmark: the `toolscout normalize` path over a deterministic mixed corpus of 100,000 inputs.

What is timed is exactly the `toolscout normalize` loop (`normalize.record.normalize_stream`):
JSON lines read as bytes from a file, each parsed, normalized and written as one JSON line to
another file. The corpus is written out before the clock starts; the process is pinned to one
core.

How the corpus is built (seeded, so every run measures the same work): inputs are assembled from
real-shaped parts, never copies of one template, so a run is not a replay of cache hits:

- names (30%): repo ids of ~45 real families x sizes x flavours, same-org and third-party
  quantizations and fine-tunes (user orgs and descriptive suffixes drawn at random), titles
  ("Gemma 3 27B", "Code Llama 4 (70B & 400B)") and names that state no size ("Phi-3-mini");
- `/api/models` objects (20%): ids as above, tags, cardData, safetensors or gguf totals
  (integer-packed quantized counts included), siblings, dates, download counts;
- model cards (15%): YAML front matter (flat, nested, license: other + license_name/link)
  and a body assembled from 2-12 sections (overview lists, spec tables with a Params column,
  benchmark tables, quickstart code, GGUF file tables, prose with sizes, token counts and
  context lengths, citations), 0.3-15 KB;
- announcement texts (15%): 3-14 sentences of release prose (sizes, MoE totals and active
  counts, token counts, licenses, prices, benchmark scores), 0.2-3 KB;
- pricing records (12%): OpenRouter, LiteLLM, Hugging Face router and models.dev objects;
- pricing lines (8%): tier words, per-token and per-month prices in the spellings vendors use.

It prints the corpus size, how many inputs are distinct, the mean input size, the elapsed
seconds and records per second. With `--listing N` it also times `normalize.hub.model_facts`
on N Hub listing entries (the `/api/models` objects above without siblings or a README, as a
crawl reads a listing page), each entry new to the process, and prints microseconds per entry.

    .venv/bin/python bench/normalize.py [--size N] [--seed S] [--listing N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normalize.hub import model_facts  # noqa: E402
from normalize.record import normalize_stream  # noqa: E402

# (org, name pattern, sizes, Hub license id or None for `license: other`, display family)
FAMILIES = [
    ("google", "gemma-3-{size}-it", ["1b", "4b", "12b", "27b", "270m"], "gemma", "Gemma 3"),
    ("google", "gemma-3-{size}-pt", ["1b", "4b", "12b", "27b"], "gemma", "Gemma 3"),
    ("google", "gemma-2-{size}-it", ["2b", "9b", "27b"], "gemma", "Gemma 2"),
    ("google", "gemma-3n-{size}-it", ["E2B", "E4B"], "gemma", "Gemma 3n"),
    ("google", "codegemma-{size}", ["2b", "7b"], "gemma", "CodeGemma"),
    ("meta-llama", "Llama-3.1-{size}-Instruct", ["8B", "70B", "405B"], "llama3.1", "Llama 3.1"),
    ("meta-llama", "Llama-3.2-{size}", ["1B", "3B"], "llama3.2", "Llama 3.2"),
    ("meta-llama", "Llama-3.2-{size}-Vision-Instruct", ["11B", "90B"], "llama3.2", "Llama 3.2"),
    ("meta-llama", "Llama-3.3-{size}-Instruct", ["70B"], "llama3.3", "Llama 3.3"),
    ("meta-llama", "Llama-4-Scout-{size}-Instruct", ["17B-16E"], "llama4", "Llama 4 Scout"),
    ("meta-llama", "Llama-4-Maverick-{size}-Instruct", ["17B-128E"], "llama4", "Llama 4"),
    ("meta-llama", "Llama-2-{size}-chat-hf", ["7b", "13b", "70b"], "llama2", "Llama 2"),
    (
        "Qwen",
        "Qwen2.5-{size}-Instruct",
        ["0.5B", "1.5B", "3B", "7B", "14B", "32B", "72B"],
        "apache-2.0",
        "Qwen2.5",
    ),
    (
        "Qwen",
        "Qwen2.5-Coder-{size}-Instruct",
        ["1.5B", "7B", "14B", "32B"],
        "apache-2.0",
        "Qwen2.5 Coder",
    ),
    (
        "Qwen",
        "Qwen3-{size}",
        ["0.6B", "1.7B", "4B", "8B", "14B", "32B", "30B-A3B", "235B-A22B"],
        "apache-2.0",
        "Qwen3",
    ),
    ("Qwen", "Qwen3-Coder-{size}-Instruct", ["480B-A35B", "30B-A3B"], "apache-2.0", "Qwen3 Coder"),
    ("Qwen", "Qwen2-VL-{size}-Instruct", ["2B", "7B", "72B"], None, "Qwen2 VL"),
    ("Qwen", "QwQ-{size}", ["32B"], "apache-2.0", "QwQ"),
    (
        "mistralai",
        "Mistral-Small-3.2-{size}-Instruct-2506",
        ["24B"],
        "apache-2.0",
        "Mistral Small 3.2",
    ),
    ("mistralai", "Mixtral-{size}-Instruct-v0.1", ["8x7B", "8x22B"], "apache-2.0", "Mixtral"),
    ("mistralai", "Mistral-{size}-Instruct-v0.3", ["7B"], "apache-2.0", "Mistral"),
    ("mistralai", "Codestral-{size}-v0.1", ["22B"], None, "Codestral"),
    ("mistralai", "Ministral-{size}-Instruct-2410", ["8B"], None, "Ministral"),
    (
        "deepseek-ai",
        "DeepSeek-R1-Distill-Qwen-{size}",
        ["1.5B", "7B", "14B", "32B"],
        "mit",
        "DeepSeek R1 Distill Qwen",
    ),
    (
        "deepseek-ai",
        "DeepSeek-R1-Distill-Llama-{size}",
        ["8B", "70B"],
        "mit",
        "DeepSeek R1 Distill Llama",
    ),
    (
        "deepseek-ai",
        "deepseek-coder-{size}-instruct",
        ["1.3b", "6.7b", "33b"],
        None,
        "DeepSeek Coder",
    ),
    ("deepseek-ai", "DeepSeek-V2-Lite{size}", [""], None, "DeepSeek V2 Lite"),
    ("HuggingFaceTB", "SmolLM2-{size}-Instruct", ["135M", "360M", "1.7B"], "apache-2.0", "SmolLM2"),
    ("HuggingFaceTB", "SmolLM3-{size}", ["3B"], "apache-2.0", "SmolLM3"),
    ("microsoft", "Phi-3-{size}-4k-instruct", ["mini", "medium"], "mit", "Phi 3"),
    ("microsoft", "Phi-3.5-MoE-instruct{size}", [""], "mit", "Phi 3.5 MoE"),
    ("microsoft", "phi-4{size}", ["", "-mini-instruct"], "mit", "Phi 4"),
    ("tiiuae", "Falcon3-{size}-Instruct", ["1B", "3B", "7B", "10B"], None, "Falcon3"),
    ("tiiuae", "falcon-{size}", ["7b", "40b", "180B"], None, "Falcon"),
    ("ibm-granite", "granite-3.3-{size}-instruct", ["2b", "8b"], "apache-2.0", "Granite 3.3"),
    ("allenai", "OLMo-2-1124-{size}-Instruct", ["7B", "13B"], "apache-2.0", "OLMo 2"),
    ("allenai", "OLMoE-{size}-0924", ["1B-7B"], "apache-2.0", "OLMoE"),
    ("nvidia", "Llama-3.1-Nemotron-{size}-Instruct-HF", ["70B"], None, "Nemotron"),
    ("CohereForAI", "c4ai-command-r-{size}", ["v01", "plus"], "cc-by-nc-4.0", "Command R"),
    ("01-ai", "Yi-1.5-{size}-Chat", ["6B", "9B", "34B"], "apache-2.0", "Yi 1.5"),
    ("internlm", "internlm2_5-{size}-chat", ["1_8b", "7b", "20b"], None, "InternLM2.5"),
    ("THUDM", "glm-4-{size}-chat", ["9b"], None, "GLM-4"),
    ("openai", "gpt-oss-{size}", ["20b", "120b"], "apache-2.0", "gpt-oss"),
    ("moonshotai", "Kimi-K2-{size}", ["Instruct", "Base"], None, "Kimi K2"),
    ("stabilityai", "stablelm-2-{size}", ["1_6b", "12b"], None, "StableLM 2"),
]
# Real weight totals where known; other sizes get a count near the nominal one.
COUNTS = {
    "0.5b": 494_032_768, "1.5b": 1_543_714_304, "7b": 7_615_616_512, "27b": 27_432_406_640,
    "8b": 8_030_261_248, "4b": 4_300_079_472, "1b": 999_885_952, "70b": 70_553_706_496,
    "135m": 134_515_008, "360m": 361_821_120, "1.7b": 1_711_376_384, "3b": 3_085_938_688,
}  # fmt: skip
OTHER_LICENSES = [
    ("qwen", "LICENSE"), ("tongyi-qianwen", "https://huggingface.co/Qwen/Qwen-7B/blob/main/LICENSE"),
    ("mnpl", "https://mistral.ai/licenses/MNPL-0.1.md"), ("mrl", "https://mistral.ai/licenses/MRL-0.1.md"),
    ("falcon-llm-license", "https://falconllm.tii.ae/falcon-terms-and-conditions.html"),
    ("deepseek", "LICENSE"), ("nvidia-open-model-license", "https://www.nvidia.com/en-us/agreements/"
     "enterprise-software/nvidia-open-model-license/"), ("glm-4", "LICENSE"),
    ("modified-mit", "LICENSE"), ("internlm-license", "LICENSE"), ("kimi-license", "LICENSE"),
]  # fmt: skip
THIRD_PARTY_ORGS = [
    "unsloth", "bartowski", "mlx-community", "TheBloke", "lmstudio-community", "QuantFactory",
    "MaziyarPanahi", "NousResearch", "mradermacher", "RedHatAI", "neuralmagic", "TechxGenus",
    "cognitivecomputations", "huihui-ai", "Orenguteng", "arcee-ai", "VAGOsolutions",
]  # fmt: skip
QUANT_SUFFIXES = [
    "-GGUF", "-AWQ", "-GPTQ-Int4", "-4bit", "-8bit", "-MLX-4bit", "-bnb-4bit", "-FP8", "-FP8-dynamic",
    "-Q4_K_M-GGUF", "-i1-GGUF", "-GPTQ", "-unsloth-bnb-4bit", "-exl2", "-W4A16", "-mlx-8Bit",
]  # fmt: skip
TUNE_WORDS = [
    "sft", "dpo", "orpo", "lora", "merged", "abliterated", "uncensored", "medical", "legal", "math",
    "coder", "roleplay", "chat", "finetuned", "alpaca", "tulu", "hermes", "dolphin", "ko", "ja",
    "de", "fr", "es", "zh", "arabic", "hindi", "reasoning", "grpo", "distill", "v2", "v0.3", "r1",
    "summarizer", "sql", "function-calling", "json", "rag", "agent", "long-context", "128k",
]  # fmt: skip
SYLLABLES = ["ka", "ri", "to", "mo", "zen", "lab", "ai", "dev", "neo", "ix", "ux", "ha", "ron"]
NO_SIZE_NAMES = [
    "Phi-3-mini", "DeepSeek-V3", "DeepSeek-R1", "Claude 3.5 Sonnet", "GPT-4o mini",
    "Mistral Large 2", "Gemini 2.0 Flash", "Command R+", "Kimi K2", "Grok 2", "o3-mini",
]  # fmt: skip
TITLE_PATTERNS = [
    "{family} {size}", "{family} ({size} & {size2})", "Introducing {family}", "{family} {size} Instruct",
    "{family}: {size} model", "{family} {size} ({size2} active)",
]  # fmt: skip


def _user_org(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 4)))
    return word + (str(rng.randrange(100)) if rng.random() < 0.4 else "")


def repo_id(rng: random.Random) -> tuple[str, str, str | None, str]:
    """(repo id, size token, license id, family display name)."""
    org, pattern, sizes, license_id, family = rng.choice(FAMILIES)
    size = rng.choice(sizes)
    name = pattern.format(size=size)
    roll = rng.random()
    if roll < 0.35:
        return f"{org}/{name}", size, license_id, family
    if roll < 0.7:
        third = rng.choice(THIRD_PARTY_ORGS)
        return f"{third}/{name}{rng.choice(QUANT_SUFFIXES)}", size, license_id, family
    words = rng.sample(TUNE_WORDS, rng.randrange(1, 4))
    sep = rng.choice(["-", "_", "-"])
    tuned = sep.join([name, *words])
    if rng.random() < 0.3:
        tuned += rng.choice(QUANT_SUFFIXES)
    return f"{_user_org(rng)}/{tuned}", size, license_id, family


def _count(size: str, rng: random.Random) -> int:
    if size.lower() in COUNTS:
        return COUNTS[size.lower()]
    digits = "".join(ch for ch in size.split("-")[0] if ch.isdigit() or ch == ".")
    try:
        nominal = float(digits) * (1e6 if size.lower().endswith("m") else 1e9)
    except ValueError:
        nominal = rng.randrange(1, 80) * 1e9
    return int(nominal * rng.uniform(0.92, 1.12)) or 10**9


def name_only(rng: random.Random) -> dict:
    roll = rng.random()
    if roll < 0.7:
        return {"text": repo_id(rng)[0]}
    if roll < 0.85:
        _, pattern, sizes, _, family = rng.choice(FAMILIES)
        size, size2 = rng.choice(sizes).upper(), rng.choice(sizes).upper()
        return {"text": rng.choice(TITLE_PATTERNS).format(family=family, size=size, size2=size2)}
    name = rng.choice(NO_SIZE_NAMES)
    return {"text": name + (f" ({rng.randrange(2023, 2026)})" if rng.random() < 0.5 else "")}


def _siblings(repo: str, rng: random.Random) -> list[dict]:
    files = [".gitattributes", "README.md", "config.json", "generation_config.json"]
    files += ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
    shards = rng.randrange(1, 30)
    files += [f"model-{i:05d}-of-{shards:05d}.safetensors" for i in range(1, shards + 1)]
    return [{"rfilename": name} for name in files]


def model_info(rng: random.Random) -> dict:
    repo, size, license_id, _ = repo_id(rng)
    total = _count(size, rng)
    info: dict = {
        "_id": f"{rng.getrandbits(96):024x}",
        "id": repo,
        "modelId": repo,
        "author": repo.split("/")[0],
        "sha": f"{rng.getrandbits(160):040x}",
        "lastModified": f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T08:12:44.000Z",
        "createdAt": f"2025-0{rng.randrange(1, 10)}-0{rng.randrange(1, 10)}T11:02:10.000Z",
        "private": False,
        "gated": rng.choice([False, False, "auto", "manual"]),
        "disabled": False,
        "downloads": rng.randrange(0, 5_000_000),
        "likes": rng.randrange(0, 5000),
        "library_name": rng.choice(["transformers", "transformers", "gguf", "mlx", "vllm"]),
        "pipeline_tag": "text-generation",
        "tags": ["transformers", "safetensors", "text-generation", "conversational", "en"],
    }
    if license_id:
        info["tags"].append(f"license:{license_id}")
        info["cardData"] = {"license": license_id, "language": ["en"]}
    else:
        name, link = rng.choice(OTHER_LICENSES)
        info["tags"].append("license:other")
        info["cardData"] = {"license": "other", "license_name": name, "license_link": link}
    shape = rng.random()
    if shape < 0.6:
        info["safetensors"] = {"parameters": {"BF16": total}, "total": total}
    elif shape < 0.75:
        info["safetensors"] = {
            "parameters": {"BF16": total // 60, "U32": total // 8, "F16": total // 200},
            "total": total // 60 + total // 8 + total // 200,
        }
        info["config"] = {"quantization_config": {"bits": 4, "quant_method": "awq"}}
    elif shape < 0.9:
        info["gguf"] = {"architecture": "llama", "total": total, "context_length": 131072}
    if rng.random() < 0.5:
        info["siblings"] = _siblings(repo, rng)
    return {"model_info": info}


# Cards ---------------------------------------------------------------------------------------


def _front_matter(rng: random.Random, repo: str, size: str, license_id: str | None) -> str:
    lines = []
    if license_id:
        lines.append(f"license: {license_id}")
    else:
        name, link = rng.choice(OTHER_LICENSES)
        lines += ["license: other", f"license_name: {name}", f"license_link: {link}"]
    if rng.random() < 0.7:
        lines += ["language:", *(f"- {lang}" for lang in rng.sample(["en", "zh", "fr", "de",
                  "es", "ja", "ko", "ar", "hi", "pt"], rng.randrange(1, 6)))]  # fmt: skip
    lines += ["library_name: transformers", "pipeline_tag: text-generation"]
    if rng.random() < 0.6:
        lines.append(f"base_model: {repo}")
    if rng.random() < 0.3:
        lines += ["base_model_relation: quantized"]
    lines += ["tags:", *(f"- {tag}" for tag in rng.sample(["chat", "text-generation", "gguf",
              "llama-cpp", "conversational", "code", "math", size.lower() or "moe", "reasoning"],
              rng.randrange(1, 5)))]  # fmt: skip
    if rng.random() < 0.3:
        # Nested YAML (widgets, inference parameters, gated prompts) needs the real parser.
        lines += ["widget:", "- messages:", "  - role: user", "    content: How many r's in "
                  "strawberry?", "inference:", "  parameters:", f"    temperature: 0.{rng.randrange(10)}",
                  "extra_gated_prompt: >-", "  You agree to the license and the acceptable use "
                  "policy."]  # fmt: skip
    return "---\n" + "\n".join(lines) + "\n---\n"


def _overview(rng, name, size, family) -> str:
    total = f"{rng.randrange(1, 400)}.{rng.randrange(10)}B"
    return (
        f"## Model Overview\n\n**{name}** has the following features:\n"
        f"- Type: Causal Language Models\n- Training Stage: Pretraining & Post-training\n"
        f"- Number of Parameters: {total}\n"
        f"- Number of Paramaters (Non-Embedding): {rng.randrange(1, 300)}.{rng.randrange(10)}B\n"
        f"- Number of Layers: {rng.choice([24, 28, 36, 48, 64, 94])}\n"
        f"- Number of Attention Heads (GQA): {rng.choice([16, 32, 64])} for Q and 4 for KV\n"
        f"- Context Length: {rng.choice(['32,768', '131,072', '40,960'])} natively\n\n"
    )


def _intro(rng, name, size, family) -> str:
    sizes = ", ".join(rng.sample(["0.5B", "1B", "1.5B", "3B", "4B", "7B", "12B", "14B", "27B",
                                  "32B", "72B"], rng.randrange(2, 5)))  # fmt: skip
    return (
        f"# {name}\n\n{family} is the latest series of large language models from the team. "
        f"For {family}, we release a number of base language models and instruction-tuned "
        f"language models ranging from {sizes} parameters. It was pretrained on "
        f"{rng.randrange(2, 40)}T tokens and supports a context length of up to "
        f"{rng.choice(['32K', '128K', '1M'])} tokens, generating up to 8K tokens.\n\n"
    )


def _spec_table(rng, name, size, family) -> str:
    rows = []
    for sz in rng.sample(["1B", "3B", "8B", "11B", "70B", "90B", "405B"], rng.randrange(2, 5)):
        rows.append(
            f"| {family} | Multilingual text | {sz} | {rng.choice(['8k', '128k'])} | Yes | "
            f"{rng.randrange(2, 16)}T tokens | December 2023 |"
        )
    header = "| | Training Data | Params | Context length | GQA | Token count | Knowledge cutoff |"
    return (
        header
        + "\n| :---- | :---- | :---- | :---- | :---- | :---- | :---- |\n"
        + "\n".join(rows)
        + "\n\n"
    )


def _bench_table(rng, name, size, family) -> str:
    cols = rng.sample(["MMLU", "GSM8K", "HumanEval", "MATH", "GPQA", "ARC-C", "IFEval"], 4)
    lines = ["| Benchmark | " + " | ".join([name.split("/")[-1], "Llama-3.1-8B", "Qwen2.5-7B"])
             + " |", "|---|---|---|---|"]  # fmt: skip
    for col in cols:
        scores = " | ".join(f"{rng.uniform(20, 95):.1f}" for _ in range(3))
        lines.append(f"| {col} (5-shot) | {scores} |")
    return "## Evaluation\n\n" + "\n".join(lines) + "\n\n"


def _quickstart(rng, name, size, family) -> str:
    return (
        "## Quickstart\n\n```python\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n"
        f'model_name = "{name}"\nmodel = AutoModelForCausalLM.from_pretrained(model_name, '
        'torch_dtype="auto", device_map="auto")\ntokenizer = AutoTokenizer.from_pretrained('
        'model_name)\nmessages = [{"role": "user", "content": "Give me a short introduction."}]\n'
        "generated_ids = model.generate(**inputs, max_new_tokens=32768)\n```\n\n"
    )


def _gguf_table(rng, name, size, family) -> str:
    lines = ["| Filename | Quant type | File Size | Split | Description |", "| -------- | ---------- "
             "| --------- | ----- | ----------- |"]  # fmt: skip
    for quant in rng.sample(["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q4_0", "IQ4_XS", "Q3_K_L",
                             "IQ2_M"], rng.randrange(3, 8)):  # fmt: skip
        lines.append(
            f"| [{name.split('/')[-1]}-{quant}.gguf](https://huggingface.co/x/blob/main/f.gguf) "
            f"| {quant} | {rng.uniform(0.5, 80):.2f}GB | false | Good quality, recommended. |"
        )
    return "## Download a file\n\n" + "\n".join(lines) + "\n\n"


def _prose(rng, name, size, family) -> str:
    sentences = [
        f"{family} {size} was trained on {rng.randrange(1, 40)} trillion tokens of web data.",
        f"The {size} model fits on a single GPU with {rng.choice([24, 48, 80])} GB of memory.",
        f"It is a mixture-of-experts model with {rng.randrange(20, 700)}B total parameters and "
        f"{rng.randrange(2, 40)}B activated per token.",
        "We recommend a temperature of 0.6 and top-p of 0.95 for thinking mode.",
        f"The model supports {rng.randrange(8, 120)} languages and tool calling.",
        f"Compared with its predecessor it improves MMLU by {rng.uniform(1, 9):.1f} points.",
        f"Quantized to 4 bits the {size} weights need about {rng.uniform(1, 60):.1f} GB.",
        "See our technical report for details of the training recipe and data mixture.",
    ]
    return " ".join(rng.sample(sentences, rng.randrange(2, 6))) + "\n\n"


def _license_section(rng, name, size, family) -> str:
    return rng.choice(
        [
            "## License\n\nThis model is released under the Apache 2.0 license.\n\n",
            "## License\n\nUse of this model is governed by the Gemma Terms of Use.\n\n",
            "## License\n\nLlama 3.1 is licensed under the Llama 3.1 Community License, "
            "Copyright © Meta Platforms, Inc. All Rights Reserved.\n\n",
            "## License\n\nThe code and weights are MIT licensed.\n\n",
        ]
    )


def _citation(rng, name, size, family) -> str:
    return (
        "## Citation\n\n```bibtex\n@misc{team2025,\n  title={" + family + " Technical Report},\n"
        "  author={Team},\n  year={2025},\n  eprint={2505.09388},\n  archivePrefix={arXiv}\n}\n"
        "```\n"
    )


SECTIONS = [_overview, _spec_table, _bench_table, _quickstart, _gguf_table, _prose,
            _license_section, _citation, _prose, _bench_table]  # fmt: skip


def card(rng: random.Random) -> dict:
    repo, size, license_id, family = repo_id(rng)
    name = repo.split("/")[1]
    parts = [_front_matter(rng, repo, size, license_id), _intro(rng, name, size, family)]
    # Most Hub cards are short (quantizations, fine-tunes); vendors' cards are long.
    count = rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12])
    parts += [rng.choice(SECTIONS)(rng, name, size, family) for _ in range(count)]
    text = "".join(parts)
    return {"card": text.replace("\n", "\r\n") if rng.random() < 0.1 else text}


# Announcements -------------------------------------------------------------------------------

ANNOUNCEMENT_SENTENCES = [
    "Today we are releasing {name}, a {size} parameter model trained on {tokens}T tokens.",
    "{name} is a mixture-of-experts model with {total} total parameters and {active} activated "
    "for each token.",
    "The {family} family is available in {sizes} sizes.",
    "The weights are available under the {license_text}.",
    "Pricing is ${cents} / 1M input tokens and ${dollars} / 1M output tokens through our API.",
    "It outperforms models twice its size, scoring {score} on MMLU and {score2} on GSM8K.",
    "The model supports a {ctx} context window and native function calling.",
    "You can try it for free in the playground, then pay as you go.",
    "{name} runs on a single H100 and was trained with {gpus} GPUs over {days} days.",
    "Developers can download it today from Hugging Face and Kaggle.",
    "Our {size} model beats the previous {size2} release on every benchmark we tried.",
    "It was distilled from a {bigger} teacher model.",
    "Compared with the {size2} model, latency drops by {score} percent.",
    "This release also includes a {ctx}-token version for long documents.",
]
LICENSE_TEXTS = [
    "Llama 4 Community License Agreement", "Apache 2.0 license", "MIT license",
    "Gemma Terms of Use", "Mistral AI Non-Production License", "Tongyi Qianwen license",
    "CC BY-NC 4.0 license", "a permissive research license",
]  # fmt: skip


def announcement(rng: random.Random) -> dict:
    repo, size, _, family = repo_id(rng)
    count = rng.randrange(3, 15)
    sentences = [rng.choice(ANNOUNCEMENT_SENTENCES) for _ in range(count)]
    sizes = rng.sample(["1B", "3B", "4B", "8B", "12B", "27B", "70B", "405B"], 3)
    text = " ".join(sentences).format(
        name=repo.split("/")[1],
        size=size or "7B",
        size2=rng.choice(["7B", "13B", "70B", "8x7B"]),
        bigger=rng.choice(["671B", "405B", "235B"]),
        tokens=rng.randrange(2, 40),
        license_text=rng.choice(LICENSE_TEXTS),
        total=f"{rng.randrange(20, 700)}B",
        active=f"{rng.randrange(2, 40)}B",
        family=family,
        sizes=", ".join(sizes[:-1]) + " and " + sizes[-1],
        cents=f"0.{rng.randrange(10, 99)}",
        dollars=rng.randrange(1, 20),
        score=f"{rng.uniform(30, 95):.1f}",
        score2=f"{rng.uniform(30, 95):.1f}",
        ctx=rng.choice(["128K", "32K", "1M", "256K"]),
        gpus=rng.choice(["2,048", "16,384", "512"]),
        days=rng.randrange(10, 90),
    )
    return {"text": text}


# Pricing -------------------------------------------------------------------------------------


def pricing_record(rng: random.Random) -> dict:
    repo = repo_id(rng)[0].lower()
    shape = rng.random()
    if shape < 0.45:
        prompt = f"0.{rng.randrange(10**8):09d}"
        completion = f"0.{rng.randrange(10**8):09d}"
        free = rng.random() < 0.1
        return {
            "pricing": {
                "id": repo + (":free" if free else ""),
                "canonical_slug": repo,
                "name": repo.split("/")[-1].replace("-", " ").title(),
                "created": 1745000000 + rng.randrange(10**7),
                "description": "A model for chat, reasoning and code. " * rng.randrange(1, 4),
                "context_length": rng.choice([32768, 131072, 40960]),
                "architecture": {
                    "modality": "text->text",
                    "input_modalities": ["text"],
                    "output_modalities": ["text"],
                    "tokenizer": "Qwen3",
                },  # fmt: skip
                "pricing": {
                    "prompt": "0" if free else prompt,
                    "completion": "0" if free else completion,
                    "request": "0",
                    "image": "0",
                    "web_search": "0",
                    "internal_reasoning": "0",
                },  # fmt: skip
                "top_provider": {
                    "context_length": 40960,
                    "max_completion_tokens": 40960,
                    "is_moderated": False,
                },  # fmt: skip
                "supported_parameters": ["max_tokens", "temperature", "top_p", "tools"],
            }
        }
    if shape < 0.75:
        cost = rng.randrange(1, 300) * 1e-8
        provider = rng.choice(["openai", "anthropic", "together_ai", "ollama", "vllm", "bedrock"])
        return {
            "pricing": {
                "max_tokens": 8192,
                "max_input_tokens": 131072,
                "max_output_tokens": 8192,
                "input_cost_per_token": 0.0 if provider in ("ollama", "vllm") else cost,
                "output_cost_per_token": 0.0 if provider in ("ollama", "vllm") else cost * 4,
                "litellm_provider": provider,
                "mode": "chat",
                "supports_function_calling": True,
            }
        }
    if shape < 0.9:
        providers = [
            {
                "provider": rng.choice(["together", "novita", "fireworks-ai", "nebius", "groq"]),
                "status": rng.choice(["live", "live", "staging"]),
                "context_length": 131072,
                "pricing": {
                    "input": rng.randrange(5, 300) / 100,
                    "output": rng.randrange(5, 900) / 100,
                },
                "supports_tools": True,
            }
            for _ in range(rng.randrange(1, 6))
        ]
        return {"pricing": {"id": repo, "object": "model", "providers": providers}}
    return {
        "pricing": {
            "id": repo.split("/")[-1],
            "name": repo.split("/")[-1],
            "open_weights": rng.random() < 0.5,
            "cost": {"input": rng.randrange(0, 300) / 100, "output": rng.randrange(0, 900) / 100},
            "limit": {"context": 131072, "output": 8192},
        }
    }


PRICING_LINES = [
    "Free", "Paid", "Freemium", "${dollars}/month", "${dollars} per user per month",
    "Free (open weights, self-hosted) / Inference costs vary by provider",
    "${dollars} / 1M input tokens, ${out} / 1M output tokens",
    "$0.{cents} per million tokens", "$0.000{cents} per 1K tokens", "free tier then pay-as-you-go",
    "Input: ${dollars}.{cents} / MTok · Output: ${out} / MTok", "Contact sales for enterprise pricing",
    "Free plan; Pro ${dollars}/mo", "Open weights (Apache 2.0)", "Pricing not yet announced",
]  # fmt: skip


def pricing_text(rng: random.Random) -> dict:
    line = rng.choice(PRICING_LINES)
    return {
        "text": line.format(
            dollars=rng.randrange(1, 60), out=rng.randrange(2, 80), cents=rng.randrange(10, 99)
        )
    }


MIX = [
    (name_only, 0.30),
    (model_info, 0.20),
    (card, 0.15),
    (announcement, 0.15),
    (pricing_record, 0.12),
    (pricing_text, 0.08),
]


def build_corpus(size: int, seed: int) -> list[str]:
    """`size` JSON lines, drawn from `MIX` with a seeded generator."""
    rng = random.Random(seed)
    makers = [maker for maker, _ in MIX]
    weights = [weight for _, weight in MIX]
    return [json.dumps(rng.choices(makers, weights)[0](rng)) for _ in range(size)]


def _one_core() -> str:
    """Pin this process to one CPU so the figure is a one-core figure."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    except (AttributeError, OSError):  # not Linux: the loop is single-threaded anyway
        return "one thread"


def listing_entries(count: int, seed: int) -> list[dict]:
    """Hub listing entries: `/api/models` objects with cardData and no README or siblings."""
    rng = random.Random(seed)
    entries = []
    for _ in range(count):
        info = model_info(rng)["model_info"]
        info.pop("siblings", None)
        entries.append(info)
    return entries


def time_listing(count: int, seed: int) -> float:
    """Microseconds per `model_facts` call on `count` listing entries (one pass, as a crawl
    reads each listing page once)."""
    entries = listing_entries(count, seed)
    started = time.perf_counter()
    for info in entries:
        model_facts(info, None, source=f"https://huggingface.co/api/models/{info['id']}")
    return (time.perf_counter() - started) / max(1, count) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--listing", type=int, default=0, help="also time N listing entries")
    args = parser.parse_args()
    core = _one_core()
    corpus = build_corpus(args.size, args.seed)
    distinct = len(set(corpus))
    mean_bytes = sum(map(len, corpus)) / max(1, len(corpus))
    with tempfile.TemporaryDirectory() as tmp:
        source, sink = Path(tmp, "in.jsonl"), Path(tmp, "out.jsonl")
        source.write_text("\n".join(corpus) + "\n", encoding="utf-8")
        with source.open("rb") as lines, sink.open("wb") as out:
            started = time.perf_counter()
            written = normalize_stream(lines, out)
            elapsed = time.perf_counter() - started
        output = sink.read_bytes()
    print(f"corpus: {len(corpus)} records ({distinct} distinct, mean {mean_bytes:,.0f} bytes)")
    print(f"core: {core}")
    print(f"elapsed: {elapsed:.2f} s")
    print(f"throughput: {len(corpus) / elapsed:,.0f} records/s")
    filled = output.count(b'"evidence"')
    print(f"lines written: {written}, fields filled: {filled}")
    if args.listing:
        micros = time_listing(args.listing, args.seed + 1)
        print(f"model_facts: {micros:.1f} µs per listing entry ({args.listing} entries)")


if __name__ == "__main__":
    main()
