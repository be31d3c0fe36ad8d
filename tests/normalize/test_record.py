"""The `toolscout normalize` contract: one JSON object in, params/license/pricing out."""

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from normalize.record import normalize_json_line, normalize_line, normalize_record, normalize_stream

ROOT = Path(__file__).resolve().parents[2]
GEMMA_INFO = {
    "id": "google/gemma-3-27b-it",
    "tags": ["transformers", "license:gemma"],
    "cardData": {"license": "gemma"},
    "safetensors": {"parameters": {"BF16": 27432406640}, "total": 27432406640},
}
GEMMA_CARD = (
    "---\nlicense: gemma\nlibrary_name: transformers\n---\n# Gemma 3 model card\n"
    "Total input context of 128K tokens for the 4B, 12B, and 27B sizes, and 32K tokens for "
    "the 1B size\n"
)


def test_gemma_full_record():
    out = normalize_record({"model_info": GEMMA_INFO, "card": GEMMA_CARD})
    assert out["params"]["total"] == 27432406640
    assert out["params"]["method"] == "weights"
    assert out["license"]["id"] == "gemma"
    assert out["license"]["name"] == "Gemma Terms of Use"
    assert out["pricing"] is None
    assert out["params"]["evidence"][0]["source"].endswith("gemma-3-27b-it#safetensors.total")


def test_card_license_beats_prose_claim():
    out = normalize_record({"card": GEMMA_CARD, "text": "Gemma 3 27B is released under Apache 2.0"})
    assert out["license"]["id"] == "gemma"


# (input object, params total, params active, license id, pricing tier)
RECORDS = [
    ({"text": "Code Llama 4 (70B & 400B)"}, None, None, None, None),
    ({"text": "Gemma 3 27B"}, 2.7e10, None, None, None),
    ({"text": "Qwen3-30B-A3B"}, 3e10, 3e9, None, None),
    (
        {"text": "Free (open weights, self-hosted) / Inference costs vary by provider"},
        None,
        None,
        None,
        "open-weights",
    ),
    ({"text": "Gemma 3 27B is released under Apache 2.0"}, 2.7e10, None, "Apache-2.0", None),
    (
        {"model_info": {"id": "Qwen/Qwen2.5-7B-Instruct", "tags": ["license:apache-2.0"]}},
        7e9,
        None,
        "Apache-2.0",
        None,
    ),
    (
        {"model_info": {"id": "meta-llama/Llama-3.1-8B", "cardData": {"license": "llama3.1"}}},
        8e9,
        None,
        "llama3.1",
        None,
    ),
    (
        {
            "pricing": {
                "id": "qwen/qwen3-8b",
                "pricing": {"prompt": "0.000000117", "completion": "0.000000455"},
            }
        },
        None,
        None,
        None,
        "paid",
    ),
    (
        {
            "pricing": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05},
            "text": "Free",
        },
        None,
        None,
        None,
        "paid",
    ),
    ({"pricing": "$20/month"}, None, None, None, "paid"),
    ({"card": "---\nlicense: other\nlicense_name: llama4\n---\n"}, None, None, "llama4", None),
    (
        {"card": "---\nlicense: other\nlicense_name: qwen\n---\n# Qwen2.5-72B-Instruct\n"},
        7.2e10,
        None,
        "other:qwen",
        None,
    ),
    ({}, None, None, None, None),
    ({"text": 42, "model_info": "x", "card": ["y"], "pricing": 3}, None, None, None, None),
    ({"text": "Mixtral-8x7B"}, None, None, None, None),
]


@pytest.mark.parametrize(("obj", "total", "active", "license_id", "tier"), RECORDS)
def test_normalize_record(obj, total, active, license_id, tier):
    out = normalize_record(obj)
    assert set(out) == {"params", "license", "pricing"}
    params = out["params"] or {}
    assert params.get("total") == (pytest.approx(total, rel=1e-3) if total else None)
    assert params.get("active") == (pytest.approx(active, rel=1e-3) if active else None)
    assert (out["license"] or {}).get("id") == license_id
    assert (out["pricing"] or {}).get("tier") == tier


def test_multi_size_title_keeps_variants():
    out = normalize_record({"text": "Code Llama 4 (70B & 400B)"})
    assert [v["label"] for v in out["params"]["variants"]] == ["70B", "400B"]


def test_output_is_json_serializable():
    out = normalize_record(
        {"model_info": GEMMA_INFO, "card": GEMMA_CARD, "text": "$3 / 1M input tokens"}
    )
    assert json.loads(json.dumps(out)) == out


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('"text"', "expected a JSON object"),
        ("", "invalid JSON"),
        ("{" * 100_000, "invalid JSON"),
    ],
)
def test_normalize_line_errors(line, error):
    out = normalize_line(line)
    assert out["error"].startswith(error)
    assert len(out["input_line"]) <= 200


