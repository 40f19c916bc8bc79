"""docking workflow: dockings, their events and messages, deals and their corrections,
notifications, the e-mail outbox and notification preferences

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:51:09.842621
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_outbox'))
    )
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_email_outbox_sent_at_id', ['sent_at', 'id'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('suggestion', 'interest', 'solution', 'status', 'message', name='preference_kind', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('in_app', sa.Boolean(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('suggestion', 'interest', 'solution', 'status', 'message', name='notification_kind', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('dockings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('solution_id', sa.Integer(), nullable=True),
    sa.Column('need_org_id', sa.Integer(), nullable=False),
    sa.Column('supply_org_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('suggested', 'interest', 'docked', 'negotiating', 'signed', 'dropped', name='docking_state', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('interest_side', sa.Enum('need', 'supply', name='docking_side', native_enum=False, create_constraint=True, length=14), nullable=True),
    sa.Column('broker_id', sa.Integer(), nullable=True),
    sa.Column('drop_reason', sa.Enum('price', 'tech_mismatch', 'need_solved', 'no_response', 'other', name='drop_reason', native_enum=False, create_constraint=True, length=21), nullable=True),
    sa.Column('drop_note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state <> 'dropped' OR drop_reason IS NOT NULL", name=op.f('ck_dockings_dropped_has_reason')),
    sa.CheckConstraint('(result_id IS NULL) <> (solution_id IS NULL)', name=op.f('ck_dockings_one_supply')),
    sa.ForeignKeyConstraint(['broker_id'], ['users.id'], name=op.f('fk_dockings_broker_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_dockings_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_org_id'], ['organizations.id'], name=op.f('fk_dockings_need_org_id_organizations')),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_dockings_result_id_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_dockings_solution_id_solutions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supply_org_id'], ['organizations.id'], name=op.f('fk_dockings_supply_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dockings')),
    sa.UniqueConstraint('need_id', 'result_id', name=op.f('uq_dockings_need_id_result_id')),
    sa.UniqueConstraint('solution_id', name=op.f('uq_dockings_solution_id'))
    )
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dockings_broker_id'), ['broker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dockings_need_org_id'), ['need_org_id'], unique=False)
        batch_op.create_index('ix_dockings_state_updated_at', ['state', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dockings_supply_org_id'), ['supply_org_id'], unique=False)

    op.create_table('deals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('docking_id', sa.Integer(), nullable=False),
    sa.Column('contract_type', sa.Enum('development', 'transfer', 'license', 'service', 'consulting', name='contract_type', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('contract_number', sa.String(length=60), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_deals_amount_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['docking_id'], ['dockings.id'], name=op.f('fk_deals_docking_id_dockings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deals')),
    sa.UniqueConstraint('docking_id', name=op.f('uq_deals_docking_id'))
    )
    op.create_table('docking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('docking_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.Enum('suggested', 'interest', 'docked', 'negotiating', 'signed', 'dropped', name='event_from_state', native_enum=False, create_constraint=True, length=19), nullable=True),
    sa.Column('to_state', sa.Enum('suggested', 'interest', 'docked', 'negotiating', 'signed', 'dropped', name='event_to_state', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_docking_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['docking_id'], ['dockings.id'], name=op.f('fk_docking_events_docking_id_dockings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docking_events'))
    )
    with op.batch_alter_table('docking_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_docking_events_docking_id'), ['docking_id'], unique=False)

    op.create_table('docking_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('docking_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_note', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_docking_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['docking_id'], ['dockings.id'], name=op.f('fk_docking_messages_docking_id_dockings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docking_messages'))
    )
    with op.batch_alter_table('docking_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_docking_messages_docking_id'), ['docking_id'], unique=False)

    op.create_table('deal_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.String(length=100), nullable=False),
    sa.Column('new_value', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_deal_corrections_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_corrections_deal_id_deals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_corrections'))
    )
    with op.batch_alter_table('deal_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_corrections_deal_id'), ['deal_id'], unique=False)


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table('deal_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_corrections_deal_id'))

    op.drop_table('deal_corrections')
    with op.batch_alter_table('docking_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_docking_messages_docking_id'))

    op.drop_table('docking_messages')
    with op.batch_alter_table('docking_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_docking_events_docking_id'))

    op.drop_table('docking_events')
    op.drop_table('deals')
    with op.batch_alter_table('dockings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dockings_supply_org_id'))
        batch_op.drop_index('ix_dockings_state_updated_at')
        batch_op.drop_index(batch_op.f('ix_dockings_need_org_id'))
        batch_op.drop_index(batch_op.f('ix_dockings_broker_id'))

    op.drop_table('dockings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')

    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_email_outbox_sent_at_id')

    op.drop_table('email_outbox')