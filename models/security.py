"""Password-reset tokens and the security log."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, enum_column, utcnow


def new_reset_token() -> str:
    """A fresh random reset token (256 bits); only its hash is stored."""
    return secrets.token_urlsafe(32)


def hash_reset_token(token: str) -> str:
    """The stored form of a reset token.

    A fast hash is enough: the token is 256 random bits, so a stolen table gives nothing to
    guess, and lookups need a deterministic value.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class PasswordResetToken(Base):
    """A single-use, expiring permission to set a new password, sent by e-mail."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    def usable(self, now: dt.datetime | None = None) -> bool:
        """Unused and not yet expired."""
        return self.used_at is None and (now or utcnow()) < self.expires_at


class SecurityEventKind(enum.StrEnum):
    """What a security-log entry records."""

    LOGIN_FAILED = "login_failed"
    ACCESS_DENIED = "access_denied"
    RATE_LIMITED = "rate_limited"
    ROLE_CHANGED = "role_changed"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 - an event name
    PASSWORD_RESET_DONE = "password_reset_done"  # noqa: S105 - an event name
    PASSWORD_RESET_REFUSED = "password_reset_refused"  # noqa: S105 - an event name
    LOGOUT = "logout"


class SecurityEvent(Base):
    """One entry of the security log: what, who, when and from where; never a secret."""

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SecurityEventKind] = mapped_column(
        enum_column(SecurityEventKind, "security_event_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The acting account, when known; kept as a plain id so that the log outlives the account.
    user_id: Mapped[int | None] = mapped_column(index=True)
    # The address typed at a failed log-in or reset request (the account may not exist).
    email: Mapped[str] = mapped_column(String(254), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    method: Mapped[str] = mapped_column(String(10), default="")
    # The path without its query string, which may carry tokens.
    path: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")

    def __repr__(self) -> str:
        return f"<SecurityEvent {self.id} {self.kind} user={self.user_id} ip={self.ip}>"
