"""The explanation page of one suggestion, and the advice the need pages show."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template

from models import Match, Need, Result

from ..db import get_session
from ..permissions import acting_user, can_view_need, can_view_result
from . import bp
from .advice import Advice, advise, draft_need
from .compatibility import required_trl
from .services import engine, settings, strong_threshold


@bp.app_context_processor
def _advice() -> dict[str, Any]:
    """``need_advice(need)`` for the need's page and form: what would make it easier to match."""
    def need_advice(need: Need) -> list[Advice]:
        return advise(need, get_session())

    def form_advice(form: Any) -> list[Advice]:
        """Advice on the need form's content as it stands (nothing is saved)."""
        user = acting_user()
        values = {name: form[name].data for name in (
            "title", "field", "problem", "indicators", "basis", "keywords", "budget_min",
            "budget_max", "modes", "province")}
        negotiable = bool(form.budget_negotiable.data)
        values["budget_min_wan"] = None if negotiable else values.pop("budget_min")
        values["budget_max_wan"] = None if negotiable else values.pop("budget_max")
        org = user.organization if user is not None else None
        return advise(draft_need(values, org.id if org else None, org.province if org else ""),
                      get_session())

    return {"need_advice": need_advice, "form_advice": form_advice,
            "strong_threshold": strong_threshold}


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
                           required_trl=required_trl(need), version=engine().version,
                           prior_pct=round(100 * settings().prior / (1 + settings().prior)))
