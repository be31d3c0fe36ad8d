"""A feed entry or news page → what it says: its observations, before any store is asked.

One reading per entry (`read_entry`): whether it announces a model (normalize.relevance),
the release names its title and opening state (normalize.titles), the Hub repos it links
read as releases (normalize.names), and the license, sizes and prices its text states
(normalize.licenses, normalize.params, normalize.pricing), each with its evidence and the
version of the rules that read it, and what it offers a release's draft (normalize.draft).
store.announce resolves a reading against the releases it knows and persists it; it reads
no text itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from normalize.draft import DraftSource, announcement_source
from normalize.licenses import license_from_text
from normalize.names import parse_repo_name
from normalize.params import params_from_name, params_from_text
from normalize.pricing import pricing_from_text
from normalize.relevance import Relevance, relevance
from normalize.titles import (
    OPENING_CHARS,
    family_from_text,
    family_from_title,
    looks_like_a_name,
    named_in,
    preferred_family,
    searchable,
    title_words,
)
from normalize.versions import document_ruleset


@dataclass(frozen=True, slots=True)
class Statement:
    """One value the text states: a typed observation with its evidence."""

    field: str  # "license" | "params" | "pricing"
    value: dict  # the value's JSON, without its evidence
    snippet: str
    extractor: str
    version: str


@dataclass(frozen=True, slots=True)
class LinkedRelease:
    """A Hub repo the entry links, read as the release it belongs to."""

    repo: str
    org: str
    family: str  # the Hub's name of the family, "Gemma 3"
    family_key: str
    named_in_title: bool  # every word of the family is in the title
    announced_family: str  # the family as the announcement spells it, when it spells it better


@dataclass(frozen=True, slots=True)
class EntryReading:
    title: str
    relevance: Relevance
    title_family: str | None  # the release name the title states, if any
    title_is_a_name: bool  # False for a slogan ("Medium is the new large.")
    text_family: str | None  # the first release name the opening of the text states
    title_search: str  # the title as release names are looked for in it (titles.name_position)
    opening_search: str  # the opening of the text, likewise
    linked: tuple[LinkedRelease, ...]  # original (not quantized) repos, in the entry's order
    statements: tuple[Statement, ...]
    draft: DraftSource  # its summary and sentences, for the draft of the releases it announces
    ruleset: str  # the version of the rules that read it (normalize.versions)


def read_entry(
    title: str,
    description: str | None,
    text: str,
    hub_repos: list[str],
    url: str,
    feed_title: str | None = None,
) -> EntryReading:
    """Read one entry: `title` is its page's title (else the feed's), `text` its page text
    (else the feed's summary), `feed_title` the title the feed gave it."""
    prose = f"{description or ''}\n{text}"
    verdict = relevance(title, prose, hub_repos)
    family = family_from_title(title)
    words = title_words(title)
    return EntryReading(
        title=title,
        relevance=verdict,
        title_family=family,
        title_is_a_name=bool(family) and looks_like_a_name(family),
        text_family=family_from_text(prose),
        title_search=searchable(title),
        opening_search=searchable(text[:OPENING_CHARS]),
        linked=tuple(_linked(hub_repos, words, family)),
        statements=tuple(_statements(f"{title}\n{prose}", feed_title or "", url)),
        draft=announcement_source(url, description, text),
        ruleset=document_ruleset("entry"),
    )


def _linked(repos: list[str], words: frozenset[str], titled: str | None) -> list[LinkedRelease]:
    found = []
    for repo in repos:
        name = parse_repo_name(repo)
        if name.quantized or not name.org:
            continue
        found.append(
            LinkedRelease(
                repo=repo,
                org=name.org,
                family=name.family,
                family_key=name.family_key,
                named_in_title=named_in(name.family, words),
                announced_family=preferred_family(name.family, titled),
            )
        )
    return found


def _statements(text: str, feed_title: str, url: str) -> list[Statement]:
    found = (
        ("license", license_from_text(text, source=url)),
        ("params", params_from_text(text, source=url) or params_from_name(feed_title, url)),
        ("pricing", pricing_from_text(text, source=url)),
    )
    statements = []
    for field_name, value in found:
        if value is None:
            continue
        data = value.to_json()
        evidence = (data.pop("evidence", None) or [{}])[0]
        statements.append(
            Statement(
                field=field_name,
                value=data,
                snippet=evidence.get("snippet") or "",
                extractor=evidence.get("extractor") or field_name,
                version=str(evidence.get("version") or "1"),
            )
        )
    return statements
