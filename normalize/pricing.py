"""Pricing: what a model or tool costs, from provider records and pricing prose.

This module owns the price vocabulary: tiers (free, freemium, paid, open-weights, unknown),
per-million-token prices in USD and monthly subscriptions, read from OpenRouter model objects,
LiteLLM's price map, models.dev entries, the Hugging Face inference router and free text.

Unknown is never zero: a missing price is `None` and a record without prices has the tier
"unknown". A zero price is "free" unless the record itself says the model is self-hosted or
open weights, in which case the tier is "open-weights".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from normalize.evidence import compact, make_evidence, snippet_around
from normalize.price_units import COUNT_OF_WORD, OTHER_UNIT_WORDS_RE, SCALE_WORDS_RE
from normalize.pricing_model import (
    FREE,
    FREEMIUM,
    MAX_PRICE,
    OPEN_WEIGHTS,
    PAID,
    UNKNOWN,
    VERSION,
    PriceTier,
    Pricing,
    UnitPrice,
    round_price,
    tier_for,
)
from normalize.pricing_records import pricing_from_record, record_from_string, unstated_pricing
from normalize.text import ascii_lower, contains_any, find_all, lower_ascii, matches_at_words

__all__ = [
    "FREE", "FREEMIUM", "OPEN_WEIGHTS", "PAID", "UNKNOWN", "VERSION", "PriceTier", "Pricing",
    "UnitPrice", "pricing_from_record", "pricing_from_text", "unstated_pricing",
]  # fmt: skip

MAX_TEXT_CHARS = 200_000
# A pricing line on a comparison page is short; longer text is an announcement, where tier
# words only count inside a sentence about prices.
SHORT_TEXT = 300
MAX_TABLE_ROWS = 200
MAX_DOLLARS = 400  # '$' signs read per text: prices are stated a few times, not hundreds
MAX_CONTEXT_HITS = 400


def _round(value: float) -> float:
    return round_price(value)


def _per_million(value: float | None, scale: float) -> float | None:
    if value is None:
        return None
    result = _round(value * scale)
    return result if result <= MAX_PRICE else None


def _tier_for(prices: list[float | None], self_hosted: bool = False) -> str:
    return tier_for(prices, self_hosted)


# Text ----------------------------------------------------------------------------------------

_AMOUNT = r"(?:US)?\$\s?(?P<amount>\d{1,7}(?:,\d{3})*(?:\.\d{1,8})?)"
# A price per million characters, images or seconds is not a token price (PaLM's per-character
# prices, image and audio models): such a unit after the scale rules the match out.
_OTHER_UNIT = rf"(?:{OTHER_UNIT_WORDS_RE})\b"  # the units of normalize/data/price_units.toml
_SCALE_WORD = rf"(?:{SCALE_WORDS_RE})"
_NOT_TOKENS = rf"(?!\s+(?:input\s+|output\s+)?{_OTHER_UNIT})"
# A price per another unit: the model is paid for, with no per-token price to report.
_UNIT_PRICE = re.compile(
    _AMOUNT + r"(?:\s?USD)?\s*(?:/|per|for|an?|each)\s*(?:(?:1|one)\s*)?"
    rf"(?:{_SCALE_WORD}\s+)?(?:input\s+|output\s+)?{_OTHER_UNIT}",
    re.IGNORECASE,
)
_TOKEN_PRICE = re.compile(
    _AMOUNT + r"(?:\s?USD)?\s*(?:/|per|for)\s*(?:(?:1|one)\s*)?"
    rf"(?P<scale>{_SCALE_WORD}|tokens?)\b"
    + _NOT_TOKENS
    + r"(?:\s+(?P<label>input|output|prompt|completion|cached\s+input|cache\w*)\s+"
    r"(?:tokens?|toks?)\b|\s*(?:tokens?|toks?)\b)?",
    re.IGNORECASE,
)
_PAIR_PRICE = re.compile(
    _AMOUNT.replace("amount", "first")
    + r"\s*/\s*"
    + _AMOUNT.replace("amount", "second")
    + r"\s*(?:USD\s*)?(?:per|/)\s*(?:(?:1|one)\s*)?(?P<scale>m(?:illion)?|mtok|k|thousand)\b"
    + _NOT_TOKENS,
    re.IGNORECASE,
)
# '$0.4 input / $2 output per M token', '$0.40 input and $1.60 output per 1M tokens': each price
# names its direction and one unit after both covers the pair.
_SCALE = rf"(?P<scale>{_SCALE_WORD})\b"
_DIRECTION = r"(?:input|prompt|output|completion)"
_LABELLED_PAIR = re.compile(
    _AMOUNT.replace("amount", "first")
    + rf"(?:\s?USD)?\s*\(?(?P<first_label>{_DIRECTION})\)?(?:\s+(?:tokens?|toks?))?"
    + r"\s*(?:/|,|;|\||\+|&|and)\s*"
    + _AMOUNT.replace("amount", "second")
    + rf"(?:\s?USD)?\s*\(?(?P<second_label>{_DIRECTION})\)?(?:\s+(?:tokens?|toks?))?"
    + r"\s*(?:/|per|for)\s*(?:(?:1|one)\s*)?"
    + _SCALE
    + _NOT_TOKENS,
    re.IGNORECASE,
)
_SUBSCRIPTION = re.compile(
    _AMOUNT + r"(?:\s?USD)?\s*(?:/|per|a|an|each)\s*(?:(?:user|seat)\s*(?:/|per)\s*)?"
    r"(?P<period>mo(?:nth)?|year|yr|annum)\b",
    re.IGNORECASE,
)
_LABEL_BEFORE = re.compile(
    r"(?P<label>input|output|prompt|completion|cached\s+input|cache\s+\w+)[^$\n]{0,20}$",
    re.IGNORECASE,
)
# '$0.15/M input', '$2 (output)', '$1 for input': the label after the price, unless it names
# both directions ('$0.20 per 1M tokens input and output').
_LABEL_AFTER = re.compile(
    r"[ \t]*(?:\(|for[ \t]+|of[ \t]+|on[ \t]+)?(?P<label>input|output|prompt|completion)\b"
    r"(?![ \t]*(?:and|&|/|,|\+|or)[ \t]*(?:input|output|prompt|completion))"
    # 'Output:' heads the next price ('Input: $3 / MTok Output: $15 / MTok').
    r"(?![ \t]*(?:tokens?[ \t]*)?[:=])",
    re.IGNORECASE,
)
_LABEL_STEMS = ("put", "prompt", "complet", "cache")
# A label that heads the price itself ('Input: $3', 'output tokens = $15').
_LABEL_HEAD = re.compile(
    r"(?P<label>input|output|prompt|completion|cached\s+input|cache\s+\w+)(?:\s+tokens?)?"
    r"(?:\s*\((?P<qualifier>[^()$]{1,30})\))?\s*(?:price)?\s*[:=]?\s*\**\s*$",
    re.IGNORECASE,
)
# What makes a stated price another offer than the list price: a cache hit (a cache miss IS
# the input price), the batch API, or a context-length tier above the base one ('> 200K
# tokens', 'prompts longer than 128K', 'for longer prompts'). The base tier is the price.
_CACHE_MISS = re.compile(r"cache[\s-]*miss", re.IGNORECASE)
_CACHED = re.compile(r"cach(?:e|ed|ing)\b|\bcache[\s-]*(?:hit|read|write)", re.IGNORECASE)
_BATCH = re.compile(r"\bbatch(?:es|ed)?\b", re.IGNORECASE)
_ABOVE = re.compile(
    r"(?:>|≥|&gt;|\babove\b|\bover\b|\bmore\s+than\b|\bexceed\w*|\bbeyond\b|\blonger\s+than\b)"
    r"\s*=?\s*\d[\d,.]*\s*(?:k|m|tokens?)\b"
    r"|\blonger\s+(?:prompts?|contexts?|inputs?)\b|\blong[\s-]context\b",
    re.IGNORECASE,
)
# A qualifier in parentheses right after a price ('$0.07 per 1M input tokens (cache hit)').
_QUALIFIER = re.compile(r"[ \t]*\(([^()$\n]{1,40})\)")
# Where the clause a price is stated in starts: a line, a ';', a table cell, a sentence.
_CLAUSE_END = re.compile(r"[;\n|]|\.\s")
CLAUSE_CHARS = 80
# Words without which a text says nothing about price (substring tests are cheap).
_PRECHECK_WORDS = (
    "free", "paid", "pric", "pay", "subscri", "open weight", "open-weight", "self-host",
    "self host", "cost", "contact sales", "download", "open source", "open-source", "usd", "cent",
)  # fmt: skip
_FREEMIUM = re.compile(
    r"\bfreemium\b|\bfree\s+(?:tier|plan|version|trial\s+credits?)\b[^.\n]{0,80}?"
    r"\b(?:then|paid|pro|plus|premium|upgrade|pay|\$)|\bfree\s+(?:tier|plan)\b",
    re.IGNORECASE,
)
_OPEN_WEIGHTS = re.compile(
    r"\bopen[\s-]weights?\b|\bself[\s-]hosted\b|\bdownload(?:able)?\s+(?:the\s+)?weights\b"
    r"|\bopen[\s-]source(?:d)?\b",
    re.IGNORECASE,
)
_FREE = re.compile(
    r"(?<![\w-])free(?![\w-])(?!\s+(?:trial|of\s+(?:bias|errors?|hallucinations?)|to\s+"
    r"(?:contact|reach|ask)))",
    re.IGNORECASE,
)
_FEEL_FREE = re.compile(r"\bfeel\s+free\b|\bfree\s+(?:and\s+)?open[\s-]source\b", re.IGNORECASE)
# 'Free' denied: 'no free tier', 'not free', 'without a free plan'.
_NOT_FREE = re.compile(
    r"\b(?:no|not\s+a|without\s+(?:a\s+|any\s+)?)\s*free\s+(?:tier|plan|version|trial|usage)\b"
    r"|\bnot\s+free\b",
    re.IGNORECASE,
)
_NOT_FREE_WORDS = ("no free", "not free", "not a free", "without")
_PAID = re.compile(
    r"\bpaid\b|\bpay[\s-]as[\s-]you[\s-]go\b|\busage[\s-]based\b|\bcontact\s+sales\b|"
    r"\benterprise\s+pricing\b|\bsubscription\b|\bfree\s+trial\b"
    r"|\bpay[\s-]per[\s-](?:use|token|request|call|query)\b|\bcustom\s+pricing\b",
    re.IGNORECASE,
)
_PRICING_CONTEXT = re.compile(
    r"pric|cost|\bplan\b|\btier\b|subscri|\bpay|\$|charge|billing", re.IGNORECASE
)
_VARIES = re.compile(
    r"\b(?:costs?|pric\w+)\s+(?:vary|varies|differ)|\bpricing\s+(?:tbd|tba|not\s+(?:yet\s+)?"
    r"(?:announced|available|published))",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def _scale_to_million(scale: str) -> float:
    """The factor from a price per `scale` tokens to a price per million ('K' → 1000)."""
    scale = scale.lower()
    if scale.startswith("token"):
        return 1e6  # '$0.000003 per token'
    count = COUNT_OF_WORD.get(scale) or COUNT_OF_WORD.get(scale.replace(",", ""), 1e6)
    return 1e6 / count


def _amount(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and value <= MAX_PRICE * 1000 else None


@dataclass(slots=True)
class _Found:
    input: float | None = None
    output: float | None = None
    subscription: float | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


def _at_dollars(pattern: re.Pattern, text: str, dollars: list[int]):
    """What `pattern.finditer(text)` yields, for a pattern that starts at '$' or 'US$'.

    Trying the pattern only at the '$' signs (found with `str.find`) is what makes a long
    announcement cheap: the regex engine would otherwise try every character.
    """
    last_end = 0
    for pos in dollars:
        if pos < last_end:
            continue
        match = None
        if pos >= last_end + 2 and text[pos - 2 : pos].upper() == "US":
            match = pattern.match(text, pos - 2)
        match = match or pattern.match(text, pos)
        if match is not None:
            last_end = match.end()
            yield match


def _token_prices(text: str, found: _Found, dollars: list[int]) -> None:
    _labelled_pairs(text, found, dollars)
    for match in _at_dollars(_PAIR_PRICE, text, dollars):
        if found.input is not None and found.output is not None:
            break
        scale = _scale_to_million(match["scale"])
        first, second = _amount(match["first"]), _amount(match["second"])
        if found.input is None and first is not None:
            found.input = _per_million(first, scale)
        if found.output is None and second is not None:
            found.output = _per_million(second, scale)
        found.spans.append((match.start(), match.end()))
    for count, match in enumerate(_at_dollars(_TOKEN_PRICE, text, dollars)):
        if count >= 50 or (found.input is not None and found.output is not None):
            break  # the first prices stated are the list prices; the rest is repetition
        amount = _amount(match["amount"])
        if amount is None:
            continue
        label = _price_label(text, match)
        if label == "other":
            continue  # cache, batch and long-context prices are other offers than the list
        value = _per_million(amount, _scale_to_million(match["scale"]))
        if label in (None, "input") and found.input is None:
            found.input = value
        if label in (None, "output") and found.output is None:
            found.output = value
        found.spans.append((match.start(), match.end()))
    if found.input is None and found.output is None:
        _header_prices(text, found, dollars)


# A unit stated once before the prices it covers: 'Price per 1M tokens: Input $0.27 | Output
# $1.10', '1M tokens: $0.50 input / $1.50 output'.
_SCALE_HEADER = re.compile(
    r"(?:per|/)\s*(?:(?:1|one)\s*)?(?P<scale>m(?:illion)?|mtoks?|k|thousand|1,000,000|1,000)"
    r"\s+(?:tokens?|toks?)\b|\b(?:1|one)\s*(?P<scale2>m|million|k|thousand)\s+tokens?\s*[:=]",
    re.IGNORECASE,
)
_BARE_AMOUNT = re.compile(_AMOUNT + r"(?!\s*(?:/|per\b|for\b))", re.IGNORECASE)


def _header_prices(text: str, found: _Found, dollars: list[int]) -> None:
    """Labelled prices without a unit of their own, under a unit stated before them."""
    header = _SCALE_HEADER.search(text, max(0, dollars[0] - 200), dollars[0])
    if header is None:
        # or once after them: 'Input price: $1.25 … Output price: $5.00 … (per 1M tokens)'
        header = _SCALE_HEADER.search(text, dollars[-1], dollars[-1] + 200)
    if header is None:
        return
    scale = _scale_to_million(header["scale"] or header["scale2"])
    for match in _at_dollars(_BARE_AMOUNT, text, dollars):
        amount = _amount(match["amount"])
        label = _price_label(text, match)
        if amount is None or label in (None, "other"):
            continue
        if label == "input" and found.input is None:
            found.input = _per_million(amount, scale)
        elif label == "output" and found.output is None:
            found.output = _per_million(amount, scale)
        found.spans.append((match.start(), match.end()))
        if found.input is not None and found.output is not None:
            return


def _labelled_pairs(text: str, found: _Found, dollars: list[int]) -> None:
    """'$0.4 input / $2 output per M token': two prices, each with its direction, one unit."""
    for match in _at_dollars(_LABELLED_PAIR, text, dollars):
        scale = _scale_to_million(match["scale"])
        for amount, label in (
            (match["first"], match["first_label"]),
            (match["second"], match["second_label"]),
        ):
            value = _amount(amount)
            if value is None:
                continue
            if label.lower() in ("input", "prompt"):
                if found.input is None:
                    found.input = _per_million(value, scale)
            elif found.output is None:
                found.output = _per_million(value, scale)
        found.spans.append((match.start(), match.end()))
        if found.input is not None and found.output is not None:
            return


def _price_label(text: str, match: re.Match) -> str | None:
    """'input', 'output', 'other' (a cache, batch or above-base-tier price, never the list
    price) or None (the price covers both directions)."""
    label = match.groupdict().get("label")
    qualifier = ""
    if not label:
        before = text[max(0, match.start() - 40) : match.start()]
        if contains_any(before.lower(), _LABEL_STEMS):
            head = _LABEL_HEAD.search(before)
            if head:
                label, qualifier = head["label"], head["qualifier"] or ""
    if not label:
        after = _LABEL_AFTER.match(text, match.end(), min(len(text), match.end() + 24))
        label = after["label"] if after else None
    if not label:
        line_start = max(text.rfind("\n", 0, match.start()) + 1, match.start() - 40)
        found = _LABEL_BEFORE.search(text[line_start : match.start()])
        label = found["label"] if found else None
    after_paren = _QUALIFIER.match(text, match.end(), min(len(text), match.end() + 45))
    if after_paren:
        qualifier += " " + after_paren[1]
    if _other_offer(text, match, qualifier):
        return "other"
    if not label:
        return None
    label = label.lower()
    if label.startswith("cache"):
        return "input" if _CACHE_MISS.search(label + qualifier) else "other"
    return "input" if label in ("input", "prompt") else "output"


def _other_offer(text: str, match: re.Match, qualifier: str) -> bool:
    """True when the words around a price make it a cache-hit, batch or above-base-tier
    price: its parenthetical, the clause before it, and what follows it up to the next price."""
    if qualifier:
        if _CACHE_MISS.search(qualifier):
            return False
        if _CACHED.search(qualifier) or _BATCH.search(qualifier) or _ABOVE.search(qualifier):
            return True
    start = max(0, match.start() - CLAUSE_CHARS)
    clause = text[start : match.start()]
    ends = list(_CLAUSE_END.finditer(clause))
    if ends:
        clause = clause[ends[-1].end() :]
    if _BATCH.search(clause) or _ABOVE.search(clause):
        return True
    following = text[match.end() : min(len(text), match.end() + 40)]
    following = following.split("$", 1)[0]
    stop = _CLAUSE_END.search(following)
    if stop:
        following = following[: stop.start()]
    return _ABOVE.search(following) is not None


def _unit_price_tier(text: str, found: _Found, dollars: list[int]) -> str | None:
    """PAID for a price per character, image, second or request ('$0.006 per minute'):
    stated, but not per token."""
    for match in _at_dollars(_UNIT_PRICE, text, dollars):
        amount = _amount(match["amount"])
        if amount:
            found.spans.append((match.start(), match.end()))
            return PAID
    return None


def _subscription(text: str, found: _Found, dollars: list[int]) -> None:
    for match in _at_dollars(_SUBSCRIPTION, text, dollars):
        amount = _amount(match["amount"])
        if amount is None:
            continue
        period = match["period"].lower()
        monthly = amount / 12 if period in ("year", "yr", "annum") else amount
        found.subscription = _round(monthly)
        found.spans.append((match.start(), match.end()))
        return


def _table_prices(text: str, found: _Found) -> None:
    """A Markdown or HTML pricing table: a row per model with Input/Output columns, or a row
    per price (Input / Cache hit / Output) with a column per model or plan."""
    rows = _table_rows(text)
    if rows and not _column_table(text, rows, found):
        _row_table(text, rows, found)


_PER_THOUSAND = re.compile(
    r"(?:per|/)\s*1\s?k\b|per\s+(?:1,?000|thousand)\s|\b1k\s+(?:input\s+|output\s+)?tokens"
)


def _table_scale(header_text: str, text: str) -> float:
    """Per 1K tokens when the table's header or the text before it says so, else per 1M."""
    return 1000.0 if _PER_THOUSAND.search(header_text + " " + text[:2000].lower()) else 1.0


