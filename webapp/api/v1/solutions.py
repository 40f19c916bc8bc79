"""Solutions: submit to a need, read, list one's own, and decide (the solution pages' rules)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from models import Need, Solution, SolutionStatus

from ...db import get_session
from ...forms_common import choices
from ...permissions import acting_user
from ...solutions.forms import SolutionForm
from ...solutions.services import (
    SolutionRefused,
    can_view_solution,
    decide_solution,
    linkable_results,
    submit_solution,
)
from .core import (
    PAGE_PARAMS,
    ApiError,
    Param,
    check_form,
    checked_body,
    created,
    formdata,
    load,
    not_found,
    page_json,
    paged,
    query_args,
    require_user,
    route,
    sort_param,
    sorted_by,
)
from .needs import visible_need
from .schemas import ID, SCHEMAS, values
from .serializers import solution_json

SORTS = {"created_at": Solution.created_at, "updated_at": Solution.updated_at,
         "id": Solution.id}
LIST_PARAMS = (
    Param("need_id", ID, "只列某个需求的方案"),
    Param("status", {"type": "string", "enum": values(SolutionStatus)}, "状态"),
    sort_param(SORTS, "-created_at"),
    *PAGE_PARAMS,
)


def _visible(solution_id: int) -> Solution:
    solution: Solution | None = load(Solution, solution_id)
    if solution is None or not can_view_solution(acting_user(), solution):
        raise not_found(_("解决方案"))
    return solution


@route("/solutions", tag="solutions", response="SolutionPage", query=LIST_PARAMS,
       errors=(400, 401))
def list_solutions() -> dict[str, Any]:
    """Solutions one's organisation submitted or received (all of them for operators)."""
    user = require_user()
    args = query_args(LIST_PARAMS)
    stmt = select(Solution)
    if not user.is_operator:
        stmt = stmt.where(or_(
            Solution.organization_id == user.organization_id,
            Solution.need_id.in_(select(Need.id).where(
                Need.organization_id == user.organization_id))))
    if args["need_id"]:
        stmt = stmt.where(Solution.need_id == args["need_id"])
    if args["status"]:
        stmt = stmt.where(Solution.status == SolutionStatus(args["status"]))
    stmt = sorted_by(stmt.order_by(Solution.id.desc()), args["sort"], SORTS, Solution.id.desc())
    return page_json(paged(stmt, args), lambda s: solution_json(s, user))


@route("/needs/<int:need_id>/solutions", "POST", tag="solutions", body="SolutionCreate",
       response="Solution", status=201, errors=(400, 401, 403, 404, 409, 413, 422),
       idempotent=True)
def submit(need_id: int) -> Response:
    """Submit an institution's solution to an open need, linking its own published results.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    need = visible_need(need_id)
    if not (user.organization.can_post_results or user.is_operator):
        raise ApiError(403, "forbidden", _("只有高校和科研院所可以提交解决方案。"))
    body = checked_body(SCHEMAS["SolutionCreate"])
    db = get_session()
    form = SolutionForm(formdata=formdata({
        "summary": body.get("summary"), "approach": body.get("approach"),
        "result_ids": body.get("result_ids") or [], "price": body.get("price_wan"),
        "timeline": body.get("timeline")}), meta={"csrf": False})
    form.result_ids.choices = choices(
        (r.id, r.title) for r in linkable_results(db, user.organization_id))
    check_form(form, {"price": "price_wan"})
    try:
        solution = submit_solution(
            db, user, need, summary=form.summary.data or "", approach=form.approach.data or "",
            result_ids=list(form.result_ids.data or []), price_wan=form.price.data,
            timeline=form.timeline.data or "")
    except SolutionRefused as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    db.commit()
    return created(solution_json(solution, user),
                   url_for(".solutions_detail", solution_id=solution.id))


@route("/solutions/<int:solution_id>", tag="solutions", response="Solution",
       errors=(401, 404))
def detail(solution_id: int) -> dict[str, Any]:
    """One solution, for the two sides and operators."""
    user = require_user()
    return solution_json(_visible(solution_id), user)


@route("/solutions/<int:solution_id>/decision", "POST", tag="solutions",
       body="SolutionDecision", response="Solution", errors=(400, 401, 403, 404, 409, 422))
def decide(solution_id: int) -> dict[str, Any]:
    """Shortlist, accept or decline (the enterprise), or withdraw (the institution).

    Accepting opens a docked docking.
    """
    user = require_user()
    solution = _visible(solution_id)
    body = checked_body(SCHEMAS["SolutionDecision"])
    db = get_session()
    try:
        decide_solution(db, user, solution, SolutionStatus(body["to"]))
    except SolutionRefused as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    except PermissionError:
        db.rollback()
        raise ApiError(403, "forbidden", _("您不能对该方案作出此决定。")) from None
    db.commit()
    return solution_json(solution, user)
