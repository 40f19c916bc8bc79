"""Fixtures for the API tests: a token for any user, and clients that send it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from models import User
from webapp.api.services import create_token


@pytest.fixture
def token_for(db: Session) -> Callable[[User], str]:
    """Create an API token for ``user`` and return the token itself."""
    def make(user: User) -> str:
        user = db.merge(user)
        _, token = create_token(db, user, "测试")
        db.commit()
        return token
    return make


class Api:
    """A client that sends a Bearer token (or nothing) with each request."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request to ``/api/v1`` + ``path``."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET."""
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        """POST."""
        return self.call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        """PATCH."""
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        """DELETE."""
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api_as(app: Flask, token_for: Callable[[User], str]) -> Callable[[User | None], Api]:
    """An API client acting as ``user`` through a token (anonymous for ``None``)."""
    def make(user: User | None) -> Api:
        return Api(app.test_client(), token_for(user) if user is not None else None)
    return make