def _column_table(text: str, rows: list[list[str]], found: _Found) -> bool:
    """A header row with Input/Output columns, then the first row priced in them."""
    for index, header in enumerate(rows):
        if any(_CELL_PRICE.search(cell) for cell in header):
            continue  # a priced row is no header
        lowered = [cell.lower() for cell in header]
        input_col = _column(lowered, ("input", "prompt"))
        output_col = _column(lowered, ("output", "completion"))
        if input_col is None and output_col is None:
            continue
        scale = _table_scale(" ".join(lowered), text)
        # A header that names the currency ('Input ($/1M tokens)') lets cells be bare numbers.
        bare = [col is not None and ("$" in header[col] or "usd" in lowered[col])
                for col in (input_col, output_col)]  # fmt: skip
        for row in rows[index + 1 : index + 30]:
            values = [
                _cell_value(row, col, allow_bare)
                for col, allow_bare in zip((input_col, output_col), bare, strict=True)
            ]
            if values[0] is None and values[1] is None:
                continue
            found.input = _per_million(values[0], scale) if values[0] is not None else None
            found.output = _per_million(values[1], scale) if values[1] is not None else None
            found.spans.append((-1, -1))
            return True
    return False


def _row_kind(label: str) -> str | None:
    """What a table row's label cell prices: 'input' (a cache miss is the input price),
    'output', 'other' (cache hit, batch, above the base context tier) or None."""
    low = label.lower()
    if _BATCH.search(low) or _ABOVE.search(low):
        return "other"
    if _CACHE_MISS.search(low):
        return "input"
    if _CACHED.search(low):
        return "other"
    if re.search(r"\b(?:input|prompt)", low):
        return "input"
    if re.search(r"\b(?:output|completion)", low):
        return "output"
    return None


