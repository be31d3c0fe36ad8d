"""feeds, pricing sources, notability and draft fields (issue 4)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notable", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("notability", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_candidate_notable"), ["notable"], unique=False)
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trending_score", sa.Float(), nullable=True))
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("page_description", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.create_table(
        "provider_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("hf_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("pricing", sa.JSON(), nullable=True),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("snippet", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "model_id", name="uq_provider_price"),
    )
    with op.batch_alter_table("provider_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_price_hf_key"), ["hf_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provider_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_price_hf_key"))
    op.drop_table("provider_price")
    with op.batch_alter_table("feed_entry", schema=None) as batch_op:
        batch_op.drop_column("page_description")
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_column("trending_score")
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_notable"))
        batch_op.drop_column("notability")
        batch_op.drop_column("notable")
