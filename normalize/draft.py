"""Draft fields in the comparison site's shape, for the editor to start from.

A tool page on the site has a name, a vendor, a one-line "best for" (tagline), a category,
an entry price (Free / Paid / Freemium), a pricing line, a description, a license and
parameter sizes ("70B & 400B"). The draft fills them from what is known of a release: its
derived fields, its announcements and its model cards. The description is extractive
(sentences of the announcement, else of the card, at most ~80 words), never written anew,
so every word of it can be traced to a source.

Every string is plain text: scraped titles and descriptions are hostile, so tags and
control characters are dropped here and links are http(s) only; the web layer escapes
what it shows all the same.

Pure functions on text (HTML and Markdown stripping, sentences, the tagline). The text is
read once, when a document is observed: `announcement_source` (a feed entry and its page)
and `card_source` (a model card) turn it into a `DraftSource`, the typed observation the
store keeps; `draft_from_sources` builds a release's draft from those, reading no text
again beyond the sentences they hold. `build_draft` does both at once, for raw texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlparse

from normalize.cards import split_card
from normalize.versions import ruleset_version

VERSION = ruleset_version("draft")
# What the observations of a draft's inputs are stored as (store.draft reads them back).
DRAFT_FIELD = "draft"
ANNOUNCEMENT_EXTRACTOR = "draft.announcement"
CARD_EXTRACTOR = "draft.card"

MAX_WORDS = 80
TAGLINE_MAX_CHARS = 140
HUB_URL = "https://huggingface.co"
_TAG = re.compile(r"<[/!?]?[A-Za-z][^>]{0,2000}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e]")
_SPACE = re.compile(r"\s+")
_BREAKOUT = re.compile(r"[\"']\s*/?>")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])(?=\s|$)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.S)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_`]{1,3}")
_BOILERPLATE = re.compile(
    r"\b(?:this (?:repository|repo|checkpoint|model card|page)|pip install|install|"
    r"transformers [<>=]*\d|sign in|log in|click|terms of use|citation|bibtex|cookie|"
    r"subscribe|newsletter|share this|read more|download (?:the|it|them|now))\b",
    re.I,
)
_KINDS = {
    "text-generation": "language",
    "text2text-generation": "language",
    "image-text-to-text": "multimodal",
    "any-to-any": "multimodal",
    "visual-question-answering": "multimodal",
    "feature-extraction": "embedding",
    "sentence-similarity": "embedding",
    "text-to-image": "image generation",
    "image-to-image": "image editing",
    "text-to-video": "video generation",
    "automatic-speech-recognition": "speech recognition",
    "text-to-speech": "text-to-speech",
    "text-to-audio": "audio generation",
}
_CATEGORIES = {
    "image generation": "Image Generation",
    "image editing": "Image Generation",
    "video generation": "Video Generation",
    "speech recognition": "Audio & Voice",
    "text-to-speech": "Audio & Voice",
    "audio generation": "Audio & Voice",
}
_PROVIDERS = {
    "openrouter": "OpenRouter",
    "deepinfra": "DeepInfra",
    "together_ai": "Together AI",
    "together": "Together AI",
    "groq": "Groq",
    "fireworks_ai": "Fireworks AI",
    "fireworks-ai": "Fireworks AI",
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "mistral": "Mistral AI",
    "gemini": "Google AI Studio",
    "google": "Google",
    "vertex_ai": "Vertex AI",
    "bedrock": "Amazon Bedrock",
    "amazon-bedrock": "Amazon Bedrock",
    "azure": "Azure",
}
_DATE_CODE = re.compile(r"^\d{4}$")


def plain(text: str | None, limit: int = 2000) -> str | None:
    """Scraped text made safe to place anywhere: no tags, no control characters."""
    if not text:
        return None
    text = _TAG.sub(" ", str(text)[: limit * 4])
    text = _BREAKOUT.sub(" ", text)  # what is left of '"><img onerror=…>' once tags are gone
    text = _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)  # "Gemma 3 , a new" from inline links
    text = text.replace("<", "‹").replace(">", "›")  # a lone bracket never opens a tag
    return text[:limit].strip() or None


def safe_url(url: str | None) -> str | None:
    if not url or urlparse(url).scheme not in ("http", "https") or _CONTROL.search(url):
        return None
    return url[:2048]


def sizes_text(labels: list[str]) -> str | None:
    """ "70B & 400B", "1B, 4B, 12B & 27B": sizes the way the site writes them."""
    labels = list(dict.fromkeys(label for label in labels if label))
    if not labels:
        return None
    if len(labels) == 1:
        return labels[0]
    return f"{', '.join(labels[:-1])} & {labels[-1]}"


def model_kind(pipeline_tag: str | None, family: str) -> str:
    if re.search(r"cod(?:e|er|ing)\b|codestral|devstral|starcoder", family, re.I):
        return "code"
    return _KINDS.get(pipeline_tag or "", "AI")


def markdown_text(card: str) -> str:
    """A model card's prose: no front matter, code, images, tables, headings or link URLs."""
    _, body = split_card(card)
    body = _CODE_BLOCK.sub("\n", body[:200_000])
    body = _MD_IMAGE.sub(" ", body)
    body = _MD_LINK.sub(r"\1", body)
    paragraphs, current = [], []
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "|", ">", "<!--", "---", "- ", "* ")):
            # A blank line, heading, table, quote or list item ends the paragraph.
            if current:
                paragraphs.append(" ".join(current))
            current = []
            continue
        current.append(_MD_MARKS.sub("", stripped))
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def _sentences(text: str) -> list[str]:
    """Sentences in order; a line is a block (a heading stays apart from the paragraph
    under it)."""
    found = []
    for block in (text or "").split("\n"):
        block = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACE.sub(" ", _TAG.sub(" ", block)).strip())
        found += [s.strip() for s in _SENTENCE.split(block) if s.strip()]
    return found


