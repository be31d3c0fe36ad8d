"""License ids, card front matter, Hub tags and license prose from real model releases."""

import pytest

from normalize.licenses import (
    license_from_card,
    license_from_id,
    license_from_tags,
    license_from_text,
)

LLAMA_TERMS_FRAGMENT = "700 million monthly active users"

# (value, id, family, commercial_use, osi_approved)
IDS = [
    ("apache-2.0", "Apache-2.0", "permissive", True, True),
    ("Apache-2.0", "Apache-2.0", "permissive", True, True),
    ("APACHE-2.0", "Apache-2.0", "permissive", True, True),
    ("mit", "MIT", "permissive", True, True),
    ("MIT", "MIT", "permissive", True, True),
    ("bsd-3-clause", "BSD-3-Clause", "permissive", True, True),
    ("bsd-2-clause", "BSD-2-Clause", "permissive", True, True),
    ("bsd-3-clause-clear", "BSD-3-Clause-Clear", "permissive", True, False),
    ("isc", "ISC", "permissive", True, True),
    ("zlib", "Zlib", "permissive", True, True),
    ("unlicense", "Unlicense", "permissive", True, True),
    ("bsl-1.0", "BSL-1.0", "permissive", True, True),
    ("afl-3.0", "AFL-3.0", "permissive", True, True),
    ("artistic-2.0", "Artistic-2.0", "permissive", True, True),
    ("ms-pl", "MS-PL", "permissive", True, True),
    ("ncsa", "NCSA", "permissive", True, True),
    ("postgresql", "PostgreSQL", "permissive", True, True),
    ("ecl-2.0", "ECL-2.0", "permissive", True, True),
    ("wtfpl", "WTFPL", "permissive", True, False),
    ("cc0-1.0", "CC0-1.0", "permissive", True, False),
    ("cc-by-4.0", "CC-BY-4.0", "permissive", True, False),
    ("cc-by-2.0", "CC-BY-2.0", "permissive", True, False),
    ("cc-by-3.0", "CC-BY-3.0", "permissive", True, False),
    ("cc-by-sa-4.0", "CC-BY-SA-4.0", "copyleft", True, False),
    ("cc-by-sa-3.0", "CC-BY-SA-3.0", "copyleft", True, False),
    ("cc-by-nc-4.0", "CC-BY-NC-4.0", "non-commercial", False, False),
    ("CC-BY-NC-4.0", "CC-BY-NC-4.0", "non-commercial", False, False),
    ("cc-by-nc-2.0", "CC-BY-NC-2.0", "non-commercial", False, False),
    ("cc-by-nc-3.0", "CC-BY-NC-3.0", "non-commercial", False, False),
    ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0", "non-commercial", False, False),
    ("cc-by-nc-nd-4.0", "CC-BY-NC-ND-4.0", "non-commercial", False, False),
    ("cc-by-nd-4.0", "CC-BY-ND-4.0", "permissive", True, False),
    ("gpl-3.0", "GPL-3.0-only", "copyleft", True, True),
    ("gpl-2.0", "GPL-2.0-only", "copyleft", True, True),
    ("agpl-3.0", "AGPL-3.0-only", "copyleft", True, True),
    ("lgpl-2.1", "LGPL-2.1-only", "copyleft", True, True),
    ("lgpl-3.0", "LGPL-3.0-only", "copyleft", True, True),
    ("mpl-2.0", "MPL-2.0", "copyleft", True, True),
    ("epl-2.0", "EPL-2.0", "copyleft", True, True),
    ("eupl-1.2", "EUPL-1.2", "copyleft", True, True),
    ("osl-3.0", "OSL-3.0", "copyleft", True, True),
    ("ofl-1.1", "OFL-1.1", "copyleft", True, True),
    ("odbl", "ODbL-1.0", "copyleft", True, False),
    ("odc-by", "ODC-By-1.0", "permissive", True, False),
    ("pddl", "PDDL-1.0", "permissive", True, False),
    ("cdla-permissive-2.0", "CDLA-Permissive-2.0", "permissive", True, False),
    ("cdla-sharing-1.0", "CDLA-Sharing-1.0", "copyleft", True, False),
    ("c-uda", "C-UDA-1.0", "permissive", True, False),
    ("lgpl-lr", "LGPLLR", "copyleft", True, False),
    ("etalab-2.0", "etalab-2.0", "permissive", True, False),
    ("lppl-1.3c", "LPPL-1.3c", "copyleft", True, True),
    ("openrail", "openrail", "open-rail", True, False),
    ("openrail++", "openrail++", "open-rail", True, False),
    ("creativeml-openrail-m", "creativeml-openrail-m", "open-rail", True, False),
    ("bigscience-openrail-m", "bigscience-openrail-m", "open-rail", True, False),
    ("bigscience-bloom-rail-1.0", "bigscience-bloom-rail-1.0", "open-rail", True, False),
    ("bigcode-openrail-m", "bigcode-openrail-m", "open-rail", True, False),
    ("llama2", "llama2", "community", True, False),
    ("llama3", "llama3", "community", True, False),
    ("llama3.1", "llama3.1", "community", True, False),
    ("llama3.2", "llama3.2", "community", True, False),
    ("llama3.3", "llama3.3", "community", True, False),
    ("llama4", "llama4", "community", True, False),
    ("gemma", "gemma", "community", True, False),
    ("grok2-community", "grok2-community", "community", True, False),
    ("apple-amlr", "apple-amlr", "research", False, False),
    ("apple-ascl", "apple-ascl", "permissive", True, False),
    ("deepfloyd-if-license", "deepfloyd-if-license", "research", False, False),
    (
        "fair-noncommercial-research-license",
        "fair-noncommercial-research-license",
        "non-commercial",
        False,
        False,
    ),
    ("h-research", "h-research", "research", False, False),
    ("intel-research", "intel-research", "research", False, False),
    ("license:gemma", "gemma", "community", True, False),
    ("license:apache-2.0", "Apache-2.0", "permissive", True, True),
    ("GPL-3.0-or-later", "GPL-3.0-or-later", "copyleft", True, True),
    ("0BSD", "0BSD", "permissive", True, True),
    ("MIT-0", "MIT-0", "permissive", True, True),
    ("UPL-1.0", "UPL-1.0", "permissive", True, True),
    ("Apache License 2.0", "Apache-2.0", "permissive", True, True),
    ("tongyi-qianwen", "other:qwen", "community", True, False),
    ("qwen-research", "other:qwen-research", "research", False, False),
    ("mnpl", "other:mnpl", "non-commercial", False, False),
    ("mrl", "other:mrl", "research", False, False),
    ("deepseek", "other:deepseek", "open-rail", True, False),
    ("llama-3.1", "llama3.1", "community", True, False),
    # SPDX ids outside the tables: their family from ScanCode's license categories.
    ("BlueOak-1.0.0", "BlueOak-1.0.0", "permissive", True, True),
    ("X11", "X11", "permissive", True, False),
    ("Sleepycat", "Sleepycat", "copyleft", True, True),
    ("PolyForm-Noncommercial-1.0.0", "PolyForm-Noncommercial-1.0.0", "non-commercial", False,
     False),
    # Source-available SPDX licenses: listed for their terms, named by the SPDX List.
    ("Elastic-2.0", "Elastic-2.0", "source-available", True, False),
    ("SSPL-1.0", "SSPL-1.0", "source-available", True, False),
    ("BUSL-1.1", "BUSL-1.1", "source-available", False, False),
    ("FSL-1.1-MIT", "FSL-1.1-MIT", "source-available", True, False),
    ("PolyForm-Small-Business-1.0.0", "PolyForm-Small-Business-1.0.0", "source-available", True,
     False),
    # ScanCode keys of SPDX licenses.
    ("mongodb-sspl-1.0", "SSPL-1.0", "source-available", True, False),
    ("bsl-1.1", "BUSL-1.1", "source-available", False, False),
    ("elastic-license-v2", "Elastic-2.0", "source-available", True, False),
    # Full names, as `license_name` gives them.
    ("Creative Commons Zero v1.0 Universal", "CC0-1.0", "permissive", True, False),
    ("Community Data License Agreement – Sharing, Version 1.0", "CDLA-Sharing-1.0",
     "copyleft", True, False),
    ("Tencent Hunyuan Community License Agreement", "other:tencent-hunyuan-community", "community",
     True, False),
]  # fmt: skip


