"""the id map: published ids per catalog (tool_id) and editors' answers to suggested
catalog entries (id_link) (issue 20)

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _str(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "tool_id",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("catalog", _str(20), nullable=False),
        sa.Column("external_id", _str(300), nullable=False),
        sa.Column("key", _str(300), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("catalog", "key", "candidate_id", name="uq_tool_id"),
    )
    op.create_index("ix_tool_id_candidate", "tool_id", ["candidate_id"])
    op.create_table(
        "id_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("source", _str(200), nullable=False),
        sa.Column("model_id", _str(300), nullable=False),
        sa.Column("decision", _str(20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("editor", _str(100), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id", "source", "model_id", name="uq_id_link"),
    )
    op.create_index("ix_id_link_candidate_id", "id_link", ["candidate_id"])
    op.create_index("ix_id_link_source_model", "id_link", ["source", "model_id"])


def downgrade() -> None:
    op.drop_index("ix_id_link_source_model", table_name="id_link")
    op.drop_index("ix_id_link_candidate_id", table_name="id_link")
    op.drop_table("id_link")
    op.drop_index("ix_tool_id_candidate", table_name="tool_id")
    op.drop_table("tool_id")
