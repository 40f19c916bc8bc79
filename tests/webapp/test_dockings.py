"""The docking workflow: interest, agreement, every transition, who may do what, contacts,
visibility, conflicts and the "我的对接" list."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingEvent,
    DockingMessage,
    DockingState,
    Need,
    NeedStatus,
    OrgKind,
    Result,
    Side,
    User,
)
from models.docking import TRANSITIONS
from models.taxonomy import Field

from support import login, page_text

MakeDocking = Callable[..., Docking]


def _reload(db: Session, docking: Docking) -> Docking:
    db.expire_all()
    fresh = db.get(Docking, docking.id)
    assert fresh is not None
    return fresh


def _need_status(db: Session, need_id: int) -> NeedStatus:
    db.expire_all()
    need = db.get(Need, need_id)
    assert need is not None
    return need.status


def _move(client: FlaskClient, docking: Docking, to: DockingState, **extra: Any) -> Any:
    return client.post(f"/api/v1/dockings/{docking.id}/transitions",
                       json={"to": to.value, "version": docking.version, **extra})


# --- showing interest and agreeing -----------------------------------------------------------

def test_institution_shows_interest_and_enterprise_agrees(
        as_institution: FlaskClient, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user, contact_name="王老师", contact_phone="021-55550000")
    # The need page offers the institution its results to pair with.
    page = page_text(as_institution.get(f"/needs/{need.id}"))
    assert "感兴趣" in page and result.title in page
    response = as_institution.post("/dockings/interest", data={
        "need_id": need.id, "result_id": result.id, "message": "我们的系统已在两家电池厂应用。"})
    assert response.status_code == 302
    docking = db.scalar(select(Docking))
    assert docking is not None
    assert docking.state is DockingState.INTEREST and docking.interest_side is Side.SUPPLY
    assert [(e.from_state, e.to_state, e.actor_id) for e in docking.events] == [
        (DockingState.SUGGESTED, DockingState.INTEREST, institution_user.id)]
    assert [m.body for m in docking.messages] == ["我们的系统已在两家电池厂应用。"]
    assert _need_status(db, need.id) is NeedStatus.DOCKING
    # Before agreement neither side sees the other's contacts.
    for client in (as_institution, as_enterprise):
        text = page_text(client.get(f"/dockings/{docking.id}"))
        assert "021-55550000" not in text and enterprise_user.email not in text
        assert "双方确认对接后可查看对方联系方式" in text
    # The interested side cannot agree with itself.
    assert _move(as_institution, docking, DockingState.DOCKED).status_code == 403
    assert "同意对接" in page_text(as_enterprise.get(f"/dockings/{docking.id}"))
    response = as_enterprise.post(f"/dockings/{docking.id}/move",
                                  data={"to": "docked", "version": docking.version})
    assert response.status_code == 302
    docking = _reload(db, docking)
    assert docking.state is DockingState.DOCKED
    for client in (as_institution, as_enterprise):
        text = page_text(client.get(f"/dockings/{docking.id}"))
        assert "王老师 021-55550000" in text and enterprise_user.email in text
        assert institution_user.email in text


def test_enterprise_shows_interest_from_result_page_and_second_interest_agrees(
        as_institution: FlaskClient, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    assert need.title in page_text(as_enterprise.get(f"/results/{result.id}"))
    as_enterprise.post("/dockings/interest",
                       data={"need_id": need.id, "result_id": result.id, "back": "result"})
    docking = db.scalar(select(Docking))
    assert docking is not None and docking.interest_side is Side.NEED
    # Saying 感兴趣 twice from the same side is refused and changes nothing.
    response = as_enterprise.post("/dockings/interest",
                                  data={"need_id": need.id, "result_id": result.id},
                                  follow_redirects=True)
    assert "无需再次表达意向" in page_text(response)
    assert len(_reload(db, docking).events) == 1
    # The other side's 感兴趣 is its agreement.
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id})
    assert _reload(db, docking).state is DockingState.DOCKED


def test_interest_refusals(as_institution: FlaskClient, as_other_enterprise: FlaskClient,
                           enterprise_user: User, institution_user: User,
                           make_need: Callable[..., Need], make_result: Callable[..., Result],
                           db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    # A third organisation speaks for neither side.
    assert as_other_enterprise.post("/dockings/interest", data={
        "need_id": need.id, "result_id": result.id}).status_code == 403
    closed = make_need(enterprise_user, status=NeedStatus.CLOSED)
    response = as_institution.post("/dockings/interest", data={
        "need_id": closed.id, "result_id": result.id}, follow_redirects=True)
    assert "不接受对接" in page_text(response)
    draft = make_need(enterprise_user, status=NeedStatus.DRAFT)
    assert as_institution.post("/dockings/interest", data={
        "need_id": draft.id, "result_id": result.id}).status_code == 404
    assert db.scalar(select(Docking)) is None


# --- every transition ------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product(DockingState, DockingState))


@pytest.mark.parametrize(("start", "to"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_transition_is_allowed_or_refused(
        start: DockingState, to: DockingState, as_enterprise: FlaskClient,
        enterprise_user: User, institution_user: User, make_docking: MakeDocking,
        db: Session) -> None:
    # The enterprise is the side asked to agree, so it holds every party role.
    docking = make_docking(enterprise_user, institution_user, start, interest_side=Side.SUPPLY)
    version = docking.version
    if to is DockingState.SIGNED:
        response = as_enterprise.post(f"/api/v1/dockings/{docking.id}/deal", json={
            "contract_type": "license", "amount_wan": "80", "signed_on": "2025-03-01",
            "version": version})
    else:
        response = _move(as_enterprise, docking, to, drop_reason="price", note="预算不足")
    docking = _reload(db, docking)
    if (start, to) in TRANSITIONS:
        assert response.status_code in (200, 201), response.get_json()
        assert docking.state is to and docking.version == version + 1
        assert (docking.events[-1].from_state, docking.events[-1].to_state) == (start, to)
        assert docking.events[-1].actor_id == enterprise_user.id
    else:
        assert response.status_code == 409
        assert response.get_json()["error"] == "conflict"
        assert docking.state is start and docking.version == version
        assert docking.events == []


def test_dropping_needs_a_reason_and_keeps_it(as_enterprise: FlaskClient, enterprise_user: User,
                                              institution_user: User, make_docking: MakeDocking,
                                              db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    response = _move(as_enterprise, docking, DockingState.DROPPED)
    assert response.status_code == 409 and "原因" in response.get_json()["message"]
    assert _reload(db, docking).state is DockingState.NEGOTIATING
    response = as_enterprise.post(f"/dockings/{docking.id}/move", data={
        "to": "dropped", "drop_reason": "need_solved", "note": "已自行解决",
        "version": docking.version}, follow_redirects=True)
    assert "需求已解决：已自行解决" in page_text(response)
    docking = _reload(db, docking)
    assert docking.state is DockingState.DROPPED and docking.drop_note == "已自行解决"


def test_refused_transition_on_the_page_says_why(as_enterprise: FlaskClient,
                                                 enterprise_user: User, institution_user: User,
                                                 make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DROPPED)
    response = as_enterprise.post(f"/dockings/{docking.id}/move", data={
        "to": "negotiating", "version": docking.version}, follow_redirects=True)
    assert "对接当前为“已终止”，不能变为“洽谈中”" in page_text(response)
    assert _reload(db, docking).state is DockingState.DROPPED


def test_need_status_follows_open_dockings(app: Flask, as_enterprise: FlaskClient,
                                           as_institution: FlaskClient, enterprise_user: User,
                                           institution_user: User,
                                           make_user: Callable[..., User],
                                           make_org: Callable[..., Any],
                                           make_need: Callable[..., Need],
                                           make_result: Callable[..., Result],
                                           db: Session) -> None:
    need = make_need(enterprise_user)
    second_institution = make_user(make_org(OrgKind.UNIVERSITY, name="东海理工大学"))
    first, second = make_result(institution_user), make_result(second_institution,
                                                               title="第二项成果")
    for client, result in ((as_institution, first),
                           (login(app.test_client(), second_institution), second)):
        client.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id})
    db.expire_all()
    assert _need_status(db, need.id) is NeedStatus.DOCKING
    dockings = list(db.scalars(select(Docking).order_by(Docking.id)))
    assert len(dockings) == 2
    _move(as_enterprise, dockings[0], DockingState.DROPPED, drop_reason="price")
    db.expire_all()
    assert _need_status(db, need.id) is NeedStatus.DOCKING
    _move(as_enterprise, dockings[1], DockingState.DROPPED, drop_reason="tech_mismatch")
    assert _need_status(db, need.id) is NeedStatus.PUBLISHED


# --- who may do what -------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "sees"), [
    ("enterprise", True), ("institution", True), ("broker", True), ("operator", True),
    ("other_broker", False), ("other_enterprise", False)])
def test_only_those_involved_see_a_docking(
        role: str, sees: bool, request: pytest.FixtureRequest, enterprise_user: User,
        institution_user: User, broker_user: User, make_docking: MakeDocking,
        db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    db.add(DockingMessage(docking_id=docking.id, author_id=enterprise_user.id, body="机密报价 88 万"))
    db.commit()
    client = request.getfixturevalue(f"as_{role}")
    page = client.get(f"/dockings/{docking.id}")
    api = client.get(f"/api/v1/dockings/{docking.id}")
    posted = client.post(f"/dockings/{docking.id}/messages", data={"body": "你好"})
    listed = page_text(client.get("/dockings"))
    need_html = client.get(f"/needs/{docking.need_id}").get_data(as_text=True)
    link = f'href="/dockings/{docking.id}"'
    if sees:
        assert page.status_code == 200 and api.status_code == 200 and posted.status_code == 302
        text = page_text(page)
        assert "机密报价 88 万" in text and "021-55550000" in text
        assert docking.result.title in listed and link in need_html  # type: ignore[union-attr]
    else:
        assert page.status_code == 404 and api.status_code == 404 and posted.status_code == 404
        assert "机密报价" not in page_text(page) and "021-55550000" not in page_text(page)
        assert docking.result.title not in listed and link not in need_html  # type: ignore[union-attr]
    sent = db.scalars(select(DockingMessage).where(DockingMessage.body == "你好")).all()
    assert len(sent) == (1 if sees else 0)


def test_visitors_are_sent_to_log_in(client: FlaskClient, enterprise_user: User,
                                     institution_user: User, make_docking: MakeDocking) -> None:
    docking = make_docking(enterprise_user, institution_user)
    for path in (f"/dockings/{docking.id}", "/dockings"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize(("role", "code"), [
    ("enterprise", 200), ("institution", 200), ("broker", 200), ("operator", 200),
    ("other_broker", 404), ("other_enterprise", 404)])
def test_who_may_move_a_docked_docking(role: str, code: int, request: pytest.FixtureRequest,
                                       enterprise_user: User, institution_user: User,
                                       broker_user: User, make_docking: MakeDocking,
                                       db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    response = _move(request.getfixturevalue(f"as_{role}"), docking, DockingState.NEGOTIATING)
    assert response.status_code == code
    expected = DockingState.NEGOTIATING if code == 200 else DockingState.DOCKED
    assert _reload(db, docking).state is expected


@pytest.mark.parametrize(("role", "code"), [
    ("enterprise", 403), ("institution", 200), ("broker", 403), ("operator", 403)])
def test_only_the_other_side_agrees(role: str, code: int, request: pytest.FixtureRequest,
                                    enterprise_user: User, institution_user: User,
                                    broker_user: User, make_docking: MakeDocking,
                                    db: Session) -> None:
    # Interest came from the enterprise, so only the institution may agree.
    docking = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                           interest_side=Side.NEED, broker=broker_user)
    response = _move(request.getfixturevalue(f"as_{role}"), docking, DockingState.DOCKED)
    assert response.status_code == code
    assert _reload(db, docking).state is (DockingState.DOCKED if code == 200
                                          else DockingState.INTEREST)


@pytest.mark.parametrize(("role", "code"), [
    ("enterprise", 302), ("institution", 302), ("operator", 302), ("broker", 403),
    ("other_broker", 404), ("other_enterprise", 404)])
def test_who_may_assign_a_broker(role: str, code: int, request: pytest.FixtureRequest,
                                 enterprise_user: User, institution_user: User,
                                 broker_user: User, other_broker_user: User,
                                 make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    response = request.getfixturevalue(f"as_{role}").post(
        f"/dockings/{docking.id}/broker",
        data={"broker_id": other_broker_user.id, "version": docking.version})
    assert response.status_code == code
    expected = other_broker_user.id if code == 302 else broker_user.id
    assert _reload(db, docking).broker_id == expected


def test_broker_assignment_rules(as_enterprise: FlaskClient, as_other_broker: FlaskClient,
                                 enterprise_user: User, institution_user: User,
                                 other_broker_user: User, make_docking: MakeDocking,
                                 db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    # Only broker-role users can be assigned.
    response = as_enterprise.post(f"/dockings/{docking.id}/broker", data={
        "broker_id": institution_user.id, "version": docking.version})
    assert response.status_code == 422 and _reload(db, docking).broker_id is None
    assert as_other_broker.get(f"/dockings/{docking.id}").status_code == 404
    as_enterprise.post(f"/dockings/{docking.id}/broker", data={
        "broker_id": other_broker_user.id, "version": docking.version})
    docking = _reload(db, docking)
    assert docking.broker_id == other_broker_user.id
    assert docking.events[-1].note == f"指派技术经理人：{other_broker_user.name}"
    # Once assigned, the broker sees it, moves it and keeps notes.
    assert as_other_broker.get(f"/dockings/{docking.id}").status_code == 200
    as_other_broker.post(f"/dockings/{docking.id}/messages",
                         data={"body": "双方约定下周现场考察", "is_note": "y"})
    note = db.scalar(select(DockingMessage))
    assert note is not None and note.is_note and note.author_id == other_broker_user.id
    assert _move(as_other_broker, docking, DockingState.NEGOTIATING).status_code == 200


def test_parties_cannot_write_broker_notes(as_enterprise: FlaskClient, enterprise_user: User,
                                           institution_user: User, make_docking: MakeDocking,
                                           db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    response = as_enterprise.post(f"/dockings/{docking.id}/messages",
                                  data={"body": "备注", "is_note": "y"})
    assert response.status_code == 403
    assert db.scalar(select(DockingMessage)) is None


# --- conflicts -------------------------------------------------------------------------------

def test_stale_form_gets_conflict_and_current_state(as_enterprise: FlaskClient,
                                                    as_institution: FlaskClient,
                                                    enterprise_user: User, institution_user: User,
                                                    make_docking: MakeDocking,
                                                    db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    rendered_version = docking.version
    # The institution moves first; the enterprise still has the old form open.
    assert _move(as_institution, docking, DockingState.NEGOTIATING).status_code == 200
    response = as_enterprise.post(f"/dockings/{docking.id}/move", data={
        "to": "dropped", "drop_reason": "price", "version": rendered_version})
    assert response.status_code == 409
    text = page_text(response)
    assert "该对接已被他人更新" in text and "当前状态：洽谈中" in text
    api = as_enterprise.post(f"/api/v1/dockings/{docking.id}/transitions", json={
        "to": "dropped", "drop_reason": "price", "version": rendered_version})
    assert api.status_code == 409 and api.get_json()["current"]["state"] == "negotiating"
    assert _reload(db, docking).state is DockingState.NEGOTIATING


def test_concurrent_commit_is_a_conflict_not_a_lost_write(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User, institution_user: User,
        make_docking: MakeDocking, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests load the same version; the one that writes second gets StaleDataError."""
    from webapp.api.v1 import dockings as dockings_api

    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    real_transition = dockings_api.transition

    def racing_transition(session: Session, actor: User, d: Docking, to: DockingState,
                          **kwargs: Any) -> Docking:
        # Another request commits between this one's read and its write.
        other: Session = app.extensions["db_sessionmaker"]()
        other.execute(update(Docking).where(Docking.id == d.id).values(
            state=DockingState.NEGOTIATING, version=Docking.version + 1))
        other.commit()
        other.close()
        return real_transition(session, actor, d, to, **kwargs)

    monkeypatch.setattr(dockings_api, "transition", racing_transition)
    response = _move(as_enterprise, docking, DockingState.DROPPED, drop_reason="price")
    assert response.status_code == 409
    assert response.get_json()["current"]["state"] == "negotiating"
    docking = _reload(db, docking)
    assert docking.state is DockingState.NEGOTIATING and docking.version == 2
    assert db.scalar(select(DockingEvent)) is None  # the loser's event was rolled back too