def _score(sentence: str, family_words: list[str]) -> int:
    low = sentence.lower()
    if not 30 <= len(sentence) <= 600 or _BOILERPLATE.search(sentence):
        return -10
    if sentence[-1:] not in ".!?":
        return -5  # a caption, a button, a list item without a verb
    score = 0
    if family_words and all(w in low for w in family_words):
        score += 3
    if re.search(r"\b(?:model|models|weights|parameters?|open)\b", low):
        score += 1
    return score


def _family_words(family: str) -> list[str]:
    # Date codes stay out: cards write "Mistral Small v24.09" for `…-2409`.
    return [
        w
        for w in re.findall(r"[a-z0-9.]+", family.lower())
        if len(w) > 1 and not _DATE_CODE.match(w)
    ][:3]


def candidate_sentences(text: str) -> list[str | None]:
    """A text's sentences as a description can use them: each sentence that could be chosen,
    in order, and None for a run of sentences that never can (boilerplate, a caption, too
    short or long), which ends a description begun before it. What is left to decide,
    whether a sentence names the release, needs the release's family: `_describe`."""
    found: list[str | None] = []
    for sentence in _sentences(text):
        if _score(sentence, []) >= 0:
            found.append(sentence)
        elif found and found[-1] is not None:
            found.append(None)
    if found and found[-1] is None:
        found.pop()
    return found


def _describe(
    sentence_lists: list[list[str | None]], family: str, max_words: int = MAX_WORDS
) -> str | None:
    """The first sentences about the release of the first text that has any, in their
    order, up to `max_words` words: a text's opening sentence must name the release (all
    of its family's first words), the ones after it continue it until one cannot."""
    family_words = _family_words(family)
    for sentences in sentence_lists:
        chosen: list[str] = []
        words = 0
        for sentence in sentences:
            names = (
                sentence is not None
                and bool(family_words)
                and all(w in sentence.lower() for w in family_words)
            )
            if sentence is None or not (names or chosen):
                if chosen:
                    break
                continue
            count = len(sentence.split())
            if chosen and words + count > max_words:
                break
            if count > max_words:
                sentence = " ".join(sentence.split()[:max_words]) + "…"
                count = max_words
            chosen.append(sentence)
            words += count
        if chosen:
            return plain(" ".join(chosen))
    return None


def extract_description(texts: list[str], family: str, max_words: int = MAX_WORDS) -> str | None:
    """The first sentences about the release, in their order, up to `max_words` words."""
    return _describe([candidate_sentences(text) for text in texts], family, max_words)


