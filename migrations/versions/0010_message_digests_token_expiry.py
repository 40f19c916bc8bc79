"""Message e-mails as digests (message_digests) and API tokens that expire (api_tokens.expires_at)

Tokens that exist already get 90 days from the upgrade, the default life of a new token, so
that no client stops working at the upgrade without warning.

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-03 11:40:00.000000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKENS_LIFE = dt.timedelta(days=90)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'message_digests',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('docking_id', sa.Integer(), nullable=False),
        sa.Column('pending_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_message_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['docking_id'], ['dockings.id'],
                                name=op.f('fk_message_digests_docking_id_dockings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_message_digests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'docking_id', name=op.f('pk_message_digests')),
    )
    op.create_index('ix_message_digests_pending_since', 'message_digests', ['pending_since'],
                    unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    expires = dt.datetime.now(dt.UTC) + EXISTING_TOKENS_LIFE
    if conn.dialect.name == 'sqlite':
        expires = expires.replace(tzinfo=None)
    conn.execute(sa.text("UPDATE api_tokens SET expires_at = :expires"), {"expires": expires})
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    op.drop_index('ix_message_digests_pending_since', table_name='message_digests')
    op.drop_table('message_digests')