@pytest.mark.parametrize(("value", "lid", "family", "commercial", "osi"), IDS)
def test_license_from_id(value, lid, family, commercial, osi):
    result = license_from_id(value, "https://huggingface.co/x/y")
    assert result is not None
    assert (result.id, result.family, result.commercial_use, result.osi_approved) == (
        lid,
        family,
        commercial,
        osi,
    )
    assert result.evidence[0].snippet == value


@pytest.mark.parametrize(
    "value", ["other", "unknown", "", "   ", "not-a-license-xyz", None, 42, ["mit"], "x" * 500]
)
def test_license_from_id_unknown(value):
    assert license_from_id(value) is None


@pytest.mark.parametrize(
    "value", ["llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4"]
)
def test_llama_conditions(value):
    assert LLAMA_TERMS_FRAGMENT in license_from_id(value).conditions


def test_names_are_full_names():
    assert license_from_id("gemma").name == "Gemma Terms of Use"
    assert license_from_id("llama3.1").name == "Llama 3.1 Community License Agreement"
    assert license_from_id("apache-2.0").name == "Apache License 2.0"


# (front matter, id, commercial_use)
CARDS = [
    ({"license": "apache-2.0"}, "Apache-2.0", True),
    ({"license": "mit", "library_name": "transformers"}, "MIT", True),
    ({"license": "gemma", "library_name": "transformers"}, "gemma", True),
    ({"license": "llama3.2"}, "llama3.2", True),
    ({"license": "other", "license_name": "llama4"}, "llama4", True),
    ({"license": "llama4", "license_name": "llama4"}, "llama4", True),
    (
        {
            "license": "other",
            "license_name": "apache-2.0",
            "license_link": "https://huggingface.co/Qwen/Qwen2.5-Omni-7B-AWQ/blob/main/LICENSE",
        },
        "Apache-2.0",
        True,
    ),
    (
        {
            "license": "license:gemma",
            "license_link": "https://huggingface.co/models?license=license:gemma",
        },
        "gemma",
        True,
    ),
    (
        {
            "license": "apache-2.0",
            "license_link": "https://huggingface.co/Qwen/Qwen3-32B-GGUF/blob/main/LICENSE",
        },
        "Apache-2.0",
        True,
    ),
    (
        {
            "license": "other",
            "license_name": "qwen",
            "license_link": "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE",
        },
        "other:qwen",
        True,
    ),
    ({"license": "other", "license_name": "tongyi-qianwen"}, "other:tongyi-qianwen", True),
    ({"license": "other", "license_name": "qwen-research"}, "other:qwen-research", False),
    (
        {
            "license": "other",
            "license_name": "mnpl",
            "license_link": "https://mistral.ai/licenses/MNPL-0.1.md",
        },
        "other:mnpl",
        False,
    ),
    (
        {
            "license": "other",
            "license_name": "mrl",
            "license_link": "https://mistral.ai/licenses/MRL-0.1.md",
        },
        "other:mrl",
        False,
    ),
    ({"license": "other", "license_name": "deepseek"}, "other:deepseek", True),
    (
        {
            "license": "other",
            "license_name": "falcon-llm-license",
            "license_link": "https://falconllm.tii.ae/falcon-terms-and-conditions.html",
        },
        "other:falcon-llm-license",
        True,
    ),
    ({"license": "other", "license_name": "modified-mit"}, "other:modified-mit", True),
    (
        {"license": "other", "license_name": "nvidia-open-model-license"},
        "other:nvidia-open-model-license",
        True,
    ),
    ({"license": "other", "license_link": "https://ai.google.dev/gemma/terms"}, "gemma", True),
    ({"license": "other", "license_name": "exaone"}, "other:exaone", False),
    (
        {"license": "other", "license_name": "stabilityai-ai-community"},
        "other:stabilityai-ai-community",
        True,
    ),
    ({"license": "other", "license_name": "glm-4"}, "other:glm-4", True),
    ({"license": "cc-by-nc-4.0"}, "CC-BY-NC-4.0", False),
    ({"license": "openrail++"}, "openrail++", True),
    ({"license": "creativeml-openrail-m"}, "creativeml-openrail-m", True),
    (
        {"license": "fair-noncommercial-research-license"},
        "fair-noncommercial-research-license",
        False,
    ),
    ({"license": ["apache-2.0", "mit"]}, "Apache-2.0", True),
    ({"license": ["other", "cc-by-nc-4.0"]}, "CC-BY-NC-4.0", False),
    ({"license": "other", "license_name": "acme-model-license"}, "other:acme-model-license", None),
    ({"license": "other", "license_name": "acme-noncommercial"}, "other:acme-noncommercial", False),
    # A variant of a known license keeps its own name and allows what that license allows,
    # unless its name says otherwise.
    ({"license": "other", "license_name": "solar-apache-2.0"}, "other:solar-apache-2.0", True),
    ({"license": "other", "license_name": "modified-apache-2.0"}, "other:modified-apache-2.0",
     True),
    ({"license": "other", "license_name": "custom-cc-by-nc-4.0"}, "other:custom-cc-by-nc-4.0",
     False),
    ({"license": "other", "license_name": "apache-2.0-research"}, "other:apache-2.0-research",
     False),
    # `license_name`s as Stable Video Diffusion and DBRX cards build them.
    ({"license": "other", "license_name": "stable-video-diffusion-nc-community"},
     "other:stable-video-diffusion-nc-community", False),
    ({"license": "other", "license_name": "databricks-open-model-license"},
     "other:databricks-open-model-license", True),
    ({"license": "other", "license_name": "bsl-1.1"}, "BUSL-1.1", False),
    # Custom model licenses the data file knows the terms of.
    ({"license": "other", "license_name": "lfm1.0"}, "other:lfm1.0", True),
    ({"license": "other", "license_name": "coqui-public-model-license"},
     "other:coqui-public-model-license", False),
    ({"license": "other", "license_name": "cogvideox-license"}, "other:cogvideox-license", True),
    ({"license": "other", "license_name": "cogvlm2"}, "other:cogvlm2", True),
    ({"license": "other", "license_name": "minicpm-model-license"},
     "other:minicpm-model-license", True),
    ({"license": "other", "license_name": "bria-rmbg-1.4"}, "other:bria-rmbg-1.4", False),
    ({"license": "other", "license_name": "polyform-noncommercial-1.0.0"},
     "PolyForm-Noncommercial-1.0.0", False),
]  # fmt: skip