def test_normalize_line_ok():
    out = normalize_line(json.dumps({"text": "Gemma 3 27B"}))
    assert out["params"]["total"] == 2.7e10


def test_non_dict_record():
    assert normalize_record(["x"])["error"]


FAMILY_CARD = (
    "---\nlicense: gemma\nlibrary_name: transformers\n---\n# Gemma 3 model card\n\n"
    "Gemma 3 comes in 1B, 4B, 12B and 27B sizes. The 27B model was trained with 14 trillion "
    "tokens and the 4B model with 4 trillion tokens.\n"
)


@pytest.mark.parametrize(
    ("name", "total"),
    [
        ("google/gemma-3-4b-it", 4e9),
        ("google/gemma-3-27b-pt", 27e9),
        ("gemma-3-12b-it", 12e9),
    ],
)
def test_a_name_given_as_text_picks_its_size_from_a_family_card(name, total):
    params = normalize_record({"card": FAMILY_CARD, "text": name})["params"]
    assert params["total"] == pytest.approx(total)
    assert [v["label"] for v in params["variants"]] == [f"{total / 1e9:.0f}B"]


# Hermes 3 8B's real card names the 70B model in its model-index (copied from the 70B card);
# its heading says 8B.
HERMES_CARD = (
    "---\nlicense: llama3\nbase_model: meta-llama/Llama-3.1-8B\nmodel-index:\n"
    "- name: Hermes-3-Llama-3.1-70B\n  results: []\n---\n\n# Hermes 3 - Llama-3.1 8B\n\n"
    "Hermes 3 is a generalist language model fine-tuned from Llama 3.1 8B.\n"
)


@pytest.mark.parametrize(
    ("card", "total"),
    [
        (HERMES_CARD, 8e9),
        # No size in the heading: the model-index name is the best there is.
        (
            "---\nmodel-index:\n- name: Mistral-7B-sft-beta\n  results: []\n---\n# Zephyr\n",
            7e9,
        ),
        # model_name wins over both.
        ("---\nmodel_name: Qwen2.5-3B\n---\n# Qwen2.5 7B\n", 3e9),
    ],
)
def test_card_name_prefers_a_heading_that_states_the_size(card, total):
    assert normalize_record({"card": card})["params"]["total"] == pytest.approx(total)


def test_a_title_states_its_own_total_and_active_counts():
    params = normalize_record({"text": "Kimi K2 (1T total, 32B active)"})["params"]
    assert (params["total"], params["active"]) == (pytest.approx(1e12), pytest.approx(32e9))


def _stream(data: bytes) -> list[dict]:
    sink = io.BytesIO()
    normalize_stream(io.BytesIO(data), sink)
    return [json.loads(line) for line in sink.getvalue().splitlines()]


def test_stream_one_output_line_per_input_line_errors_numbered():
    lines = [
        json.dumps({"text": "Qwen3-30B-A3B"}).encode(),
        b"",  # blank lines are skipped, not answered
        b"{not json",
        b"\xff\xfe binary junk \x00\x01",
        json.dumps({"card": "---\nlicense: apache-2.0\n---\n# A model\n"}).encode(),
    ]
    out = _stream(b"\n".join(lines) + b"\n")
    assert len(out) == 4
    assert out[0]["params"]["active"] == pytest.approx(3e9)
    assert out[1]["error"].startswith("invalid JSON") and out[1]["line"] == 3
    assert out[2]["error"].startswith("invalid JSON") and out[2]["line"] == 4
    assert out[3]["license"]["id"] == "Apache-2.0" and "error" not in out[3]


def test_stream_repeated_lines_give_the_same_answer_and_errors_keep_their_numbers():
    name = json.dumps({"text": "unsloth/Qwen3-8B-GGUF"}).encode()
    lines = [name, b"{not json", name, b"{not json", name]
    out = _stream(b"\n".join(lines) + b"\n")
    assert out[0] == out[2] == out[4] == normalize_line(name)
    assert out[0]["params"]["total"] == pytest.approx(8e9)
    assert [out[1]["line"], out[3]["line"]] == [2, 4]


