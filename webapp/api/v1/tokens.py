"""Personal API tokens: list, create (the token is in the answer, once) and revoke.

Creating a token needs a logged-in browser: a token must not be able to mint more tokens.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from models import ApiToken

from ...db import get_session
from ..services import TokenRefused, create_token, revoke_token, tokens_of
from .core import ApiError, checked_body, iso, require_user, route
from .schemas import SCHEMAS


def token_json(token: ApiToken) -> dict[str, Any]:
    """A token's record; the token itself is never stored, so never shown again."""
    return {"id": token.id, "name": token.name, "hint": token.hint,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at)}


@route("/tokens", tag="tokens", response="TokenList", errors=(401,))
def list_tokens() -> dict[str, Any]:
    """One's own tokens, newest first, revoked ones included."""
    return {"items": [token_json(t) for t in tokens_of(get_session(), require_user())]}


# 429: token creation is rate-limited per user (webapp.security.limit_registered_endpoints),
# the count shared with the account page.
@route("/tokens", "POST", tag="tokens", body="TokenCreate", response="TokenCreated",
       status=201, auth="session", errors=(400, 401, 403, 409, 422, 429))
def create() -> tuple[dict[str, Any], int]:
    """Create a token (browser session only); the answer holds the token, shown this once."""
    user = require_user()
    body = checked_body(SCHEMAS["TokenCreate"])
    db = get_session()
    try:
        record, token = create_token(db, user, body["name"])
    except TokenRefused as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    db.commit()
    return {"token": token, "record": token_json(record)}, 201


@route("/tokens/<int:token_id>", "DELETE", tag="tokens", status=204, errors=(401, 404))
def revoke(token_id: int) -> tuple[str, int]:
    """Revoke one of one's own tokens; it stops working at once."""
    db = get_session()
    if revoke_token(db, require_user(), token_id) is None:
        raise ApiError(404, "not_found", _("令牌不存在。"))
    db.commit()
    return "", 204
