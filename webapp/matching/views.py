"""The explanation page of one suggestion."""

from __future__ import annotations

from flask import abort, render_template

from models import Match, Need, Result

from ..db import get_session
from ..permissions import acting_user, can_view_need, can_view_result
from . import bp
from .compatibility import required_trl
from .services import engine


@bp.route("/needs/<int:need_id>/matches/<int:result_id>")
def explain(need_id: int, result_id: int) -> str:
    """Why a result was suggested for a need: the score's parts and the shared terms in both texts."""
    db = get_session()
    user = acting_user()
    need, result = db.get(Need, need_id), db.get(Result, result_id)
    if need is None or result is None or not can_view_need(user, need) \
            or not can_view_result(user, result):
        abort(404)
    match = db.query(Match).filter_by(need_id=need_id, result_id=result_id).one_or_none()
    if match is None:
        abort(404)
    return render_template("matching/explain.html", need=need, result=result, match=match,
                           required_trl=required_trl(need), version=engine().version)
