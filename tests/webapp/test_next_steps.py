"""A next step on every page (issue 17, part 4): the explanation page offers interest, a
solution and the way back to the need; the docking page says whose move it is and offers it;
docking titles name the other party; an enterprise at the solution form learns who submits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Docking, DockingState, Match, Need, Result, Side, User
from webapp.dockings.services import Step, last_message_sides, whose_move

from support import page_text


def _match(db: Session, need: Need, result: Result) -> Match:
    match = Match(need_id=need.id, result_id=result.id, score=0.6, text_score=0.6,
                  parts={"coverage": 0.6}, terms=[], matcher_version="test")
    db.add(match)
    db.commit()
    return match


def _steps(docking: Docking, last: Side | None = None) -> list[tuple[Step, set[Side]]]:
    return [(t.step, set(t.sides)) for t in whose_move(docking, last)]


def test_whose_move_follows_the_state(make_docking: Callable[..., Docking],
                                      enterprise_user: User, institution_user: User) -> None:
    interest = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                            interest_side=Side.SUPPLY)
    assert _steps(interest) == [(Step.AGREE, {Side.NEED})]
    # An unanswered message asks the other side for a reply, while the docking is under way.
    assert _steps(interest, Side.NEED) == [(Step.AGREE, {Side.NEED}),
                                           (Step.REPLY, {Side.SUPPLY})]
    docked = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    assert _steps(docked) == [(Step.NEGOTIATE, {Side.NEED, Side.SUPPLY})]
    negotiating = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    assert _steps(negotiating) == [(Step.SIGN, {Side.NEED, Side.SUPPLY})]
    suggested = make_docking(enterprise_user, institution_user, DockingState.SUGGESTED)
    assert _steps(suggested) == [(Step.TAKE_UP, {Side.NEED, Side.SUPPLY})]
    for final in (DockingState.SIGNED, DockingState.DROPPED):
        assert _steps(make_docking(enterprise_user, institution_user, final), Side.NEED) == []


def test_last_message_sides_ignore_notes_and_come_in_one_query(
        app: Flask, db: Session, make_docking: Callable[..., Docking], enterprise_user: User,
        institution_user: User, broker_user: User, as_institution: FlaskClient,
        as_broker: FlaskClient) -> None:
    first = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                         broker=broker_user)
    second = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    as_institution.post(f"/dockings/{first.id}/messages", data={"body": "您好"})
    as_broker.post(f"/dockings/{first.id}/messages", data={"body": "经理人备注", "is_note": "y"})
    db.expire_all()
    assert last_message_sides(db, [first, second]) == {first.id: Side.SUPPLY, second.id: None}


def test_docking_page_says_whose_move_and_offers_it(
        db: Session, make_docking: Callable[..., Docking], enterprise_user: User,
        institution_user: User, as_enterprise: FlaskClient, as_institution: FlaskClient) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                           interest_side=Side.SUPPLY)
    ent = as_enterprise.get(f"/dockings/{docking.id}").get_data(as_text=True)
    uni = as_institution.get(f"/dockings/{docking.id}").get_data(as_text=True)
    assert "轮到我方：同意对接" in ent and 'name="to" value="docked"' in ent
    assert "等待需求方：同意对接" in uni and 'name="to" value="docked"' not in uni

    as_institution.post(f"/dockings/{docking.id}/messages", data={"body": "期待您的回复"})
    ent = as_enterprise.get(f"/dockings/{docking.id}").get_data(as_text=True)
    assert "轮到我方：回复消息" in ent and 'href="#message-form"' in ent
    uni = as_institution.get(f"/dockings/{docking.id}").get_data(as_text=True)
    assert "等待需求方：回复消息" in uni and 'href="#message-form"' not in uni

    negotiating = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    page = as_enterprise.get(f"/dockings/{negotiating.id}").get_data(as_text=True)
    assert "双方均可：登记签约" in page and 'href="#deal-form"' in page

    signed = make_docking(enterprise_user, institution_user, DockingState.SIGNED)
    page = as_enterprise.get(f"/dockings/{signed.id}").get_data(as_text=True)
    assert "已签约，对接完成" in page
    assert 'name="to"' not in page and 'href="#deal-form"' not in page


def test_docking_titles_name_the_need_and_the_other_party(
        make_docking: Callable[..., Docking], enterprise_user: User, institution_user: User,
        as_enterprise: FlaskClient, as_institution: FlaskClient,
        as_operator: FlaskClient) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    need = docking.need.title
    assert f"{need} · 对方：江南工业大学" in page_text(as_enterprise.get("/dockings"))
    assert f"{need} · 对方：苏州精测装备有限公司" in page_text(
        as_institution.get(f"/dockings/{docking.id}"))
    assert f"{need} · 苏州精测装备有限公司 ↔ 江南工业大学" in page_text(
        as_operator.get(f"/dockings/{docking.id}"))
    english = page_text(as_enterprise.get(f"/dockings/{docking.id}?lang=en"))
    assert f"{need} · with 江南工业大学" in english


def test_explanation_page_offers_the_next_steps(
        db: Session, enterprise_user: User, institution_user: User, client: FlaskClient,
        as_enterprise: FlaskClient, as_institution: FlaskClient,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    _match(db, need, result)
    url = f"/needs/{need.id}/matches/{result.id}"
    back = f'href="/needs/{need.id}?result={result.id}"'

    uni = as_institution.get(url).get_data(as_text=True)
    assert "表达意向" in uni and f'href="/needs/{need.id}/solutions/new"' in uni and back in uni
    ent = as_enterprise.get(url).get_data(as_text=True)
    assert "表达意向" in ent and "/solutions/new" not in ent
    visitor = client.get(url).get_data(as_text=True)
    assert "登录后可表达意向或提交解决方案" in visitor and "表达意向</button>" not in visitor

    # Interest from the explanation page opens the docking; the page then leads there.
    response = as_institution.post("/dockings/interest", data={
        "need_id": need.id, "result_id": result.id, "back": "need"})
    docking = db.scalar(select(Docking))
    assert docking is not None and docking.state is DockingState.INTEREST
    assert response.headers["Location"].endswith(f"/dockings/{docking.id}")
    uni = as_institution.get(url).get_data(as_text=True)
    assert "表达意向</button>" not in uni and f'href="/dockings/{docking.id}"' in uni
    assert "等待需求方：同意对接" in uni
    ent = as_enterprise.get(url).get_data(as_text=True)
    assert "轮到我方：同意对接" in ent and "表达意向</button>" not in ent

    # A closed need offers neither interest nor a solution any more.
    closed = make_need(enterprise_user, status=need.status.CLOSED)
    _match(db, closed, result)
    page = as_institution.get(f"/needs/{closed.id}/matches/{result.id}").get_data(as_text=True)
    assert "表达意向</button>" not in page and "/solutions/new" not in page


def test_interest_form_defaults_to_the_result_the_user_came_from(
        enterprise_user: User, institution_user: User, as_institution: FlaskClient,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    need = make_need(enterprise_user)
    make_result(institution_user, title="第一项成果")
    second = make_result(institution_user, title="第二项成果")
    html = as_institution.get(f"/needs/{need.id}?result={second.id}").get_data(as_text=True)
    assert f'<option value="{second.id}" selected>' in html
    plain = as_institution.get(f"/needs/{need.id}").get_data(as_text=True)
    assert " selected>" not in plain.split('id="interest-result"')[1].split("</select>")[0]


def test_result_page_interest_form_defaults_to_the_need_the_user_came_from(
        enterprise_user: User, institution_user: User, as_enterprise: FlaskClient,
        make_need: Callable[..., Need], make_result: Callable[..., Result]) -> None:
    result = make_result(institution_user)
    make_need(enterprise_user, title="第一项需求")
    second = make_need(enterprise_user, title="第二项需求")
    html = as_enterprise.get(f"/results/{result.id}?need={second.id}").get_data(as_text=True)
    assert f'<option value="{second.id}" selected>' in html


def test_enterprise_at_the_solution_form_learns_who_submits(
        enterprise_user: User, other_enterprise_user: User, as_other_enterprise: FlaskClient,
        make_need: Callable[..., Any]) -> None:
    need = make_need(enterprise_user)
    response = as_other_enterprise.get(f"/needs/{need.id}/solutions/new")
    assert response.status_code == 403
    text = page_text(response)
    assert "谁可以提交解决方案" in text and "高校和科研院所" in text
    assert "发布本机构的技术需求" in text and f'href="/needs/{need.id}"' in response.get_data(
        as_text=True)
