"""The store's tables.

Owns the database shape: raw documents, candidates (one per release), variants (one per
Hub repo), observations (one value of one field from one source, with its evidence),
crawl runs and their errors, per-source state (watermarks, validators, health) and the
history of every change. It does not parse, fetch or decide anything.

Natural keys (unique constraints) are what the upserts in `store.upsert` conflict on, so
two crawl processes writing the same thing at once converge instead of duplicating.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

CANDIDATE_STATUSES = ("new", "accepted", "rejected", "duplicate", "snoozed")


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_column(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kwargs))


class Document(SQLModel, table=True):
    """The latest raw response for one URL, kept so `renormalize` needs no re-crawl."""

    __tablename__ = "document"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, max_length=2048)
    source: str = Field(index=True, max_length=200)
    kind: str = Field(max_length=40)  # hf_listing | hf_model_info | hf_card | feed | page | pricing
    repo_id: str | None = Field(default=None, index=True, max_length=300)
    fetched_at: datetime = Field(default_factory=utcnow)
    status: int = 0  # HTTP status of the last fetch (0 = no response)
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    content_hash: str | None = Field(default=None, max_length=64)
    content_type: str | None = Field(default=None, max_length=200)
    size: int = 0
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # zlib-compressed
    error: str | None = None  # why this document could not be used (parse error, size, ...)
    # The ruleset its observations were read with (normalize.versions.document_ruleset);
    # None: before rulesets were recorded, or a document no extractor reads on its own.
    normalized_with: str | None = Field(default=None, max_length=64)


class Candidate(SQLModel, table=True):
    """One release as an editor sees it: several repos and sources, one queue entry."""

    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("org", "family_key", name="uq_candidate_release"),)
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=200)
    name: str = Field(max_length=300)
    vendor: str | None = Field(default=None, max_length=200)
    org: str = Field(max_length=200)
    family: str = Field(max_length=300)
    family_key: str = Field(max_length=300)
    status: str = Field(default="new", index=True, max_length=20)
    status_reason: str | None = None
    queued_reason: str | None = None
    first_seen: datetime = Field(default_factory=utcnow)
    announced_at: datetime | None = None
    # Indexed: publication (store.publish) follows candidates changed since its last pass.
    updated_at: datetime = Field(default_factory=utcnow, index=True)
    snoozed_until: datetime | None = None
    duplicate_of: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    # Current resolved values, derived from observations (most trusted source wins).
    fields: dict | None = json_column()
    conflicts: list | None = json_column()
    # Values an editor set; crawls never overwrite these.
    overrides: dict | None = json_column()
    # The derived value of each overridden field when the editor set it: a crawl that later
    # derives something else shows as a conflict instead of being silently ignored.
    override_basis: dict | None = json_column()
    # Notability (store.notability): False holds a candidate out of the queue, e.g. a repo
    # of a watched org below every threshold; `notability` says why either way.
    notable: bool = Field(default=True, index=True)
    notability: str | None = None


class Variant(SQLModel, table=True):
    """One Hub repo: a size, an -it/-pt flavour, a quantization or a derivative."""

    __tablename__ = "variant"
    # A release's derivatives are counted on every page that adds some (`derivative_counts`):
    # with `is_derivative` in the index the count reads the index alone, not one table row per
    # derivative (19k rows for a popular base at 1M models). It also serves lookups by
    # candidate_id alone.
    # The claims a crawl holds are few (at most its card budget) and released at its close:
    # a partial index finds them without scanning a million variants.
    __table_args__ = (
        Index("ix_variant_candidate_derivative", "candidate_id", "is_derivative"),
        Index(
            "ix_variant_card_run_id",
            "card_run_id",
            postgresql_where=text("card_run_id IS NOT NULL"),
            sqlite_where=text("card_run_id IS NOT NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    repo_id: str = Field(unique=True, max_length=300)
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id")
    source: str = Field(max_length=200)
    org: str = Field(index=True, max_length=200)
    family_key: str | None = Field(default=None, max_length=300)
    size_label: str | None = Field(default=None, max_length=60)
    flavour: str | None = Field(default=None, max_length=40)  # instruct | base | None
    total_params: float | None = None
    active_params: float | None = None
    params_method: str | None = Field(default=None, max_length=20)
    license_id: str | None = Field(default=None, max_length=200)
    is_quantized: bool = False
    is_derivative: bool = False
    relation: str | None = Field(default=None, max_length=40)  # quantized|finetune|adapter|merge
    base_model: str | None = Field(default=None, index=True, max_length=300)
    created_at: datetime | None = None
    last_modified: datetime | None = None
    sha: str | None = Field(default=None, max_length=64)  # from the listing
    info_sha: str | None = Field(default=None, max_length=64)  # sha whose details are stored
    likes: int | None = None
    downloads: int | None = None
    trending_score: float | None = None
    gated: str | None = Field(default=None, max_length=20)
    pipeline_tag: str | None = Field(default=None, max_length=100)
    library_name: str | None = Field(default=None, max_length=100)
    seen_at: datetime = Field(default_factory=utcnow)
    # Which live crawl run is fetching this repo's card, and since when (store.card_claims).
    card_run_id: int | None = None
    card_claimed_at: datetime | None = None


class Observation(SQLModel, table=True):
    """One value of one field, from one source, with the evidence behind it."""

    __tablename__ = "observation"
    __table_args__ = (
        UniqueConstraint("candidate_id", "field", "subject", "extractor", name="uq_observation"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    field: str = Field(max_length=60)
    subject: str = Field(max_length=300)  # the repo id or URL the value is about
    extractor: str = Field(max_length=80)
    value: Any = json_column()
    source_url: str = Field(max_length=2048)
    snippet: str | None = None
    extractor_version: str = Field(default="1", max_length=20)
    trust: int = 0  # higher wins when sources disagree
    seen_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """History: every change to a candidate, by the crawler or an editor."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_candidate_at", "candidate_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id")
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)  # "crawler:<source>" or "editor:<name>"
    action: str = Field(max_length=40)  # created | field | status | variant | override
    editor: str | None = Field(default=None, index=True, max_length=100)  # who, for editors
    field: str | None = Field(default=None, max_length=60)
    old: Any = json_column()
    new: Any = json_column()


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_run"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=200)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=20)  # running|ok|partial|failed|killed
    pid: int | None = None
    host: str | None = Field(default=None, max_length=255)  # where `pid` ran
    requests: int = 0
    not_modified: int = 0
    bytes: int = 0
    items: int = 0
    models: int = 0  # Hub models stored or updated (a listing page holds up to 1,000)
    cards: int = 0  # READMEs fetched for queued releases
    new_candidates: int = 0
    updated_candidates: int = 0
    errors: int = 0
    rate_limited: int = 0  # 429 answers
    waited_s: int = 0  # seconds the servers asked to wait, in all
    # The latest time a 429/503 `Retry-After` (or `RateLimit` t=) asked the run to come back
    # at: the next check is not earlier (store.cadence).
    retry_after_until: datetime | None = None
    message: str | None = None


