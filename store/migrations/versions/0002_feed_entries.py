"""feed entries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:34:14.703832
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feed_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('entry_key', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('page_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('page_title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('page_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('hub_repos', sa.JSON(), nullable=True),
    sa.Column('relevant', sa.Boolean(), nullable=True),
    sa.Column('relevance_score', sa.Integer(), nullable=True),
    sa.Column('relevance_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('first_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'entry_key', name='uq_feed_entry')
    )
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_entry_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_entry_source'), ['source'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feed_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_entry_source'))
        batch_op.drop_index(batch_op.f('ix_feed_entry_candidate_id'))

    op.drop_table('feed_entry')