@pytest.mark.parametrize(("card", "lid", "commercial"), CARDS)
def test_license_from_card(card, lid, commercial):
    result = license_from_card(card, "https://huggingface.co/x/y/raw/main/README.md")
    assert result is not None
    assert result.id == lid
    assert result.commercial_use is commercial
    assert result.evidence[0].extractor == "license.card"
    assert "license" in result.evidence[0].snippet


@pytest.mark.parametrize(
    "card",
    [
        {},
        {"license": None},
        {"license": 3},
        {"tags": ["x"]},
        [],
        None,
        "mit",
    ],
)
def test_license_from_card_unstated(card):
    assert license_from_card(card) is None


# `license: other` without a name and `license: unknown` state exactly that (the contract).
@pytest.mark.parametrize(
    ("card", "lid"),
    [
        ({"license": "other"}, "other"),
        ({"license": "unknown"}, "unknown"),
        ({"license": "other", "license_name": "other"}, "other"),
        ({"license": "Unknown"}, "unknown"),
    ],
)
def test_license_from_card_other_unknown(card, lid):
    result = license_from_card(card)
    assert (result.id, result.commercial_use, result.family) == (lid, None, None)


def test_card_list_mentions_other_licenses():
    result = license_from_card({"license": ["apache-2.0", "mit"]})
    assert "MIT" in result.conditions


