"""card claims: which live crawl run is fetching a repo's card (store.card_claims), so
writers on several hosts do not fetch one card twice

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: nobody holds the card; a new column on SQLite is added in place, not copied.
    with op.batch_alter_table("variant") as batch:
        batch.add_column(sa.Column("card_run_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("card_claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    # Partial: only the few rows a crawl holds are in it (store.models.Variant).
    claimed = sa.text("card_run_id IS NOT NULL")
    op.create_index(
        "ix_variant_card_run_id",
        "variant",
        ["card_run_id"],
        postgresql_where=claimed,
        sqlite_where=claimed,
    )


def downgrade() -> None:
    op.drop_index("ix_variant_card_run_id", table_name="variant")
    with op.batch_alter_table("variant") as batch:
        batch.drop_column("card_claimed_at")
        batch.drop_column("card_run_id")
