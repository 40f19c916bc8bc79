"""The security log: a table and the ``innomatch.security`` logger.

Entries say what happened, to or by whom, when and from where (address, method and path
without its query string); never a password, a token or a form body.
"""

from __future__ import annotations

import getpass
import logging
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from models import SecurityEvent, SecurityEventKind, User, normalise_email

logger = logging.getLogger("innomatch.security")


def _request_facts() -> dict[str, str]:
    if not has_request_context():
        return {"ip": "", "method": "", "path": ""}
    return {"ip": (request.remote_addr or "")[:45], "method": request.method[:10],
            # request.path has no query string, where reset tokens may travel.
            "path": request.path[:300]}


def _acting_user_id() -> int | None:
    """The logged-in user's id if Flask-Login has already loaded it; never queries."""
    if not has_request_context():
        return None
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def new_event(kind: SecurityEventKind, *, user_id: int | None = None, email: str = "",
              detail: str = "") -> SecurityEvent:
    """Build an entry with the request's facts and write it to the logger."""
    entry = SecurityEvent(kind=kind, user_id=user_id if user_id is not None else _acting_user_id(),
                          email=normalise_email(email)[:254], detail=detail[:300],
                          **_request_facts())
    logger.warning("security %s user=%s email=%s ip=%s %s %s %s", entry.kind.value,
                   entry.user_id, entry.email or "-", entry.ip or "-", entry.method or "-",
                   entry.path or "-", entry.detail)
    return entry


def record_event(kind: SecurityEventKind, *, user_id: int | None = None, email: str = "",
                 detail: str = "", session: Session | None = None) -> SecurityEvent:
    """Log an event; with ``session`` it is added there (the caller commits with its change),
    otherwise it is written at once in a transaction of its own, so that it survives a
    refused request."""
    entry = new_event(kind, user_id=user_id, email=email, detail=detail)
    if session is not None:
        session.add(entry)
        return entry
    if not has_app_context():
        return entry
    own: Session = current_app.extensions["db_sessionmaker"]()
    try:
        own.add(entry)
        own.commit()
    except SQLAlchemyError:
        # The log line above still exists; a refused request must not turn into a 500.
        own.rollback()
        logger.exception("security event not stored")
    finally:
        own.close()
    return entry


def _log_refusals(response: Response) -> Response:
    # 403: a logged-in user reached for what is not theirs; 401 with an Authorization header:
    # an invalid or revoked API token (never stored or logged itself).
    bad_token = response.status_code == 401 and "Authorization" in request.headers
    if response.status_code == 403 or bad_token:
        # The request's own session is discarded at teardown anyway; rolling back now frees
        # SQLite's write lock so that the entry can be written in its own transaction.
        request_session: Session | None = g.get("db_session")
        if request_session is not None:
            request_session.rollback()
        record_event(SecurityEventKind.ACCESS_DENIED, detail="invalid API token" if bad_token else "")
    return response


def _role_changes(session: Session, flush_context: Any, instances: Any) -> None:
    """Every change of a user's role is logged in the same transaction as the change."""
    for obj in list(session.dirty):
        if not isinstance(obj, User):
            continue
        history = inspect(obj).attrs.role.history
        if not history.has_changes() or not history.deleted:
            continue
        old, new = history.deleted[0], history.added[0] if history.added else None
        actor = _acting_user_id()
        who = f"user {actor}" if actor is not None else _cli_actor()
        session.add(new_event(
            SecurityEventKind.ROLE_CHANGED, user_id=obj.id, email=obj.email,
            detail=f"{getattr(old, 'value', old)} -> {getattr(new, 'value', new)} by {who}"))


def _cli_actor() -> str:
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):
        return "command line"


def init_app(app: Flask) -> None:
    """Log refused requests and watch role changes."""
    app.after_request(_log_refusals)
    if not event.contains(Session, "before_flush", _role_changes):
        event.listen(Session, "before_flush", _role_changes)
