"""Hostile input: nothing in the normalizers raises, whatever it is given."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normalize import record as record_module
from normalize.cards import split_card
from normalize.licenses import license_from_card, license_from_text
from normalize.params import best_params, params_from_name, params_from_text
from normalize.params import merge as params_merge
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
    assert params_merge._best_params(info, text, text, text, "") == result or result is None
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


@SETTINGS
@given(st.dictionaries(keys, shaped | sizeish_text | yamlish, max_size=5))
def test_every_value_carries_its_evidence(obj):
    out = normalize_record(obj)
    for field in ("params", "license", "pricing"):
        value = out[field]
        if value is None:
            continue
        assert value["evidence"], field
        for item in value["evidence"]:
            assert set(item) == {"source", "snippet", "extractor", "version"}
            assert all(isinstance(part, str) for part in item.values())
            assert item["extractor"].startswith(field.rstrip("s")[:5]) and item["version"]


@SETTINGS
@given(st.text() | sizeish_text)
def test_unit_hits_are_the_digits_before_a_unit(text):
    """The `find`-based scan gives exactly the offsets the plain regex gives."""
    import re

    from normalize.params.prose import _unit_hits
    from normalize.text import ascii_lower

    lowered = ascii_lower(text)
    expected = [m.start() for m in re.finditer(r"[0-9](?=[bmt]|[ -]?(?:[bm]|tr)illion)", lowered)]
    assert _unit_hits(lowered) == expected


@SETTINGS
@given(st.text() | st.text(alphabet="İıßﬁ×–—€ 7Bb"))
def test_ascii_lower_keeps_every_offset(text):
    from normalize.text import ascii_lower

    lowered = ascii_lower(text)
    assert len(lowered) == len(text)
    assert lowered.isascii()
    assert all(a == b.lower() for a, b in zip(lowered, text, strict=True) if b.isascii())


# The fast scans (key-word anchors, '$' anchors, sentence spans) must find exactly what the
# plain regex searches over the whole text find.
license_words = st.sampled_from(
    ["released", "under", "the", "Apache", "2.0", "license", "MIT", "licensed", "Llama", "3.1",
     "Community", "License", "Gemma", "Terms", "of", "Use", "CC", "BY-NC", "4.0", "GNU",
     "General", "Public", "GPL", "v3", "Lesser", "LGPL", "Affero", "BSD", "3-clause", "for",
     "non-commercial", "only", "research", "purposes", "Qwen", "Tongyi", "Qianwen", "Research",
     "Mistral", "AI", "Non-Production", "OpenRAIL-M", "CreativeML", "Open", "RAIL-M", "TII",
     "Falcon", "Model,", "Data", "&", "Weights", "Modified", "FLUX.1", "[dev]", "submit",
     "Non-Commercial", "proprietary", "closed", "weights", "Creative", "Commons", "Attribution",
     "International", "license:", "CC0", ",", ".", "limit", "openrail"]
)  # fmt: skip
price_words = st.sampled_from(
    ["$3", "/", "1M", "input", "tokens,", "$15", "output", "US$0.20", "per", "million", "1K",
     "$20/month", "$10/mo", "free", "tier", "then", "pay-as-you-go", "Pricing", "is", "$0.45",
     "and", "plan", "Pro", "subscription", "cost", "vary", "self-hosted", "!", "?", ".", "\n",
     "paid", "billing", "charge", "pay", "planet", "$", "USD", "$1.25/M", "(input)", "usd"]
)  # fmt: skip


@SETTINGS
@given(st.lists(license_words, max_size=40), st.randoms(use_true_random=False))
def test_license_name_key_ignores_case_punctuation_and_word_order(words, rng):
    # Two spellings of one name must meet in the vocabulary's index: the name key may not
    # depend on case, on the punctuation between words or on their order.
    from normalize.licenses import name_keys

    text = " ".join(words)
    _, key = name_keys(text)
    assert name_keys(text.upper())[1] == key
    assert name_keys("_".join(words).replace(" ", "-"))[1] == key
    # Compound words ('non commercial') are joined by adjacency, so order is free only
    # among the words that are not part of one.
    if not {"non", "share", "no", "open"} & {w.lower().strip(",.") for w in words}:
        shuffled = list(words)
        rng.shuffle(shuffled)
        assert name_keys(" ".join(shuffled))[1] == key


@SETTINGS
@given(st.lists(price_words, max_size=50).map(" ".join))
def test_price_scans_match_full_searches(text):
    import re

    from normalize import pricing
    from normalize.text import ascii_lower, find_all

    dollars = find_all(text, "$", pricing.MAX_DOLLARS)
    for pattern in (pricing._PAIR_PRICE, pricing._TOKEN_PRICE, pricing._SUBSCRIPTION):
        fast = [m.span() for m in pricing._at_dollars(pattern, text, dollars)]
        assert fast == [m.span() for m in pattern.finditer(text)]
    sentences = re.findall(r"[^.!?\n]+[.!?]?", text)
    full = " ".join(s for s in sentences if pricing._PRICING_CONTEXT.search(s))
    spans = pricing._pricing_sentences(ascii_lower(text))
    assert " ".join(text[start:end] for start, end in spans) == full


after_words = st.sampled_from(
    ["parameters", "params", "model", "models", "sizes", "total", "(total)", "active",
     "activated", "in", "and", "the", "of", "dense", "instruct", "open-weight", "tokens",
     "context", "gb", "tokens/s", "x", "foo", "7b", "1.5", "|", "\n", ":", ".", "(", ")", ",",
     "-", "  "]
)  # fmt: skip


@SETTINGS
@given(st.lists(after_words, max_size=12).map(" ".join), st.integers(0, 120))
def test_words_after_a_size_read_as_the_seven_word_rule(after, limit):
    """The two-word fast path decides exactly as the plain rule over seven words does."""
    import re

    from normalize.params import prose as params

    words = re.findall(r"[a-z][a-z\-#]*|\d[\w.,]*|[|\n:;.!?,]", after[: min(80, limit)])
    expected = params._read_words(params._clause_words(words), True)
    assert params._read_after(after, 0, limit) == expected


front_pieces = st.sampled_from(
    ["license: mit", "license: other", "license_name: qwen", "license_link: https://x/LICENSE",
     "base_model: Qwen/Qwen3-8B", "base_model:\n- a/b\n- c/d", "tags:\n- chat\n- 7b",
     "language:\n  - en\n  - fr", "widget:\n- messages:\n  - role: user\n    content: hi",
     "extra_gated_prompt: >-\n  You agree\n  license: not-a-key", "# comment",
     "model-index:\n- name: X-7B\n  results: []", 'license: "apache-2.0"', "'license': mit",
     "license: [mit, apache-2.0]", "license: &lic mit", "license_name: *lic", "license:",
     "description: |\n  multi\n  license: inner", "  indented: x", "license: mit # trailing",
     "{license: mit}", "- item", "license: yes", "license: 2.0", "base_model_relation: merge"]
)  # fmt: skip


@SETTINGS
@given(st.lists(front_pieces, min_size=1, max_size=7).map("\n".join))
def test_front_matter_keys_read_alone_agree_with_the_full_parse(front):
    """Reading only some keys gives what the full YAML parse gives for them."""
    keys = frozenset({"license", "license_name", "license_link", "base_model", "model-index"})
    card = f"---\n{front}\n---\nbody"
    full, _ = split_card(card)
    subset, body = split_card(card, keys)
    assert body == "body"
    if full:
        assert subset == {key: value for key, value in full.items() if key in keys}


heading_pieces = st.sampled_from(
    ["# Gemma 3 27B\n", "## Model card\n", "#\n", "text\n", "# \n", "#x\n", "\n", "  # c\n",
     "#\tQwen3-8B\r\n", "#", "# " + "y" * 170 + "\n", "```python\n# comment\n```\n"]
)  # fmt: skip


@SETTINGS
@given(st.lists(heading_pieces, max_size=10).map("".join))
def test_first_heading_is_what_the_multiline_search_finds(body):
    """The card heading is looked for only where a line starts with '#'; the answer is the
    one a multi-line search over the first 20,000 characters gives."""
    match = record_module._HEADING.search(body[: record_module.HEADING_CHARS])
    assert record_module._first_heading(body) == (match[1].strip() if match else None)
