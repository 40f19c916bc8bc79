"""What the workspace page shows, computed in a fixed number of queries whatever the number of
listings and dockings (counts by grouping, lists by limit, relations loaded with their rows).

The to-dos are the solutions the organisation has to decide on and the dockings whose move is
the organisation's, as ``dockings.services.whose_move`` says: the docking page asks the same
function, so the two always agree.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import (
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Result,
    ResultStatus,
    Solution,
    SolutionStatus,
    User,
)
from models.docking import OPEN_STATES

from ..dockings.services import Step, Turn, last_message_sides, my_turns, whose_move

E = TypeVar("E", bound=enum.Enum)

#: How many of each kind of record the page lists (the counts cover them all).
LISTED = 5
#: How many dockings under way the page lists, the user's moves first.
DOCKINGS_LISTED = 10
#: Solutions the enterprise has yet to decide on.
UNDECIDED = (SolutionStatus.SUBMITTED, SolutionStatus.SHORTLISTED)
# Dockings still waiting for someone: the open ones and suggested pairs (introductions).
_UNDER_WAY = (*OPEN_STATES, DockingState.SUGGESTED)
# The order of the to-dos: decisions others wait on first.
_STEP_ORDER = {Step.AGREE: 0, Step.SIGN: 1, Step.REPLY: 2, Step.NEGOTIATE: 3, Step.TAKE_UP: 4}


@dataclass(frozen=True)
class Todo:
    """One thing that waits for the user: a solution to decide on, or a docking's step."""

    step: Step | None  # None: a solution to review
    docking: Docking | None = None
    solution: Solution | None = None


@dataclass
class Workspace:
    """Everything the workspace page shows for one user."""

    need_counts: dict[NeedStatus, int] = field(default_factory=dict)
    result_counts: dict[ResultStatus, int] = field(default_factory=dict)
    solution_counts: dict[SolutionStatus, int] = field(default_factory=dict)
    docking_counts: dict[DockingState, int] = field(default_factory=dict)
    needs: list[Need] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)
    dockings: list[Docking] = field(default_factory=list)
    turns: dict[int, list[Turn]] = field(default_factory=dict)
    todos: list[Todo] = field(default_factory=list)

    def total(self, counts: dict[Any, int]) -> int:
        """The sum of one of the count dictionaries."""
        return sum(counts.values())


def _counts(session: Session, column: Any, states: type[E], *where: Any) -> dict[E, int]:
    """Rows per value of ``column``, in the order of ``states``; zeros left out."""
    rows: dict[Any, int] = dict(
        session.execute(select(column, func.count()).where(*where).group_by(column)).all())
    return {state: rows[state] for state in states if state in rows}


def _dockings_of(user: User) -> Any:
    """The dockings the user's workspace covers: the organisation's, and those the user
    brokers."""
    org = user.organization_id
    return or_(Docking.need_org_id == org, Docking.supply_org_id == org,
               Docking.broker_id == user.id)


def workspace(session: Session, user: User) -> Workspace:
    """The user's workspace: the organisation's needs, results, solutions (received for its
    needs or submitted by it) and dockings with their counts by state, and the to-dos."""
    org = user.organization_id
    space = Workspace()
    space.need_counts = _counts(session, Need.status, NeedStatus, Need.organization_id == org)
    space.result_counts = _counts(session, Result.status, ResultStatus,
                                 Result.organization_id == org)
    ours = or_(Solution.organization_id == org,
               Solution.need_id.in_(select(Need.id).where(Need.organization_id == org)))
    space.solution_counts = _counts(session, Solution.status, SolutionStatus, ours)
    space.docking_counts = _counts(session, Docking.state, DockingState, _dockings_of(user))
    space.needs = list(session.scalars(
        select(Need).where(Need.organization_id == org)
        .order_by(Need.updated_at.desc(), Need.id.desc()).limit(LISTED)))
    space.results = list(session.scalars(
        select(Result).where(Result.organization_id == org)
        .order_by(Result.updated_at.desc(), Result.id.desc()).limit(LISTED)))
    space.solutions = list(session.scalars(
        select(Solution).where(ours).options(joinedload(Solution.need),
                                             joinedload(Solution.organization))
        .order_by(Solution.updated_at.desc(), Solution.id.desc()).limit(LISTED)))
    undecided = list(session.scalars(
        select(Solution).join(Solution.need)
        .where(Need.organization_id == org, Solution.status.in_(UNDECIDED))
        .options(joinedload(Solution.need), joinedload(Solution.organization))
        .order_by(Solution.created_at, Solution.id)))
    under_way = list(session.scalars(
        select(Docking).where(_dockings_of(user), Docking.state.in_(_UNDER_WAY))
        .options(joinedload(Docking.need), joinedload(Docking.need_org),
                 joinedload(Docking.supply_org), joinedload(Docking.result),
                 selectinload(Docking.solution))
        .order_by(Docking.updated_at.desc(), Docking.id.desc())))
    space.todos, space.dockings, space.turns = _todos(session, user, undecided, under_way)
    return space


def _todos(session: Session, user: User, undecided: Sequence[Solution],
           under_way: Sequence[Docking]) -> tuple[list[Todo], list[Docking], dict[int, list[Turn]]]:
    """The to-dos, the dockings to list (the user's moves first) and every listed docking's
    turns."""
    last = last_message_sides(session, under_way)
    todos = [Todo(step=None, solution=s) for s in undecided]
    moves: list[tuple[int, Todo]] = []
    turns: dict[int, list[Turn]] = {}
    mine: set[int] = set()
    for docking in under_way:
        turns[docking.id] = whose_move(docking, last[docking.id])
        for turn in my_turns(user, docking, last[docking.id]):
            moves.append((_STEP_ORDER[turn.step], Todo(step=turn.step, docking=docking)))
            mine.add(docking.id)
    todos += [todo for _, todo in sorted(moves, key=lambda pair: pair[0])]
    listed = sorted(under_way, key=lambda d: d.id not in mine)[:DOCKINGS_LISTED]
    return todos, listed, turns


class Area(enum.StrEnum):
    """The parts of the workspace a user sees, by what the organisation and the role do."""

    NEEDS = "needs"
    RESULTS = "results"
    SOLUTIONS = "solutions"
    DOCKINGS = "dockings"
    REPORTS = "reports"


def areas_for(user: User, space: Workspace) -> list[Area]:
    """Enterprises see needs, institutions results, both solutions and dockings; brokers the
    dockings assigned to them; operators a way to the reports. An area with records shows
    whatever the organisation's kind."""
    org = user.organization
    shown: list[Area] = []
    if org.can_post_needs or space.need_counts:
        shown.append(Area.NEEDS)
    if org.can_post_results or space.result_counts:
        shown.append(Area.RESULTS)
    if org.can_post_needs or org.can_post_results or space.solution_counts:
        shown.append(Area.SOLUTIONS)
    shown.append(Area.DOCKINGS)
    if user.is_operator:
        shown.append(Area.REPORTS)
    return shown
