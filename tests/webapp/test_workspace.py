"""我的 (issue 17, part 5): one page with the organisation's needs, results, solutions and
dockings, their states and counts, and the to-dos; computed in a bounded number of queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingMessage,
    DockingState,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    Side,
    Solution,
    SolutionStatus,
    User,
)
from webapp.dockings.services import Step
from webapp.workspace.services import workspace

from support import page_text


def _solution(db: Session, need: Need, author: User,
              status: SolutionStatus = SolutionStatus.SUBMITTED) -> Solution:
    solution = Solution(need=need, organization_id=author.organization_id, author_id=author.id,
                        summary="基于机器视觉的在线检测方案，适配现有产线。",
                        approach="一、采集图像；二、训练模型；三、产线验证。", status=status)
    db.add(solution)
    db.commit()
    return solution


def _message(db: Session, docking: Docking, author: User, body: str = "请问何时方便面谈？") -> None:
    db.add(DockingMessage(docking_id=docking.id, author_id=author.id, body=body))
    db.commit()


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    engine = app.extensions["db_engine"]
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_workspace_is_in_the_navigation_and_asks_visitors_to_log_in(
        client: FlaskClient, as_enterprise: FlaskClient) -> None:
    assert 'href="/me"' in as_enterprise.get("/").get_data(as_text=True)
    assert 'href="/me"' not in client.get("/").get_data(as_text=True)
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_enterprise_sees_its_records_counts_and_todos(
        db: Session, enterprise_user: User, institution_user: User,
        as_enterprise: FlaskClient, make_need: Callable[..., Need],
        make_result: Callable[..., Result], make_docking: Callable[..., Docking]) -> None:
    need = make_need(enterprise_user, title="高精度涂布厚度在线检测")
    make_need(enterprise_user, status=NeedStatus.DRAFT, title="草稿中的需求")
    submitted = _solution(db, need, institution_user)
    _solution(db, need, institution_user, SolutionStatus.DECLINED)
    waiting_on_us = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                                 interest_side=Side.SUPPLY)
    waiting_on_them = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                                   interest_side=Side.NEED)
    negotiating = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    docked = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    _message(db, docked, institution_user)
    signed = make_docking(enterprise_user, institution_user, DockingState.SIGNED)

    space = workspace(db, enterprise_user)
    todos = [(t.step, t.docking.id if t.docking else None, t.solution.id if t.solution else None)
             for t in space.todos]
    assert todos == [(None, None, submitted.id), (Step.AGREE, waiting_on_us.id, None),
                     (Step.SIGN, negotiating.id, None), (Step.REPLY, docked.id, None),
                     (Step.NEGOTIATE, docked.id, None)]
    assert space.need_counts[NeedStatus.DRAFT] == 1
    assert space.solution_counts == {SolutionStatus.SUBMITTED: 1, SolutionStatus.DECLINED: 1}
    assert space.docking_counts == {DockingState.INTEREST: 2, DockingState.DOCKED: 1,
                                    DockingState.NEGOTIATING: 1, DockingState.SIGNED: 1}
    listed = [d.id for d in space.dockings]
    assert signed.id not in listed and listed[-1] == waiting_on_them.id

    page = as_enterprise.get("/me")
    assert page.status_code == 200
    text = page_text(page)
    assert "待办 5 " in text and "审阅解决方案" in text
    assert "技术需求 7 草稿 1 已发布 6" in text  # five dockings' needs, and the two above
    assert "等待供给方：同意对接" in text  # the docking waiting on the other side is no to-do
    html = page.get_data(as_text=True)
    assert f'href="/dockings/{negotiating.id}#deal-form"' in html
    assert f'href="/dockings/{docked.id}#message-form"' in html
    assert f'href="/solutions/{submitted.id}"' in html
    assert 'href="/dockings?state=signed"' in html

    # Deciding the solution takes it off the list.
    as_enterprise.post(f"/solutions/{submitted.id}/decline")
    db.expire_all()
    assert all(t.solution is None for t in workspace(db, enterprise_user).todos)


@pytest.mark.parametrize(("state", "interest_side"), [
    (DockingState.SUGGESTED, None), (DockingState.INTEREST, Side.SUPPLY),
    (DockingState.INTEREST, Side.NEED), (DockingState.DOCKED, Side.SUPPLY),
    (DockingState.NEGOTIATING, Side.SUPPLY), (DockingState.DROPPED, Side.SUPPLY)])
def test_the_dashboard_and_the_docking_page_agree_on_whose_move(
        db: Session, enterprise_user: User, institution_user: User,
        as_enterprise: FlaskClient, as_institution: FlaskClient,
        make_docking: Callable[..., Docking], state: DockingState,
        interest_side: Side | None) -> None:
    docking = make_docking(enterprise_user, institution_user, state,
                           interest_side=interest_side or Side.SUPPLY)
    for user, client in ((enterprise_user, as_enterprise), (institution_user, as_institution)):
        steps = {t.step for t in workspace(db, user).todos}
        page = page_text(client.get(f"/dockings/{docking.id}"))
        for step in Step:
            label = {"take_up": "表达意向", "agree": "同意对接", "negotiate": "进入洽谈",
                     "sign": "登记签约", "reply": "回复消息"}[step.value]
            mine = f"轮到我方：{label}" in page or f"双方均可：{label}" in page
            assert mine == (step in steps), (user.email, state, step)


def test_institution_sees_its_results_and_submitted_solutions(
        db: Session, enterprise_user: User, institution_user: User,
        as_institution: FlaskClient, make_need: Callable[..., Need],
        make_result: Callable[..., Result]) -> None:
    need = make_need(enterprise_user, title="电池极片缺陷检测需求")
    make_result(institution_user, title="极片缺陷视觉检测系统")
    _solution(db, need, institution_user)
    text = page_text(as_institution.get("/me"))
    assert "科技成果 1" in text and "极片缺陷视觉检测系统" in text
    assert "解决方案 1" in text and "电池极片缺陷检测需求" in text
    assert "审阅解决方案" not in text  # the enterprise decides, not the institution
    assert "本机构全部需求" not in text  # a university posts no needs


def test_broker_sees_assigned_dockings_and_operator_the_reports(
        enterprise_user: User, institution_user: User, broker_user: User,
        as_broker: FlaskClient, as_operator: FlaskClient,
        make_docking: Callable[..., Docking]) -> None:
    assigned = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                            broker=broker_user)
    make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    broker = as_broker.get("/me")
    html, text = broker.get_data(as_text=True), page_text(broker)
    assert f'href="/dockings/{assigned.id}"' in html and "对接 1" in text
    assert "等待双方：进入洽谈" in text and "待办 0" in text
    operator = as_operator.get("/me").get_data(as_text=True)
    assert 'href="/reports"' in operator and "平台运营" in operator


def test_the_workspace_takes_a_fixed_number_of_queries(
        app: Flask, db: Session, enterprise_user: User, institution_user: User,
        as_enterprise: FlaskClient, make_need: Callable[..., Need],
        make_docking: Callable[..., Docking], make_user: Callable[..., User],
        make_org: Callable[..., Organization]) -> None:
    def add_records() -> None:
        # A new institution each time, so that nothing it needs is already loaded.
        institution = make_user(make_org(OrgKind.UNIVERSITY))
        need = make_need(enterprise_user)
        _solution(db, need, institution)
        docking = make_docking(enterprise_user, institution, DockingState.DOCKED)
        _message(db, docking, institution)
        make_docking(enterprise_user, institution, DockingState.INTEREST)
        db.expire_all()

    add_records()
    as_enterprise.get("/me")  # warm caches (the matcher, compiled templates)
    with _statements(app) as few:
        assert as_enterprise.get("/me").status_code == 200
    for _ in range(4):
        add_records()
    with _statements(app) as many:
        text = page_text(as_enterprise.get("/me"))
    assert "待办 20" in text
    assert len(many) == len(few), "\n".join(many)
