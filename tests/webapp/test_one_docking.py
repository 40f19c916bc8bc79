"""One open docking per need and supplying organisation (issue 17, part 1): interest, a solution,
its acceptance and a broker's introduction all join that docking, and the pages offer only what
its state allows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingEvent,
    DockingMessage,
    DockingState,
    Need,
    Result,
    Side,
    Solution,
    SolutionStatus,
    User,
)

from support import page_text


def _dockings(db: Session) -> list[Docking]:
    db.expire_all()
    return list(db.scalars(select(Docking).order_by(Docking.id)))


def _submit_solution(client: FlaskClient, need: Need, result: Result, db: Session) -> Solution:
    response = client.post(f"/needs/{need.id}/solutions/new", data={
        "summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
        "approach": "线阵相机采集极片图像，分割模型识别涂布缺陷并反馈到涂布机。",
        "result_ids": [result.id]})
    assert response.status_code == 302
    solution = db.scalar(select(Solution).order_by(Solution.id.desc()))
    assert solution is not None
    return solution


def test_interest_then_acceptance_is_one_docking(
        as_enterprise: FlaskClient, as_institution: FlaskClient, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need, result = make_need(enterprise_user), make_result(institution_user)
    as_institution.post("/dockings/interest", data={
        "need_id": need.id, "result_id": result.id, "message": "我们有现成的检测系统"})
    solution = _submit_solution(as_institution, need, result, db)
    response = as_enterprise.post(f"/solutions/{solution.id}/accept")
    assert response.status_code == 302

    [docking] = _dockings(db)
    assert docking.state is DockingState.DOCKED
    assert (docking.result_id, docking.solution_id) == (result.id, solution.id)
    assert [(e.from_state, e.to_state) for e in docking.events] == [
        (DockingState.SUGGESTED, DockingState.INTEREST),
        (DockingState.INTEREST, DockingState.INTEREST),  # the solution joined
        (DockingState.INTEREST, DockingState.DOCKED)]
    assert [m.body for m in docking.messages] == ["我们有现成的检测系统"]

    # Nothing left to agree to: the enterprise is offered the next steps only.
    text = page_text(as_enterprise.get(f"/dockings/{docking.id}"))
    assert "同意对接" not in text and "进入：洽谈中" in text
    # The institution is sent to the docking, not offered a second 感兴趣.
    need_page = as_institution.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'action="/dockings/interest"' not in need_page
    assert f'href="/dockings/{docking.id}"' in need_page
    assert as_institution.get(f"/solutions/{solution.id}").get_data(as_text=True).count(
        f'href="/dockings/{docking.id}"') >= 1


def test_a_second_result_of_the_same_institution_joins_the_open_docking(
        as_enterprise: FlaskClient, as_institution: FlaskClient, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need = make_need(enterprise_user)
    first, second = make_result(institution_user), make_result(institution_user, title="第二项成果")
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": first.id})
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": second.id,
                                                    "message": "另一项也适用"})
    [docking] = _dockings(db)
    assert docking.state is DockingState.INTEREST and docking.interest_side is Side.SUPPLY
    assert "第二项成果" in docking.events[-1].note
    assert [m.body for m in docking.messages] == ["另一项也适用"]
    # The enterprise's interest in the second result is its agreement to the open docking.
    as_enterprise.post("/dockings/interest", data={"need_id": need.id, "result_id": second.id,
                                                   "back": "result"})
    [docking] = _dockings(db)
    assert docking.state is DockingState.DOCKED


def test_the_database_refuses_a_second_open_docking(
        db: Session, enterprise_user: User, institution_user: User,
        make_docking: Callable[..., Docking], make_result: Callable[..., Result]) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.INTEREST)
    other = make_result(institution_user, title="第二项成果")
    db.add(Docking(need_id=docking.need_id, result_id=other.id,
                   need_org_id=docking.need_org_id, supply_org_id=docking.supply_org_id,
                   state=DockingState.DOCKED, interest_side=Side.SUPPLY))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    # Beside a dropped or signed docking, or as a mere suggestion, a second one is allowed.
    db.add(Docking(need_id=docking.need_id, result_id=other.id,
                   need_org_id=docking.need_org_id, supply_org_id=docking.supply_org_id,
                   state=DockingState.SUGGESTED))
    db.commit()


def test_accepting_a_solution_joins_a_docking_already_under_way(
        as_enterprise: FlaskClient, as_institution: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: Callable[..., Docking],
        make_result: Callable[..., Result], db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    solution = _submit_solution(as_institution, docking.need, docking.result, db)
    as_enterprise.post(f"/solutions/{solution.id}/accept")
    [joined] = _dockings(db)
    assert joined.id == docking.id and joined.state is DockingState.NEGOTIATING
    assert joined.solution_id == solution.id
    assert db.get(Solution, solution.id).status is SolutionStatus.ACCEPTED  # type: ignore[union-attr]
    assert joined.events[-1].note == "采纳解决方案"


def test_a_brokers_introduction_joins_or_suggests(
        app: object, as_broker: FlaskClient, broker_user: User, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], make_docking: Callable[..., Docking],
        db: Session) -> None:
    need, result = make_need(enterprise_user), make_result(institution_user)
    response = as_broker.post(f"/needs/{need.id}/introduce", data={
        "result_id": result.id, "note": "两家都在苏州"})
    assert response.status_code == 302
    [docking] = _dockings(db)
    assert docking.state is DockingState.SUGGESTED and docking.broker_id == broker_user.id
    assert "两家都在苏州" in docking.events[-1].note
    # Either side takes it up with 感兴趣; a second introduction joins the open docking.
    docking.state, docking.interest_side = DockingState.INTEREST, Side.NEED
    db.commit()
    other = make_result(institution_user, title="第二项成果")
    as_broker.post(f"/needs/{need.id}/introduce", data={"result_id": other.id})
    dockings = _dockings(db)
    assert len(dockings) == 1 and "第二项成果" in dockings[0].events[-1].note
    assert db.scalar(select(DockingEvent).where(DockingEvent.docking_id == docking.id,
                                                DockingEvent.actor_id == broker_user.id))


def test_only_brokers_and_operators_introduce(
        as_enterprise: FlaskClient, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        db: Session) -> None:
    need, result = make_need(enterprise_user), make_result(institution_user)
    response = as_enterprise.post(f"/needs/{need.id}/introduce", data={"result_id": result.id})
    assert response.status_code == 403
    assert _dockings(db) == [] and db.scalar(select(DockingMessage)) is None
