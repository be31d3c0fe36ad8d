"""an entry is seen once judged; runs count their rate-limit waits and know their host (issue 17)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_entry") as batch:
        batch.add_column(sa.Column("judged_hash", sa.String(length=64), nullable=True))
    # Entries judged before this revision were judged on their content of the time.
    op.execute("UPDATE feed_entry SET judged_hash = content_hash WHERE relevant IS NOT NULL")
    with op.batch_alter_table("crawl_run") as batch:
        batch.add_column(sa.Column("rate_limited", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("waited_s", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run") as batch:
        batch.drop_column("host")
        batch.drop_column("waited_s")
        batch.drop_column("rate_limited")
    with op.batch_alter_table("feed_entry") as batch:
        batch.drop_column("judged_hash")
