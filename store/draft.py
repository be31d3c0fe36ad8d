"""Draft fields in the comparison site's shape, for the editor to start from.

A tool page on the site has a name, a vendor, a one-line "best for" (tagline), a category,
an entry price (Free / Paid / Freemium), a pricing line, a description, a license and
parameter sizes ("70B & 400B"). The draft fills them from what the store knows: the
candidate's derived fields, its announcements and its model card. The description is
extractive (sentences of the announcement, else of the card, at most ~80 words), never
written anew, so every word of it can be traced to a source.

Every string is plain text: scraped titles and descriptions are hostile, so tags and
control characters are dropped here and links are http(s) only; the web layer escapes
what it shows all the same.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from sqlmodel import Session, or_, select

from normalize.cards import split_card
from store.documents import document_body
from store.models import Candidate, Document, FeedEntry, Observation, Variant
from store.prices import PRICE_LIST_EXTRACTORS

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
_PROVIDERS = {"openrouter": "OpenRouter"}
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


def extract_description(texts: list[str], family: str, max_words: int = MAX_WORDS) -> str | None:
    """The first sentences about the release, in their order, up to `max_words` words."""
    # Date codes stay out: cards write "Mistral Small v24.09" for `…-2409`.
    family_words = [
        w
        for w in re.findall(r"[a-z0-9.]+", family.lower())
        if len(w) > 1 and not _DATE_CODE.match(w)
    ][:3]
    for text in texts:
        chosen: list[str] = []
        words = 0
        for sentence in _sentences(text):
            if _score(sentence, family_words) < 3 and not (chosen and _score(sentence, []) >= 0):
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


def _tagline(cand: Candidate, fields: dict, descriptions: list[str], kind: str) -> str | None:
    for text in descriptions:
        first = _sentences(text)[:1]
        line = plain(first[0] if first else None)
        if line and 20 <= len(line) <= TAGLINE_MAX_CHARS:
            return line.rstrip(".")
    sizes = sizes_text([s["label"] for s in fields.get("sizes") or []])
    owner = f"{cand.vendor}'s " if cand.vendor else ""
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


def pricing_line(open_weights: bool, pricing: dict | None, provider: str | None) -> str | None:
    api = _api_prices(pricing or {})
    via = f" via {provider}" if provider else ""
    if open_weights:
        rest = f"API from {api}{via}" if api else "Inference costs vary by provider"
        return f"Free (open weights, self-hosted) / {rest}"
    if not pricing:
        return None
    if pricing.get("tier") == "freemium" and api:
        return f"Free tier; paid from {api}{via}"
    if api:
        return f"{api}{via}"
    if pricing.get("subscription_usd_per_month") is not None:
        return f"{_money(pricing['subscription_usd_per_month'])} per month"
    return {"free": "Free", "paid": "Paid (price not stated)"}.get(pricing.get("tier") or "")


def build_draft(
    cand: Candidate,
    announcements: list[dict],
    card_texts: list[str],
    pricing_source: str | None = None,
) -> dict:
    """The draft from a candidate's fields, its announcements ({url, title, description,
    text}) and its cards' text. Pure: no queries."""
    fields = cand.fields or {}
    kind = model_kind(fields.get("pipeline_tag"), cand.family)
    summaries = [a["description"] for a in announcements if a.get("description")]
    prose = [f"{a.get('description') or ''}\n{a.get('text') or ''}" for a in announcements]
    prose += [markdown_text(card) for card in card_texts]
    repos = fields.get("repos") or []
    lic = fields.get("license") or {}
    pricing = fields.get("pricing")
    open_weights = bool(repos)
    links = [{"kind": "hub", "url": f"{HUB_URL}/{repo}"} for repo in repos[:20]]
    links += [{"kind": "announcement", "url": a.get("url")} for a in announcements]
    if pricing and pricing.get("source"):
        links.append({"kind": "pricing", "url": pricing["source"]})
    return {
        "name": plain(cand.name, 300),
        "vendor": plain(cand.vendor, 200),
        "tagline": _tagline(cand, fields, summaries, kind),
        "description": extract_description(prose, cand.family),
        "category": _CATEGORIES.get(kind, "Developer Tools"),
        "entry_price": entry_price(open_weights, pricing),
        "pricing_line": pricing_line(open_weights, pricing, _provider(pricing_source)),
        "license": plain(lic.get("name") or lic.get("id"), 200),
        "parameter_sizes": sizes_text([s["label"] for s in fields.get("sizes") or []]),
        "links": [link for link in links if safe_url(link["url"])],
        "announced_at": fields.get("announced_at"),
    }


def _announcements(session: Session, cand: Candidate) -> list[dict]:
    urls = session.exec(
        select(Observation.source_url).where(
            Observation.candidate_id == cand.id, Observation.field == "announcement"
        )
    ).all()
    if not urls:
        return []
    rows = session.exec(
        select(FeedEntry)
        .where(or_(FeedEntry.page_url.in_(urls), FeedEntry.link.in_(urls)))
        .order_by(FeedEntry.published_at, FeedEntry.id)
    ).all()
    found: dict[str, dict] = {}
    for row in rows:
        url = row.page_url or row.link
        found.setdefault(
            url,
            {
                "url": url,
                "title": row.page_title or row.title,
                "description": row.page_description,
                "text": row.page_text or row.summary,
            },
        )
    return list(found.values())


def _cards(session: Session, cand: Candidate, limit: int = 2) -> list[str]:
    rows = session.exec(
        select(Variant.repo_id, Variant.is_quantized)
        .where(Variant.candidate_id == cand.id, Variant.is_derivative.is_(False))
        .order_by(Variant.repo_id)
    ).all()
    # The full-precision repos' cards first; a release published only quantized (an FP8
    # original, an AWQ build) has only those.
    repos = [r for r, quantized in rows if not quantized] or [r for r, _ in rows]
    if not repos:
        return []
    docs = session.exec(
        select(Document).where(
            Document.kind == "hf_card", Document.repo_id.in_(repos), Document.status == 200
        )
    ).all()
    docs = sorted(docs, key=lambda d: repos.index(d.repo_id))[:limit]
    return [(document_body(d) or b"").decode("utf-8", "replace") for d in docs]


def candidate_draft(session: Session, cand: Candidate) -> dict:
    """The draft of one candidate, read from the store."""
    source = session.exec(
        select(Observation.value).where(
            Observation.candidate_id == cand.id,
            Observation.field == "pricing",
            Observation.extractor.in_(PRICE_LIST_EXTRACTORS),
        )
    ).first()
    provider = source.get("provider") if isinstance(source, dict) else None
    return build_draft(cand, _announcements(session, cand), _cards(session, cand), provider)
