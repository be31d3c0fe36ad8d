"""editor overrides, sessions and audit (issue 6)

Revision ID: 0004
Revises: 0003
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved for issue 6's schema changes (filled in by that work); nothing yet.
    pass


def downgrade() -> None:
    pass
