"""Hostile input: nothing in the normalizers raises, whatever it is given."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalize import params as params_module
from normalize import record as record_module
from normalize.cards import split_card
from normalize.licenses import license_from_card, license_from_text
from normalize.params import best_params, params_from_name, params_from_text
from normalize.pricing import pricing_from_record, pricing_from_text
from normalize.record import normalize_line, normalize_record

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_like = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=30,
)
keys = st.sampled_from(
    ["license", "license_name", "license_link", "pricing", "prompt", "completion", "safetensors",
     "parameters", "total", "gguf", "id", "cost", "providers", "input_cost_per_token", "data",
     "text", "model_info", "card", "cardData", "tags", "config", "quantization_config"]
)  # fmt: skip
shaped = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)
size_words = st.sampled_from(
    ["27B", "1.5b", "8x7B", "A3B", "E2B", "17B-16E", "parameters", "total", "activated", "|",
     "\n", "sizes", "tokens", "$3", "/ 1M", "input", "output", "free", "Apache 2.0", "MIT",
     "license", "(", ")", "<td>", "<tr>", "---", ":", "1B (1.23B)", "and", ",", "billion"]
)  # fmt: skip
sizeish_text = st.lists(size_words | st.text(max_size=8), max_size=40).map(" ".join)
yamlish = st.lists(
    st.sampled_from(["---", "license: mit", "- a", "  b: [1, {c: d}]", "&x [*x]", "? k", "{", "]"])
    | st.text(max_size=20),
    max_size=15,
).map("\n".join)


@SETTINGS
@given(st.text() | st.binary() | yamlish | st.none())
def test_split_card_never_raises(text):
    front, body = split_card(text)
    assert isinstance(front, dict) and isinstance(body, str)


@SETTINGS
@given(yamlish.map(lambda y: f"---\n{y}\n---\nbody"))
def test_split_card_front_matter(text):
    front, _ = split_card(text)
    assert isinstance(front, dict)
    license_from_card(front)


@SETTINGS
@given(st.text() | sizeish_text)
def test_text_extractors_never_raise(text):
    params_from_text(text)
    params_from_name(text)
    license_from_text(text)
    pricing_from_text(text)


@SETTINGS
@given(json_like | shaped, st.text() | sizeish_text | st.none())
def test_best_params_never_raises(model_info, text):
    info = model_info if isinstance(model_info, dict) else None
    result = best_params(info, text, text, text)
    # The public function has a safety net; the inner one must not need it.
    assert params_module._best_params(info, text, text, text, "") == result or result is None
    if result is not None:
        json.dumps(result.to_json())


@SETTINGS
@given(json_like | shaped)
def test_records_never_raise(obj):
    license_from_card(obj)
    pricing_from_record(obj)
    out = normalize_record(obj)
    json.dumps(out)
    if isinstance(obj, dict):
        assert "error" not in out
        record_module._normalize(obj)


@SETTINGS
@given(st.dictionaries(keys, shaped | sizeish_text | yamlish, max_size=5))
def test_normalize_record_shaped(obj):
    out = normalize_record(obj)
    assert {"params", "license", "pricing"} <= set(out)
    assert "error" not in out
    record_module._normalize(obj)


@SETTINGS
@given(st.text() | json_like.map(lambda value: json.dumps(value, allow_nan=True)))
def test_normalize_line_never_raises(line):
    out = normalize_line(line)
    assert isinstance(out, dict)


simple_values = st.sampled_from(
    ["apache-2.0", "mit", "other", "llama4", "license:gemma", "text-generation", "7B", "2506",
     "yes", "no", "true", "null", "1e5", "0x1F", "Qwen/Qwen3-32B", "https://huggingface.co/x",
     "a b", "a: b", "'q'", "[a]", "x #y", "30B-A3B", "~", "On", "1.0", "2024-01-01"]
)  # fmt: skip
simple_lines = st.lists(
    st.tuples(st.sampled_from(["license", "license_name", "tags", "base_model", "language"]),
              st.one_of(simple_values, st.lists(simple_values, max_size=3))),
    max_size=6,
)  # fmt: skip


@SETTINGS
@given(simple_lines)
def test_fast_front_matter_agrees_with_yaml(lines):
    """The flat fast path gives exactly what the YAML parser gives, or defers to it."""
    import yaml

    from normalize.cards import _simple_front_matter

    text = ""
    for key, value in lines:
        if isinstance(value, list):
            text += f"{key}:\n" + "".join(f"- {item}\n" for item in value)
        else:
            text += f"{key}: {value}\n"
    fast = _simple_front_matter(text)
    if fast is None:
        return
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        raise AssertionError(f"fast path accepted invalid YAML: {text!r}") from None
    assert fast == (expected or {})
