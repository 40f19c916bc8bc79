"""Accounts (issue 18, item 9): users.email_confirmed_at (accounts that exist are confirmed, so
that nothing they do breaks), and stored e-mail addresses in their normalised form (NFKC,
case-folded), leaving and reporting any address whose normal form another account already has

Revision ID: 0011
Revises: 0013
Create Date: 2026-12-03 12:00:00.000000
"""

import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _normal(email: str) -> str:
    # models.user.normalise_email as of this revision, copied so that the migration never
    # changes when the models do.
    text = unicodedata.normalize("NFKC", email or "").strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{domain.casefold()}"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True),
                                      nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('email', sa.String()),
                     sa.column('created_at', sa.DateTime(timezone=True)),
                     sa.column('email_confirmed_at', sa.DateTime(timezone=True)))
    conn = op.get_bind()
    conn.execute(sa.update(users).values(email_confirmed_at=users.c.created_at))
    rows = conn.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        normal = _normal(email)
        if normal == email:
            continue
        if normal in taken:
            # Two accounts whose addresses are one address: neither is lost or merged here; an
            # operator decides (log-in finds the one already in normal form).
            log.warning("users.id=%s: e-mail %r normalises to %r, which another account has; "
                        "left as it is", user_id, email, normal)
            continue
        conn.execute(sa.update(users).where(users.c.id == user_id).values(email=normal))
        taken.discard(email)
        taken.add(normal)


def downgrade() -> None:
    """Revert this revision (normalised addresses stay normalised)."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
