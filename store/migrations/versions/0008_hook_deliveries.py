"""push deliveries (Hub webhooks) waiting for the scheduler (issue 21)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hook_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("digest", sa.String(length=64), nullable=False, unique=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("repo", sa.String(length=300), nullable=False),
        sa.Column("org", sa.String(length=200), nullable=False),
        sa.Column("head_sha", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_hook_delivery_received_at", "hook_delivery", ["received_at"])
    op.create_index("ix_hook_delivery_org", "hook_delivery", ["org"])
    op.create_index("ix_hook_delivery_status", "hook_delivery", ["status"])


def downgrade() -> None:
    op.drop_table("hook_delivery")
