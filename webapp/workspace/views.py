"""The workspace page (我的)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import login_required

from ..db import get_session
from ..permissions import acting_user
from . import bp
from .services import areas_for, workspace


@bp.route("/me")
@login_required
def index() -> str:
    """我的: the organisation's needs, results, solutions and dockings with their states and
    counts, and what waits for the user."""
    user = acting_user()
    if user is None:
        abort(401)
    space = workspace(get_session(), user)
    return render_template("workspace/index.html", space=space,
                           areas=[a.value for a in areas_for(user, space)])
