"""Helpers the tests import: the test password, logging in, reading page text."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from models import User

PASSWORD = "correct-horse-42"
#: Argon2id parameters that make hashing instant in tests.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> FlaskClient:
    """Log ``client`` in as ``user``; fails the test if it does not work."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page_text(response: Any) -> str:
    """A response's body with tags stripped and white space folded, for text assertions."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
