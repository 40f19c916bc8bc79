"""Bookmarks (收藏) of needs and results, saved searches with alerts, each user's e-mail digest
frequency and the alerts waiting for it; notifications gain the kind "alert"

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-03 11:29:05.278355
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KINDS = ('suggestion', 'interest', 'solution', 'status', 'message')
CONSTRAINTS = (('notifications', 'ck_notifications_notification_kind'),
               ('notification_preferences', 'ck_notification_preferences_preference_kind'))


def _kinds(kinds: Sequence[str]) -> None:
    """The notification kinds both tables allow."""
    allowed = ", ".join(f"'{k}'" for k in kinds)
    for table, name in CONSTRAINTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_='check')
            batch_op.create_check_constraint(op.f(name), f"kind IN ({allowed})")


def upgrade() -> None:
    """Apply this revision."""
    _kinds((*KINDS, 'alert'))
    op.create_table('alert_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.Enum('immediately', 'daily', 'weekly', 'off', name='digest_frequency', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_alert_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_alert_settings'))
    )
    op.create_table('pending_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_alerts'))
    )
    with op.batch_alter_table('pending_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_pending_alerts_user_id_emailed_at', ['user_id', 'emailed_at'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('needs', 'results', name='search_kind', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('params', sa.String(length=1000), nullable=False),
    sa.Column('alerts', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) >= 1', name=op.f('ck_saved_searches_name_not_blank')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    op.create_table('bookmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(need_id IS NULL) <> (result_id IS NULL)', name=op.f('ck_bookmarks_one_listing')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_bookmarks_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_bookmarks_result_id_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookmarks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmarks')),
    sa.UniqueConstraint('user_id', 'need_id', name=op.f('uq_bookmarks_user_id_need_id')),
    sa.UniqueConstraint('user_id', 'result_id', name=op.f('uq_bookmarks_user_id_result_id'))
    )
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookmarks_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookmarks_result_id'), ['result_id'], unique=False)



def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('bookmarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookmarks_result_id'))
        batch_op.drop_index(batch_op.f('ix_bookmarks_need_id'))

    op.drop_table('bookmarks')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))

    op.drop_table('saved_searches')
    with op.batch_alter_table('pending_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_alerts_user_id_emailed_at')

    op.drop_table('pending_alerts')
    op.drop_table('alert_settings')
    op.execute(sa.text("DELETE FROM notifications WHERE kind = 'alert'"))
    op.execute(sa.text("DELETE FROM notification_preferences WHERE kind = 'alert'"))
    _kinds(KINDS)