# (tags, id)
TAGS = [
    (["transformers", "pytorch", "bert", "license:apache-2.0", "region:us"], "Apache-2.0"),
    (["gguf", "license:llama3.1", "endpoints_compatible"], "llama3.1"),
    (["license:other", "license:gemma"], "gemma"),
    (["license:cc-by-nc-4.0"], "CC-BY-NC-4.0"),
    (["base_model:quantized:google/gemma-3-27b-it", "license:gemma"], "gemma"),
    (["license:other"], None),
    (["transformers"], None),
    ([], None),
]


@pytest.mark.parametrize(("tags", "lid"), TAGS)
def test_license_from_tags(tags, lid):
    result = license_from_tags(tags)
    assert (result.id if result else None) == lid


# (text, id, family, commercial_use)
TEXTS = [
    ("Gemma 3 27B is released under Apache 2.0", "Apache-2.0", "permissive", True),
    ("License: Apache 2", "Apache-2.0", "permissive", True),
    (
        "This model is licensed under the Apache License, Version 2.0.",
        "Apache-2.0",
        "permissive",
        True,
    ),
    ("Weights are Apache-2.0.", "Apache-2.0", "permissive", True),
    ("DeepSeek-R1 is MIT licensed and supports commercial use.", "MIT", "permissive", True),
    ("The code repository is licensed under the MIT License.", "MIT", "permissive", True),
    ("Kimi K2 is open-source under MIT", "MIT", "permissive", True),
    (
        "Both the code and the model weights are released under a modified MIT license.",
        "other:modified-mit",
        "permissive",
        True,
    ),
    ("Command R is released under CC BY-NC 4.0", "CC-BY-NC-4.0", "non-commercial", False),
    ("licensed under CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0", "non-commercial", False),
    (
        "Creative Commons Attribution-NonCommercial 4.0 International",
        "CC-BY-NC-4.0",
        "non-commercial",
        False,
    ),
    ("released under CC-BY-4.0", "CC-BY-4.0", "permissive", True),
    (
        "**License**: A custom commercial license, the Llama 4 Community License Agreement",
        "llama4",
        "community",
        True,
    ),
    ("Llama 3.1 is licensed under the Llama 3.1 Community License", "llama3.1", "community", True),
    ("LLAMA 3.2 COMMUNITY LICENSE AGREEMENT", "llama3.2", "community", True),
    ("Use of Llama 2 is governed by the Meta Llama 2 license", "llama2", "community", True),
    ("Terms of Use: Gemma Terms of Use", "gemma", "community", True),
    (
        "Codestral is released under the Mistral AI Non-Production License",
        "other:mnpl",
        "non-commercial",
        False,
    ),
    (
        "Mistral Large 2 is released under the Mistral Research License",
        "other:mrl",
        "research",
        False,
    ),
    (
        "Qwen-72B is released under the Tongyi Qianwen license agreement",
        "other:qwen",
        "community",
        True,
    ),
    ("Qwen2.5-3B is under the Qwen Research License", "other:qwen-research", "research", False),
    ("The model is provided under the DeepSeek License", "other:deepseek", "open-rail", True),
    ("Falcon 3 is released under the TII Falcon License 2.0", "other:falcon-llm-license", "community", True),
    ("Governed by the NVIDIA Open Model License.", "other:nvidia-open-model-license", "community",
     True),
    (
        "Stable Diffusion XL uses the CreativeML OpenRAIL-M license",
        "creativeml-openrail-m",
        "open-rail",
        True,
    ),
    ("StarCoder is released under the BigCode OpenRAIL-M", "bigcode-openrail-m", "open-rail", True),
    ("Licensed under the GNU General Public License v3.0", "GPL-3.0-only", "copyleft", True),
    ("GNU Lesser General Public License v3", "LGPL-3.0-only", "copyleft", True),
    ("Distributed under the BSD 3-Clause license", "BSD-3-Clause", "permissive", True),
    # A research license (unnamed) allows research, not commercial use.
    ("Released under a permissive research license", None, "research", False),
    ("For research use only.", None, "research", False),
    ("The dataset may not be used for commercial purposes.", None, "non-commercial", False),
    ("Released under the Acme Model License for non-commercial use", "other:acme-model-license",
     "non-commercial", False),
    ("Use is governed by the Acme Model License, which permits commercial use.",
     "other:acme-model-license", None, True),
    ("licensed under the NVIDIA Source Code License-NC", "other:nvidia-source-code-license-nc",
     "non-commercial", False),
    # The Hub's full names of its license families.
    ("Creative Commons license family", "cc", None, None),
    ("GNU General Public License family", "gpl", "copyleft", True),
    ("GNU Free Documentation License family", "gfdl", "copyleft", True),
    ("Open Model, Data & Weights License Agreement", "openmdw-1.0", "permissive", True),
    ("for non-commercial research purposes only", None, "non-commercial", False),
    (
        "SAM is released under the FAIR Noncommercial Research License",
        "fair-noncommercial-research-license",
        "non-commercial",
        False,
    ),
    (
        "Hunyuan is released under the Tencent Hunyuan Community License",
        "other:tencent-hunyuan-community",
        "community",
        True,
    ),
    (
        "licensed under the Stability AI Community License",
        "other:stabilityai-ai-community",
        "community",
        True,
    ),
    (
        "The weights are released under the FLUX.1 [dev] Non-Commercial License.",
        "other:flux-1-dev-non-commercial-license",
        "non-commercial",
        False,
    ),
    # A model's name between 'Falcon' and 'TII License'.
    ("Falcon2-11B is released under the Falcon 2 11B TII License", "other:falcon-llm-license", "community", True),
    ("Falcon Mamba 7B TII License", "other:falcon-llm-license", "community", True),
    ("BLOOM is released under the BigScience RAIL License v1.0", "bigscience-bloom-rail-1.0",
     "open-rail", True),
    # CC named without its version: the current one, as the Hub's ids assume.
    ("Aya is licensed under the Cohere For AI CC-BY-NC License", "CC-BY-NC-4.0",
     "non-commercial", False),
    # OSI licenses by their full SPDX names.
    ("The code is released under the Open Software License 3.0", "OSL-3.0", "copyleft", True),
    ("licensed under the Eclipse Public License 2.0", "EPL-2.0", "copyleft", True),
    ("Distributed under the Boost Software License", "BSL-1.0", "permissive", True),
    ("Released under the ISC License.", "ISC", "permissive", True),
    ("This is free and unencumbered software released into the public domain: The Unlicense",
     "Unlicense", "permissive", True),
    ("Licensed under the EUPL-1.2", "EUPL-1.2", "copyleft", True),
    ("Academic Free License v3.0", "AFL-3.0", "permissive", True),
    # Full names of the Hub's licenses, spelled out around 'License' in prose.
    ("The weights are released under the PostgreSQL License.", "PostgreSQL", "permissive", True),
    ("Fonts ship under the SIL Open Font License 1.1.", "OFL-1.1", "copyleft", True),
    ("FastVLM is released under the Apple Model License for Research.", "apple-amlr",
     "research", False),
    ("Use of the model is subject to the DeepFloyd IF Research License Agreement",
     "deepfloyd-if-license", "research", False),
    ("Data: Community Data License Agreement – Permissive, Version 2.0",
     "CDLA-Permissive-2.0", "permissive", True),
    ("This model is released under the Intel Research Use License Agreement.",
     "intel-research", "research", False),
    ("The model is licensed under the OpenMDW License Agreement, version 1.1",
     "openmdw-1.1", "permissive", True),
    ("OpenMDW License", "openmdw-1.0", "permissive", True),
    # A text that is only a license field, copied as it is.
    ("MIT", "MIT", "permissive", True),
    ("cc-by-nc-4.0", "CC-BY-NC-4.0", "non-commercial", False),
    ("llama3.1 license", "llama3.1", "community", True),
    ("Zlib", "Zlib", "permissive", True),
    ("PolyForm-Noncommercial-1.0.0", "PolyForm-Noncommercial-1.0.0", "non-commercial", False),
    ("University of Illinois/NCSA Open Source License", "NCSA", "permissive", True),
    # SPDX full names, and CC's long forms as the deeds title them.
    ("Attribution-NonCommercial-ShareAlike 4.0 International", "CC-BY-NC-SA-4.0",
     "non-commercial", False),
    ("Attribution-NoDerivatives 4.0 International", "CC-BY-ND-4.0", "permissive", True),
    ("Licensed under the Universal Permissive License v1.0", "UPL-1.0", "permissive", True),
    ("Server Side Public License, v 1", "SSPL-1.0", "source-available", True),
    ("Functional Source License, Version 1.1, MIT Future License", "FSL-1.1-MIT",
     "source-available", True),
    ("Functional Source License, Version 1.1, Apache 2.0 Future License", "FSL-1.1-ALv2",
     "source-available", True),
    ("PolyForm Noncommercial License 1.0.0", "PolyForm-Noncommercial-1.0.0", "non-commercial",
     False),
    # Named without a version: the one license of that name, or its latest version.
    ("MongoDB moved to the Server Side Public License", "SSPL-1.0", "source-available", True),
    ("The code is under the Business Source License", "BUSL-1.1", "source-available", False),
    ("Released under the Elastic License", "Elastic-2.0", "source-available", True),
    ("Released under the Mozilla Public License", "MPL-2.0", "copyleft", True),
    ("Creative Commons Attribution-NonCommercial license", "CC-BY-NC-4.0", "non-commercial",
     False),
    # Variants of known licenses keep their own names.
    ("Solar-Apache License 2.0", "other:solar-apache-license-2.0", "permissive", True),
    ("The model is released under a Modified Apache 2.0 license", "other:modified-apache-2.0-license",
     "permissive", True),
    ("[Custom Apache 2.0](https://huggingface.co/x/y/blob/main/LICENSE)",
     "other:custom-apache-2.0", "permissive", True),
    # A vendor's research or non-commercial license, named in prose.
    ("Released under the Acme Research License", "other:acme-research-license", "research",
     False),
    ("SVD is released under the Stable Video Diffusion Non-Commercial Community License",
     "other:stable-video-diffusion-non-commercial-community-license", "non-commercial", False),
    ("The DBRX model is available under the Databricks Open Model License",
     "other:databricks-open-model-license", "community", True),
    ("Gemma Community License", "gemma", "community", True),
    # Markdown links resolved through the URL they point at.
    ("[License](https://ai.google.dev/gemma/terms)", "gemma", "community", True),
    ("[Custom](https://github.com/meta-llama/llama-models/blob/main/models/llama3_1/LICENSE)",
     "llama3.1", "community", True),
    ("License: [CC BY-NC 4.0](https://creativecommons.org/licenses/by-nc/4.0/)", "CC-BY-NC-4.0",
     "non-commercial", False),
    ("Non-Commercial use only", None, "non-commercial", False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "lid", "family", "commercial"), TEXTS)
