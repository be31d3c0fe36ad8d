"""models stored and cards fetched per crawl run (issue 7: the Hub is applied per page)

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("models", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("cards", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("crawl_run", schema=None) as batch_op:
        batch_op.drop_column("cards")
        batch_op.drop_column("models")