# --- 我的对接 -----------------------------------------------------------------------------------

def test_my_dockings_waiting_on_me_first_with_state_filter(
        as_enterprise: FlaskClient, as_operator: FlaskClient, as_other_enterprise: FlaskClient,
        enterprise_user: User, institution_user: User, make_docking: MakeDocking,
        db: Session) -> None:
    under_way = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    mine_to_answer = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                                  interest_side=Side.SUPPLY)
    theirs_to_answer = make_docking(enterprise_user, institution_user, DockingState.INTEREST,
                                    interest_side=Side.NEED)
    dropped = make_docking(enterprise_user, institution_user, DockingState.DROPPED)
    for d, title in ((under_way, "甲成果"), (mine_to_answer, "乙成果"),
                     (theirs_to_answer, "丙成果"), (dropped, "丁成果")):
        d.result.title = title  # type: ignore[union-attr]
    db.commit()
    html = as_enterprise.get("/dockings").get_data(as_text=True)
    order = sorted(["甲成果", "乙成果", "丙成果", "丁成果"], key=html.index)
    assert order[0] == "乙成果" and order[-1] == "丁成果"
    assert "待我方确认" in html
    filtered = page_text(as_enterprise.get("/dockings?state=negotiating"))
    assert "甲成果" in filtered and "乙成果" not in filtered
    assert "共 0 项" in page_text(as_other_enterprise.get("/dockings"))
    everything = page_text(as_operator.get("/dockings"))
    assert "全部对接" in everything and all(t in everything for t in ("甲成果", "丁成果"))
    assert "共 0 项" in page_text(as_operator.get(f"/dockings?field={Field.BIO_MEDICINE.value}"))
    assert "共 4 项" in page_text(as_operator.get(f"/dockings?field={Field.NEW_ENERGY.value}"))
