"""documents and feed entries remember the ruleset their observations were read with (issue 18)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op


revision = "0009"
# Chained on 0007 in the branch that added it; the integrator re-chains it after 0008.
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: read before rulesets were recorded, so `renormalize --stale` reads it again.
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("normalized_with", sa.String(length=64), nullable=True))
    with op.batch_alter_table("feed_entry") as batch:
        batch.add_column(sa.Column("normalized_with", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_entry") as batch:
        batch.drop_column("normalized_with")
    with op.batch_alter_table("document") as batch:
        batch.drop_column("normalized_with")