def tagline_candidate(description: str | None) -> str | None:
    """A page's own summary as a tagline: its first sentence, when it is one line long."""
    first = _sentences(description or "")[:1]
    line = plain(first[0] if first else None)
    if line and 20 <= len(line) <= TAGLINE_MAX_CHARS:
        return line.rstrip(".")
    return None


@dataclass(slots=True)
class DraftSource:
    """What one document offers a draft: an announcement (a feed entry with its page) or a
    model card, read once when the document is observed."""

    kind: str  # "announcement" | "card"
    url: str | None
    sentences: list[str | None] = field(default_factory=list)  # candidate_sentences
    tagline: str | None = None  # tagline_candidate of the page's own summary
    # ISO time of the entry, for the announcements' order. Ties are broken by URL when
    # read, never by a crawl-sequence number: the stored value must not depend on which
    # writer stored the entry first (tests/test_two_writers.py).
    published: str | None = None

    @property
    def extractor(self) -> str:
        return ANNOUNCEMENT_EXTRACTOR if self.kind == "announcement" else CARD_EXTRACTOR

    def snippet(self) -> str:
        first = next((s for s in self.sentences if s), None)
        return (self.tagline or first or "")[:500]

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "url": self.url,
            "sentences": list(self.sentences),
            "tagline": self.tagline,
            "published": self.published,
        }

    @classmethod
    def from_json(cls, value: Any) -> DraftSource | None:
        """The stored observation back; None for a value that is not one."""
        if not isinstance(value, dict) or value.get("kind") not in ("announcement", "card"):
            return None
        sentences = value.get("sentences")
        return cls(
            kind=value["kind"],
            url=value.get("url") if isinstance(value.get("url"), str) else None,
            sentences=[s if isinstance(s, str) else None for s in sentences]
            if isinstance(sentences, list)
            else [],
            tagline=value.get("tagline") if isinstance(value.get("tagline"), str) else None,
            published=value.get("published") if isinstance(value.get("published"), str) else None,
        )


def announcement_source(
    url: str | None,
    description: str | None,
    text: str | None,
    published: str | None = None,
) -> DraftSource:
    """An announcement's draft inputs: its page's summary (`description`) and its text."""
    return DraftSource(
        kind="announcement",
        url=url,
        sentences=candidate_sentences(f"{description or ''}\n{text or ''}"),
        tagline=tagline_candidate(description) if description else None,
        published=published,
    )


def card_source(card: str | bytes, url: str | None = None) -> DraftSource:
    """A model card's draft inputs: the sentences of its prose."""
    if isinstance(card, bytes):
        card = card.decode("utf-8", "replace")
    return DraftSource(kind="card", url=url, sentences=candidate_sentences(markdown_text(card)))


def _tagline(release: Release, fields: dict, taglines: list[str], kind: str) -> str | None:
    if taglines:
        return taglines[0]
    sizes = sizes_text([s["label"] for s in fields.get("sizes") or []])
    owner = f"{release.vendor}'s " if release.vendor else ""
    if fields.get("repos"):
        plural = "s" if len(fields.get("sizes") or []) > 1 else ""
        line = f"{owner}open-weight {kind} model{plural}"
        return plain(f"{line}: {sizes}" if sizes else line)
    return plain(f"{owner}{kind} model, announced {(fields.get('announced_at') or '')[:10]}")


def _money(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.3g}"


def _api_prices(pricing: dict) -> str | None:
    parts = []
    if pricing.get("input_usd_per_mtok") is not None:
        parts.append(f"{_money(pricing['input_usd_per_mtok'])} per 1M input")
    if pricing.get("output_usd_per_mtok") is not None:
        parts.append(f"{_money(pricing['output_usd_per_mtok'])} per 1M output")
    if not parts:
        return None
    return " / ".join(parts) + " tokens"


def _provider(source: str | None) -> str | None:
    name = (source or "").split(":", 1)[-1]
    return _PROVIDERS.get(name, name) or None


def entry_price(open_weights: bool, pricing: dict | None) -> str | None:
    """Free / Freemium / Paid as the site shows it; None when nobody said."""
    if open_weights:
        return "Free"
    tier = (pricing or {}).get("tier")
    return {"free": "Free", "open-weights": "Free", "freemium": "Freemium", "paid": "Paid"}.get(
        tier or ""
    )


