"""Solution pages."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import Docking, Need, Solution, SolutionStatus

from ..attachments import save_uploads
from ..db import get_session
from ..dockings.services import open_docking
from ..form_tokens import commit_once, replayed
from ..forms_common import choices
from ..listings.args import choice_arg, text_arg
from ..page_changes import change_and_go_back
from ..permissions import acting_user, can_change, can_view_need
from ..security.redirects import safe_next
from . import bp
from .forms import SolutionForm
from .services import (
    COMPARE_SORTS,
    SolutionRefused,
    can_decide,
    can_submit_solution,
    can_view_solution,
    decide_solution,
    linkable_results,
    may_submit_solutions,
    solution_maturity,
    solutions_to_compare,
    submit_solution,
)


@bp.route("/needs/<int:need_id>/solutions/new", methods=["GET", "POST"])
@login_required
def new(need_id: int) -> Response | str | tuple[str, int]:
    """Submit a solution to a published need."""
    user = acting_user()
    assert user is not None
    db = get_session()
    need = db.get(Need, need_id)
    if need is None or not can_view_need(user, need):
        abort(404)
    if not may_submit_solutions(user):
        # Not a bare refusal: who submits solutions, and what this organisation can do instead.
        return render_template("solutions/who_submits.html", need=need), 403
    form = SolutionForm()
    form.result_ids.choices = choices(
        (r.id, r.title) for r in linkable_results(db, user.organization_id))
    if form.is_submitted() and (again := replayed("solutions.new")) is not None:
        return again
    if form.validate_on_submit():
        try:
            solution = submit_solution(
                db, user, need, summary=form.summary.data or "",
                approach=form.approach.data or "", result_ids=list(form.result_ids.data or []),
                price_wan=form.price.data, timeline=form.timeline.data or "")
            save_uploads(solution, user, form)
        except SolutionRefused as exc:
            db.rollback()
            flash(str(exc), "error")
        else:
            location = url_for("solutions.detail", solution_id=solution.id)
            if (again := commit_once("solutions.new", lambda: location)) is not None:
                return again
            flash(_("解决方案已提交。"), "success")
            return redirect(url_for("solutions.detail", solution_id=solution.id))
    return render_template("solutions/form.html", form=form, need=need)


@bp.app_context_processor
def _solution_rules() -> dict[str, Any]:
    """``can_submit_solution(need)`` for the pages that offer 提交解决方案."""
    return {"can_submit_solution": lambda need: can_submit_solution(acting_user(), need)}


@bp.route("/solutions/<int:solution_id>")
@login_required
def detail(solution_id: int) -> str:
    """A solution, for the two sides and operators."""
    solution = get_session().get(Solution, solution_id)
    if solution is None or not can_view_solution(acting_user(), solution):
        abort(404)
    user = acting_user()
    return render_template(
        "solutions/detail.html", solution=solution,
        decisions=[(action, to) for action, to in _DECISIONS.items()
                   if can_decide(user, solution, to)],
        docking=get_session().scalar(select(Docking).where(Docking.solution_id == solution.id))
        or (open_docking(get_session(), solution.need_id, solution.organization_id)
            if solution.status is SolutionStatus.ACCEPTED else None))


_DECISIONS = {"shortlist": SolutionStatus.SHORTLISTED, "accept": SolutionStatus.ACCEPTED,
              "decline": SolutionStatus.DECLINED, "withdraw": SolutionStatus.WITHDRAWN}
_DONE = {SolutionStatus.SHORTLISTED: _l("方案已入围。"),
         SolutionStatus.ACCEPTED: _l("方案已采纳，对接已建立。"),
         SolutionStatus.DECLINED: _l("已婉拒该方案。"), SolutionStatus.WITHDRAWN: _l("方案已撤回。")}


@bp.route("/solutions/<int:solution_id>/<any(shortlist, accept, decline, withdraw):action>",
          methods=["POST"])
@login_required
def decide(solution_id: int, action: str) -> Response:
    """The enterprise shortlists, accepts or declines; the institution withdraws."""
    user = acting_user()
    assert user is not None
    db = get_session()
    solution = db.get(Solution, solution_id)
    if solution is None or not can_view_solution(user, solution):
        abort(404)
    to = _DECISIONS[action]

    def decide() -> str:
        decide_solution(db, user, solution, to)
        return str(_DONE[to])
    # The comparison page sends its own address back (``next``): deciding there stays there.
    back = safe_next(request.form.get("next"),
                     url_for("solutions.detail", solution_id=solution_id))
    return change_and_go_back(decide, back)


@bp.route("/needs/<int:need_id>/solutions")
@login_required
def compare(need_id: int) -> str:
    """A need's solutions side by side for its enterprise (and operators): price, maturity,
    time to deliver, institution, linked results and attachments, sorted as ``sort`` says,
    with the moves each allows (入围, 采纳, 婉拒); ``shortlisted=1`` keeps the shortlist."""
    user = acting_user()
    db = get_session()
    need = db.get(Need, need_id)
    if need is None or not can_view_need(user, need):
        abort(404)
    if not can_change(user, need):
        abort(403)
    sort = choice_arg("sort", COMPARE_SORTS) or next(iter(COMPARE_SORTS))
    shortlisted = text_arg("shortlisted") == "1"
    solutions = solutions_to_compare(db, need, sort, shortlisted_only=shortlisted)
    return render_template(
        "solutions/compare.html", need=need, solutions=solutions, sort=sort,
        sorts=[(name, _(label)) for name, (label, _key) in COMPARE_SORTS.items()],
        shortlisted=shortlisted, maturity=solution_maturity,
        decisions=lambda s: [(action, to) for action, to in _DECISIONS.items()
                             if to is not SolutionStatus.WITHDRAWN and can_decide(user, s, to)])
