"""One-time tokens for the pages' forms that create something (a need, a result, a solution,
a deal, a message): back-then-resubmit, a double click or a replayed POST is recognised and
answered with what the first submission made, instead of making it twice.

Every such form carries a hidden ``form_token`` drawn when the form is rendered (kept when the
form is shown again after an error). The first successful submission stores the token with the
page it led to, in the table the API keeps its ``Idempotency-Key`` answers in
(``idempotency_keys``, endpoint ``form:<endpoint>``); a later one with the same token is sent
to that page. Forms without a token (old pages, scripts) work as before.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask, flash, redirect, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from models import IdempotencyKey

from .db import get_session
from .permissions import acting_user

FIELD = "form_token"
MAX_TOKEN = 64


def current_token() -> str:
    """The token for a form being rendered: the submitted one when the form is shown again,
    a fresh one otherwise."""
    submitted = request.form.get(FIELD, "") if request.method == "POST" else ""
    if submitted and len(submitted) <= MAX_TOKEN:
        return submitted
    return secrets.token_urlsafe(16)


def _submitted() -> str | None:
    token = request.form.get(FIELD, "")
    return token if token and len(token) <= MAX_TOKEN else None


def _stored(endpoint: str, token: str, user_id: int) -> IdempotencyKey | None:
    return get_session().scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.endpoint == f"form:{endpoint}",
        IdempotencyKey.key == token))


def replayed(endpoint: str) -> Response | None:
    """If this submission's token was used before, the redirect to what it made."""
    token, user = _submitted(), acting_user()
    if token is None or user is None:
        return None
    stored = _stored(endpoint, token, user.id)
    if stored is None:
        return None
    flash(_("该表单已提交过，以下是当时保存的内容。"), "info")
    return redirect(str(stored.response.get("location", "/")))


def remember(endpoint: str, location: str) -> None:
    """Keep this submission's token with the page it led to (in the caller's transaction)."""
    token, user = _submitted(), acting_user()
    if token is None or user is None:
        return
    db = get_session()
    db.add(IdempotencyKey(user_id=user.id, endpoint=f"form:{endpoint}", key=token,
                          request_hash="", status_code=303, response={"location": location}))
    db.flush()


def commit_once(endpoint: str, location: Callable[[], str]) -> Response | None:
    """Remember the token and commit; when a simultaneous submission with the same token won
    the race, roll back and answer with its page instead."""
    db = get_session()
    try:
        remember(endpoint, location())
        db.commit()
    except IntegrityError:
        db.rollback()
        again = replayed(endpoint)
        if again is None:
            raise
        return again
    return None


def init_app(app: Flask) -> None:
    """Make ``form_token()`` available to templates."""
    app.jinja_env.globals.update(form_token=current_token)
