"""Attachments: files on needs, results and solutions (the bytes stay on disk, under
ATTACHMENT_DIR; the table holds the name, detected type, size, hash and confidentiality)

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-03 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OWNER = ("(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END)"
             " + (CASE WHEN result_id IS NULL THEN 0 ELSE 1 END)"
             " + (CASE WHEN solution_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('need_id', sa.Integer(), nullable=True),
        sa.Column('result_id', sa.Integer(), nullable=True),
        sa.Column('solution_id', sa.Integer(), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('uploader_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.Text(), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('confidential', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_OWNER, name=op.f('ck_attachments_one_owner')),
        sa.CheckConstraint('size >= 0', name=op.f('ck_attachments_size_not_negative')),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_attachments_need_id_needs'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_attachments_organization_id_organizations')),
        sa.ForeignKeyConstraint(['result_id'], ['results.id'],
                                name=op.f('fk_attachments_result_id_results'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'],
                                name=op.f('fk_attachments_solution_id_solutions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploader_id'], ['users.id'],
                                name=op.f('fk_attachments_uploader_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key')),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        for column in ('need_id', 'result_id', 'solution_id', 'organization_id'):
            batch_op.create_index(batch_op.f(f'ix_attachments_{column}'), [column], unique=False)


def downgrade() -> None:
    """Revert this revision (the files under ATTACHMENT_DIR are left where they are)."""
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        for column in ('organization_id', 'solution_id', 'result_id', 'need_id'):
            batch_op.drop_index(batch_op.f(f'ix_attachments_{column}'))
    op.drop_table('attachments')
