"""The current user."""

from __future__ import annotations

from models import User

from .core import operation, require_user
from .schemas import Me


@operation("/me", tag="me", response=Me, errors=(401,))
def me() -> User:
    """Who the request acts as, with the organisation, and how it authenticated."""
    return require_user()
