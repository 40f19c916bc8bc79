"""Token management on the account page: create (the token is shown once) and revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import Optional

from .. import input_rules as rules
from ..db import get_session
from ..forms_common import length, number_range, required
from ..permissions import acting_user
from .services import TokenRefused, create_token, default_token_days, revoke_token, tokens_of

bp = Blueprint("api_tokens", __name__)


class TokenForm(FlaskForm):
    """A new token's name, so that its owner can tell it apart later, and its life in days."""

    name = StringField(_l("令牌名称"), validators=[required(rules.TOKEN_NAME), length(rules.TOKEN_NAME)])
    days = IntegerField(_l("有效期（天，最长 365）"),
                        validators=[Optional(), number_range(rules.TOKEN_DAYS)])


class RevokeForm(FlaskForm):
    """Just the CSRF token of a revoke button."""


@bp.app_context_processor
def _tokens_panel() -> dict[str, Any]:
    """The account page calls ``api_tokens_panel()`` to list the user's tokens."""
    def panel() -> dict[str, Any]:
        user = acting_user()
        tokens = tokens_of(get_session(), user) if user is not None else []
        return {"tokens": tokens, "form": TokenForm(formdata=None, days=default_token_days()),
                "revoke_form": RevokeForm(formdata=None)}
    return {"api_tokens_panel": panel}


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    """Create a token and show it this once; the page is never cached."""
    user = acting_user()
    assert user is not None
    form = TokenForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("auth.account") + "#api-tokens")
    db = get_session()
    try:
        record, token = create_token(db, user, form.name.data or "", form.days.data)
    except TokenRefused as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("auth.account") + "#api-tokens")
    db.commit()
    # Rendered, not redirected: a flash message would put the token into the session cookie.
    html = render_template("api/token_created.html", record=record, token=token)
    return Response(html, headers={"Cache-Control": "no-store"})


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    """Revoke one of one's own tokens."""
    user = acting_user()
    assert user is not None
    if not RevokeForm().validate_on_submit():
        abort(400)
    db = get_session()
    record = revoke_token(db, user, token_id)
    if record is None:
        abort(404)
    db.commit()
    flash(_("令牌“%(name)s”已撤销。", name=record.name), "success")
    return redirect(url_for("auth.account") + "#api-tokens")
