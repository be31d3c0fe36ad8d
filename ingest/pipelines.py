"""The item pipeline: raw items → documents → normalize → resolve → store.

Each item is committed in its own transaction, so a bad document fails alone: its error
is recorded against its URL and the run goes on. A source's watermark advances only when
its run closes with every item committed and no error, so a run killed half-way, or one
that lost a page, is simply done again next time.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from sqlalchemy import func
from sqlmodel import Session, select

from ingest.fetch.ratelimit import sleeping_on
from ingest.observe import judge_entry
from ingest.run_clock import crawl_started, run_deadline
from ingest.sources import Notability, SourcesError, load_sources
from normalize.versions import document_ruleset
from spiders.feeds import FeedState
from spiders.hf_models import HubState
from store import announce, card_claims, notability, prices, runs, websub
from store.batch import PageResult, apply_page, card_backlog
from store.db import get_engine, upgrade
from store.documents import confirmed_validators, save_document
from store.models import Candidate
from store.races import retrying
from store.resolve import refresh_candidate

log = logging.getLogger(__name__)
CARD_BATCH = 200  # READMEs applied together: one batch instead of ~10 statements each
# Documents fetched with conditional GET: listings, feeds, index pages, price lists.
REVALIDATED_KINDS = ("hf_listing", "feed", "index", "pricing")


def _text(body: bytes | None) -> str | None:
    return body.decode("utf-8", "replace") if body is not None else None


class StorePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.engine = None
        self.run_ids: dict[str, int] = {}
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.newest: dict[str, str] = {}
        self.first_error: dict[str, str] = {}
        self.pending_errors: list[tuple[str, str, str]] = []  # (source, url, reason)
        self.in_item = False  # inside an item's transaction: errors wait for its end
        # (source, role) -> [(info, README text, info URL)] waiting to be applied together
        self.cards_pending: dict[tuple[str, str], list] = defaultdict(list)
        # Distinct candidates per source; one created in this run is new, not also updated.
        self.created: dict[str, set[int]] = defaultdict(set)
        self.changed: dict[str, set[int]] = defaultdict(set)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        # What is in the downloader now, for the record of a run stopped from outside.
        self.in_flight: dict[str, None] = {}
        self.claim_run: int | None = None  # the run the crawl's card claims are under
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._left, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    # -- the crawl's life --------------------------------------------------------------
    def open_spider(self, spider: Any = None) -> None:
        spider = spider or self.crawler.spider
        self.engine = get_engine()
        upgrade(self.engine)
        self.spider = spider
        hub = list(getattr(spider, "hub_sources", {}).values())
        feeds = list(getattr(spider, "feed_sources", {}).values())
        pricing = list(getattr(spider, "pricing_sources", {}).values())
        self.rules, self.derivative_orgs = self._config()
        started = crawl_started()  # the runs start when crawl() started this process
        with Session(self.engine) as session:
            for source in hub + feeds + pricing:
                self.run_ids[source.name] = runs.start_run(session, source.name, started)
            names = [s.name for s in hub + feeds + pricing]
            # What the fetch layer revalidates with (ingest.fetch.revalidate).
            spider.validators = confirmed_validators(session, names, REVALIDATED_KINDS)
            if feeds:
                names = [s.name for s in feeds]
                spider.feed_state = FeedState(entries=announce.entry_hashes(session, names))
                # What WebSub hubs pushed since the last run (web.websub stored it).
                spider.pushed = websub.pending_deliveries(session, names)
            if not hub:
                return
            # Rules may have changed since the last run: held releases are judged again.
            notability.rejudge_held(session, self.rules, [s.org for s in hub], "crawler:config")
            session.commit()
            names = [s.name for s in hub]
            # What was stored about each listed model is read per page by the batch, so
            # nothing here grows with the store except the (bounded) card backlog.
            budget = getattr(spider, "card_budget", 0)
            originals = [s.org for s in hub if s.role != "derivative"]
            # The cards this crawl fetches are claimed under one of its runs (they all end
            # together), so a crawl on another host leaves them alone (store.card_claims).
            self.claim_run = self.run_ids[hub[0].name]
            marks = runs.watermarks(session, names)
        with self._write_session() as session:
            # Claimed in repo order while a page of another host may be locking the same
            # rows in its own order: a deadlock PostgreSQL breaks is tried again.
            backlog = retrying(
                session, lambda: card_backlog(session, originals, budget // 2, self.claim_run)
            )
            session.commit()
        spider.hub_state = HubState(
            watermarks={name.split(":", 1)[1]: mark for name, mark in marks.items()},
            backlog=backlog,
        )

    @staticmethod
    def _config() -> tuple[Notability | None, frozenset[str]]:
        """[notability] rules and the derivative orgs; none when sources.toml is unreadable
        (then notability is left as it is)."""
        try:
            config = load_sources()
        except SourcesError:
            return None, frozenset()
        derivative = frozenset(
            s.org for s in config.sources if s.kind == "hub" and s.role == "derivative" and s.org
        )
        return config.notability, derivative

    def close_spider(self, spider: Any = None) -> None:
        self._flush_cards()
        self._recount()
        self._release_cards()
        stats = self.crawler.stats
        # finish_reason is set only after the pipelines have closed; an engine told to stop
        # (SIGTERM from the parent's time limit, Ctrl-C) is no longer running by now.
        reason = stats.get_value("finish_reason") if stats else None
        if reason is None and not getattr(self.crawler.engine, "running", True):
            reason = "shutdown"
        ended = self._ended_early(reason)
        with Session(self.engine) as session:
            for source, run_id in self.run_ids.items():
                counts = self.counts[source]
                if stats:
                    counts["rate_limited"] = stats.get_value(f"ratelimit/429/{source}", 0)
                    counts["waited_s"] = stats.get_value(f"ratelimit/wait_seconds/{source}", 0)
                until = stats.get_value(f"ratelimit/until/{source}") if stats else None
                errors = counts["errors"]
                clean = errors == 0 and ended is None
                status = "ok" if clean else ("failed" if counts["items"] == 0 else "partial")
                # A run stopped from outside says so first: its errors may be what it caused.
                message = ended or self.first_error.get(source)
                record: dict[str, Any] = dict(counts)
                if until:  # a 429/503 Retry-After: the next check waits for it
                    record["retry_after_until"] = datetime.fromtimestamp(until, UTC)
                runs.finish_run(session, run_id, record, status, message)
                if clean:
                    runs.save_success(session, source, run_id, self.newest.get(source))
                else:
                    runs.save_failure(session, source, run_id, message or status)
            session.commit()

    def _claim(self) -> dict[str, int | None]:
        """How a page's cards are claimed: under the crawl's run, no more than the run may
        still fetch (a claim it could not use would only keep other crawls off the card)."""
        room = getattr(self.spider, "card_room", None)
        return {"claim_run": self.claim_run, "claim_limit": room() if room else None}

    def _release_cards(self) -> None:
        """Cards claimed and not stored (over budget, failed, cut by a stop) go back to
        the backlog now, not when their claims lapse."""
        if self.claim_run is None:
            return
        try:
            with self._write_session() as session:
                card_claims.release(session, [self.claim_run])
                session.commit()
        except Exception as exc:  # the runs are closed anyway, which frees the claims
            log.warning("could not release the card claims: %s: %s", type(exc).__name__, exc)

    def _ended_early(self, reason: str | None) -> str | None:
        """Why the crawl stopped before it was done, and what it was still waiting on; None
        when it finished."""
        if reason in (None, "finished"):
            return None
        deadline = run_deadline()
        why = "time limit reached" if deadline and time.time() >= deadline - 30 else reason
        pending = [*self.in_flight, *sleeping_on(self.crawler)]
        shown = ", ".join(pending[:3]) + (
            f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        )
        return f"crawl ended: {why}" + (f"; waiting on {shown}" if pending else "")

    def _reached(self, request: Any, spider: Any = None) -> None:
        self.in_flight[request.url] = None

    def _left(self, request: Any, spider: Any = None) -> None:
        # Once the engine is told to stop, what is in flight is what the run was waiting on
        # (graceful shutdown lets those downloads end, or time out, before the close).
        if getattr(self.crawler.engine, "running", True):
            self.in_flight.pop(request.url, None)

    def spider_error(self, failure: Any, response: Any, spider: Any = None) -> None:
        """A callback that raised: an error of its run and of its document, which is kept
        with the error so its source is read again whole next run."""
        source = response.meta.get("source")
        if not source:
            return
        exc = failure.value
        reason = f"callback failed: {type(exc).__name__}: {str(exc)[:300]}"
        try:
            with Session(self.engine) as session:
                save_document(
                    session,
                    url=response.url,
                    source=source,
                    kind=response.meta.get("doc_kind") or "unknown",
                    status=response.status,
                    body=response.body,
                    error=reason,
                )
                session.commit()
        except Exception:  # the error itself is what must be recorded
            log.exception("could not keep the document of %s", response.url)
        self._error(source, response.url, reason)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        source = request.meta.get("source")
        if not source:
            return
        counts = self.counts[source]
        counts["requests"] += 1
        counts["bytes"] += len(response.body or b"")
        if response.status == 304:
            counts["not_modified"] += 1

    def request_dropped(self, request: Any, spider: Any = None) -> None:
        """A redirect to a URL already fetched is dropped by Scrapy's duplicate filter
        without a callback: the document asked for never arrives, so say so."""
        source = request.meta.get("source")
        first = (request.meta.get("redirect_urls") or [None])[0]
        if source and first:
            self._error(source, first, f"redirected to {request.url}, already fetched: dropped")

    # -- items ---------------------------------------------------------------------------
    def process_item(self, item: dict, spider: Any = None) -> dict:
        source = item.get("source", "?")
        handler = getattr(self, f"_on_{item.get('kind')}", None)
        if handler is None:
            log.warning("unknown item kind %r from %s", item.get("kind"), source)
            return item
        self.pending_errors, self.in_item, failed = [], True, None
        try:
            with self._write_session() as session:
                handler(session, item)
                session.commit()
        except Exception as exc:  # a bad document fails alone
            log.exception("could not store %s", item.get("url") or item.get("repo_id"))
            url = item.get("url") or item.get("info_url") or "?"
            failed = (source, url, f"{type(exc).__name__}: {exc}")
        finally:
            self.in_item = False
        # Recorded once the item's transaction is over: it holds SQLite's write lock, and
        # an error written from another connection meanwhile would wait for it forever.
        for error in [*self.pending_errors, *([failed] if failed else [])]:
            self._error(*error)
        return item

    def _write_session(self) -> Session:
        """A session whose transaction holds SQLite's write lock from its first statement.

        A batch reads before it writes. In WAL mode a transaction that read, and then
        writes after an editor committed, fails at once with "database is locked" (its
        snapshot is stale; the busy timeout does not apply), so the lock is taken first.
        PostgreSQL needs nothing: its upserts resolve on the natural keys."""
        session = Session(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        return session

    def _error(self, source: str, url: str, reason: str) -> None:
        if self.in_item:
            self.pending_errors.append((source, url, reason))
            return
        self.counts[source]["errors"] += 1
        self.first_error.setdefault(source, f"{url}: {reason}")
        with Session(self.engine) as session:
            runs.record_error(session, self.run_ids.get(source), source, url, reason)
            session.commit()

    def _on_not_modified(self, session: Session, item: dict) -> None:
        self.counts[item["source"]]["items"] += 1

    def _on_fetch_error(self, session: Session, item: dict) -> None:
        if item.get("pushed"):  # an unreadable push is read once, like a polled copy
            websub.mark_processed(session, [item["pushed"]], self.run_ids.get(item["source"]))
        if item.get("entry_key"):
            # A page that failed: its entry is judged on what the feed said, then the
            # error is recorded as for any document.
            found = announce.entry(session, item["source"], item["entry_key"])
            if found is not None:
                self._resolve_entry(session, item["source"], found)
                session.commit()
        if item.get("body") is not None:
            save_document(
                session,
                url=item["url"],
                source=item["source"],
                kind=item.get("doc_kind") or "unknown",
                status=item.get("status") or 0,
                body=item["body"],
                error=item["reason"],
            )
            session.commit()
        self._error(item["source"], item["url"], item["reason"])

    def _on_hf_listing(self, session: Session, item: dict) -> None:
        source, url = item["source"], item["url"]
        counts = self.counts[source]
        counts["items"] += 1
        save_document(
            session,
            url=url,
            source=source,
            kind="hf_listing",
            status=item["status"],
            body=item["body"],
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            normalized_with=document_ruleset("hub"),
        )
        role = item.get("role", "original")
        try:
            page = item["models"]
            results = [
                retrying(
                    session,
                    lambda: apply_page(
                        session, page, source, role, url, self.rules, **self._claim()
                    ),
                )
            ]
        except Exception as exc:
            # Something in the page broke the batch (a value the database refuses): the
            # models are stored one by one, so the bad one fails alone.
            log.warning(
                "%s: batch failed (%s: %s); one model at a time", url, type(exc).__name__, exc
            )
            results = [
                self._apply_alone(session, model, source, role, url) for model in item["models"]
            ]
        for result in results:
            # Recorded once this page is committed: on SQLite a second connection
            # cannot write while this session holds the write lock.
            self.pending_errors += [(source, f"{url}#{repo}", why) for repo, why in result.errors]
            counts["models"] += result.applied
            self.created[source] |= result.created
            self.changed[source] |= result.changed
            if result.cards:
                self.spider.fetch_cards(source, result.cards, url)
        created = [
            m.get("createdAt") for m in item["models"] if isinstance(m.get("createdAt"), str)
        ]
        if created:
            self.newest[source] = max([self.newest.get(source, ""), *created])

    def _apply_alone(
        self, session: Session, model: dict, source: str, role: str, url: str, **kwargs: Any
    ) -> PageResult:
        try:
            return retrying(
                session,
                lambda: apply_page(
                    session,
                    [model],
                    source,
                    role,
                    url,
                    self.rules,
                    **kwargs,
                    **self._claim(),
                ),
            )
        except Exception as exc:
            result = PageResult()
            result.errors.append((str(model.get("id")), f"{type(exc).__name__}: {exc}"))
            return result

    def _on_hf_model(self, session: Session, item: dict) -> None:
        """A README the store asked for (with the listing entry or, for the backlog, the
        model info it belongs to). Its documents are saved now; the repo is applied again
        with its card in a batch of CARD_BATCH, or when the crawl closes."""
        source, repo_id = item["source"], item["repo_id"]
        self.counts[source]["items"] += 1
        if item.get("info_body") is not None:
            save_document(
                session,
                url=item["info_url"],
                source=source,
                kind="hf_model_info",
                status=200,
                body=item["info_body"],
                repo_id=repo_id,
                normalized_with=document_ruleset("hub"),
            )
        save_document(
            session,
            url=item["card_url"],
            source=source,
            kind="hf_card",
            status=item["card_status"],
            body=item["card_body"],
            repo_id=repo_id,
        )
        # A repo without a README ("" here) is done too: it is not asked for again.
        card = _text(item["card_body"]) or ""
        pending = self.cards_pending[(source, item.get("role", "original"))]
        pending.append((item["info"], card, item["info_url"]))
        if len(pending) >= CARD_BATCH:
            self._apply_cards(session, source, item.get("role", "original"))

    def _apply_cards(self, session: Session, source: str, role: str) -> None:
        pending = self.cards_pending.pop((source, role), [])
        if not pending:
            return
        entries = [info for info, _, _ in pending]
        cards = {info["id"]: card for info, card, _ in pending}
        urls = {info["id"]: url for info, _, url in pending}
        url = pending[0][2]
        try:
            args = (source, role, url, self.rules)
            results = [
                retrying(session, lambda: apply_page(session, entries, *args, True, cards, urls))
            ]
        except Exception as exc:
            log.warning("cards: batch failed (%s: %s); one at a time", type(exc).__name__, exc)
            results = []
            for info in entries:
                one = {info["id"]: cards[info["id"]]}
                results.append(
                    self._apply_alone(
                        session, info, source, role, urls[info["id"]], cards=one, force=True
                    )
                )
        for result in results:
            self.pending_errors += [
                (source, urls.get(repo, url), why) for repo, why in result.errors
            ]
            self.counts[source]["cards"] += result.applied
            self.created[source] |= result.created
            self.changed[source] |= result.changed

    def _flush_cards(self) -> None:
        """READMEs still waiting for their batch, applied before the runs are closed."""
        for source, role in list(self.cards_pending):
            self.pending_errors = []
            try:
                with self._write_session() as session:
                    self._apply_cards(session, source, role)
                    session.commit()
                for error in self.pending_errors:
                    self._error(*error)
            except Exception as exc:
                log.exception("could not store the READMEs of %s", source)
                self._error(source, "?", f"{type(exc).__name__}: {exc}")

    # -- feeds ---------------------------------------------------------------------------
    def _feed_org(self, source: str) -> str | None:
        feed = getattr(self.spider, "feed_sources", {}).get(source)
        return feed.org if feed else None

    def _resolve_entry(self, session: Session, source: str, item: Any) -> None:
        # Ids only grow, so one max() tells new candidates from old ones without reading
        # every candidate id for each entry.
        newest_before = session.exec(select(func.max(Candidate.id))).one() or 0
        ids = judge_entry(
            session, item, self._feed_org(source), f"crawler:{source}", self.derivative_orgs
        )
        for cid in ids:
            (self.created if cid > newest_before else self.changed)[source].add(cid)

    def _recount(self) -> None:
        """The run's new and updated candidate counts, once at the end (a union over the
        run's candidates per page would grow with the backfill); one created anywhere is
        not 'updated'."""
        created_anywhere = set().union(*self.created.values())
        for source in set(self.created) | set(self.changed):
            counts = self.counts[source]
            counts["new_candidates"] = len(self.created[source])
            counts["updated_candidates"] = len(self.changed[source] - created_anywhere)

    def _on_feed(self, session: Session, item: dict) -> None:
        source = item["source"]
        self.counts[source]["items"] += 1
        broken = item.get("error")
        save_document(
            session,
            url=item["url"],
            source=source,
            kind=item.get("doc_kind") or "feed",
            status=item["status"],
            body=item["body"],
            # A broken feed keeps no validators: it is read again, and fails again, until fixed.
            etag=None if broken else item.get("etag"),
            last_modified=None if broken else item.get("last_modified"),
            error=broken,
        )
        announce.save_entries(session, source, item["entries"])
        self._websub(session, source, item)
        if broken:
            session.commit()
            self._error(source, item["url"], broken)
        if item.get("warning"):
            log.warning("%s: feed parsed with a problem: %s", item["url"], item["warning"])
        # Entries whose page will not be fetched are judged on what the feed says.
        waiting = set(item.get("followed") or [])
        for key in item.get("fresh") or []:
            if key not in waiting:
                entry = announce.entry(session, source, key)
                if entry is not None:
                    self._resolve_entry(session, source, entry)

    def _websub(self, session: Session, source: str, item: dict) -> None:
        """A pushed copy is marked read with the entries it brought; a polled one says
        whether the feed advertises a WebSub hub (a push may be a partial feed, and says
        nothing about that)."""
        if item.get("pushed"):
            websub.mark_processed(session, [item["pushed"]], self.run_ids.get(source))
        elif item.get("doc_kind", "feed") == "feed":
            if item.get("websub"):
                websub.discovered(session, source, item["websub"]["topic"], item["websub"]["hub"])
            else:
                websub.forget(session, source)

    def _on_page(self, session: Session, item: dict) -> None:
        source = item["source"]
        self.counts[source]["items"] += 1
        save_document(
            session,
            url=item["url"],
            source=source,
            kind="page",
            status=item["status"],
            body=item["body"],
        )
        entry = announce.entry(session, source, item["entry_key"])
        if entry is None:
            raise ValueError(f"page of an unknown entry {item['entry_key']!r}")
        announce.attach_page(session, entry, item["page"])
        self._resolve_entry(session, source, entry)

    # -- pricing -------------------------------------------------------------------------
    def _on_pricing(self, session: Session, item: dict) -> None:
        source = item["source"]
        counts = self.counts[source]
        counts["items"] += 1
        save_document(
            session,
            url=item["url"],
            source=source,
            kind="pricing",
            status=item["status"],
            body=item["body"],
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            normalized_with=document_ruleset("prices"),
        )
        joined = prices.save_prices(session, source, item["url"], item["models"])
        for cid in joined:
            if refresh_candidate(session, cid, actor=f"crawler:{source}"):
                self.changed[source].add(cid)
