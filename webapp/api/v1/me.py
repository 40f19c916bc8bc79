"""The current user."""

from __future__ import annotations

from typing import Any

from .core import auth_method, require_user, route


@route("/me", tag="me", response="Me", errors=(401,))
def me() -> dict[str, Any]:
    """Who the request acts as, with the organisation, and how it authenticated."""
    user = require_user()
    org = user.organization
    return {
        "id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
        "language": user.language.value,
        "organization": {"id": org.id, "name": org.name, "kind": org.kind.value,
                         "province": org.province, "city": org.city, "verified": org.verified},
        "auth": auth_method(),
    }
