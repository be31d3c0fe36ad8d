"""feeds, pricing sources, notability and draft fields (issue 4)

Revision ID: 0003
Revises: 0002
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved for issue 4's schema changes (filled in by that work); nothing yet.
    pass


def downgrade() -> None:
    pass
