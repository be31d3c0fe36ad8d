"""Vendors as data: normalize/data/vendors.toml, its index, and the errors of a bad entry."""

from __future__ import annotations

import pytest

from normalize.data import DataFileError, read_data
from normalize.names import parse_repo_name
from normalize.vendors import VENDORS, load_vendors, vendor_for_org

# One row per [[vendor]] shape: an org of a one-org vendor, each org of a many-org vendor,
# case and spaces around an org, an org not in the file.
VENDOR_ROWS = [
    ("google", "Google DeepMind"),
    ("google-bert", "Google"),
    ("google-t5", "Google"),
    ("meta-llama", "Meta"),
    ("facebook", "Meta"),
    ("HuggingFaceTB", "Hugging Face"),
    ("HuggingFaceH4", "Hugging Face"),
    ("CohereForAI", "Cohere"),
    ("CohereLabs", "Cohere"),
    ("THUDM", "Zhipu AI"),
    ("zai-org", "Zhipu AI"),
    ("  Qwen  ", "Alibaba (Qwen)"),
    ("openai-community", "OpenAI"),
    ("unsloth", "Unsloth"),
    ("some-new-lab", "some-new-lab"),
    ("  Some-New-Lab ", "Some-New-Lab"),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize("org,vendor", VENDOR_ROWS)
def test_vendor_for_org(org, vendor):
    assert vendor_for_org(org) == vendor


def test_the_index_is_derived_from_the_file():
    index = load_vendors(read_data("vendors.toml"))
    assert index == VENDORS
    assert all(org == org.lower() for org in index)
    assert len(index) == 86 and len(set(index.values())) == 78


# A quantizer's "<org>_<name>" repo: the prefix is cut only when the file knows the org.
PREFIX_ROWS = [
    # (repo, family, size label)
    ("bartowski/Qwen_Qwen3-30B-A3B-GGUF", "Qwen3", "30B-A3B"),
    ("bartowski/google_gemma-3-27b-it-GGUF", "Gemma 3", "27B"),
    ("bartowski/Someone_Model-7B-GGUF", "Someone Model", "7B"),
]


@pytest.mark.parametrize("repo,family,size", PREFIX_ROWS)
def test_a_known_org_prefix_is_not_part_of_the_family(repo, family, size):
    name = parse_repo_name(repo)
    assert (name.family, name.size_label) == (family, size)


MALFORMED = [
    # (file text, what the error says)
    ('[[vendor]]\nname = "Meta"\norgs = ["meta-llama"\n', "not valid TOML"),
    ('name = "Meta"\n', "no [[vendor]] entries"),
    ('[[vendor]]\norgs = ["meta-llama"]\n', "[[vendor]] entry 1: 'name' must be"),
    ('[[vendor]]\nname = "Meta"\n', "[[vendor]] entry 1 ('Meta'): 'orgs' must be a non-empty list"),
    ('[[vendor]]\nname = "Meta"\norgs = []\n', "[[vendor]] entry 1 ('Meta'): 'orgs' must be"),
    ('[[vendor]]\nname = "Meta"\norg = ["meta-llama"]\n', "unknown key(s) org"),
    (
        '[[vendor]]\nname = "Meta"\norgs = ["meta-llama"]\n\n[[vendor]]\nname = "IBM"\n'
        'orgs = ["Ibm-Granite"]\n',
        "[[vendor]] entry 2 ('IBM'): 'orgs' holds 'Ibm-Granite'; write it lower-case",
    ),
    (
        '[[vendor]]\nname = "Meta"\norgs = ["facebook"]\n\n[[vendor]]\nname = "Facebook"\n'
        'orgs = ["facebook"]\n',
        "[[vendor]] entry 2 ('Facebook'): org 'facebook' is already 'Meta''s",
    ),
    ('[[vendor]]\nname = "Meta"\norgs = ["meta-llama", 7]\n', "'orgs' holds 7, not a word"),
]


@pytest.mark.parametrize("text,message", MALFORMED)
def test_a_malformed_entry_names_the_file_and_the_entry(text, message):
    with pytest.raises(DataFileError) as raised:
        load_vendors(text)
    assert str(raised.value).startswith("normalize/data/vendors.toml: ")
    assert message in str(raised.value)
