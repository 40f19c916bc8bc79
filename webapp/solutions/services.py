"""Solution services: they flush, the views commit."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Need, Result, ResultStatus, Solution, SolutionStatus, User


class SolutionRefused(ValueError):
    """A solution cannot be submitted to this need."""


def linkable_results(session: Session, organization_id: int) -> list[Result]:
    """The published results an institution can attach to a solution."""
    return list(session.scalars(
        select(Result).where(Result.organization_id == organization_id,
                             Result.status == ResultStatus.PUBLISHED).order_by(Result.id)))


def submit_solution(session: Session, author: User, need: Need, *, summary: str, approach: str,
                    result_ids: list[int], price_wan: Decimal | None, timeline: str) -> Solution:
    """Submit an institution's solution to an open need."""
    if not (author.organization.can_post_results or author.is_operator):
        raise PermissionError("only universities and institutes submit solutions")
    if not need.status.is_open:
        raise SolutionRefused("该需求当前不接受解决方案")
    if need.organization_id == author.organization_id:
        raise SolutionRefused("不能向本机构的需求提交方案")
    allowed = {r.id: r for r in linkable_results(session, author.organization_id)}
    unknown = [rid for rid in result_ids if rid not in allowed]
    if unknown:
        raise SolutionRefused("只能关联本机构已发布的成果")
    solution = Solution(need=need, organization_id=author.organization_id, author_id=author.id,
                        summary=summary.strip(), approach=approach.strip(), price_wan=price_wan,
                        timeline=timeline.strip(), status=SolutionStatus.SUBMITTED,
                        results=[allowed[rid] for rid in result_ids])
    session.add(solution)
    session.flush()
    return solution


def can_view_solution(user: User | None, solution: Solution) -> bool:
    """The submitting institution, the need's enterprise and operators see a solution."""
    if user is None:
        return False
    return user.is_operator or user.organization_id in (
        solution.organization_id, solution.need.organization_id)
