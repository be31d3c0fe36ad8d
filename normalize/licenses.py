"""Licenses: what a model's license is and what it allows, from ids, cards, tags and prose.

This module owns the license vocabulary: the Hugging Face Hub's license identifiers, SPDX ids
(through `license_expression`'s SPDX index), the custom model licenses seen on the Hub under
`license: other` (Qwen, Mistral's MNPL and MRL, DeepSeek, …), and what each means for
commercial use. It does not decide which source wins; `normalize.record` does.

Output ids follow the project contract: the SPDX id where one exists, else the Hub id, else
`other:<name>`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import ahocorasick

from normalize.evidence import Evidence, make_evidence, snippet_around
from normalize.text import ascii_lower, contains_any, find_all
from normalize.versions import ruleset_version

VERSION = ruleset_version("license")
MAX_TEXT_CHARS = 400_000
MAX_ID_CHARS = 200

PERMISSIVE = "permissive"
COPYLEFT = "copyleft"
OPEN_RAIL = "open-rail"
COMMUNITY = "community"
NON_COMMERCIAL = "non-commercial"
RESEARCH = "research"
PROPRIETARY = "proprietary"

LLAMA_TERMS = (
    "services with more than 700 million monthly active users need a separate license from "
    "Meta; Meta's acceptable use policy applies; 'Built with Llama' attribution"
)
GEMMA_TERMS = "Gemma prohibited use policy applies and passes to derivatives"
RAIL_TERMS = "use-based restrictions apply and must be passed on to derivatives"
NC_TERMS = "non-commercial use only"
RESEARCH_TERMS = "research use only"


@dataclass(slots=True)
class License:
    id: str | None
    name: str | None
    family: str | None
    commercial_use: bool | None
    conditions: str | None
    osi_approved: bool | None
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "family": self.family,
            "commercial_use": self.commercial_use,
            "conditions": self.conditions,
            "osi_approved": self.osi_approved,
            "evidence": [item.to_json() for item in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class _Known:
    id: str  # output id: SPDX id, Hub id or "other:<key>"
    name: str
    family: str | None
    commercial_use: bool | None
    conditions: str | None = None


# The Hub's identifier table (hub-docs "Licenses"), with the SPDX id where SPDX has the
# license. Hub ids without a version ('gpl', 'bsd', 'cc') name a family, not one license.
_P, _C, _R = PERMISSIVE, COPYLEFT, OPEN_RAIL
_HUB: dict[str, _Known] = {
    "apache-2.0": _Known("Apache-2.0", "Apache License 2.0", _P, True),
    "mit": _Known("MIT", "MIT License", _P, True),
    "openrail": _Known("openrail", "OpenRAIL license family", _R, True, RAIL_TERMS),
    "bigscience-openrail-m": _Known(
        "bigscience-openrail-m", "BigScience OpenRAIL-M", _R, True, RAIL_TERMS
    ),
    "creativeml-openrail-m": _Known(
        "creativeml-openrail-m", "CreativeML OpenRAIL-M", _R, True, RAIL_TERMS
    ),
    "bigscience-bloom-rail-1.0": _Known(
        "bigscience-bloom-rail-1.0", "BigScience BLOOM RAIL 1.0", _R, True, RAIL_TERMS
    ),
    "bigcode-openrail-m": _Known(
        "bigcode-openrail-m", "BigCode Open RAIL-M v1", _R, True, RAIL_TERMS
    ),
    "afl-3.0": _Known("AFL-3.0", "Academic Free License v3.0", _P, True),
    "artistic-2.0": _Known("Artistic-2.0", "Artistic License 2.0", _P, True),
    "bsl-1.0": _Known("BSL-1.0", "Boost Software License 1.0", _P, True),
    "bsd": _Known("bsd", "BSD license family", _P, True),
    "bsd-2-clause": _Known("BSD-2-Clause", 'BSD 2-Clause "Simplified" License', _P, True),
    "bsd-3-clause": _Known("BSD-3-Clause", 'BSD 3-Clause "New" or "Revised" License', _P, True),
    "bsd-3-clause-clear": _Known("BSD-3-Clause-Clear", "BSD 3-Clause Clear License", _P, True),
    "c-uda": _Known(
        "C-UDA-1.0",
        "Computational Use of Data Agreement",
        _P,
        True,
        "data may be used for computational analysis; redistribution of the data is limited",
    ),
    "cc": _Known("cc", "Creative Commons license family", None, None),
    "cc0-1.0": _Known("CC0-1.0", "Creative Commons Zero v1.0 Universal", _P, True),
    "cc-by-2.0": _Known("CC-BY-2.0", "Creative Commons Attribution 2.0", _P, True),
    "cc-by-2.5": _Known("CC-BY-2.5", "Creative Commons Attribution 2.5", _P, True),
    "cc-by-3.0": _Known("CC-BY-3.0", "Creative Commons Attribution 3.0", _P, True),
    "cc-by-4.0": _Known("CC-BY-4.0", "Creative Commons Attribution 4.0", _P, True),
    "cc-by-sa-3.0": _Known(
        "CC-BY-SA-3.0", "Creative Commons Attribution Share Alike 3.0", _C, True
    ),
    "cc-by-sa-4.0": _Known(
        "CC-BY-SA-4.0", "Creative Commons Attribution Share Alike 4.0", _C, True
    ),
    "cc-by-nc-2.0": _Known(
        "CC-BY-NC-2.0", "Creative Commons Attribution Non Commercial 2.0", NON_COMMERCIAL, False
    ),
    "cc-by-nc-3.0": _Known(
        "CC-BY-NC-3.0", "Creative Commons Attribution Non Commercial 3.0", NON_COMMERCIAL, False
    ),
    "cc-by-nc-4.0": _Known(
        "CC-BY-NC-4.0", "Creative Commons Attribution Non Commercial 4.0", NON_COMMERCIAL, False
    ),
    "cc-by-nd-4.0": _Known(
        "CC-BY-ND-4.0",
        "Creative Commons Attribution No Derivatives 4.0",
        _P,
        True,
        "no derivatives may be shared",
    ),
    "cc-by-nc-nd-3.0": _Known(
        "CC-BY-NC-ND-3.0",
        "Creative Commons Attribution Non Commercial No Derivatives 3.0",
        NON_COMMERCIAL,
        False,
    ),
    "cc-by-nc-nd-4.0": _Known(
        "CC-BY-NC-ND-4.0",
        "Creative Commons Attribution Non Commercial No Derivatives 4.0",
        NON_COMMERCIAL,
        False,
    ),
    "cc-by-nc-sa-2.0": _Known(
        "CC-BY-NC-SA-2.0",
        "Creative Commons Attribution Non Commercial Share Alike 2.0",
        NON_COMMERCIAL,
        False,
    ),
    "cc-by-nc-sa-3.0": _Known(
        "CC-BY-NC-SA-3.0",
        "Creative Commons Attribution Non Commercial Share Alike 3.0",
        NON_COMMERCIAL,
        False,
    ),
    "cc-by-nc-sa-4.0": _Known(
        "CC-BY-NC-SA-4.0",
        "Creative Commons Attribution Non Commercial Share Alike 4.0",
        NON_COMMERCIAL,
        False,
    ),
    "cdla-sharing-1.0": _Known(
        "CDLA-Sharing-1.0", "Community Data License Agreement – Sharing 1.0", _C, True
    ),
    "cdla-permissive-1.0": _Known(
        "CDLA-Permissive-1.0", "Community Data License Agreement – Permissive 1.0", _P, True
    ),
    "cdla-permissive-2.0": _Known(
        "CDLA-Permissive-2.0", "Community Data License Agreement – Permissive 2.0", _P, True
    ),
    "wtfpl": _Known("WTFPL", "Do What The F*ck You Want To Public License", _P, True),
    "ecl-2.0": _Known("ECL-2.0", "Educational Community License v2.0", _P, True),
    "epl-1.0": _Known("EPL-1.0", "Eclipse Public License 1.0", _C, True),
    "epl-2.0": _Known("EPL-2.0", "Eclipse Public License 2.0", _C, True),
    "etalab-2.0": _Known("etalab-2.0", "Etalab Open License 2.0", _P, True),
    "eupl-1.1": _Known("EUPL-1.1", "European Union Public License 1.1", _C, True),
    "eupl-1.2": _Known("EUPL-1.2", "European Union Public License 1.2", _C, True),
    "agpl-3.0": _Known("AGPL-3.0-only", "GNU Affero General Public License v3.0", _C, True),
    "gfdl": _Known("gfdl", "GNU Free Documentation License family", _C, True),
    "gpl": _Known("gpl", "GNU General Public License family", _C, True),
    "gpl-2.0": _Known("GPL-2.0-only", "GNU General Public License v2.0", _C, True),
    "gpl-3.0": _Known("GPL-3.0-only", "GNU General Public License v3.0", _C, True),
    "lgpl": _Known("lgpl", "GNU Lesser General Public License family", _C, True),
    "lgpl-2.1": _Known("LGPL-2.1-only", "GNU Lesser General Public License v2.1", _C, True),
    "lgpl-3.0": _Known("LGPL-3.0-only", "GNU Lesser General Public License v3.0", _C, True),
    "isc": _Known("ISC", "ISC License", _P, True),
    "h-research": _Known("h-research", "H Research License", RESEARCH, False, RESEARCH_TERMS),
    "intel-research": _Known(
        "intel-research", "Intel Research Use License Agreement", RESEARCH, False, RESEARCH_TERMS
    ),
    "lppl-1.3c": _Known("LPPL-1.3c", "LaTeX Project Public License v1.3c", _C, True),
    "ms-pl": _Known("MS-PL", "Microsoft Public License", _P, True),
    "apple-ascl": _Known("apple-ascl", "Apple Sample Code License", _P, True),
    "apple-amlr": _Known(
        "apple-amlr", "Apple Model License for Research", RESEARCH, False, RESEARCH_TERMS
    ),
    "mpl-2.0": _Known("MPL-2.0", "Mozilla Public License 2.0", _C, True),
    "odc-by": _Known("ODC-By-1.0", "Open Data Commons Attribution License", _P, True),
    "odbl": _Known("ODbL-1.0", "Open Database License", _C, True),
    "openmdw-1.0": _Known("openmdw-1.0", "Open Model, Data & Weights License Agreement", _P, True),
    "openmdw-1.1": _Known(
        "openmdw-1.1", "Open Model, Data & Weights License Agreement v1.1", _P, True
    ),
    "openrail++": _Known("openrail++", "Open Rail++-M License", _R, True, RAIL_TERMS),
    "osl-3.0": _Known("OSL-3.0", "Open Software License 3.0", _C, True),
    "postgresql": _Known("PostgreSQL", "PostgreSQL License", _P, True),
    "ofl-1.1": _Known("OFL-1.1", "SIL Open Font License 1.1", _C, True),
    "ncsa": _Known("NCSA", "University of Illinois/NCSA Open Source License", _P, True),
    "unlicense": _Known("Unlicense", "The Unlicense", _P, True),
    "zlib": _Known("Zlib", "zlib License", _P, True),
    "pddl": _Known("PDDL-1.0", "Open Data Commons Public Domain Dedication and License", _P, True),
    "lgpl-lr": _Known("LGPLLR", "Lesser General Public License For Linguistic Resources", _C, True),
    "deepfloyd-if-license": _Known(
        "deepfloyd-if-license",
        "DeepFloyd IF Research License Agreement",
        RESEARCH,
        False,
        RESEARCH_TERMS,
    ),
    "fair-noncommercial-research-license": _Known(
        "fair-noncommercial-research-license",
        "FAIR Noncommercial Research License",
        NON_COMMERCIAL,
        False,
        "non-commercial research use only",
    ),
    "llama2": _Known("llama2", "Llama 2 Community License Agreement", COMMUNITY, True, LLAMA_TERMS),
    "llama3": _Known("llama3", "Llama 3 Community License Agreement", COMMUNITY, True, LLAMA_TERMS),
    "llama3.1": _Known(
        "llama3.1", "Llama 3.1 Community License Agreement", COMMUNITY, True, LLAMA_TERMS
    ),
    "llama3.2": _Known(
        "llama3.2", "Llama 3.2 Community License Agreement", COMMUNITY, True, LLAMA_TERMS
    ),
    "llama3.3": _Known(
        "llama3.3", "Llama 3.3 Community License Agreement", COMMUNITY, True, LLAMA_TERMS
    ),
    "llama4": _Known("llama4", "Llama 4 Community License Agreement", COMMUNITY, True, LLAMA_TERMS),
    "grok2-community": _Known(
        "grok2-community",
        "Grok 2 Community License Agreement",
        COMMUNITY,
        True,
        "commercial use allowed only below a revenue threshold; may not be used to train other "
        "large models; acceptable use policy applies",
    ),
    "gemma": _Known("gemma", "Gemma Terms of Use", COMMUNITY, True, GEMMA_TERMS),
}

# Custom licenses seen on the Hub as `license: other` + `license_name`, keyed by a canonical
# name. Their ids are "other:<key>".
_OTHER: dict[str, _Known] = {
    "qwen": _Known(
        "other:qwen",
        "Qwen License Agreement (Tongyi Qianwen)",
        COMMUNITY,
        True,
        "products with more than 100 million monthly active users need a license from "
        "Alibaba Cloud",
    ),
    "qwen-research": _Known(
        "other:qwen-research",
        "Qwen Research License Agreement",
        RESEARCH,
        False,
        "non-commercial research use only",
    ),
    "mnpl": _Known(
        "other:mnpl",
        "Mistral AI Non-Production License",
        NON_COMMERCIAL,
        False,
        "research and testing only; production or commercial use needs a license from Mistral AI",
    ),
    "mrl": _Known(
        "other:mrl",
        "Mistral AI Research License",
        RESEARCH,
        False,
        "research use only; commercial use needs a license from Mistral AI",
    ),
    "deepseek": _Known(
        "other:deepseek",
        "DeepSeek License Agreement",
        OPEN_RAIL,
        True,
        RAIL_TERMS,
    ),
    "falcon": _Known(
        "other:falcon",
        "TII Falcon License",
        COMMUNITY,
        True,
        "acceptable use policy applies",
    ),
    "nvidia-open-model": _Known(
        "other:nvidia-open-model",
        "NVIDIA Open Model License Agreement",
        COMMUNITY,
        True,
        "attribution; guardrails must not be bypassed",
    ),
    "nvidia-noncommercial": _Known(
        "other:nvidia-noncommercial",
        "NVIDIA Non-Commercial License",
        NON_COMMERCIAL,
        False,
        NC_TERMS,
    ),
    "modified-mit": _Known(
        "other:modified-mit",
        "Modified MIT License",
        PERMISSIVE,
        True,
        "products above 100 million monthly active users or USD 20 million monthly revenue "
        "must display the model's name",
    ),
    "glm-4": _Known(
        "other:glm-4", "GLM-4 Model License", COMMUNITY, True, "registration for commercial use"
    ),
    "yi": _Known(
        "other:yi",
        "Yi Series Models Community License Agreement",
        COMMUNITY,
        True,
        "commercial use requires registration",
    ),
    "hunyuan-community": _Known(
        "other:hunyuan-community",
        "Tencent Hunyuan Community License Agreement",
        COMMUNITY,
        True,
        "not licensed in the EU, UK and South Korea; more than 100 million monthly active users "
        "need a license from Tencent",
    ),
    "stabilityai-community": _Known(
        "other:stabilityai-community",
        "Stability AI Community License",
        COMMUNITY,
        True,
        "free below USD 1 million annual revenue; above it an enterprise license is required",
    ),
    "jamba-open-model": _Known(
        "other:jamba-open-model",
        "Jamba Open Model License",
        COMMUNITY,
        True,
        "organisations above USD 50 million annual revenue need a commercial license",
    ),
    "health-ai-developer-foundations": _Known(
        "other:health-ai-developer-foundations",
        "Health AI Developer Foundations Terms of Use",
        COMMUNITY,
        True,
        "prohibited use policy applies",
    ),
    "exaone": _Known(
        "other:exaone", "EXAONE AI Model License Agreement", NON_COMMERCIAL, False, NC_TERMS
    ),
    "flux-1-dev-non-commercial": _Known(
        "other:flux-1-dev-non-commercial",
        "FLUX.1 [dev] Non-Commercial License",
        NON_COMMERCIAL,
        False,
        "non-commercial use of the model; outputs may be used commercially",
    ),
    "cohere-nc": _Known(
        "other:cohere-nc",
        "Cohere non-commercial license (CC-BY-NC with acceptable use addendum)",
        NON_COMMERCIAL,
        False,
        NC_TERMS,
    ),
}

# Spellings seen in `license_name`, `license` and prose, normalized by `_key` (lower case,
# spaces and underscores as '-'). Each maps to a key of `_HUB` or `_OTHER`.
_ALIASES = {
    "apache2": "apache-2.0",
    "apache-2": "apache-2.0",
    "apache2.0": "apache-2.0",
    "apache": "apache-2.0",
    "apache-license-2.0": "apache-2.0",
    "apache-license-version-2.0": "apache-2.0",
    "apache-license,-version-2.0": "apache-2.0",
    "mit-license": "mit",
    "the-mit-license": "mit",
    "gemma-terms-of-use": "gemma",
    "gemma-license": "gemma",
    "gemma-terms": "gemma",
    "tongyi-qianwen": "qwen",
    "tongyi-qianwen-license": "qwen",
    "tongyi-qianwen-license-agreement": "qwen",
    "qwen-license": "qwen",
    "qwen-license-agreement": "qwen",
    "tongyi-qianwen-research": "qwen-research",
    "qwen-research-license": "qwen-research",
    "qwen-research-license-agreement": "qwen-research",
    "mistral-ai-non-production-license": "mnpl",
    "mistral-non-production-license": "mnpl",
    "mnpl-0.1": "mnpl",
    "mistral-ai-research-license": "mrl",
    "mistral-research-license": "mrl",
    "mrl-0.1": "mrl",
    "deepseek-license": "deepseek",
    "deepseek-license-agreement": "deepseek",
    "deepseek-model-license": "deepseek",
    "falcon-llm-license": "falcon",
    "tii-falcon-license": "falcon",
    "falcon-license": "falcon",
    "tii-falcon-llm-license": "falcon",
    "nvidia-open-model-license": "nvidia-open-model",
    "nvidia-open-model-license-agreement": "nvidia-open-model",
    "nvidia-license": "nvidia-noncommercial",
    "nvidia-non-commercial-license": "nvidia-noncommercial",
    "nvidia-noncommercial-license": "nvidia-noncommercial",
    "nsclv1": "nvidia-noncommercial",
    "modified-mit-license": "modified-mit",
    "glm-4-license": "glm-4",
    "glm4": "glm-4",
    "yi-license": "yi",
    "yi-series-models-community-license": "yi",
    "tencent-hunyuan-community": "hunyuan-community",
    "tencent-hunyuan-community-license": "hunyuan-community",
    "hunyuan": "hunyuan-community",
    "tencent-license": "hunyuan-community",
    "stabilityai-ai-community": "stabilityai-community",
    "stability-ai-community-license": "stabilityai-community",
    "stabilityai-community-license": "stabilityai-community",
    "jamba-open-model-license": "jamba-open-model",
    "health-ai-developer-foundations-terms-of-use": "health-ai-developer-foundations",
    "hai-def": "health-ai-developer-foundations",
    "exaone-ai-model-license": "exaone",
    "exaone-ai-model-license-agreement-1.1-nc": "exaone",
    "exaone-ai-model-license-agreement": "exaone",
    "flux-1-dev-non-commercial-license": "flux-1-dev-non-commercial",
    "flux.1-dev-non-commercial-license": "flux-1-dev-non-commercial",
    "cc-by-nc-4.0-with-acceptable-use-addendum": "cohere-nc",
    "grok-2-community": "grok2-community",
    "openrail-m": "openrail",
    "open-rail-m": "openrail",
    "openrail++-m": "openrail++",
    "cc-by-nc": "cc-by-nc-4.0",
    "cc-by-nc-sa": "cc-by-nc-sa-4.0",
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc0": "cc0-1.0",
    "gplv3": "gpl-3.0",
    "gplv2": "gpl-2.0",
    "agplv3": "agpl-3.0",
    "bsd-3": "bsd-3-clause",
    "bsd-2": "bsd-2-clause",
    "bsd-3-clause-license": "bsd-3-clause",
}

# The OSI list, for the SPDX ids that models and their code commonly use. CC licenses, the
# WTFPL and the model licenses are not OSI-approved.
_OSI_APPROVED = frozenset(
    {
        "0BSD", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
        "APSL-2.0", "Artistic-2.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent",
        "BSD-3-Clause", "BSL-1.0", "CDDL-1.0", "CECILL-2.1", "CPAL-1.0", "CPL-1.0",
        "ECL-1.0", "ECL-2.0", "EFL-2.0", "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2",
        "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "ISC",
        "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later",
        "LGPL-3.0-only", "LGPL-3.0-or-later", "LPPL-1.3c", "MIT", "MIT-0", "MPL-1.0",
        "MPL-1.1", "MPL-2.0", "MS-PL", "MS-RL", "NCSA", "OFL-1.1", "OSL-3.0", "PostgreSQL",
        "Python-2.0", "UPL-1.0", "Unlicense", "W3C", "Zlib", "ZPL-2.0", "ZPL-2.1",
    }
)  # fmt: skip
_NOT_OSI_FAMILIES = frozenset({OPEN_RAIL, COMMUNITY, NON_COMMERCIAL, RESEARCH, PROPRIETARY})

_SEPARATORS = re.compile(r"[\s_]+")


def _key(value: str) -> str:
    value = value.strip().strip("\"'`").lower()
    while value.startswith("license:"):
        value = value[len("license:") :].strip()
    return _SEPARATORS.sub("-", value)


_LLAMA_KEY = re.compile(r"(?:meta-)?llama-?(2|3(?:\.[123])?|4)(?:-community)?(?:-license)?")


# Cards and Hub entries name the same few hundred licenses over and over; the answer is frozen.
@functools.lru_cache(maxsize=4096)
def _known(key: str) -> _Known | None:
    """The license a normalized key names: a Hub id, a known custom license, or an alias."""
    if key in _HUB:
        return _HUB[key]
    if key in _OTHER:
        return _OTHER[key]
    alias = _ALIASES.get(key)
    if alias:
        return _HUB.get(alias) or _OTHER.get(alias)
    llama = _LLAMA_KEY.fullmatch(key)
    if llama:
        return _HUB.get(f"llama{llama[1]}")
    return _spdx_known(key) or _full_names().get(_loose_key(key))


_LOOSE_DROP = re.compile(r"[^a-z0-9.+]+|(?<![a-z])(?:the|version|v(?=\d))(?![a-z])")


def _loose_key(key: str) -> str:
    """A license name with case, punctuation, 'the', 'version' and 'v' before a number left
    out: 'Community Data License Agreement – Permissive, Version 2.0' and
    'community-data-license-agreement-permissive-2.0' give the same key."""
    return _LOOSE_DROP.sub("", key.lower())


@functools.cache
def _full_names() -> dict[str, _Known]:
    """Loose keys of the full names of the Hub's licenses and of the custom licenses known
    here ('Creative Commons Zero v1.0 Universal', 'Tencent Hunyuan Community License
    Agreement'), so a `license_name` or a short text that spells a license out is read."""
    index: dict[str, _Known] = {}
    for table in (_HUB, _OTHER):
        for known in table.values():
            if not known.name.endswith(" family"):
                index.setdefault(_loose_key(known.name), known)
    for name, key in _HUB_FULL_NAMES.items():
        index.setdefault(_loose_key(name), _HUB[key])
    return index


# The Hub's own spellings (hub-docs "Licenses") where they differ from the names above.
_HUB_FULL_NAMES = {
    "Community Data License Agreement – Sharing, Version 1.0": "cdla-sharing-1.0",
    "Community Data License Agreement – Permissive, Version 1.0": "cdla-permissive-1.0",
    "Community Data License Agreement – Permissive, Version 2.0": "cdla-permissive-2.0",
    "Open Data Commons License Attribution family": "odc-by",
    "Open Database License family": "odbl",
}


@functools.cache
def _spdx_symbols() -> dict[str, str]:
    """SPDX ids and their aliases (lower case) -> canonical SPDX id; loaded on first use."""
    try:
        from license_expression import get_spdx_licensing

        licensing = get_spdx_licensing()
    except Exception:  # noqa: BLE001 - without the index only the embedded tables are used
        return {}
    index: dict[str, str] = {}
    for symbol in licensing.known_symbols.values():
        key = getattr(symbol, "key", "")
        if not isinstance(key, str) or key.startswith("LicenseRef-"):
            continue
        if getattr(symbol, "is_exception", False):
            continue
        index[key.lower()] = key
        for alias in getattr(symbol, "aliases", ()) or ():
            if isinstance(alias, str) and not alias.startswith("LicenseRef-"):
                index.setdefault(alias.lower(), key)
    return index


def _spdx_known(key: str) -> _Known | None:
    spdx_id = _spdx_symbols().get(key)
    if spdx_id is None:
        return None
    hub = _HUB.get(spdx_id.lower())
    if hub is not None:
        return hub
    family, commercial = _spdx_family(spdx_id)
    return _Known(spdx_id, spdx_id, family, commercial, NC_TERMS if commercial is False else None)


def _spdx_family(spdx_id: str) -> tuple[str | None, bool | None]:
    upper = spdx_id.upper()
    if "-NC" in upper or "NONCOMMERCIAL" in upper:
        return NON_COMMERCIAL, False
    if upper.startswith(("GPL", "AGPL", "LGPL", "MPL", "EPL", "EUPL", "CDDL", "CC-BY-SA", "OSL")):
        return COPYLEFT, True
    if upper.startswith(("CECILL", "MS-RL", "CPL", "ODBL", "CDLA-SHARING")):
        return COPYLEFT, True
    if spdx_id in _OSI_APPROVED or upper.startswith(("BSD", "MIT", "APACHE", "CC0", "CC-BY")):
        return PERMISSIVE, True
    return _SCANCODE_FAMILIES.get(_scancode_categories().get(spdx_id, ""), (None, None))


# ScanCode's license categories (shipped with license_expression's SPDX index), for the SPDX
# ids the rules above do not place. 'Source-available' and 'Free Restricted' licenses allow
# commercial use on terms that differ from one license to the next: unknowable here.
_SCANCODE_FAMILIES = {
    "Permissive": (PERMISSIVE, True),
    "Public Domain": (PERMISSIVE, True),
    "Copyleft": (COPYLEFT, True),
    "Copyleft Limited": (COPYLEFT, True),
    "Proprietary Free": (PROPRIETARY, None),
    "Commercial": (PROPRIETARY, None),
}


@functools.cache
def _scancode_categories() -> dict[str, str]:
    """SPDX id -> ScanCode category, read once from license_expression's data (empty when
    the file is missing: the families then stay unknown)."""
    try:
        import json
        from importlib.resources import files

        data = files("license_expression").joinpath("data/scancode-licensedb-index.json")
        entries = json.loads(data.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - an optional refinement, never a reason to fail
        return {}
    return {
        entry["spdx_license_key"]: entry.get("category") or ""
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("spdx_license_key"), str)
    }


def _osi(known: _Known) -> bool | None:
    if known.id in _OSI_APPROVED:
        return True
    if known.family in _NOT_OSI_FAMILIES or known.id.startswith(("CC", "cc")):
        return False
    if known.id in ("bsd", "gpl", "lgpl", "gfdl", "openmdw-1.0", "openmdw-1.1"):
        return None  # a family or a license not (yet) reviewed by the OSI
    return False


def _license(
    known: _Known, evidence: list[Evidence], conditions_extra: str | None = None
) -> License:
    conditions = known.conditions
    if conditions_extra:
        conditions = f"{conditions}; {conditions_extra}" if conditions else conditions_extra
    return License(
        known.id, known.name, known.family, known.commercial_use, conditions, _osi(known), evidence
    )


def _unnamed_other(name: str, evidence: list[Evidence]) -> License:
    """A custom license we do not know: its id is 'other:<name>', its terms are unknown."""
    key = _key(name)[:80]
    family, commercial = _family_from_words(name)
    return License(f"other:{key}", name.strip()[:120], family, commercial, None, None, evidence)


_FAMILY_WORDS = (
    (re.compile(r"non[\s-]?commercial|\bnc\b|non[\s-]?production", re.I), NON_COMMERCIAL, False),
    (re.compile(r"research", re.I), RESEARCH, None),
    (re.compile(r"rail\b", re.I), OPEN_RAIL, True),
    (re.compile(r"community", re.I), COMMUNITY, None),
    (re.compile(r"proprietary|all rights reserved", re.I), PROPRIETARY, False),
)


def _family_from_words(name: str) -> tuple[str | None, bool | None]:
    for pattern, family, commercial in _FAMILY_WORDS:
        if pattern.search(name):
            return family, commercial
    return None, None


def license_from_id(
    value: object, source: str = "", extractor: str = "license.id"
) -> License | None:
    """A license id (Hub, SPDX or a known custom name) -> License; None for other/unknown."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        return None
    key = _key(value)
    if key in ("other", "unknown", "none", "", "n/a", "custom"):
        return None
    known = _known(key)
    if known is None:
        return None
    return _license(known, [make_evidence(source or "id", value, extractor, VERSION)])


# Cards -----------------------------------------------------------------------------------------

_LINK_HINTS = (
    (re.compile(r"apache\.org/licenses/LICENSE-2\.0", re.I), "apache-2.0"),
    (re.compile(r"opensource\.org/licenses/MIT", re.I), "mit"),
    (re.compile(r"ai\.google\.dev/gemma/terms", re.I), "gemma"),
    (re.compile(r"creativecommons\.org/licenses/by-nc/4\.0", re.I), "cc-by-nc-4.0"),
    (re.compile(r"creativecommons\.org/licenses/by/4\.0", re.I), "cc-by-4.0"),
    (re.compile(r"mistral\.ai/licenses/MNPL", re.I), "mnpl"),
    (re.compile(r"mistral\.ai/licenses/MRL", re.I), "mrl"),
    (re.compile(r"falconllm\.tii\.ae", re.I), "falcon"),
    (re.compile(r"llama(?:\.meta)?\.com/llama4/license", re.I), "llama4"),
    (re.compile(r"llama-models/blob/main/models/llama(4|3_3|3_2|3_1|3|2)/", re.I), None),
    (re.compile(r"nvidia\.com/.*open-model-license", re.I), "nvidia-open-model"),
)


def _from_link(link: str) -> _Known | None:
    for pattern, key in _LINK_HINTS:
        match = pattern.search(link)
        if match:
            if key is None:
                version = match[1].replace("_", ".")
                return _HUB.get(f"llama{version}")
            return _HUB.get(key) or _OTHER.get(key)
    return None


def _card_snippet(card_data: dict) -> str:
    parts = []
    for key in ("license", "license_name", "license_link"):
        value = card_data.get(key)
        if value is not None:
            parts.append(f"{key}: {str(value)[:150]}")
    return "; ".join(parts)


def _as_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value[:20] if isinstance(item, str)]
    return []


def license_from_card(card_data: object, source: str = "") -> License | None:
    """License from card front matter / cardData: license, license_name, license_link."""
    try:
        return _license_from_card(card_data, source)
    except Exception:  # noqa: BLE001 - hostile front matter must not stop the record
        return None


def _license_from_card(card_data: object, source: str) -> License | None:
    if not isinstance(card_data, dict):
        return None
    values = _as_strings(card_data.get("license"))
    names = _as_strings(card_data.get("license_name"))
    links = _as_strings(card_data.get("license_link"))
    evidence = [make_evidence(source or "card", _card_snippet(card_data), "license.card", VERSION)]
    recognised = [known for value in values if (known := _known(_key(value)))]
    if recognised:
        others = [k.id for k in recognised[1:] if k.id != recognised[0].id]
        extra = f"also listed: {', '.join(others)}" if others else None
        return _license(recognised[0], evidence, extra)
    # 'license: other' (or an unknown id) defers to license_name, then license_link.
    for name in names:
        if known := _known(_key(name)):
            return _license(known, evidence)
    for link in links:
        if known := _from_link(link):
            return _license(known, evidence)
    for name in names:
        if _key(name) not in ("other", "unknown", ""):
            return _unnamed_other(name, evidence)
    for value in values:
        if _key(value) not in ("other", "unknown", "", "none"):
            return _unnamed_other(value, evidence)
    return None


def license_from_tags(tags: object, source: str = "") -> License | None:
    """License from Hub tags such as 'license:apache-2.0'."""
    if not isinstance(tags, list | tuple):
        return None
    for tag in tags[:500]:
        if isinstance(tag, str) and tag.lower().startswith("license:"):
            result = license_from_id(tag, source or "tags", "license.tags")
            if result is not None:
                return result
    return None


# Prose -------------------------------------------------------------------------------------------

_TEXT_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"\bllama\s*(2|3(?:\.[123])?|4)\s+(?:community\s+)?licen[cs]e", "llama"),
        (r"\bgemma\s+(?:terms\s+of\s+use|licen[cs]e|terms)", "gemma"),
        (r"\bmistral\s+(?:ai\s+)?non[\s-]?production\s+licen[cs]e|\bMNPL\b", "mnpl"),
        (r"\bmistral\s+(?:ai\s+)?research\s+licen[cs]e", "mrl"),
        (r"\b(?:tongyi\s+)?qianwen\s+research\s+licen[cs]e|\bqwen\s+research\s+licen[cs]e", "qwen-research"),
        (r"\btongyi\s+qianwen\s+(?:licen[cs]e|license\s+agreement)|\bqwen\s+licen[cs]e", "qwen"),
        (r"\bdeepseek\s+(?:model\s+)?licen[cs]e", "deepseek"),
        (r"\bFAIR\s+non[\s-]?commercial\s+research\s+licen[cs]e", "fair-noncommercial-research-license"),
        (r"\bnvidia\s+open\s+model\s+licen[cs]e", "nvidia-open-model"),
        (r"\b(?:tii\s+)?falcon(?:[\s-]+(?:llm|mamba|\d+(?:\.\d+)?[bm]?))*[\s-]+(?:tii\s+)?licen[cs]e", "falcon"),
        (r"\b(?:tencent\s+)?hunyuan\s+community\s+licen[cs]e", "hunyuan-community"),
        (r"\bstability\s+ai\s+community\s+licen[cs]e", "stabilityai-community"),
        (r"\bjamba\s+open\s+model\s+licen[cs]e", "jamba-open-model"),
        (r"\bflux(?:\.1)?\s*\[?dev\]?\s+non[\s-]?commercial\s+licen[cs]e", "flux-1-dev-non-commercial"),
        (r"\bgrok\s*2\s+community\s+licen[cs]e", "grok2-community"),
        (r"\b(?:open\s+model,\s+data\s+(?:&|and)\s+weights|openmdw)\s+licen[cs]e(?:\s+agreement)?(?:,?\s+(?:version\s*|v)?(1\.[01]))?", "openmdw"),
        (r"\bmodified\s+MIT\s+licen[cs]e", "modified-mit"),
        (r"\bcreativeml\s+open\s?rail-?m", "creativeml-openrail-m"),
        (r"\bbigscience\s+(?:bloom\s+)?open\s?rail-?m", "bigscience-openrail-m"),
        (r"\bbigscience\s+(?:bloom\s+)?rail\s+(?:licen[cs]e\s+)?v?1\.0|\bbigscience\s+(?:bloom\s+)?rail\s+licen[cs]e", "bigscience-bloom-rail-1.0"),
        (r"\bbigcode\s+open\s?rail-?m", "bigcode-openrail-m"),
        (r"\bopen\s?rail\s?\+\+(?:-m)?", "openrail++"),
        (r"\bopen\s?rail(?:-m)?\b", "openrail"),
        (r"\bapache(?:\s+license)?,?\s*(?:version\s*|v)?2(?:\.0)?\b|\bapache-2\.0\b", "apache-2.0"),
        (r"\bapache\s+licen[cs]ed?\b", "apache-2.0"),
        (r"\bMIT[\s-]licen[cs]ed?\b|\bunder\s+(?:the\s+|an\s+)?MIT\b|\blicen[cs]e:?\s+MIT\b", "mit"),
        (r"\bCC[\s-]?0\b|\bCC0[\s-]1\.0\b", "cc0-1.0"),
        (r"\bCC[\s-]BY(?:[\s-](?:NC|SA|ND)){0,2}(?:[\s-]\d\.\d\b|(?=\s+licen[cs]e))", "cc"),
        (r"\bcreative\s+commons\s+attribution[\s-](?:non[\s-]?commercial[\s-]?)?(?:share[\s-]?alike[\s-]?|no[\s-]?derivatives?[\s-]?)?(?:international\s+)?(?:licen[cs]e\s+)?\(?(?:v(?:ersion)?\s*)?\d\.\d", "cc-long"),
        (r"\b(?:GNU\s+)?(?:affero\s+general\s+public\s+licen[cs]e|AGPL)[\s-]?v?(3)(?:\.0)?", "agpl"),
        (r"\b(?:GNU\s+)?(?:lesser\s+general\s+public\s+licen[cs]e|LGPL)[\s-]?v?(2\.1|3)(?:\.0)?", "lgpl"),
        (r"\b(?:GNU\s+)?(?:general\s+public\s+licen[cs]e|GPL)[\s-]?v?(2|3)(?:\.0)?", "gpl"),
        (r"\bBSD[\s-]([23])[\s-]clause\b", "bsd-n"),
        (r"\bmozilla\s+public\s+licen[cs]e\s*(?:v|version\s*)?2\.0|\bMPL[\s-]2\.0", "mpl-2.0"),
        (r"\bopen\s+software\s+licen[cs]e\s*(?:v|version\s*)?3\.0|\bOSL[\s-]3\.0", "osl-3.0"),
        (r"\bacademic\s+free\s+licen[cs]e\s*(?:v|version\s*)?3\.0|\bAFL[\s-]3\.0", "afl-3.0"),
        (r"\beclipse\s+public\s+licen[cs]e\s*(?:v|version\s*)?([12])\.0|\bEPL[\s-]([12])\.0", "epl"),
        (r"\bboost\s+software\s+licen[cs]e", "bsl-1.0"),
        (r"\bISC\s+licen[cs]e", "isc"),
        (r"\b(?:the\s+)?unlicense\b", "unlicense"),
        (r"\bartistic\s+licen[cs]e\s*(?:v|version\s*)?2\.0", "artistic-2.0"),
        (r"\beuropean\s+union\s+public\s+licen[cs]e\s*(?:v|version\s*)?1\.([12])|\bEUPL[\s-]1\.([12])", "eupl"),
        (r"\bnon[\s-]?commercial\s+(?:research\s+)?(?:use\s+)?(?:only\s+)?licen[cs]e|\bfor\s+non[\s-]?commercial\s+(?:research\s+)?(?:use|purposes)\s+only", "generic-nc"),
        (r"\bresearch[\s-]only\b|\bfor\s+research\s+purposes\s+only\b", "generic-research-only"),
        (r"\bresearch\s+licen[cs]e\b", "generic-research"),
        (r"\bproprietary\s+licen[cs]e\b|\bclosed[\s-]weights?\b", "generic-proprietary"),
    )
)  # fmt: skip
# Each pattern runs only when one of its words is in the text at all.
_TEXT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "llama": ("llama",),
    "gemma": ("gemma",),
    "mnpl": ("mistral", "mnpl"),
    "mrl": ("mistral",),
    "qwen-research": ("qwen", "qianwen"),
    "qwen": ("qwen", "qianwen"),
    "deepseek": ("deepseek",),
    "fair-noncommercial-research-license": ("fair",),
    "nvidia-open-model": ("nvidia",),
    "falcon": ("falcon",),
    "hunyuan-community": ("hunyuan",),
    "stabilityai-community": ("stability",),
    "jamba-open-model": ("jamba",),
    "flux-1-dev-non-commercial": ("flux",),
    "grok2-community": ("grok",),
    "openmdw": ("weights", "openmdw"),
    "modified-mit": ("modified",),
    "creativeml-openrail-m": ("rail",),
    "bigscience-openrail-m": ("rail",),
    "bigcode-openrail-m": ("rail",),
    "bigscience-bloom-rail-1.0": ("rail",),
    "openrail++": ("rail",),
    "openrail": ("rail",),
    "apache-2.0": ("apache",),
    "mit": ("mit",),
    "cc0-1.0": ("cc",),
    "cc": ("cc",),
    "cc-long": ("creative",),
    "agpl": ("agpl", "affero"),
    "lgpl": ("lgpl", "lesser"),
    "gpl": ("gpl", "general public"),
    "bsd-n": ("bsd",),
    "mpl-2.0": ("mozilla", "mpl"),
    # Whole names rather than 'osl', 'isc', 'epl': those are inside common words
    # ('discuss', 'deployment'), and every occurrence would be tried.
    "osl-3.0": ("open software", "osl-"),
    "afl-3.0": ("academic free", "afl-"),
    "epl": ("eclipse", "epl-"),
    "bsl-1.0": ("boost software",),
    "isc": ("isc licen",),
    "unlicense": ("unlicense",),
    "artistic-2.0": ("artistic licen",),
    "eupl": ("european union", "eupl"),
    "generic-nc": ("commercial",),
    "generic-research-only": ("research",),
    "generic-research": ("research",),
    "generic-proprietary": ("proprietary", "closed"),
}
# Patterns that can match without the words 'license' or 'terms' in the text ('Apache 2.0',
# 'CC BY-NC 4.0', 'GPLv3', 'MNPL', 'for research purposes only'); the others name a license
# ('Llama 3.1 Community License') and are tried only when such a word is present. Model names
# contain family words (llama, gemma, qwen), so this keeps names and titles cheap.
_WITHOUT_LICENSE_WORD = frozenset(
    {"apache-2.0", "mit", "cc0-1.0", "cc", "cc-long", "agpl", "lgpl", "gpl", "bsd-n"}
    | {"mpl-2.0", "openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m"}
    | {"osl-3.0", "afl-3.0", "epl", "eupl"}
    | {"bigcode-openrail-m", "mnpl", "generic-nc", "generic-research-only"}
    | {"generic-proprietary"}
)
_ALL_PATTERNS = tuple((p, k, _TEXT_KEYWORDS[k]) for p, k in _TEXT_PATTERNS)
_ID_PATTERNS = tuple(item for item in _ALL_PATTERNS if item[1] in _WITHOUT_LICENSE_WORD)
_ID_WORDS = frozenset(w for item in _ID_PATTERNS for w in item[2])
_ALL_WORDS = tuple(sorted({w for item in _ALL_PATTERNS for w in item[2]}))


def _key_word_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for word in _ALL_WORDS:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton


# All the key words of a text in one pass (Aho-Corasick), rather than one substring search
# per word: 48 searches through an announcement cost twice this one pass.
_KEY_WORDS = _key_word_automaton()


def _present_words(lowered: str) -> set[str]:
    """The key words that occur in `lowered`, anywhere (inside other words too)."""
    return {word for _, word in _KEY_WORDS.iter(lowered)}


_PATTERNS_BY_WORD: dict[str, list[int]] = {
    word: [index for index, item in enumerate(_ALL_PATTERNS) if word in item[2]]
    for word in _ALL_WORDS
}
# Key words that the patterns also accept inside a word ('openrail', 'noncommercial'); every
# other key word starts a word in every pattern, so an occurrence inside a word ('submit',
# 'permitted') cannot start a match and is skipped.
_INNER_WORDS = frozenset({"rail", "commercial"})
# A pattern is not searched for over the whole text: it is matched only at the word starts
# shortly before each occurrence of its key words. Every pattern starts at a word boundary,
# and most start with their key word ('Apache 2.0', 'Llama 3.1 Community License'); these are
# the ones whose key word may come later, and how many characters later at most.
MAX_WORD_HITS = 2000
_KEY_WORD_OFFSET = {
    "mit": 24,  # 'under the MIT', 'license: MIT'
    "qwen-research": 16,  # 'Tongyi Qianwen Research License'
    "qwen": 16,
    "falcon": 10,  # 'TII Falcon License'
    "hunyuan-community": 14,  # 'Tencent Hunyuan Community License'
    "openmdw": 44,  # 'Open Model, Data & Weights License'
    "agpl": 10,  # 'GNU Affero General Public License'
    "lgpl": 10,
    "gpl": 10,
    "generic-nc": 16,  # 'for non-commercial use only'
    "generic-research-only": 10,  # 'for research purposes only'
    "creativeml-openrail-m": 24,  # 'CreativeML Open RAIL-M'
    "bigscience-openrail-m": 34,  # 'BigScience BLOOM Open RAIL-M'
    "bigcode-openrail-m": 20,
    "bigscience-bloom-rail-1.0": 20,  # 'BigScience BLOOM RAIL License v1.0'
    "unlicense": 4,  # 'The Unlicense'
    "openrail++": 10,  # 'Open RAIL++-M'
    "openrail": 10,
}
_GENERIC = {
    "generic-nc": (None, "non-commercial license", NON_COMMERCIAL, False, NC_TERMS),
    "generic-research-only": (None, "research-only license", RESEARCH, False, RESEARCH_TERMS),
    "generic-research": (None, "research license", RESEARCH, None, None),
    "generic-proprietary": (None, "proprietary license", PROPRIETARY, False, None),
}


def _key_word_hits(
    lowered: str, keys: tuple[str, ...], present: set[str], hits: dict[str, list[int]]
) -> list[int]:
    """Sorted offsets of a pattern's key words where the pattern can use them; each word's
    offsets are found once per text (`hits`) and shared by the patterns that use it."""
    positions: list[int] = []
    for word in keys:
        if word not in present:
            continue
        if word not in hits:
            found = find_all(lowered, word, MAX_WORD_HITS)
            if word not in _INNER_WORDS:
                found = [p for p in found if p == 0 or not _is_word_char(lowered[p - 1])]
            hits[word] = found
        positions.extend(hits[word])
    if len(keys) > 1:
        positions.sort()
    return positions


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _match_near_words(
    pattern: re.Pattern, text: str, lowered: str, positions: list[int], back: int
) -> re.Match | None:
    """The first match of `pattern` starting at a word start at most `back` characters before
    one of its key words (at `positions`): what `pattern.search(text)` finds, for much less."""
    tried = -1
    for pos in positions:
        if back:
            for word in _WORD_START.finditer(lowered, max(tried + 1, pos - back), pos):
                match = pattern.match(text, word.start())
                if match is not None:
                    return match
        match = pattern.match(text, pos)
        if match is not None:
            return match
        tried = pos
    return None


# A word start (the regex engine looks at the character before `pos` too).
_WORD_START = re.compile(r"\b\w")


def _text_known(key: str, match: re.Match) -> _Known | tuple | None:
    if key == "llama":
        return _HUB.get(f"llama{match[1]}")
    if key in ("agpl", "lgpl", "gpl"):
        version = match[1] if match[1] != "2" or key != "lgpl" else "2.1"
        return _HUB.get(f"{key}-{version}.0") or _HUB.get(f"{key}-{version}")
    if key == "bsd-n":
        return _HUB[f"bsd-{match[1]}-clause"]
    if key in ("epl", "eupl"):
        version = match[1] or match[2]
        return _known(f"epl-{version}.0" if key == "epl" else f"eupl-1.{version}")
    if key == "openmdw":
        return _HUB[f"openmdw-{match[1] or '1.0'}"]
    if key == "cc":
        return _known(_key(re.sub(r"[\s-]+", "-", match[0])))
    if key == "cc-long":
        return _known(_cc_long_key(match[0]))
    if key in _GENERIC:
        return _GENERIC[key]
    return _HUB.get(key) or _OTHER.get(key)


def _cc_long_key(text: str) -> str:
    lowered = text.lower()
    parts = ["cc-by"]
    if re.search(r"non[\s-]?commercial", lowered):
        parts.append("nc")
    if re.search(r"no[\s-]?derivative", lowered):
        parts.append("nd")
    if re.search(r"share[\s-]?alike", lowered):
        parts.append("sa")
    version = re.findall(r"\d\.\d", lowered)
    return "-".join(parts) + (f"-{version[-1]}" if version else "")


# Around a 'License' that no pattern named, the words before it (and a few after it:
# 'Agreement', a version, 'for Research') are looked up as a license's full name: 'under the
# PostgreSQL License', 'the SIL Open Font License 1.1', 'Apple Model License for Research'.
MAX_NAME_WORDS = 9
MAX_TAIL_WORDS = 5
_PHRASE_WORD = re.compile(r"[^\s()\[\]\"'`]+")


def _spelled_out(text: str, lowered: str) -> list[tuple[int, int, _Known]]:
    """The longest known license name spelled out around an occurrence of 'license'."""
    names = _full_names()
    for pos in find_all(lowered, "licen", 20):
        words = list(_PHRASE_WORD.finditer(text, max(0, pos - 100), min(len(text), pos + 60)))
        at = next((i for i, word in enumerate(words) if word.start() <= pos < word.end()), None)
        if at is None:
            continue
        first = max(0, at - MAX_NAME_WORDS)
        words, at = words[first : at + MAX_TAIL_WORDS + 1], at - first
        stripped = [word.group().rstrip(".,;:") for word in words]
        # The loose key of a phrase is its words' loose keys joined, so each word is keyed once.
        keys = [_loose_key(word) for word in stripped]
        for begin in range(at + 1):
            for end in range(len(words), at, -1):
                known = names.get("".join(keys[begin:end]))
                if known is not None:
                    stop = end - 1
                    return [
                        (words[begin].start(), words[stop].start() + len(stripped[stop]), known)
                    ]
    return []


# A text that is nothing but a license's id or name ('MIT', 'cc-by-nc-4.0', 'PostgreSQL
# License'): a license field copied as it is. Model names hold the words of their makers'
# licenses ('Llama 3.1', 'gemma'), so a text with one of these words must say 'license'.
MAX_ID_TEXT_CHARS = 80
_MODEL_NAME_WORDS = (
    "llama", "gemma", "qwen", "qianwen", "deepseek", "falcon", "hunyuan", "jamba", "flux",
    "grok", "mistral", "nvidia", "stability", "glm", "yi", "exaone", "bloom", "openrail",
)  # fmt: skip


def _whole_text_license(text: str, source: str) -> License | None:
    value = text.strip()
    if not value or len(value) > MAX_ID_TEXT_CHARS or "\n" in value:
        return None
    if "/" in value and " " not in value:
        return None  # a repo id ('google/gemma-3-27b-it'), not a license
    key = _key(value)
    if _known(key) is None:
        return None  # most short texts: a name or a title (the answer is cached for the call below)
    if key.isalpha() and key not in _HUB and key not in _ALIASES and "licen" not in key:
        return None  # SPDX also names licenses 'Intel', 'Nokia', 'Fair': words, not ids, here
    if contains_any(key, _MODEL_NAME_WORDS) and not ("licen" in key or "terms" in key):
        return None
    return license_from_id(value, source or "text", "license.text")


def license_from_text(text: object, source: str = "") -> License | None:
    """A license named in prose: 'released under Apache 2.0', 'Gemma Terms of Use', …"""
    if not isinstance(text, str) or not text:
        return None
    text = text[:MAX_TEXT_CHARS]
    lowered = ascii_lower(text)
    present = _present_words(lowered)
    if "licen" in lowered or "terms" in lowered:
        allowed = None
    else:
        present &= _ID_WORDS
        allowed = _WITHOUT_LICENSE_WORD
    # Only the patterns with a key word in the text are tried, in their table order.
    indices = (
        sorted({index for word in present for index in _PATTERNS_BY_WORD[word]}) if present else ()
    )
    hits: dict[str, list[int]] = {}
    found: list[tuple[int, int, _Known | tuple]] = []
    for index in indices:
        pattern, key, keys = _ALL_PATTERNS[index]
        if allowed is not None and key not in allowed:
            continue
        positions = _key_word_hits(lowered, keys, present, hits)
        match = _match_near_words(pattern, text, lowered, positions, _KEY_WORD_OFFSET.get(key, 0))
        if match is None:
            continue
        known = _text_known(key, match)
        if known is not None:
            found.append((match.start(), match.end(), known))
    if "licen" in lowered and all(isinstance(item[2], tuple) for item in found):
        # No named license read: a name spelled out in full ('DeepFloyd IF Research License
        # Agreement') says more than the generic phrase inside it ('research license').
        found += _spelled_out(text, lowered)
    if not found:
        return _whole_text_license(text, source)
    # Named licenses beat generic phrases; among named ones the first mention wins.
    found.sort(key=lambda item: (isinstance(item[2], tuple), item[0]))
    # A match inside another ('General Public License' in 'Lesser General Public License v3')
    # is part of that name, not a second license.
    found = [
        item
        for item in found
        if not any(
            o is not item
            and o[0] <= item[0]
            and item[1] <= o[1]
            and (o[1] - o[0]) > (item[1] - item[0])
            for o in found
        )
    ]
    start, end, best = found[0]
    evidence = [
        make_evidence(
            source or "text", snippet_around(text, start, end, 60), "license.text", VERSION
        )
    ]
    if isinstance(best, tuple):
        lid, name, family, commercial, conditions = best
        return License(lid, name, family, commercial, conditions, False, evidence)
    others = sorted({item[2].id for item in found[1:] if isinstance(item[2], _Known)} - {best.id})
    extra = f"text also mentions: {', '.join(others)}" if others else None
    return _license(best, evidence, extra)
