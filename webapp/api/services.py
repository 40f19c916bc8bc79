"""API token services: they flush, the views commit."""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, User, utcnow
from models.api import DEFAULT_TOKEN_LIFE, TOKEN_PREFIX, hash_token, new_token

from .. import input_rules as rules
from ..errors import Refused

MAX_TOKENS_PER_USER = 20
MAX_TOKEN_LENGTH = 100
# Recording every use would turn each read into a write; once a minute is enough to tell a
# user which tokens are still in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
DEFAULT_TOKEN_DAYS = DEFAULT_TOKEN_LIFE.days


class TokenRefused(Refused):
    """A token cannot be created (too many, or a bad name)."""


class TokenExpired(Exception):
    """A known, unrevoked token whose life has ended (a 401 that says so)."""

    def __init__(self, expires_at: dt.datetime) -> None:
        super().__init__(f"token expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


def default_token_days() -> int:
    """A new token's life in days when its owner does not choose one (``API_TOKEN_DAYS``)."""
    if not has_app_context():
        return DEFAULT_TOKEN_DAYS
    return int(current_app.config.get("API_TOKEN_DAYS") or DEFAULT_TOKEN_DAYS)


def create_token(session: Session, user: User, name: str,
                 days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user`` that expires after ``days`` (the configured default when
    ``None``, at most a year); returns the record and the token itself, shown only once."""
    name = name.strip()
    if not name or len(name) > 60:
        raise TokenRefused(_("令牌名称须为 1–60 个字"))
    days = default_token_days() if days is None else days
    if not rules.TOKEN_DAYS.min <= days <= rules.TOKEN_DAYS.max:
        raise TokenRefused(str(rules.TOKEN_DAYS.message))
    active = [t for t in tokens_of(session, user) if t.is_active]
    if len(active) >= MAX_TOKENS_PER_USER:
        raise TokenRefused(_("每个账号最多 %(n)s 个有效令牌，请先撤销不用的令牌",
                             n=MAX_TOKENS_PER_USER))
    token = new_token()
    now = utcnow()
    record = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token),
                      hint=token[: len(TOKEN_PREFIX) + 6], created_at=now,
                      expires_at=now + dt.timedelta(days=days))
    session.add(record)
    session.flush()
    return record, token


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, for the record)."""
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
    """The active user a token belongs to, if the token is known, not revoked and not expired
    (:class:`TokenExpired` says so apart, so that the client is told to make a new one).

    Looking the token up by its hash means the database never compares secrets. Its last use
    is written at most once a minute (``LAST_USED_PRECISION``), not on every request.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.is_revoked or not record.user.is_active:
        return None
    now = utcnow()
    if record.is_expired(now):
        raise TokenExpired(record.expires_at)
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION:
        record.last_used_at = now
        session.flush()
    return record.user