def _row_table(text: str, rows: list[list[str]], found: _Found) -> None:
    """Rows labelled Input / Output in their first cell; the first column priced in them (a
    table with a column per model or plan gives the first model's or the first paid plan's
    prices, a 'Free' column counting only where no column states a price)."""
    labelled = [(kind, row) for row in rows if len(row) >= 2 and (kind := _row_kind(row[0]))]
    priced = [(kind, row) for kind, row in labelled if kind in ("input", "output")]
    if not priced:
        return
    width = max(len(row) for _, row in priced)
    column = next(
        (c for c in range(1, width) if any(_cell_amount(row, c) is not None for _, row in priced)),
        None,
    )
    if column is None:
        column = next(
            (c for c in range(1, width) if any(_is_free_cell(row, c) for _, row in priced)), None
        )
    if column is None:
        return
    headers = " ".join(" ".join(row).lower() for row in rows if not _priced_row(row))
    for kind, row in priced:
        value = _cell_value(row, column, False)
        if value is None:
            continue
        scale = _table_scale(row[0].lower() + " " + headers, text)
        if "1m" in row[0].lower() or "million" in row[0].lower():
            scale = 1.0
        if kind == "input" and found.input is None:
            found.input = _per_million(value, scale)
        elif kind == "output" and found.output is None:
            found.output = _per_million(value, scale)
    if found.input is not None or found.output is not None:
        found.spans.append((-1, -1))


