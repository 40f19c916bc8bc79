"""Personal API tokens: list, create (the token is in the answer, once) and revoke.

Creating a token needs a logged-in browser: a token must not be able to mint more tokens.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...db import get_session
from ..services import create_token, revoke_token, tokens_of
from .core import ApiError, operation, require_user
from .schemas import TokenCreate, TokenCreated, TokenList


@operation("/tokens", tag="tokens", response=TokenList, errors=(401,))
def list_tokens() -> dict[str, Any]:
    """One's own tokens, newest first, revoked ones included."""
    return {"items": tokens_of(get_session(), require_user())}


# 429: token creation is rate-limited per user (webapp.security.limit_registered_endpoints),
# the count shared with the account page.
@operation("/tokens", "POST", tag="tokens", body=TokenCreate, response=TokenCreated, status=201,
           auth="session", errors=(400, 401, 403, 409, 422, 429))
def create(body: dict[str, Any]) -> Any:
    """Create a token (browser session only) that expires after ``expires_in_days`` (90 unless
    chosen, at most 365); the answer holds the token, shown this once, and is never cached."""
    record, token = create_token(get_session(), require_user(), body["name"],
                                 body.get("expires_in_days"))
    return {"token": token, "record": record}, 201, {"Cache-Control": "no-store"}


@operation("/tokens/<int:token_id>", "DELETE", tag="tokens", status=204, errors=(401, 404))
def revoke(token_id: int) -> Response:
    """Revoke one of one's own tokens; it stops working at once."""
    if revoke_token(get_session(), require_user(), token_id) is None:
        raise ApiError(404, "not_found", _("令牌不存在。"))
    return Response(status=204)
