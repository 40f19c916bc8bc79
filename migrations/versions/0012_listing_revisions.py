"""Listing revisions (issue 18, item 10): every edit of a need or result once it has been public,
with who, when and each changed field's old and new value (listing_revisions)

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('listing_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('under_deal', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(need_id IS NULL) <> (result_id IS NULL)',
                       name=op.f('ck_listing_revisions_one_listing')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                            name=op.f('fk_listing_revisions_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'],
                            name=op.f('fk_listing_revisions_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'],
                            name=op.f('fk_listing_revisions_result_id_results'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_revisions'))
    )
    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_revisions_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listing_revisions_result_id'), ['result_id'],
                              unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_revisions_result_id'))
        batch_op.drop_index(batch_op.f('ix_listing_revisions_need_id'))
    op.drop_table('listing_revisions')
