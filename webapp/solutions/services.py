"""Solution services: they flush, the views commit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Need, Result, ResultStatus, Solution, SolutionStatus, User
from models.i18n import N_

from ..dockings.services import open_solution_docking
from ..errors import Refused
from ..events import emit, solution_decided, solution_submitted


class SolutionRefused(Refused):
    """A solution cannot be submitted to this need."""


def linkable_results(session: Session, organization_id: int) -> list[Result]:
    """The published results an institution can attach to a solution."""
    return list(session.scalars(
        select(Result).where(Result.organization_id == organization_id,
                             Result.status == ResultStatus.PUBLISHED).order_by(Result.id)))


def may_submit_solutions(user: User | None) -> bool:
    """Members of universities and institutes (and operators) submit solutions."""
    return user is not None and (user.organization.can_post_results or user.is_operator)


def can_submit_solution(user: User | None, need: Need) -> bool:
    """Whether ``user`` may submit a solution to ``need`` now: an institution's member (or an
    operator), to an open need of another organisation."""
    return (may_submit_solutions(user) and need.status.is_open
            and user is not None and user.organization_id != need.organization_id)


def submit_solution(session: Session, author: User, need: Need, *, summary: str, approach: str,
                    result_ids: list[int], price_wan: Decimal | None, timeline: str) -> Solution:
    """Submit an institution's solution to an open need."""
    if not may_submit_solutions(author):
        raise PermissionError("only universities and institutes submit solutions")
    if not need.status.is_open:
        raise SolutionRefused(_("该需求当前不接受解决方案"))
    if need.organization_id == author.organization_id:
        raise SolutionRefused(_("不能向本机构的需求提交方案"))
    allowed = {r.id: r for r in linkable_results(session, author.organization_id)}
    unknown = [rid for rid in result_ids if rid not in allowed]
    if unknown:
        raise SolutionRefused(_("只能关联本机构已发布的成果"))
    solution = Solution(need=need, organization_id=author.organization_id, author_id=author.id,
                        summary=summary.strip(), approach=approach.strip(), price_wan=price_wan,
                        timeline=timeline.strip(), status=SolutionStatus.SUBMITTED,
                        results=[allowed[rid] for rid in result_ids])
    session.add(solution)
    session.flush()
    emit(solution_submitted, session=session, solution=solution)
    return solution


def can_view_solution(user: User | None, solution: Solution) -> bool:
    """The submitting institution, the need's enterprise and operators see a solution."""
    if user is None:
        return False
    return user.is_operator or user.organization_id in (
        solution.organization_id, solution.need.organization_id)


# The enterprise decides on a solution; the institution may take it back while it is undecided
# (and the side that did not act is told: notifications.subscribers).
SOLUTION_TRANSITIONS: dict[SolutionStatus, frozenset[SolutionStatus]] = {
    SolutionStatus.SUBMITTED: frozenset({SolutionStatus.SHORTLISTED, SolutionStatus.ACCEPTED,
                                         SolutionStatus.DECLINED, SolutionStatus.WITHDRAWN}),
    SolutionStatus.SHORTLISTED: frozenset({SolutionStatus.ACCEPTED, SolutionStatus.DECLINED,
                                           SolutionStatus.WITHDRAWN}),
}
ENTERPRISE_DECIDES = frozenset({SolutionStatus.SHORTLISTED, SolutionStatus.ACCEPTED,
                                 SolutionStatus.DECLINED})


def can_decide(user: User | None, solution: Solution, to: SolutionStatus) -> bool:
    """Whether ``user`` may move ``solution`` to ``to`` now."""
    if user is None or to not in SOLUTION_TRANSITIONS.get(solution.status, frozenset()):
        return False
    if to in ENTERPRISE_DECIDES:
        return user.is_operator or user.organization_id == solution.need.organization_id
    return user.is_operator or user.organization_id == solution.organization_id


def decide_solution(session: Session, actor: User, solution: Solution,
                    to: SolutionStatus) -> Solution:
    """Shortlist, accept, decline or withdraw a solution; accepting opens a docked docking."""
    if to not in SOLUTION_TRANSITIONS.get(solution.status, frozenset()):
        raise SolutionRefused(_("方案当前为“%(now)s”，不能变为“%(to)s”",
                                now=_(solution.status.label), to=_(to.label)))
    if not can_decide(actor, solution, to):
        raise PermissionError(f"user {actor.id} may not move solution {solution.id} to {to}")
    solution.status = to
    session.flush()
    if to is SolutionStatus.ACCEPTED:
        open_solution_docking(session, actor, solution)
    emit(solution_decided, session=session, solution=solution, actor=actor, to=to)
    return solution


# --- comparing a need's solutions ----------------------------------------------------------------

def solution_maturity(solution: Solution) -> int | None:
    """A solution's maturity: the highest TRL of the results it builds on (none linked: none)."""
    return max((r.trl for r in solution.results if r.trl is not None), default=None)


# Decided and shortlisted ones first: what the enterprise is weighing stays on top.
_STATUS_RANK = {SolutionStatus.ACCEPTED: 0, SolutionStatus.SHORTLISTED: 1,
                SolutionStatus.SUBMITTED: 2, SolutionStatus.DECLINED: 3,
                SolutionStatus.WITHDRAWN: 4}


def _newest(s: Solution) -> tuple[float, int]:
    return (-s.created_at.timestamp(), -s.id)


#: The orders of the comparison, by name (the first is the default), with their keys.
COMPARE_SORTS: dict[str, tuple[str, Callable[[Solution], tuple[Any, ...]]]] = {
    "status": (N_("入围优先"), lambda s: (_STATUS_RANK[s.status], *_newest(s))),
    "price": (N_("报价最低"), lambda s: (s.price_wan is None, s.price_wan or 0, *_newest(s))),
    "maturity": (N_("成熟度最高"),
                 lambda s: (-(solution_maturity(s) or 0), *_newest(s))),
    "newest": (N_("最新提交"), _newest),
}


def solutions_to_compare(session: Session, need: Need, sort: str, *,
                         shortlisted_only: bool = False) -> list[Solution]:
    """A need's solutions side by side, in the order ``sort`` names (unknown: the first):
    withdrawn ones left out, and all but the shortlisted and accepted when asked."""
    rows = session.scalars(select(Solution).where(
        Solution.need_id == need.id, Solution.status != SolutionStatus.WITHDRAWN))
    chosen = [s for s in rows if not shortlisted_only or s.status in (
        SolutionStatus.SHORTLISTED, SolutionStatus.ACCEPTED)]
    key = COMPARE_SORTS.get(sort, next(iter(COMPARE_SORTS.values())))[1]
    return sorted(chosen, key=key)
