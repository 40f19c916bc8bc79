"""Fixtures for the security tests: Bearer headers for any user."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from models import User
from webapp.api.services import create_token


@pytest.fixture
def bearer(db: Session) -> Callable[[User], dict[str, str]]:
    """The Authorization header of a new API token of ``user``."""
    def make(user: User) -> dict[str, str]:
        _, token = create_token(db, db.merge(user), "测试")
        db.commit()
        return {"Authorization": f"Bearer {token}"}
    return make