def _priced_row(row: list[str]) -> bool:
    return any(_CELL_PRICE.search(cell) for cell in row)


def _column(header: list[str], words: tuple[str, ...]) -> int | None:
    """The first column named by one of `words` that is the list price: not a cache, batch
    or above-base-tier column ('Input (>128K)')."""
    for index, cell in enumerate(header):
        if not any(word in cell for word in words):
            continue
        if "cache" in cell or _BATCH.search(cell) or _ABOVE.search(cell):
            continue
        return index
    return None


_CELL_PRICE = re.compile(r"\$\s?(\d{1,7}(?:\.\d{1,8})?)")
_BARE_CELL = re.compile(r"^\s*(\d{1,7}(?:\.\d{1,8})?)\s*$")
_FREE_CELL = re.compile(r"^\s*free(?:\s+of\s+charge)?\s*[.!]?\s*$", re.IGNORECASE)


def _cell_amount(row: list[str], column: int | None) -> float | None:
    """The base price a cell states: its first '$' amount that is not marked as a tier above
    the base one ('$1.25, prompts <= 200k tokens $2.50, prompts > 200k tokens' is 1.25)."""
    if column is None or column >= len(row):
        return None
    cell = row[column]
    first = None
    for match in _CELL_PRICE.finditer(cell):
        amount = _amount(match[1])
        if amount is None:
            continue
        following = cell[match.end() : match.end() + 40].split("$", 1)[0]
        if not _ABOVE.search(following):
            return amount
        first = amount if first is None else first
    return first


