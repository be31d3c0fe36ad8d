"""price history: every price a catalog entry stated, with the period it held (issue 20)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.String(length=300), nullable=False),
        sa.Column("pricing", sa.JSON(), nullable=True),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("valid_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("valid_to", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_price_history_entry", "price_history", ["source", "model_id"])
    op.create_index(
        "uq_price_history_open",
        "price_history",
        ["source", "model_id"],
        unique=True,
        sqlite_where=sa.text("valid_to IS NULL"),
        postgresql_where=sa.text("valid_to IS NULL"),
    )
    # The prices already stored open their periods from when they were read; their offer
    # identity comes with the next read of the catalog (store.prices reads both shapes).
    op.execute(
        "INSERT INTO price_history (source, model_id, pricing, source_url, valid_from) "
        "SELECT source, model_id, pricing, source_url, seen_at FROM provider_price"
    )


def downgrade() -> None:
    op.drop_table("price_history")
