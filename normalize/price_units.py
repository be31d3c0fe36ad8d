"""Price units: the vocabulary of what a price is charged per, read from
`normalize/data/price_units.toml`.

This module owns the loading of that file and every index derived from it: the unit of a word
("images" → image), the count of a count word ("1K" → 1000), the regex alternations the text
reader uses, and the key maps of the catalogs (OpenRouter `pricing` keys, LiteLLM's
`*_cost_per_*` keys, models.dev `cost` keys). It reads no prices itself.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files

_DATA = tomllib.loads(files("normalize.data").joinpath("price_units.toml").read_text("utf-8"))

TOKEN = "token"


@dataclass(frozen=True, slots=True)
class CatalogKey:
    """What one catalog key states: a price-model field, or a unit price with a direction."""

    field: str | None
    unit: str
    direction: str


def _alternation(words: list[str]) -> str:
    """A regex alternation of `words`, longest first so 'tokens' wins over 'token'."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


UNITS: dict[str, dict] = _DATA["units"]
# word ("images") → unit ("image"), for prose and table headers
UNIT_OF_WORD: dict[str, str] = {
    word.lower(): name for name, unit in UNITS.items() for word in unit["words"]
}
TOKEN_WORDS: tuple[str, ...] = tuple(w for w, unit in UNIT_OF_WORD.items() if unit == TOKEN)
OTHER_UNIT_WORDS: tuple[str, ...] = tuple(w for w, unit in UNIT_OF_WORD.items() if unit != TOKEN)
TOKEN_WORDS_RE = _alternation(list(TOKEN_WORDS))
OTHER_UNIT_WORDS_RE = _alternation(list(OTHER_UNIT_WORDS))

# count word ("1k", "million") → the count of units a price is stated for
COUNT_OF_WORD: dict[str, float] = {
    word.lower(): float(count) for count, words in _DATA["counts"].items() for word in words
}
# The words of a count above one, as the text reader's scale alternation.
SCALE_WORDS_RE = _alternation([w for w, n in COUNT_OF_WORD.items() if n > 1])

# LiteLLM's word after "_cost_per_" → unit ("video_per_second" → second)
LITELLM_UNIT: dict[str, str] = {
    word: name for name, unit in UNITS.items() for word in unit.get("litellm", [])
}
LITELLM_KEYS: dict[str, str] = dict(_DATA["litellm"]["keys"])
LITELLM_OTHER_OFFERS: tuple[str, ...] = tuple(_DATA["litellm"]["other_offers"])
# "input_cost_per_token", "output_cost_per_image_above_128k_tokens", "input_cost_per_token_flex"
LITELLM_COST_KEY = re.compile(
    r"^(?P<direction>input|output)_cost_per_(?P<unit>"
    + _alternation(list(LITELLM_UNIT))
    + r")(?:_above_(?P<above>\d+)(?P<scale>k|m)_tokens)?(?:_(?P<offer>"
    + _alternation(list(LITELLM_OTHER_OFFERS))
    + r"))?$"
)

OPENROUTER_KEYS: dict[str, CatalogKey] = {
    key: CatalogKey(spec.get("field"), spec["unit"], spec.get("direction", "input"))
    for key, spec in _DATA["openrouter"].items()
}

MODELS_DEV_FIELDS: dict[str, str] = {
    key: field for key, field in _DATA["models_dev"].items() if isinstance(field, str)
}
MODELS_DEV_TIERS: tuple[str, ...] = tuple(_DATA["models_dev"]["tiers"])
_TIER_KEY = re.compile(r"_over_(\d+)(k|m)$")


def tier_threshold(key: str) -> int | None:
    """Tokens above which a models.dev tier key applies ("context_over_200k" → 200000)."""
    match = _TIER_KEY.search(key)
    if match is None:
        return None
    return int(match[1]) * (1000 if match[2] == "k" else 1_000_000)


def unit_of(word: str) -> str | None:
    return UNIT_OF_WORD.get(word.lower())
