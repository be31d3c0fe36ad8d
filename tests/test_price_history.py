"""Price history in the store (store.prices.record_history, migration 0011), on SQLite and
PostgreSQL: a period per price an entry stated, nothing written for an unchanged read,
one open period per entry, and the prices stored before the migration carried over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import insert
from sqlmodel import Session, select

from store.db import alembic_config, make_engine, upgrade
from store.models import PriceHistory, ProviderPrice
from store.prices import save_prices

URL = "https://catalog.test/model_prices_and_context_window.json"
SOURCE = "pricing:litellm"


GEMMA = "deepinfra/google/gemma-3-27b-it"
LLAMA = "deepinfra/meta-llama/Llama-3.3-70B-Instruct"
PAGE_2 = "https://catalog.test/model_prices_and_context_window.json?page=2"


def entry(input_cost: float | None, key: str = GEMMA, **extra) -> dict:
    """A LiteLLM entry (DeepInfra's Gemma 3 27B unless `key` says) as models_of yields it;
    without prices when `input_cost` is None."""
    prices = (
        {}
        if input_cost is None
        else {"input_cost_per_token": input_cost, "output_cost_per_token": 1.7e-07}
    )
    return {
        **prices,
        "litellm_provider": "deepinfra",
        "max_input_tokens": 131072,
        "mode": "chat",
        **extra,
        "id": key,
        "_catalog": "litellm",
        "_model": key,
    }


def periods(engine) -> list[tuple[float, bool]]:
    with Session(engine) as s:
        rows = s.exec(select(PriceHistory).order_by(PriceHistory.id)).all()
    return [(r.pricing["input_usd_per_mtok"], r.valid_to is None) for r in rows]


def save(engine, *models: dict, url: str = URL) -> None:
    with Session(engine) as s:
        save_prices(s, SOURCE, url, list(models))
        s.commit()


# (the reads in order, the periods after them: (input price, still open))
READS = [
    ([9e-08], [(0.09, True)]),
    ([9e-08, 9e-08], [(0.09, True)]),  # unchanged: nothing written
    ([9e-08, 1e-07], [(0.09, False), (0.1, True)]),
    ([9e-08, 1e-07, 9e-08], [(0.09, False), (0.1, False), (0.09, True)]),  # back again
]


def test_one_period_per_price(engine):
    for reads, expected in READS:
        with Session(engine) as s:
            s.execute(PriceHistory.__table__.delete())
            s.commit()
        for price in reads:
            save(engine, entry(price))
        assert periods(engine) == expected


def test_a_change_of_anything_but_the_price_opens_no_period(engine):
    save(engine, entry(9e-08))
    save(engine, entry(9e-08, max_input_tokens=65536, deprecation_date="2026-01-01"))
    assert periods(engine) == [(0.09, True)]
    with Session(engine) as s:
        stored = s.exec(select(ProviderPrice)).one()
        (period,) = s.exec(select(PriceHistory)).all()
    offer = stored.pricing["offer"]
    assert offer["context_window"] == 65536  # the entry itself is up to date
    assert offer["seen_at"] == period.valid_from.replace(tzinfo=UTC).isoformat()
    assert stored.pricing["lifecycle"]["deprecated_at"] == "2026-01-01"


def test_two_writers_keep_one_open_period(engine):
    # The second writer did not see the first's period when it read (both read "none open"):
    # the partial unique index leaves the second insert out.
    save(engine, entry(9e-08))
    with Session(engine) as s:
        row = s.exec(select(PriceHistory)).one()
        from store.upsert import insert_new

        insert_new(
            s,
            PriceHistory.__table__,
            [
                {
                    "source": row.source,
                    "model_id": row.model_id,
                    "pricing": row.pricing,
                    "source_url": row.source_url,
                    "valid_from": datetime.now(UTC),
                    "valid_to": None,
                }
            ],
        )
        s.commit()
    assert periods(engine) == [(0.09, True)]


def test_prices_stored_before_the_migration_open_their_periods(db_url):
    engine = make_engine(db_url)
    try:
        cfg = alembic_config(db_url)
        command.upgrade(cfg, "0009")
        seen = datetime(2025, 6, 1, 8, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(ProviderPrice.__table__),
                [
                    {
                        "source": SOURCE,
                        "model_id": "deepinfra/google/gemma-3-27b-it",
                        # as rows were stored before offers: no tiers, units or offer
                        "pricing": {
                            "tier": "paid",
                            "input_usd_per_mtok": 0.09,
                            "output_usd_per_mtok": 0.17,
                            "subscription_usd_per_month": None,
                            "catalog": "litellm",
                        },
                        "source_url": f"{URL}#deepinfra/google/gemma-3-27b-it",
                        "seen_at": seen,
                    }
                ],
            )
        upgrade(engine)
        with Session(engine) as s:
            (period,) = s.exec(select(PriceHistory)).all()
        assert period.valid_from.replace(tzinfo=UTC) == seen and period.valid_to is None
        # the same price read again is the same period; its offer holds since then
        save(engine, entry(9e-08))
        assert periods(engine) == [(0.09, True)]
    finally:
        engine.dispose()


# (what the case shows, the reads in order as (document, [(entry, input price)]), the
# periods after them: (entry, input price, still open), the entries still stored)
DROPS = [
    ("an entry the document no longer lists closes its period",
     [(URL, [(GEMMA, 9e-08), (LLAMA, 2.3e-07)]), (URL, [(GEMMA, 9e-08)])],
     [(GEMMA, 0.09, True), (LLAMA, 0.23, False)], [GEMMA]),
    ("listed again, it opens a new one",
     [(URL, [(GEMMA, 9e-08), (LLAMA, 2.3e-07)]), (URL, [(GEMMA, 9e-08)]),
      (URL, [(GEMMA, 9e-08), (LLAMA, 2.3e-07)])],
     [(GEMMA, 0.09, True), (LLAMA, 0.23, False), (LLAMA, 0.23, True)], [GEMMA, LLAMA]),
    ("a document that lists nothing drops nothing",
     [(URL, [(GEMMA, 9e-08), (LLAMA, 2.3e-07)]), (URL, [])],
     [(GEMMA, 0.09, True), (LLAMA, 0.23, True)], [GEMMA, LLAMA]),
    ("another page of the catalog keeps its own entries",
     [(URL, [(GEMMA, 9e-08)]), (PAGE_2, [(LLAMA, 2.3e-07)]), (URL, [(GEMMA, 9e-08)])],
     [(GEMMA, 0.09, True), (LLAMA, 0.23, True)], [GEMMA, LLAMA]),
    ("an entry still listed without a readable price keeps its last one",
     [(URL, [(GEMMA, 9e-08), (LLAMA, 2.3e-07)]), (URL, [(GEMMA, 9e-08), (LLAMA, None)])],
     [(GEMMA, 0.09, True), (LLAMA, 0.23, True)], [GEMMA, LLAMA]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "reads", "expected", "kept"), DROPS, ids=[d[0] for d in DROPS])
def test_an_entry_a_document_drops_closes_its_period(engine, case, reads, expected, kept):
    for url, entries in reads:
        save(engine, *(entry(price, key) for key, price in entries), url=url)
    with Session(engine) as s:
        rows = s.exec(select(PriceHistory).order_by(PriceHistory.model_id, PriceHistory.id))
        got = [(r.model_id, r.pricing["input_usd_per_mtok"], r.valid_to is None) for r in rows]
        stored = sorted(s.exec(select(ProviderPrice.model_id)).all())
    assert (got, stored) == (expected, kept)


def test_the_period_closes_when_the_document_without_it_was_read(engine):
    save(engine, entry(9e-08), entry(2.3e-07, LLAMA))
    save(engine, entry(1e-07))  # Gemma's price changes in the read that drops Llama 3.3
    with Session(engine) as s:
        (llama,) = s.exec(select(PriceHistory).where(PriceHistory.model_id == LLAMA)).all()
        opened = s.exec(
            select(PriceHistory).where(
                PriceHistory.model_id == GEMMA, PriceHistory.valid_to.is_(None)
            )
        ).one()
    assert llama.valid_to == opened.valid_from