class CrawlError(SQLModel, table=True):
    __tablename__ = "crawl_error"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="crawl_run.id", index=True)
    source: str = Field(max_length=200)
    url: str = Field(max_length=2048)
    reason: str
    at: datetime = Field(default_factory=utcnow)


class SourceState(SQLModel, table=True):
    """What a source remembers between runs; written only after the run's data is committed."""

    __tablename__ = "source_state"
    source: str = Field(primary_key=True, max_length=200)
    watermark: str | None = Field(default=None, max_length=100)
    last_run_id: int | None = None
    last_success_at: datetime | None = None
    consecutive_errors: int = 0
    last_error: str | None = None


class FeedEntry(SQLModel, table=True):
    """One entry of one feed, with what its article page said and whether it is news."""

    __tablename__ = "feed_entry"
    __table_args__ = (UniqueConstraint("source", "entry_key", name="uq_feed_entry"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200, index=True)
    entry_key: str = Field(max_length=1000)
    title: str | None = None
    link: str | None = Field(default=None, max_length=2048)
    published_at: datetime | None = None
    author: str | None = Field(default=None, max_length=200)
    summary: str | None = None
    content_hash: str | None = Field(default=None, max_length=64)
    # content_hash when the entry was last judged, committed with its page or its verdict:
    # an entry counts as seen only then (a run killed before leaves it fresh for the next)
    judged_hash: str | None = Field(default=None, max_length=64)
    # The ruleset it was last judged and read with (normalize.versions.document_ruleset).
    normalized_with: str | None = Field(default=None, max_length=64)
    page_url: str | None = Field(default=None, max_length=2048)
    page_title: str | None = None
    page_text: str | None = None
    page_description: str | None = None  # og:/twitter: description or JSON-LD's
    hub_repos: list | None = json_column()
    relevant: bool | None = None
    relevance_score: int | None = None
    relevance_reason: str | None = None
    candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    first_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Tool(SQLModel, table=True):
    """A published record: an accepted candidate as downstream sites read it (`web.api`).

    Kept by `store.publish`, never by the crawler. The filter columns are copies of values in
    `record`, indexed with `id` so each API filter is one keyset range scan.
    """

    __tablename__ = "tool"
    __table_args__ = (
        Index("ix_tool_vendor_key_id", "vendor_key", "id"),
        Index("ix_tool_license_key_id", "license_key", "id"),
        Index("ix_tool_commercial_use_id", "commercial_use", "id"),
        Index("ix_tool_updated_at_id", "updated_at", "id"),
        Index("ix_tool_published_at_id", "published_at", "id"),
        Index("ix_tool_params_min", "params_min"),
        Index("ix_tool_params_max", "params_max"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", unique=True)
    slug: str = Field(unique=True, max_length=200)
    vendor_key: str | None = Field(default=None, max_length=200)  # lower-cased
    license_key: str | None = Field(default=None, max_length=200)  # lower-cased license id
    commercial_use: bool | None = None
    params_min: float | None = None
    params_max: float | None = None
    published_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Newest `updated_at` of the candidate (and its duplicates) this record was built from.
    source_updated_at: datetime = Field(default_factory=utcnow)
    record_hash: str = Field(max_length=64)
    record: dict | None = json_column()


class ToolChange(SQLModel, table=True):
    """Field-level changes of published records, in order: `/api/changes` replays them."""

    __tablename__ = "tool_change"
    id: int | None = Field(default=None, primary_key=True)  # the sync cursor
    slug: str = Field(index=True, max_length=200)
    at: datetime = Field(default_factory=utcnow, index=True)
    action: str = Field(max_length=20)  # publish | set | delete
    field: str | None = Field(default=None, max_length=60)
    value: Any = json_column()


class ProviderPrice(SQLModel, table=True):
    """One provider's price of one model (an OpenRouter `/api/v1/models` entry), kept so a
    Hub repo that appears after the price was read still gets it (joined by `hf_key`)."""

    __tablename__ = "provider_price"
    __table_args__ = (UniqueConstraint("source", "model_id", name="uq_provider_price"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)  # "pricing:openrouter"
    model_id: str = Field(max_length=300)  # the provider's id, e.g. "qwen/qwen3-8b"
    hf_key: str | None = Field(default=None, index=True, max_length=300)  # lower-cased HF repo id
    name: str | None = Field(default=None, max_length=300)
    pricing: dict | None = json_column()  # normalize.pricing.Pricing.to_json(), no evidence
    source_url: str = Field(max_length=2048)
    snippet: str | None = None
    content_hash: str | None = Field(default=None, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow)


class PriceHistory(SQLModel, table=True):
    """The prices one catalog entry stated, one row per period they held: `provider_price`
    keeps the entry as last read, this keeps every price it had (`/api/tools/{slug}/prices`).

    A period is open (`valid_to` NULL) while the catalog still states that price; a new
    price closes it and opens the next. At most one period of an entry is open: two crawls
    of the same catalog at once open it once (the partial unique index)."""

    __tablename__ = "price_history"
    __table_args__ = (
        Index("ix_price_history_entry", "source", "model_id"),
        Index(
            "uq_price_history_open",
            "source",
            "model_id",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)  # "pricing:litellm"
    model_id: str = Field(max_length=300)  # the catalog's id, as provider_price.model_id
    pricing: dict | None = json_column()  # the offer's identity and price fields
    source_url: str = Field(max_length=2048)
    valid_from: datetime = Field(default_factory=utcnow)
    valid_to: datetime | None = None


class HookDelivery(SQLModel, table=True):
    """One push delivery (a Hugging Face Hub webhook), kept until the scheduler has acted.

    `digest` is the SHA-256 of the body as delivered: the Hub's replays and a retried
    delivery are the same bytes, and are stored once."""

    __tablename__ = "hook_delivery"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    scope: str = Field(max_length=100)
    action: str = Field(max_length=50)
    repo: str = Field(max_length=300)  # "org/name" of the repo the event is about
    org: str = Field(max_length=200, index=True)
    head_sha: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=20, index=True)  # pending|crawled|ignored
    note: str | None = Field(default=None, max_length=500)
    handled_at: datetime | None = None


class WebSubSubscription(SQLModel, table=True):
    """One feed's WebSub subscription (W3C WebSub): its hub, topic and lease, and why not.

    `token` names the callback (`{TOOLSCOUT_PUBLIC_URL}/hooks/websub/{token}`) and `secret`
    keys the hub's HMAC signatures; both are random per subscription. `state` is
    discovered | requested | active | failed | expired; `requested_at` is set while a
    subscribe request (a first one or a renewal) waits for the hub's verification."""

    __tablename__ = "websub_subscription"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(unique=True, max_length=200)
    topic: str = Field(max_length=2048)
    hub: str = Field(max_length=2048)
    token: str = Field(unique=True, max_length=64)
    secret: str = Field(max_length=128)
    state: str = Field(default="discovered", max_length=20)
    requested_at: datetime | None = None
    verified_at: datetime | None = None
    lease_seconds: int | None = None
    lease_expires_at: datetime | None = None
    failures: int = 0  # failed subscribe attempts in a row: the retry backoff's exponent
    failed_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    last_delivery_at: datetime | None = None
    deliveries: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class WebSubDelivery(SQLModel, table=True):
    """A feed document a hub pushed, signature checked, waiting for (or done by) the
    source's crawl, which reads it as a polled copy. `digest` (SHA-256 of the body) makes a
    replayed delivery a duplicate of its source."""

    __tablename__ = "websub_delivery"
    __table_args__ = (UniqueConstraint("source", "digest", name="uq_websub_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True, max_length=200)
    digest: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow)
    content_type: str | None = Field(default=None, max_length=200)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # zlib-compressed
    size: int = 0
    status: str = Field(default="pending", max_length=20, index=True)  # pending|processed
    processed_at: datetime | None = None
    run_id: int | None = None


class ToolId(SQLModel, table=True):
    """One id of the id map (`store.ids`): a published record's id in one catalog, looked up
    by `GET /api/ids`. Rewritten with the record (`store.publish`), so it holds exactly what
    the published `ids` say; `key` is the id lower-cased, as the Hub compares repo ids."""

    __tablename__ = "tool_id"
    __table_args__ = (
        UniqueConstraint("catalog", "key", "candidate_id", name="uq_tool_id"),
        Index("ix_tool_id_candidate", "candidate_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id")  # the published candidate
    catalog: str = Field(max_length=20)  # huggingface | openrouter | models_dev | litellm
    external_id: str = Field(max_length=300)  # as the catalog writes it
    key: str = Field(max_length=300)  # lower-cased


class DelistedOffer(SQLModel, table=True):
    """A catalog entry that was an offer of a release when its catalog stopped listing it
    (`store.prices.drop_unlisted`): the offer has left the record, its price periods are
    still the release's history (`/api/tools/{slug}/prices`)."""

    __tablename__ = "delisted_offer"
    __table_args__ = (
        UniqueConstraint("candidate_id", "source", "model_id", name="uq_delisted_offer"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    source: str = Field(max_length=200)  # the price source, "pricing:litellm"
    model_id: str = Field(max_length=300)  # the catalog's id of the entry
    delisted_at: datetime = Field(default_factory=utcnow)  # the read that no longer listed it


class IdLink(SQLModel, table=True):
    """An editor's answer to a suggested catalog entry (`store.ids`): a catalog entry joined
    to a release by vendor and name only. Confirmed, its prices and id join the release
    (`store.prices`); rejected, it is never suggested for that release again."""

    __tablename__ = "id_link"
    __table_args__ = (
        UniqueConstraint("candidate_id", "source", "model_id", name="uq_id_link"),
        Index("ix_id_link_source_model", "source", "model_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    source: str = Field(max_length=200)  # the price source, "pricing:litellm"
    model_id: str = Field(max_length=300)  # the catalog's id of the entry
    decision: str = Field(max_length=20)  # confirmed | rejected
    score: float | None = None  # the suggestion's score when it was decided
    editor: str | None = Field(default=None, max_length=100)
    decided_at: datetime = Field(default_factory=utcnow)