def _cheapest_offers(offers: list | None) -> tuple[dict | None, int]:
    """The paid offer with the lowest input price, and how many providers sell one."""
    paid = [
        o
        for o in offers or []
        if isinstance(o, dict)
        and o.get("tier") == "paid"
        and isinstance(o.get("input_usd_per_mtok"), int | float)
        and o["input_usd_per_mtok"] > 0
    ]
    if not paid:
        return None, 0
    best = min(paid, key=lambda o: (o["input_usd_per_mtok"], o.get("output_usd_per_mtok") or 0))
    return best, len({o.get("provider") or o.get("catalog") for o in paid})


def pricing_line(
    open_weights: bool,
    pricing: dict | None,
    provider: str | None,
    offers: list | None = None,
) -> str | None:
    """The site's pricing line. With offers from price catalogs, the cheapest paid one
    speaks: "API from $0.10 per 1M input tokens (3 providers)", or its input and output
    prices "via" the one provider that sells it; otherwise the release's own prices."""
    best, providers = _cheapest_offers(offers)
    if best is not None and providers > 1:
        api = f"{_money(best['input_usd_per_mtok'])} per 1M input tokens"
        via = f" ({providers} providers)"
    elif best is not None:
        name = best.get("provider") or best.get("catalog")
        api, via = _api_prices(best), f" via {_PROVIDERS.get(name, name)}" if name else ""
    else:
        api = _api_prices(pricing or {})
        via = f" via {provider}" if provider else ""
    if open_weights:
        rest = f"API from {api}{via}" if api else "Inference costs vary by provider"
        return f"Free (open weights, self-hosted) / {rest}"
    if not pricing:
        return None
    if pricing.get("tier") == "freemium" and api:
        return f"Free tier; paid from {api}{via}"
    if api and providers > 1:
        return f"API from {api}{via}"
    if api:
        return f"{api}{via}"
    if pricing.get("subscription_usd_per_month") is not None:
        return f"{_money(pricing['subscription_usd_per_month'])} per month"
    return {"free": "Free", "paid": "Paid (price not stated)"}.get(pricing.get("tier") or "")


class Release(Protocol):
    """What a draft reads of a release (a store.models.Candidate has these)."""

    name: str
    vendor: str | None
    family: str
    fields: dict | None


def build_draft(
    release: Release,
    announcements: list[dict],
    card_texts: list[str],
    pricing_source: str | None = None,
) -> dict:
    """The draft from a release's name and fields, its announcements ({url, title,
    description, text}) and its cards' text."""
    sources = [
        announcement_source(a.get("url"), a.get("description"), a.get("text"))
        for a in announcements
    ]
    return draft_from_sources(
        release, sources, [card_source(c) for c in card_texts], pricing_source
    )


def draft_from_sources(
    release: Release,
    announcements: list[DraftSource],
    cards: list[DraftSource],
    pricing_source: str | None = None,
) -> dict:
    """The draft from a release's name and fields and the draft inputs of its announcements
    (in their order) and cards (at most two, full-precision repos first)."""
    fields = release.fields or {}
    kind = model_kind(fields.get("pipeline_tag"), release.family)
    taglines = [a.tagline for a in announcements if a.tagline]
    prose = [a.sentences for a in announcements] + [c.sentences for c in cards]
    repos = fields.get("repos") or []
    lic = fields.get("license") or {}
    pricing = fields.get("pricing")
    open_weights = bool(repos)
    links = [{"kind": "hub", "url": f"{HUB_URL}/{repo}"} for repo in repos[:20]]
    links += [{"kind": "announcement", "url": a.url} for a in announcements]
    if pricing and pricing.get("source"):
        links.append({"kind": "pricing", "url": pricing["source"]})
    return {
        "name": plain(release.name, 300),
        "vendor": plain(release.vendor, 200),
        "tagline": _tagline(release, fields, taglines, kind),
        "description": _describe(prose, release.family),
        "category": _CATEGORIES.get(kind, "Developer Tools"),
        "entry_price": entry_price(open_weights, pricing),
        "pricing_line": pricing_line(
            open_weights, pricing, _provider(pricing_source), fields.get("offers")
        ),
        "license": plain(lic.get("name") or lic.get("id"), 200),
        "parameter_sizes": sizes_text([s["label"] for s in fields.get("sizes") or []]),
        "links": [link for link in links if safe_url(link["url"])],
        "announced_at": fields.get("announced_at"),
    }
