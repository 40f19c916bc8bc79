"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30 14:42:29.673938
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('enterprise', 'university', 'institute', 'agency', name='org_kind', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('province', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('invite_code', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) >= 2', name=op.f('ck_organizations_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organizations_credit_code')),
    sa.UniqueConstraint('invite_code', name=op.f('uq_organizations_invite_code')),
    sa.UniqueConstraint('name', name=op.f('uq_organizations_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('member', 'broker', 'operator', name='user_role', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_users_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organization_id'), ['organization_id'], unique=False)

    op.create_table('needs',
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('indicators', sa.Text(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('budget_min_fen', sa.BigInteger(), nullable=True),
    sa.Column('budget_max_fen', sa.BigInteger(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'published', 'docking', 'signed', 'closed', 'expired', name='need_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('show_org_name', sa.Boolean(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('subfield', sa.String(length=40), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('province', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.Enum('electronic_information', 'bio_medicine', 'aerospace', 'new_materials', 'high_tech_services', 'new_energy', 'resources_environment', 'advanced_manufacturing', name='tech_field', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name=op.f('ck_needs_published_has_date')),
    sa.CheckConstraint('(budget_min_fen IS NULL AND budget_max_fen IS NULL) OR (budget_min_fen IS NOT NULL AND budget_max_fen IS NOT NULL AND budget_min_fen >= 0 AND budget_max_fen >= budget_min_fen)', name=op.f('ck_needs_budget_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_needs_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_needs_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_needs_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('results',
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('form', sa.Enum('technology', 'process', 'product', 'material', 'device', 'software', 'plant_variety', 'other', name='result_form', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('team', sa.Text(), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'withdrawn', name='result_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('subfield', sa.String(length=40), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=False),
    sa.Column('province', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.Enum('electronic_information', 'bio_medicine', 'aerospace', 'new_materials', 'high_tech_services', 'new_energy', 'resources_environment', 'advanced_manufacturing', name='tech_field', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name=op.f('ck_results_published_has_date')),
    sa.CheckConstraint('price_fen IS NULL OR price_fen >= 0', name=op.f('ck_results_price_not_negative')),
    sa.CheckConstraint('trl BETWEEN 1 AND 9', name=op.f('ck_results_trl_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_results_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_results_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_results_status_published_at', ['status', 'published_at'], unique=False)

    op.create_table('need_modes',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('transfer', 'license', 'joint_development', 'commissioned_development', 'technical_service', 'consulting', 'equity', name='need_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_modes_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', 'mode', name=op.f('pk_need_modes'))
    )
    op.create_table('result_ip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('ip_type', sa.Enum('invention_patent', 'utility_model', 'design_patent', 'software_copyright', 'plant_variety_right', 'trade_secret', name='ip_type', native_enum=False, create_constraint=True, length=27), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_ip_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_ip'))
    )
    with op.batch_alter_table('result_ip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_ip_result_id'), ['result_id'], unique=False)

    op.create_table('result_modes',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('transfer', 'license', 'joint_development', 'commissioned_development', 'technical_service', 'consulting', 'equity', name='result_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_modes_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'mode', name=op.f('pk_result_modes'))
    )
    op.create_table('solutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('approach', sa.Text(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=True),
    sa.Column('timeline', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'shortlisted', 'accepted', 'declined', 'withdrawn', name='solution_status', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_fen IS NULL OR price_fen >= 0', name=op.f('ck_solutions_price_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_solutions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_solutions_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_solutions_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solutions'))
    )
    with op.batch_alter_table('solutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solutions_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_solutions_organization_id'), ['organization_id'], unique=False)

    op.create_table('solution_results',
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_solution_results_result_id_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['solution_id'], ['solutions.id'], name=op.f('fk_solution_results_solution_id_solutions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('solution_id', 'result_id', name=op.f('pk_solution_results'))
    )



def downgrade() -> None:
    """Revert this revision."""

    op.drop_table('solution_results')
    with op.batch_alter_table('solutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solutions_organization_id'))
        batch_op.drop_index(batch_op.f('ix_solutions_need_id'))

    op.drop_table('solutions')
    op.drop_table('result_modes')
    with op.batch_alter_table('result_ip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_ip_result_id'))

    op.drop_table('result_ip')
    op.drop_table('need_modes')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index('ix_results_status_published_at')
        batch_op.drop_index(batch_op.f('ix_results_organization_id'))
        batch_op.drop_index(batch_op.f('ix_results_field'))

    op.drop_table('results')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_status_published_at')
        batch_op.drop_index(batch_op.f('ix_needs_organization_id'))
        batch_op.drop_index(batch_op.f('ix_needs_field'))

    op.drop_table('needs')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_organization_id'))

    op.drop_table('users')
    op.drop_table('organizations')

