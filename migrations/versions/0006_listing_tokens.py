"""Listings keep the matcher's tokens (needs.tokens, results.tokens), so that rebuilding an
index does not tokenise unchanged listings again

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens', sa.JSON(), nullable=True))
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('tokens')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('tokens')
