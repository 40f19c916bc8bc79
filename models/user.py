"""User accounts."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, enum_column, utcnow
from .enums import Language, Role

if TYPE_CHECKING:
    from .organization import Organization

#: Argon2id as the OWASP Password Storage Cheat Sheet recommends it (19 MiB, 2 passes, one
#: lane), the guidance ASVS 5.0 refers to. argon2-cffi's own default, RFC 9106's low-memory
#: profile (64 MiB, 3 passes, 4 lanes), cost 90 ms wall and two cores for each log-in on the
#: 2-core host, so 50 people logging in at once held every page behind them for seconds;
#: this costs 17 ms on one core. Hashes made with other parameters are upgraded at log-in.
PASSWORD_HASH_PARAMS: dict[str, Any] = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_hasher = PasswordHasher(**PASSWORD_HASH_PARAMS)


def configure_password_hasher(**params: Any) -> None:
    """Replace the Argon2id parameters (none given: :data:`PASSWORD_HASH_PARAMS`; tests use
    cheap ones); existing hashes still verify and are rehashed at their next log-in."""
    global _hasher
    _hasher = PasswordHasher(**(params or PASSWORD_HASH_PARAMS))


def normalise_email(email: str) -> str:
    """The one form of an e-mail address that sign-up, log-in, password reset and uniqueness
    compare: Unicode NFKC (full-width ``ａ@ｅｘａｍｐｌｅ.ｃｎ`` is ``a@example.cn``), white space
    trimmed, the domain case-folded and, as the platform always did, the local part lower-cased
    (no two accounts differ only in the case of their address)."""
    text = unicodedata.normalize("NFKC", email or "").strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    return f"{local.lower()}@{domain.casefold()}"


class User(Base):
    """A person who logs in with an e-mail address; belongs to one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), default=Role.MEMBER)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None]
    # When the owner opened the link e-mailed at sign-up; until then the account may read and
    # log in but not post (webapp/auth/confirmation.py).
    email_confirmed_at: Mapped[dt.datetime | None]
    # Part of the id kept in session and remember-me cookies: raising it (log-out, password
    # change or reset) makes every cookie issued before stop working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The language of the e-mails the user is sent; set from the language the user last
    # chose on the site.
    language: Mapped[Language] = mapped_column(
        enum_column(Language, "user_language"), default=Language.ZH_CN,
        server_default=Language.ZH_CN.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="members")

    # Flask-Login reads these; defined here so that models/ need not import Flask.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The identifier Flask-Login keeps in the session: ``"<id>:<session version>"``."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie issued so far."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def email_confirmed(self) -> bool:
        """Whether the owner confirmed the e-mail address (may post)."""
        return self.email_confirmed_at is not None

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        value = normalise_email(value)
        if "@" not in value:
            raise ValueError("invalid e-mail address")
        return value

    def set_password(self, password: str) -> None:
        """Hash ``password`` with Argon2id and keep only the hash."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """Tell whether ``password`` matches; rehash transparently when parameters changed."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.password_hash = _hasher.hash(password)
        return True

    @property
    def is_operator(self) -> bool:
        """Operators may act on every record."""
        return self.role is Role.OPERATOR

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