def _is_free_cell(row: list[str], column: int) -> bool:
    return column < len(row) and _FREE_CELL.match(row[column]) is not None


def _cell_value(row: list[str], column: int | None, bare: bool) -> float | None:
    """A cell's price: a '$' amount, a bare number under a header naming the currency, or 0
    for a 'Free' cell."""
    amount = _cell_amount(row, column)
    if amount is not None or column is None or column >= len(row):
        return amount
    if bare and (match := _BARE_CELL.match(row[column])):
        return _amount(match[1])
    return 0.0 if _is_free_cell(row, column) else None


_HTML_CELL = re.compile(r"<t[hd]\b[^>]{0,300}>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")


def _table_rows(text: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.count("|") >= 3:
            rows.append([cell.strip() for cell in stripped.strip("|").split("|", 32)[:32]])
            if len(rows) >= MAX_TABLE_ROWS:
                break
    if "<tr" in ascii_lower(text):
        for row_html in re.split(r"<tr\b", text, maxsplit=MAX_TABLE_ROWS, flags=re.IGNORECASE)[1:]:
            cells = _HTML_CELL.split(row_html.split("</tr", 1)[0], 32)[1:33]
            rows.append([compact(_TAG.sub(" ", cell[:1000]), 200) for cell in cells])
    return rows


def _tier_from_words(text: str, lowered: str, found: _Found) -> str | None:
    if len(text) <= SHORT_TEXT:
        scope, scope_lower = text, lowered
    else:
        spans = _pricing_sentences(lowered)
        scope = " ".join(text[start:end] for start, end in spans)
        scope_lower = " ".join(lowered[start:end] for start, end in spans)
    if not scope:
        return None
    has_price = found.input or found.output or found.subscription
    # Each pattern runs only when its key word is there at all (a fast substring test), and
    # then only where that word starts (`matches_at_words`): every match starts with one.
    freed = freed_lower = ""
    if "free" in scope_lower:
        freed = scope
        if "feel" in scope_lower or "open" in scope_lower:
            freed = _FEEL_FREE.sub(" ", freed)
        if contains_any(scope_lower, _NOT_FREE_WORDS):
            freed = _NOT_FREE.sub(" ", freed)
        freed_lower = scope_lower if freed is scope else lower_ascii(freed)
    free = bool(freed) and matches_at_words(_FREE, freed, freed_lower, ("free",))
    if not has_price and matches_at_words(_OPEN_WEIGHTS, scope, scope_lower, _OPEN_WORDS):
        return OPEN_WEIGHTS
    if (free and has_price) or (
        freed and matches_at_words(_FREEMIUM, freed, freed_lower, ("free",))
    ):
        return FREEMIUM
    if has_price or matches_at_words(_PAID, scope, scope_lower, _PAID_WORDS):
        return PAID
    if free:
        return FREE
    if matches_at_words(_VARIES, scope, scope_lower, ("cost", "pric")):
        return UNKNOWN
    return None


_OPEN_WORDS = ("open", "self", "download")


_PAID_WORDS = (
    "paid",
    "pay",
    "usage",
    "contact",
    "enterprise",
    "subscription",
    "free",
    "custom",
)
# Words that put a sentence of a long text in scope (the `_PRICING_CONTEXT` alternatives); the
# ones the pattern wants as whole words are checked at a word boundary.
_CONTEXT_WORDS = (
    ("pric", False, False), ("cost", False, False), ("plan", True, True),
    ("tier", True, True), ("subscri", False, False), ("pay", True, False), ("$", False, False),
    ("charge", False, False), ("billing", False, False),
)  # fmt: skip
# Sentence ends ('.', '!', '?', newline) all become one byte, so one `find` finds the next.
_SENTENCE_ENDS = bytes.maketrans(b".!?", b"\n\n\n")


def _pricing_sentences(lowered: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences (`_SENTENCE` runs) that say something about prices."""
    anchors: list[int] = []
    for word, left, right in _CONTEXT_WORDS:
        for pos in find_all(lowered, word, MAX_CONTEXT_HITS):
            if left and pos and _is_word_char(lowered[pos - 1]):
                continue
            after = pos + len(word)
            if right and after < len(lowered) and _is_word_char(lowered[after]):
                continue
            anchors.append(pos)
    ends = lowered.encode("ascii").translate(_SENTENCE_ENDS).decode("ascii")
    spans: list[tuple[int, int]] = []
    covered = 0
    for pos in sorted(anchors):
        if pos < covered:
            continue  # in a sentence already taken
        start = ends.rfind("\n", covered, pos) + 1 or covered
        end = ends.find("\n", pos)
        if end < 0:
            end = len(lowered)
        elif lowered[end] != "\n":
            end += 1  # the sentence keeps its '.', '!' or '?'
        spans.append((start, end))
        covered = end
    return spans


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# 'USD 0.50' and '0.50 USD' are read as '$0.50': rewritten in place, at the same length, so
# every offset (the evidence's) still points into the original text.
_USD_BEFORE = re.compile(r"(?<![\w$])USD\s?(?=\d)", re.IGNORECASE)
_USD_AFTER = re.compile(r"(?<![\w.,$])(\d{1,7}(?:,\d{3})*(?:\.\d{1,8})?)(\s?)USD\b", re.IGNORECASE)
# A price in another currency: paid for, at a price this module does not convert.
_OTHER_CURRENCY = re.compile(
    r"[€£¥₹]\s?\d|\d\s?(?:[€£¥₹]|(?:EUR|GBP|CNY|RMB|JPY|INR)\b)", re.IGNORECASE
)


# '15 cents per million input tokens' is '$0.15 per million …'.
_CENTS = re.compile(r"(?<![\w.,$])(\d{1,3}(?:\.\d{1,6})?)\s?(?:cents?\b|¢)", re.IGNORECASE)


_CURRENCY_CODES = ("eur", "gbp", "cny", "rmb", "jpy", "inr")


def _other_currency(text: str, lowered: str) -> bool:
    """Whether `text` states an amount in a currency other than the dollar (the regex runs
    only when a sign or a code is there at all)."""
    if text.isascii() and not contains_any(lowered, _CURRENCY_CODES):
        return False
    return _OTHER_CURRENCY.search(text) is not None


def _dollarized(text: str, lowered: str) -> str:
    if "usd" in lowered:
        text = _USD_BEFORE.sub(lambda m: " " * (len(m.group()) - 1) + "$", text)
        text = _USD_AFTER.sub(lambda m: f"${m[1]}{m[2]}  ", text)
    return _CENTS.sub(_cents_as_dollars, text)


def _cents_as_dollars(match: re.Match) -> str:
    dollars = _round(float(match[1]) / 100)
    written = f"${dollars:.8f}".rstrip("0").rstrip(".")
    if len(written) > len(match.group()):
        return match.group()  # '0.001¢' has no same-length dollar spelling; left as it is
    return written.ljust(len(match.group()))


def pricing_from_text(text: object, source: str = "") -> Pricing | None:
    """Prices and tier from a pricing line, a pricing table or an announcement."""
    if not isinstance(text, str) or not text:
        return None
    if text.lstrip().startswith("{") or "[cost]" in text:
        # A catalog record passed as text (a JSON object, a models.dev TOML file) is a
        # record, read by its keys, not prose.
        record = record_from_string(text)
        result = pricing_from_record(record, source) if record is not None else None
        if result is not None:
            return result
    original = text = text[:MAX_TEXT_CHARS]
    lowered = ascii_lower(text)
    if "usd" in lowered or " cent" in lowered or "¢" in text:
        text = _dollarized(text, lowered)
    dollars = find_all(text, "$", MAX_DOLLARS)
    if (
        not dollars
        and not contains_any(lowered, _PRECHECK_WORDS)
        and not _other_currency(text, lowered)
    ):
        return None
    found = _Found()
    # A table says which column is input and which output; prose has to be read for it. A
    # table without '$' can still state prices: 'Free' cells.
    if ("|" in text or "<t" in lowered) and (dollars or "free" in lowered):
        _table_prices(text, found)
    if dollars:
        if found.input is None and found.output is None:
            _token_prices(text, found, dollars)
        _subscription(text, found, dollars)
    tier = _tier_from_words(text, lowered, found)
    if tier is None and dollars and found.input is None and found.output is None:
        tier = _unit_price_tier(text, found, dollars)
    prices = [found.input, found.output, found.subscription]
    if tier is None and all(price is None for price in prices):
        if not _other_currency(text, lowered):
            return None
        tier = PAID
    if tier is None:
        tier = _tier_for(prices)
    if (
        tier == PAID
        and all(p == 0 for p in prices if p is not None)
        and any(p is not None for p in prices)
    ):
        tier = FREE  # '$0 / 1M tokens'
    return Pricing(
        tier,
        found.input,
        found.output,
        found.subscription,
        [make_evidence(source or "text", _text_snippet(original, found), "pricing.text", VERSION)],
    )


def _text_snippet(text: str, found: _Found) -> str:
    spans = [span for span in found.spans if span[0] >= 0]
    if not spans or len(text) <= 200:
        return compact(text)
    start = min(span[0] for span in spans)
    end = max(span[1] for span in spans)
    return snippet_around(text, start, min(end, start + 150), 30)
