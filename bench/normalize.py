"""Benchmark: `normalize_record` over a deterministic mixed corpus of 100,000 inputs.

The corpus varies real-shaped templates (Hub repo ids, `/api/models` objects, model cards with
front matter, announcement paragraphs, OpenRouter / LiteLLM / HF router pricing records and
pricing lines) with a seeded random generator, so every run measures the same work. It runs on
one core and prints the corpus size, the elapsed seconds and records per second.

    .venv/bin/python bench/normalize.py [--size N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from normalize.record import normalize_record  # noqa: E402

FAMILIES = [
    ("google", "gemma-3-{size}-it", ["1b", "4b", "12b", "27b"], "gemma"),
    ("meta-llama", "Llama-3.1-{size}-Instruct", ["8B", "70B", "405B"], "llama3.1"),
    ("meta-llama", "Llama-3.2-{size}", ["1B", "3B"], "llama3.2"),
    ("meta-llama", "Llama-4-Scout-{size}-Instruct", ["17B-16E"], "llama4"),
    ("Qwen", "Qwen2.5-{size}-Instruct", ["0.5B", "1.5B", "3B", "7B", "14B", "32B", "72B"], None),
    (
        "Qwen",
        "Qwen3-{size}",
        ["0.6B", "1.7B", "4B", "8B", "14B", "32B", "30B-A3B", "235B-A22B"],
        None,
    ),
    ("mistralai", "Mistral-Small-3.2-{size}-Instruct-2506", ["24B"], "apache-2.0"),
    ("mistralai", "Mixtral-{size}-Instruct-v0.1", ["8x7B", "8x22B"], "apache-2.0"),
    ("deepseek-ai", "DeepSeek-R1-Distill-Qwen-{size}", ["1.5B", "7B", "14B", "32B"], "mit"),
    ("HuggingFaceTB", "SmolLM2-{size}-Instruct", ["135M", "360M", "1.7B"], "apache-2.0"),
    ("microsoft", "Phi-3-{size}-4k-instruct", ["mini", "medium"], "mit"),
    ("tiiuae", "Falcon3-{size}-Instruct", ["1B", "3B", "7B", "10B"], None),
    ("ibm-granite", "granite-3.3-{size}-instruct", ["2b", "8b"], "apache-2.0"),
]
QUANT_SUFFIXES = ["", "", "", "-GGUF", "-AWQ", "-4bit", "-FP8", "-bnb-4bit"]
OTHER_LICENSES = ["qwen", "tongyi-qianwen", "mnpl", "falcon-llm-license", "llama4"]
COUNTS = {"0.5b": 494032768, "7b": 7615616512, "27b": 27432406640, "8b": 8030261248}

ANNOUNCEMENTS = [
    "Today we release {name}, a {size} parameter model trained on {tokens}T tokens. It is "
    "available under the {license_text}. The model supports a 128K context window.",
    "{name} is a mixture-of-experts model with {total} total parameters and {active} activated "
    "for each token. Weights are released under Apache 2.0.",
    "The {family} family is available in 1B, 4B, 12B and 27B sizes. The 27B model was trained "
    "with 14 trillion tokens. Use is governed by the Gemma Terms of Use.",
    "Introducing {name}: pricing is $0.{cents} / 1M input tokens and ${dollars} / 1M output "
    "tokens, with a free tier for developers.",
]
PRICING_LINES = [
    "Free",
    "Paid",
    "Freemium",
    "$20/month",
    "Free (open weights, self-hosted) / Inference costs vary by provider",
    "${dollars} / 1M input tokens, ${out} / 1M output tokens",
    "$0.0008 per 1K tokens",
]
CARD_BODY = (
    "# {name}\n\n## Model Overview\n\n**{name}** has the following features:\n"
    "- Type: Causal Language Models\n- Number of Parameters: {declared}\n"
    "- Number of Paramaters (Non-Embedding): {nonembed}\n- Context Length: 32,768\n\n"
    "## Quickstart\n\n```python\nfrom transformers import AutoModelForCausalLM\n"
    'model = AutoModelForCausalLM.from_pretrained("{repo}")\n```\n\n'
    "| Benchmark | {name} | Baseline |\n|---|---|---|\n| MMLU | 71.2 | 68.0 |\n"
    "| GSM8K | 85.1 | 80.3 |\n\n"
    "The model was pretrained on 18T tokens. See the [blog](https://example.org) for details.\n"
)


def repo_id(rng: random.Random) -> tuple[str, str, str | None]:
    org, pattern, sizes, license_id = rng.choice(FAMILIES)
    size = rng.choice(sizes)
    return f"{org}/{pattern.format(size=size)}{rng.choice(QUANT_SUFFIXES)}", size, license_id


def model_info(rng: random.Random) -> dict:
    repo, size, license_id = repo_id(rng)
    total = COUNTS.get(size.lower(), rng.randrange(10**8, 7 * 10**11))
    info: dict = {"id": repo, "tags": ["transformers", "safetensors"], "gated": False}
    if license_id:
        info["tags"].append(f"license:{license_id}")
        info["cardData"] = {"license": license_id}
    shape = rng.random()
    if shape < 0.6:
        info["safetensors"] = {"parameters": {"BF16": total}, "total": total}
    elif shape < 0.75:
        info["safetensors"] = {"parameters": {"BF16": total // 60, "U32": total // 8}}
        info["config"] = {"quantization_config": {"bits": 4}}
    else:
        info["safetensors"] = {}
        info["gguf"] = {"architecture": "llama", "total": total}
    return {"model_info": info}


def card(rng: random.Random) -> dict:
    repo, size, license_id = repo_id(rng)
    name = repo.split("/")[1]
    if license_id:
        front = f"license: {license_id}\n"
    else:
        front = f"license: other\nlicense_name: {rng.choice(OTHER_LICENSES)}\n"
    front += "library_name: transformers\npipeline_tag: text-generation\n"
    front += f"base_model: {repo}\ntags:\n- chat\n- {size}\n"
    declared = f"{rng.randrange(1, 80)}.{rng.randrange(10)}B"
    body = CARD_BODY.format(
        name=name, repo=repo, declared=declared, nonembed=f"{rng.randrange(1, 70)}.1B"
    )
    crlf = rng.random() < 0.2
    text = f"---\n{front}---\n{body}"
    return {"card": text.replace("\n", "\r\n") if crlf else text}


def announcement(rng: random.Random) -> dict:
    repo, size, _ = repo_id(rng)
    template = rng.choice(ANNOUNCEMENTS)
    text = template.format(
        name=repo.split("/")[1],
        size=size,
        tokens=rng.randrange(2, 40),
        license_text=rng.choice(
            ["Llama 4 Community License Agreement", "Apache 2.0 license", "MIT license"]
        ),
        total=f"{rng.randrange(20, 700)}B",
        active=f"{rng.randrange(2, 40)}B",
        family=repo.split("/")[1].split("-")[0],
        cents=rng.randrange(10, 99),
        dollars=rng.randrange(1, 20),
    )
    return {"text": text}


def name_only(rng: random.Random) -> dict:
    return {"text": repo_id(rng)[0]}


def pricing_record(rng: random.Random) -> dict:
    shape = rng.random()
    if shape < 0.5:
        slug = repo_id(rng)[0].lower() + (":free" if rng.random() < 0.1 else "")
        prompt = f"0.{rng.randrange(10**8):09d}"
        return {"pricing": {"id": slug, "pricing": {"prompt": prompt, "completion": prompt}}}
    if shape < 0.8:
        cost = rng.randrange(1, 300) * 1e-8
        return {"pricing": {"input_cost_per_token": cost, "output_cost_per_token": cost * 4}}
    providers = [
        {
            "provider": f"p{i}",
            "status": "live",
            "pricing": {
                "input": rng.randrange(5, 300) / 100,
                "output": rng.randrange(5, 900) / 100,
            },
        }
        for i in range(rng.randrange(1, 6))
    ]
    return {"pricing": {"id": repo_id(rng)[0], "providers": providers}}


def pricing_text(rng: random.Random) -> dict:
    line = rng.choice(PRICING_LINES)
    return {"text": line.format(dollars=rng.randrange(1, 20), out=rng.randrange(20, 80))}


MIX = [
    (name_only, 0.30),
    (model_info, 0.20),
    (card, 0.15),
    (announcement, 0.15),
    (pricing_record, 0.12),
    (pricing_text, 0.08),
]


def build_corpus(size: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    makers = [maker for maker, _ in MIX]
    weights = [weight for _, weight in MIX]
    return [rng.choices(makers, weights)[0](rng) for _ in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args()
    corpus = build_corpus(args.size, args.seed)
    started = time.perf_counter()
    filled = 0
    for obj in corpus:
        out = normalize_record(obj)
        filled += sum(value is not None for value in out.values())
    elapsed = time.perf_counter() - started
    print(f"corpus: {len(corpus)} records")
    print(f"elapsed: {elapsed:.2f} s")
    print(f"throughput: {len(corpus) / elapsed:,.0f} records/s")
    print(f"fields filled: {filled}")


if __name__ == "__main__":
    main()
