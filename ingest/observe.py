"""The observe stage: a stored raw document → typed observations (normalize/), handed to the
store to resolve and persist.

The crawl's pipelines and `toolscout renormalize` both read entries through here, so a feed
entry is understood one way whichever of them meets it.
"""

from __future__ import annotations

from sqlmodel import Session

from normalize.announcements import EntryReading, read_entry
from store import announce
from store.models import FeedEntry


def read_feed_entry(item: FeedEntry) -> EntryReading:
    """What a stored feed entry (with its page, when one was fetched) says."""
    return read_entry(
        title=item.page_title or item.title or "",
        description=item.page_description,
        text=item.page_text or item.summary or "",
        hub_repos=list(item.hub_repos or []),
        url=item.page_url or item.link or item.entry_key,
        feed_title=item.title,
    )


def judge_entry(
    session: Session,
    item: FeedEntry,
    org: str | None,
    actor: str,
    derivative_orgs: frozenset[str] = frozenset(),
) -> list[int]:
    """Read the entry, then have the store judge and resolve it; the candidates' ids."""
    reading = read_feed_entry(item)
    return announce.judge_and_resolve(session, item, reading, org, actor, derivative_orgs)
