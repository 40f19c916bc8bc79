"""Who may see and change what: one place for the ownership rules."""

from __future__ import annotations

from typing import Protocol

from flask import abort
from flask_login import current_user

from models import Need, NeedStatus, Result, ResultStatus, User


class Owned(Protocol):
    """Anything that belongs to an organisation."""

    @property
    def organization_id(self) -> int:
        """The owning organisation."""
        ...


def acting_user() -> User | None:
    """The logged-in user, or ``None`` for a visitor."""
    if not current_user.is_authenticated:
        return None
    user: User = current_user._get_current_object()
    return user


def can_change(user: User | None, record: Owned) -> bool:
    """Members of the owning organisation and operators may change a record."""
    if user is None:
        return False
    return user.is_operator or user.organization_id == record.organization_id


def require_change(record: Owned) -> User:
    """Abort with 403 unless the current user may change ``record``; return the user."""
    user = acting_user()
    if user is None:
        abort(401)
    if not can_change(user, record):
        abort(403)
    return user


def can_view_need(user: User | None, need: Need) -> bool:
    """Drafts are seen by their organisation and operators only; the rest by everyone."""
    return need.status is not NeedStatus.DRAFT or can_change(user, need)


def can_view_result(user: User | None, result: Result) -> bool:
    """Published results are public; drafts and withdrawn ones stay with their owners."""
    return result.status is ResultStatus.PUBLISHED or can_change(user, result)