def test_stream_bounds_an_endless_line():
    huge = b'{"text": "' + b"7B parameters " * 700_000 + b'"}'
    # Read in blocks of 1 MB: the line spans ten of them, and what follows is read as usual.
    out = _stream(huge + b"\n" + json.dumps({"text": "Gemma 3 27B"}).encode() + b"\n{bad\n")
    assert out[0]["error"] == "line too long" and out[0]["line"] == 1
    assert len(out[0]["input_line"]) <= 200
    assert out[1]["params"]["total"] == pytest.approx(27e9)
    assert out[2]["error"].startswith("invalid JSON") and out[2]["line"] == 3


class _Trickle(io.BytesIO):
    """A reader that hands over a few bytes at a time, as a slow pipe does."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step

    def read1(self, size: int = -1) -> bytes:
        return super().read1(self.step)


@pytest.mark.parametrize("step", [1, 7, 64, 1 << 20])
def test_stream_reads_lines_cut_anywhere_the_same_way(step):
    lines = [
        json.dumps({"text": "Qwen3-30B-A3B"}).encode(),
        b"",
        b"{not json",
        json.dumps({"pricing": "$3 / 1M input tokens, $15 / 1M output tokens"}).encode(),
        json.dumps({"text": "Qwen3-30B-A3B"}).encode(),
        json.dumps({"text": "Gemma 3 27B, released under Apache 2.0"}).encode(),  # no newline
    ]
    data = b"\n".join(lines)
    expected = [normalize_line(line) for line in lines if line]
    expected[1]["line"] = 3
    sink = io.BytesIO()
    assert normalize_stream(_Trickle(data, step), sink) == 5
    assert [json.loads(line) for line in sink.getvalue().splitlines()] == expected


@pytest.mark.parametrize(
    "line",
    [
        # A scraped card cut inside a UTF-8 character is read with the bad bytes replaced.
        b'{"card": "---\\nlicense: mit\\n---\\n# Mod\xc3"}',
        '{"text": "Mistral Small 3.2 24B \u2014 released under Apache 2.0"}'.encode(),
    ],
)
def test_lines_as_bytes(line):
    out = normalize_line(line)
    assert "error" not in out
    assert out["license"]["id"] in ("MIT", "Apache-2.0")


@pytest.mark.parametrize("line", ["[" * 100_000, '{"a":' * 50_000, '{"text": "\\ud800"}'])
def test_deep_or_odd_json_gives_an_error_or_a_record(line):
    out = json.loads(normalize_json_line(line))
    assert isinstance(out, dict)


def test_json_line_is_the_record_as_json():
    obj = {"model_info": GEMMA_INFO, "card": GEMMA_CARD, "text": "$3 / 1M input tokens"}
    assert json.loads(normalize_json_line(json.dumps(obj))) == normalize_record(obj)


def test_seed_page_trap_license_claim_against_card_is_a_conflict():
    """A comparison page says Gemma 3 27B is 'released under Apache 2.0'; its card says
    `license: gemma`. The card wins and the claim is kept as a conflict, with evidence."""
    out = normalize_record(
        {"card": GEMMA_CARD, "text": "Gemma 3 27B … released under Apache 2.0", "url": "https://x"}
    )
    assert out["license"]["id"] == "gemma"
    (conflict,) = out["conflicts"]
    assert conflict["field"] == "license" and conflict["chosen"] == "gemma"
    assert [v["value"] for v in conflict["values"]] == ["gemma", "Apache-2.0"]
    assert "Apache 2.0" in conflict["values"][1]["snippet"]


@pytest.mark.parametrize(
    "obj",
    [
        {"card": GEMMA_CARD, "text": "Gemma 3 27B, under the Gemma Terms of Use"},  # they agree
        {"text": "Gemma 3 27B is released under Apache 2.0"},  # one source only
        {"card": GEMMA_CARD, "text": "Gemma 3 27B"},  # the text claims nothing
    ],
)
def test_no_conflict_without_disagreement(obj):
    assert "conflicts" not in normalize_record(obj)


LLAMA_8B_INFO = {
    "id": "meta-llama/Llama-3.1-8B-Instruct",
    "tags": ["license:llama3.1"],
    "safetensors": {"parameters": {"BF16": 8030261248}, "total": 8030261248},
}
PHI_MINI_INFO = {
    "id": "microsoft/Phi-3-mini-4k-instruct",
    "safetensors": {"parameters": {"BF16": 3821079552}, "total": 3821079552},
}


# (record, the chosen total, the values the conflict lists)
PARAM_CONFLICTS = [
    # An announcement calls the 8B repo a 70B model: the weights win, the claim is shown.
    (
        {
            "model_info": LLAMA_8B_INFO,
            "text": "Meta releases Llama 3.1, a 70B parameter model trained on 15T tokens.",
        },
        8030261248,
        [8030261248, 70e9],
    ),
    # A title naming another size of the family.
    ({"model_info": GEMMA_INFO, "text": "Gemma 3 4B"}, 27432406640, [27432406640, 4e9]),
    # A card whose prose states a size the weights do not hold (a copied card).
    (
        {
            "model_info": PHI_MINI_INFO,
            "card": "---\nlicense: mit\n---\n# Phi-3-medium\nPhi-3-Medium is a 14B parameters, "
            "lightweight, state-of-the-art open model.\n",
        },
        3821079552,
        [3821079552, 14e9],
    ),
]


@pytest.mark.parametrize(("obj", "chosen", "values"), PARAM_CONFLICTS)
def test_param_claims_against_the_weights_are_conflicts(obj, chosen, values):
    out = normalize_record(obj)
    assert out["params"]["total"] == chosen
    (conflict,) = [c for c in out["conflicts"] if c["field"] == "params"]
    assert conflict["chosen"] == chosen
    assert [v["value"] for v in conflict["values"]] == values
    assert conflict["values"][0]["source"].endswith("#safetensors.total")
    assert all(v["snippet"] for v in conflict["values"])


@pytest.mark.parametrize(
    "obj",
    [
        # The nominal size of a name and the exact count are one statement.
        {"model_info": GEMMA_INFO, "text": "Gemma 3 27B"},
        {"model_info": LLAMA_8B_INFO, "text": "Llama 3.1 8B is an 8 billion parameter model."},
        # A family's list of sizes names none in particular.
        {"model_info": LLAMA_8B_INFO, "text": "Llama 3.1 comes in 8B, 70B and 405B sizes."},
        # The text alone: nothing more trusted to disagree with.
        {"text": "Meta releases Llama 3.1, a 70B parameter model."},
        # A family card is narrowed to the repo's own size first.
        {"model_info": GEMMA_INFO, "card": GEMMA_CARD},
    ],
)
def test_no_param_conflict_without_disagreement(obj):
    out = normalize_record(obj)
    assert not [c for c in out.get("conflicts", []) if c["field"] == "params"]


def test_a_family_card_gives_evidence_for_the_chosen_size_only():
    """A card about a family states many sizes; the repo's own is the value, and its evidence
    is the statement of that size, not the siblings'."""
    card = (
        "---\nlicense: apache-2.0\n---\n# Qwen2.5-7B-Instruct\n\nQwen2.5 is released in 0.5B, "
        "1.5B, 3B parameters and more sizes. It was pretrained on 18T tokens.\n\n"
        "| | Training Data | Params | Context length |\n| :-- | :-- | :-- | :-- |\n"
        "| Qwen2.5 | Multilingual text | 72B | 128k |\n\n"
        "- Number of Parameters: 7.61B\n- Number of Paramaters (Non-Embedding): 6.53B\n"
    )
    out = normalize_record({"card": card, "name": "Qwen/Qwen2.5-7B-Instruct"})
    assert out["params"]["total"] == pytest.approx(7.61e9)
    snippets = [item["snippet"] for item in out["params"]["evidence"]]
    assert snippets and all("7.61B" in snippet for snippet in snippets)


