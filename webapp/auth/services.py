"""Account services: they flush, the views commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import (
    ApiToken,
    Language,
    Organization,
    OrgKind,
    PasswordResetToken,
    Role,
    User,
    normalise_email,
    utcnow,
)
from models.security import hash_reset_token, new_reset_token

MIN_PASSWORD_LENGTH = 8
# The most common passwords in public breach statistics, plus local favourites.
COMMON_PASSWORDS = frozenset({
    "12345678", "123456789", "1234567890", "password", "password1", "qwertyui", "qwerty123",
    "11111111", "88888888", "66666666", "00000000", "12341234", "abc12345", "abcd1234",
    "a1234567", "1qaz2wsx", "iloveyou", "woaini1314", "5201314520", "admin123", "admin888",
    "passw0rd", "p@ssw0rd", "asdfghjk", "zxcvbnm1", "qwertyuiop", "1q2w3e4r", "147258369",
    "123123123", "112233445", "987654321", "aa123456", "innomatch", "sunshine", "football",
})


class SignupError(ValueError):
    """Sign-up refused; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or ``None`` when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("密码至少需要 %(n)s 个字符", n=MIN_PASSWORD_LENGTH)
    if password.lower() in COMMON_PASSWORDS:
        return _("该密码过于常见，请换一个")
    return None


@dataclass(frozen=True)
class NewOrganization:
    """What a sign-up tells about the organisation it creates."""

    name: str
    kind: OrgKind
    province: str
    city: str = ""
    credit_code: str | None = None


def find_user_by_email(session: Session, email: str) -> User | None:
    """The account with this e-mail address in its normal form (:func:`normalise_email`)."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def _organization_to_join(session: Session, organization: NewOrganization | None,
                          invite_code: str | None) -> Organization | NewOrganization:
    """The organisation a sign-up joins, or the new one it creates once checked (not added)."""
    if organization is None:
        org = session.scalar(
            select(Organization).where(Organization.invite_code == (invite_code or "").strip()))
        if org is None:
            raise SignupError("invite_code", _("邀请码无效"))
        return org
    org_name = organization.name.strip()
    if len(org_name) < 2:
        raise SignupError("org_name", _("请输入机构名称（至少 2 个字）"))
    if session.scalar(select(Organization).where(Organization.name == org_name)):
        raise SignupError("org_name", _("该机构已存在，请向其成员索取邀请码加入"))
    code = organization.credit_code or None
    if code and session.scalar(select(Organization).where(Organization.credit_code == code)):
        raise SignupError("credit_code", _("该统一社会信用代码已被其他机构使用"))
    return NewOrganization(name=org_name, kind=organization.kind, province=organization.province,
                           city=organization.city.strip(), credit_code=code)


def sign_up(session: Session, *, email: str, name: str, password: str,
            organization: NewOrganization | None = None, invite_code: str | None = None,
            language: Language = Language.ZH_CN) -> tuple[User, bool]:
    """Create a member account, its address not yet confirmed, in a new organisation or in the
    one the invitation names, reading the platform (and its e-mails) in ``language``.

    Returns (user, created). When the address already has an account nothing is created and
    that account comes back with ``False``: the caller answers as for a new account and
    e-mails the owner, so that sign-up never tells whether an address is registered. The
    organisation is checked first either way, and the password hashed either way, so that
    neither the answer nor its time differs.
    """
    org = _organization_to_join(session, organization, invite_code)
    existing = find_user_by_email(session, email)
    user = User(email=email if existing is None else "nobody@invalid", name=name.strip(),
                role=Role.MEMBER, language=language)
    user.set_password(password)
    if existing is not None:
        return existing, False
    if isinstance(org, NewOrganization):
        org = Organization(name=org.name, kind=org.kind, province=org.province, city=org.city,
                           credit_code=org.credit_code)
        session.add(org)
    user.organization = org
    session.add(user)
    session.flush()
    return user, True


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, with the log-in time recorded; else ``None``."""
    user = find_user_by_email(session, email)
    if user is None:
        # Hash anyway so that a wrong address takes as long as a wrong password.
        User(email="nobody@invalid", name="", password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def count_users(session: Session) -> int:
    """How many accounts exist."""
    return session.scalar(select(func.count(User.id))) or 0


def request_password_reset(session: Session, email: str, ttl_minutes: int) -> tuple[User, str] | None:
    """A new reset token for the active account with ``email``: (user, token), or ``None``.

    Only the token's hash is stored; older unused tokens of the account stop working, so that
    only the newest e-mail's link is valid.
    """
    user = find_user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    session.execute(update(PasswordResetToken)
                    .where(PasswordResetToken.user_id == user.id,
                           PasswordResetToken.used_at.is_(None))
                    .values(used_at=now))
    token = new_reset_token()
    session.add(PasswordResetToken(user_id=user.id, token_hash=hash_reset_token(token),
                                   created_at=now,
                                   expires_at=now + dt.timedelta(minutes=ttl_minutes)))
    session.flush()
    return user, token


def find_reset_token(session: Session, token: str) -> PasswordResetToken | None:
    """The usable (unused, unexpired) reset token, or ``None``."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(PasswordResetToken)
                         .where(PasswordResetToken.token_hash == hash_reset_token(token)))
    return row if row is not None and row.usable() else None


def reset_password(session: Session, token: str, new_password: str) -> User | None:
    """Set a new password with a reset token and end every session; ``None`` if the token is
    unknown, used or expired.

    The token is spent by a conditional UPDATE, so two requests racing with the same token
    cannot both succeed.
    """
    row = find_reset_token(session, token)
    if row is None:
        return None
    spent: Any = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == row.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow()))
    if spent.rowcount != 1:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    user.set_password(new_password)
    user.end_sessions()
    revoke_api_tokens(session, user)
    return user


def change_password(session: Session, user: User, current: str, new_password: str) -> bool:
    """Replace the password after checking the current one; ends every other session and
    revokes every API token."""
    if not user.check_password(current):
        return False
    user.set_password(new_password)
    user.end_sessions()
    revoke_api_tokens(session, user)
    return True


def revoke_api_tokens(session: Session, user: User) -> None:
    """Revoke every API token of ``user`` still in force.

    A password change or reset is how a stolen account is taken back: the tokens go with the
    old password, as the other sessions do.
    """
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))
    session.flush()
