"""Personal API tokens and the stored answers of idempotent API requests."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .user import User

# The prefix makes a leaked token easy to recognise (and to find with secret scanners).
TOKEN_PREFIX = "imk_"  # noqa: S105 - a public prefix, not a secret
# A token's life when nobody chose one (the app's API_TOKEN_DAYS sets it for new tokens).
DEFAULT_TOKEN_LIFE = dt.timedelta(days=90)


def default_expiry() -> dt.datetime:
    """When a token made now expires if its life was not chosen."""
    return utcnow() + DEFAULT_TOKEN_LIFE


def new_token() -> str:
    """A fresh random token: 256 bits, shown to its owner once and never stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token.

    A fast hash is right here, unlike for passwords: the token is 256 random bits, so there is
    nothing to guess, and a lookup by hash needs a deterministic value.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(Base):
    """A personal access token: its hash, a name, a recognisable prefix, and its use."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, shown on the account page so that the owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Every token expires; its owner chooses when (up to a year) as it is created.
    expires_at: Mapped[dt.datetime] = mapped_column(default=default_expiry)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        """Whether the token was revoked (by its owner, or by a password change or reset)."""
        return self.revoked_at is not None

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        """Whether the token's life has ended."""
        return (now or utcnow()) >= self.expires_at

    @property
    def is_active(self) -> bool:
        """A token works until it is revoked or expires."""
        return not self.is_revoked and not self.is_expired()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.hint}…>"


class IdempotencyKey(Base):
    """The first answer to a create request sent with an ``Idempotency-Key`` header.

    ``status_code`` 0 marks a request still being processed.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "endpoint", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(default=0)
    response: Mapped[Any] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
