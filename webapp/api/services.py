"""API token services: they flush, the views commit."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, User, utcnow
from models.api import TOKEN_PREFIX, hash_token, new_token

from ..errors import Refused

MAX_TOKENS_PER_USER = 20
MAX_TOKEN_LENGTH = 100
# Recording every use would turn each read into a write; once in a while is enough to tell
# a user which tokens are still in use.
LAST_USED_PRECISION = dt.timedelta(minutes=5)


class TokenRefused(Refused):
    """A token cannot be created (too many, or a bad name)."""


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the record and the token itself, shown only once."""
    name = name.strip()
    if not name or len(name) > 60:
        raise TokenRefused(_("令牌名称须为 1–60 个字"))
    active = [t for t in tokens_of(session, user) if t.is_active]
    if len(active) >= MAX_TOKENS_PER_USER:
        raise TokenRefused(_("每个账号最多 %(n)s 个有效令牌，请先撤销不用的令牌",
                             n=MAX_TOKENS_PER_USER))
    token = new_token()
    record = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token),
                      hint=token[: len(TOKEN_PREFIX) + 6])
    session.add(record)
    session.flush()
    return record, token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, for the record)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Revoke one of the user's own tokens; ``None`` when it is not theirs."""
    record = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if record is None or record.user_id != user.id:
        return None
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        session.flush()
    return record


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a token belongs to, if the token is known and not revoked.

    Looking the token up by its hash means the database never compares secrets.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or not record.is_active or not record.user.is_active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION:
        record.last_used_at = now
        session.flush()
    return record.user
