"""Deciding on solutions: shortlist, accept (which opens a docked docking), decline, withdraw."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Notification,
    NotificationKind,
    Solution,
    SolutionStatus,
    User,
)

from support import page_text


@pytest.fixture
def make_solution(db: Session, make_need: Callable[..., Need]) -> Callable[..., Solution]:
    """A solution from ``institution`` to a new need of ``enterprise``."""
    def make(enterprise: User, institution: User,
             status: SolutionStatus = SolutionStatus.SUBMITTED) -> Solution:
        need = make_need(enterprise)
        solution = Solution(need_id=need.id, organization_id=institution.organization_id,
                            author_id=institution.id, summary="在线视觉检测方案概述",
                            approach="线阵相机与分割模型", status=status)
        db.add(solution)
        db.commit()
        return solution
    return make


def _status(db: Session, solution: Solution) -> SolutionStatus:
    db.expire_all()
    fresh = db.get(Solution, solution.id)
    assert fresh is not None
    return fresh.status


def test_accepting_opens_a_docked_docking(as_enterprise: FlaskClient, enterprise_user: User,
                                          institution_user: User,
                                          make_solution: Callable[..., Solution],
                                          db: Session) -> None:
    solution = make_solution(enterprise_user, institution_user)
    text = page_text(as_enterprise.get(f"/solutions/{solution.id}"))
    assert "入围" in text and "采纳" in text and "撤回方案" not in text
    as_enterprise.post(f"/solutions/{solution.id}/shortlist")
    assert _status(db, solution) is SolutionStatus.SHORTLISTED
    assert {n.user_id for n in db.scalars(select(Notification).where(
        Notification.kind == NotificationKind.STATUS))} == {institution_user.id}
    response = as_enterprise.post(f"/solutions/{solution.id}/accept", follow_redirects=True)
    assert "方案已采纳，对接已建立" in page_text(response) and "查看对接" in page_text(response)
    assert _status(db, solution) is SolutionStatus.ACCEPTED
    docking = db.scalar(select(Docking))
    assert docking is not None and docking.solution_id == solution.id
    assert docking.state is DockingState.DOCKED
    assert docking.supply_org_id == institution_user.organization_id
    assert docking.events[0].from_state is None and docking.events[0].actor_id == enterprise_user.id
    assert docking.need.status is NeedStatus.DOCKING
    # Docked means both sides see each other's contacts.
    assert institution_user.email in page_text(as_enterprise.get(f"/dockings/{docking.id}"))


@pytest.mark.parametrize(("action", "by", "code", "expected"), [
    ("shortlist", "enterprise", 302, SolutionStatus.SHORTLISTED),
    ("decline", "enterprise", 302, SolutionStatus.DECLINED),
    ("accept", "operator", 302, SolutionStatus.ACCEPTED),
    ("withdraw", "institution", 302, SolutionStatus.WITHDRAWN),
    ("withdraw", "enterprise", 403, SolutionStatus.SUBMITTED),
    ("accept", "institution", 403, SolutionStatus.SUBMITTED),
    ("shortlist", "institution", 403, SolutionStatus.SUBMITTED),
    ("accept", "other_enterprise", 404, SolutionStatus.SUBMITTED),
])
def test_who_decides(action: str, by: str, code: int, expected: SolutionStatus,
                     request: pytest.FixtureRequest, enterprise_user: User,
                     institution_user: User, make_solution: Callable[..., Solution],
                     db: Session) -> None:
    solution = make_solution(enterprise_user, institution_user)
    response = request.getfixturevalue(f"as_{by}").post(f"/solutions/{solution.id}/{action}")
    assert response.status_code == code
    assert _status(db, solution) is expected


@pytest.mark.parametrize("start", [SolutionStatus.ACCEPTED, SolutionStatus.DECLINED,
                                   SolutionStatus.WITHDRAWN])
@pytest.mark.parametrize("action", ["shortlist", "accept", "decline", "withdraw"])
def test_decided_solutions_stay_decided(start: SolutionStatus, action: str,
                                        as_enterprise: FlaskClient, as_institution: FlaskClient,
                                        enterprise_user: User, institution_user: User,
                                        make_solution: Callable[..., Solution],
                                        db: Session) -> None:
    solution = make_solution(enterprise_user, institution_user, start)
    client = as_institution if action == "withdraw" else as_enterprise
    response = client.post(f"/solutions/{solution.id}/{action}", follow_redirects=True)
    assert f"方案当前为“{start.label}”" in page_text(response)
    assert _status(db, solution) is start
    assert db.scalar(select(Docking)) is None


def test_withdraw_after_shortlist(as_institution: FlaskClient, enterprise_user: User,
                                  institution_user: User,
                                  make_solution: Callable[..., Solution], db: Session) -> None:
    solution = make_solution(enterprise_user, institution_user, SolutionStatus.SHORTLISTED)
    as_institution.post(f"/solutions/{solution.id}/withdraw")
    assert _status(db, solution) is SolutionStatus.WITHDRAWN
