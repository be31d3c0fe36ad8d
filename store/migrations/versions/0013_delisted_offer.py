"""delisted offers: the catalog entries a release lost when their catalog stopped listing
them, so their price periods stay the release's history (issue 20)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _str(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "delisted_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("source", _str(200), nullable=False),
        sa.Column("model_id", _str(300), nullable=False),
        sa.Column("delisted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "source", "model_id", name="uq_delisted_offer"),
    )
    op.create_index("ix_delisted_offer_candidate_id", "delisted_offer", ["candidate_id"])


def downgrade() -> None:
    op.drop_index("ix_delisted_offer_candidate_id", table_name="delisted_offer")
    op.drop_table("delisted_offer")
