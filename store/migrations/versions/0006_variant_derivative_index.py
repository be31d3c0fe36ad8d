"""count a release's derivatives from the index alone (issue 7: cost growth at 1M models)

Revision ID: 0006
Revises: 0005
"""

from alembic import op


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The composite index answers every lookup the single-column one did (its prefix).
    op.create_index(
        "ix_variant_candidate_derivative", "variant", ["candidate_id", "is_derivative"]
    )
    op.drop_index("ix_variant_candidate_id", table_name="variant")


def downgrade() -> None:
    op.create_index("ix_variant_candidate_id", "variant", ["candidate_id"])
    op.drop_index("ix_variant_candidate_derivative", table_name="variant")
