"""editor overrides, audit and published records (issue 6)

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_basis", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_candidate_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_duplicate_of"), ["duplicate_of"], unique=False)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("editor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_event_editor"), ["editor"], unique=False)

    op.create_table(
        "tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("vendor_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("license_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("commercial_use", sa.Boolean(), nullable=True),
        sa.Column("params_min", sa.Float(), nullable=True),
        sa.Column("params_max", sa.Float(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("source_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["candidate_id"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("candidate_id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("tool", schema=None) as batch_op:
        # Every API filter is an equality or range plus `ORDER BY id`: (column, id) indexes
        # make each page one keyset range scan, at any table size.
        batch_op.create_index("ix_tool_vendor_key_id", ["vendor_key", "id"], unique=False)
        batch_op.create_index("ix_tool_license_key_id", ["license_key", "id"], unique=False)
        batch_op.create_index("ix_tool_commercial_use_id", ["commercial_use", "id"], unique=False)
        batch_op.create_index("ix_tool_updated_at_id", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_tool_published_at_id", ["published_at", "id"], unique=False)
        batch_op.create_index("ix_tool_params_min", ["params_min"], unique=False)
        batch_op.create_index("ix_tool_params_max", ["params_max"], unique=False)

    op.create_table(
        "tool_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tool_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_change_slug"), ["slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_tool_change_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tool_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_change_at"))
        batch_op.drop_index(batch_op.f("ix_tool_change_slug"))
    op.drop_table("tool_change")
    with op.batch_alter_table("tool", schema=None) as batch_op:
        for name in (
            "ix_tool_params_max",
            "ix_tool_params_min",
            "ix_tool_published_at_id",
            "ix_tool_updated_at_id",
            "ix_tool_commercial_use_id",
            "ix_tool_license_key_id",
            "ix_tool_vendor_key_id",
        ):
            batch_op.drop_index(name)
    op.drop_table("tool")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_editor"))
        batch_op.drop_column("editor")
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_duplicate_of"))
        batch_op.drop_index(batch_op.f("ix_candidate_updated_at"))
        batch_op.drop_column("override_basis")