def test_license_from_text(text, lid, family, commercial):
    result = license_from_text(text, "https://blog.example.org/post")
    assert result is not None
    assert (result.id, result.family, result.commercial_use) == (lid, family, commercial)
    assert result.evidence[0].extractor == "license.text"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "MIT researchers published a new model today.",
        "We fine-tuned with MRL (Matryoshka Representation Learning).",
        "A 27B model with a 128K context window.",
        "Apache Spark integration is available.",
        "Unlicensed copies of the weights are prohibited.",
        "The falcon is the fastest bird; licensing is pending.",
        # Model names and vendors that share a word with a license id are not licenses.
        "Llama 3.1",
        "gemma",
        "google/gemma-3-27b-it",
        "Intel",
        "Free",
        "A license is required for commercial use.",
        "The model supports both commercial and non-commercial use.",
    ],
)
def test_license_from_text_none(text):
    assert license_from_text(text) is None


def test_text_prefers_named_license_and_mentions_others():
    result = license_from_text("Code is Apache 2.0; weights use the Llama 3.1 Community License.")
    assert result.id == "Apache-2.0"
    assert "llama3.1" in result.conditions


def test_to_json_keys():
    data = license_from_id("gemma").to_json()
    assert set(data) == {
        "id",
        "name",
        "family",
        "commercial_use",
        "conditions",
        "osi_approved",
        "evidence",
    }
