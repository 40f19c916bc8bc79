"""Solutions: submit to a need, read, list one's own, and decide (the solution pages' rules)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import or_, select

from models import Need, Solution, SolutionStatus
from models.i18n import N_

from ...db import get_session
from ...needs.kind import NEEDS
from ...permissions import acting_user
from ...solutions.services import (
    can_view_solution,
    decide_solution,
    linkable_results,
    submit_solution,
)
from .core import ApiError, created, load, not_found, operation, paged, require_user, sorted_by
from .fields import Choice, PageQuery, record_id, sort_field
from .listings import visible
from .schemas import Solution as SolutionAnswer
from .schemas import SolutionCreate, SolutionDecision, SolutionPage

SORTS = {"created_at": Solution.created_at, "updated_at": Solution.updated_at,
         "id": Solution.id}


class SolutionQuery(PageQuery):
    """What the solution list can be narrowed by."""

    need_id = record_id(strict=False, metadata={"description": N_("只列某个需求的方案")})
    status = Choice(SolutionStatus, metadata={"description": N_("状态")})
    sort = sort_field(SORTS, "-created_at")


def _visible(solution_id: int) -> Solution:
    solution: Solution | None = load(Solution, solution_id)
    if solution is None or not can_view_solution(acting_user(), solution):
        raise not_found(_("解决方案"))
    return solution


def _may_submit(need_id: int) -> None:
    user = require_user()
    visible(NEEDS, need_id)
    if not (user.organization.can_post_results or user.is_operator):
        raise ApiError(403, "forbidden", _("只有高校和科研院所可以提交解决方案。"))


@operation("/solutions", tag="solutions", query=SolutionQuery, response=SolutionPage,
           errors=(400, 401))
def list_solutions(args: dict[str, Any]) -> Any:
    """Solutions one's organisation submitted or received (all of them for operators)."""
    user = require_user()
    stmt = select(Solution)
    if not user.is_operator:
        stmt = stmt.where(or_(
            Solution.organization_id == user.organization_id,
            Solution.need_id.in_(select(Need.id).where(
                Need.organization_id == user.organization_id))))
    if args.get("need_id"):
        stmt = stmt.where(Solution.need_id == args["need_id"])
    if args.get("status"):
        stmt = stmt.where(Solution.status == args["status"])
    stmt = sorted_by(stmt.order_by(Solution.id.desc()), args["sort"], SORTS, Solution.id.desc())
    return paged(stmt, args)


@operation("/needs/<int:need_id>/solutions", "POST", tag="solutions", body=SolutionCreate,
           response=SolutionAnswer, status=201, errors=(400, 401, 403, 404, 409, 413, 422),
           idempotent=True, guard=_may_submit)
def submit(body: dict[str, Any], need_id: int) -> Any:
    """Submit an institution's solution to an open need, linking its own published results.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    db = get_session()
    linkable = {r.id for r in linkable_results(db, user.organization_id)}
    result_ids = list(body.get("result_ids", []))
    strangers = [i for i in result_ids if i not in linkable]
    if strangers:
        raise ValidationError({"result_ids": _("只能关联本机构已发布的成果：%(ids)s",
                                               ids="、".join(map(str, strangers)))})
    solution = submit_solution(
        db, user, visible(NEEDS, need_id), summary=body["summary"], approach=body["approach"],
        result_ids=result_ids, price_wan=body.get("price_wan"), timeline=body.get("timeline", ""))
    return created(solution, ".solutions_detail", solution_id=solution.id)


@operation("/solutions/<int:solution_id>", tag="solutions", response=SolutionAnswer,
           errors=(401, 404))
def detail(solution_id: int) -> Solution:
    """One solution, for the two sides and operators."""
    return _visible(solution_id)


@operation("/solutions/<int:solution_id>/decision", "POST", tag="solutions",
           body=SolutionDecision, response=SolutionAnswer,
           errors=(400, 401, 403, 404, 409, 422), guard=_visible)
def decide(body: dict[str, Any], solution_id: int) -> Solution:
    """Shortlist, accept or decline (the enterprise), or withdraw (the institution).

    Accepting opens a docked docking.
    """
    solution = _visible(solution_id)
    decide_solution(get_session(), require_user(), solution, SolutionStatus(body["to"]))
    return solution
