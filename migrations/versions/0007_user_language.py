"""Users keep the language they read the site in (users.language), for their e-mails

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=13), server_default='zh_CN',
                                      nullable=False))
        batch_op.create_check_constraint(op.f('ck_users_user_language'),
                                         "language IN ('zh_CN', 'en')")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_user_language'), type_='check')
        batch_op.drop_column('language')