def test_stream_answers_each_line_on_a_pipe_before_the_next_is_written(tmp_path):
    """A caller that writes one line and waits for its answer gets it (the output is flushed
    when the pipe has nothing more), and a file on disk gives the same lines."""
    code = "import sys; from normalize.record import normalize_stream; "
    code += "normalize_stream(sys.stdin.buffer, sys.stdout.buffer)"
    inputs = [{"text": "Gemma 3 27B"}, {"pricing": "$3 / 1M input tokens"}, {"text": "Phi-3-mini"}]
    lines = [json.dumps(item).encode() + b"\n" for item in inputs]
    # Buffered output, as a shell gives it (this sandbox may set PYTHONUNBUFFERED).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    command = [sys.executable, "-c", code]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    with subprocess.Popen(command, **pipes, cwd=ROOT, env=env) as child:
        answers = []
        for line in lines:
            child.stdin.write(line)
            child.stdin.flush()
            ready = select.select([child.stdout], [], [], 30)[0]
            assert ready, f"no answer to {line!r} while the pipe stayed open"
            answers.append(child.stdout.readline())
        child.stdin.close()
        assert child.stdout.read() == b""
    assert answers == [normalize_json_line(line) for line in lines]

    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(lines))
    sink = io.BytesIO()
    with path.open("rb") as source:
        assert normalize_stream(source, sink) == 3
    assert sink.getvalue().splitlines(keepends=True) == answers
