"""Issue 18, item 10: results change after a deal.

A deal is signed on what a need and a result said. Once a listing has been public, each edit is
kept as a revision (who, when, each changed field's old and new value), shown on the listing's
page and on the deal's docking page to the owner, both sides of a signed deal and operators, and
to nobody else; editing a listing under a signed deal says beforehand that the change will be
recorded and seen by the other side. A signed need is not edited at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    Docking,
    DockingState,
    ListingRevision,
    NeedStatus,
    ResultStatus,
    User,
)

from support import login, page_text

RESULT_FORM = {
    "title": "基于机器视觉的锂离子电池极片缺陷检测系统", "field": "new_energy",
    "summary": "采用高速线阵相机与深度学习算法，在线检测极片涂布缺陷。",
    "form": "device", "trl": "6", "modes": ["license"], "price": "", "province": "上海市",
    "contact_name": "王老师", "contact_phone": "021-55550000",
}
# role: whether the role reads the result's revisions
ROLES = {"anonymous": False, "owner": True, "operator": True, "deal_other_side": True,
         "outsider": False, "assigned_broker": False}


def _sign(db: Session, docking: Docking, actor: User) -> Deal:
    deal = Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("80"), signed_on=dt.date(2025, 5, 1), created_by_id=actor.id)
    docking.state = DockingState.SIGNED
    docking.need.status = NeedStatus.SIGNED
    db.add(deal)
    db.commit()
    return deal


@pytest.fixture
def signed(db: Session, make_docking: Callable[..., Docking], enterprise_user: User,
           institution_user: User, broker_user: User) -> Docking:
    """A need–result docking with a signed deal (the result's contact: 王老师, 021-55550000)."""
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING,
                           broker=broker_user, need_status=NeedStatus.DOCKING)
    _sign(db, docking, enterprise_user)
    return docking


@pytest.fixture
def readers(institution_user: User, enterprise_user: User, operator_user: User,
            broker_user: User, make_user: Callable[..., User]) -> dict[str, User | None]:
    """The user acting in each role of ``ROLES``."""
    return {"anonymous": None, "owner": institution_user, "operator": operator_user,
            "deal_other_side": enterprise_user, "outsider": make_user(),
            "assigned_broker": broker_user}


def _edit_result(client: FlaskClient, result_id: int, **changes: Any) -> Any:
    return client.post(f"/results/{result_id}/edit", data={**RESULT_FORM, **changes},
                       follow_redirects=True)


def test_item_10_an_edit_of_a_result_under_a_signed_deal_is_recorded(
        as_institution: FlaskClient, signed: Docking, institution_user: User,
        db: Session) -> None:
    result_id = signed.result_id
    assert result_id is not None
    form = page_text(as_institution.get(f"/results/{result_id}/edit"))
    assert "保存的修改将被记录" in form and "签约的另一方" in form

    response = _edit_result(as_institution, result_id, trl="8", price="300")
    assert response.status_code == 200 and "成果已更新" in page_text(response)

    revision = db.scalar(select(ListingRevision).where(ListingRevision.result_id == result_id))
    assert revision is not None
    assert revision.actor_id == institution_user.id
    assert revision.under_deal is True
    assert revision.changes == {"trl": [6, 8], "price_wan": [None, "300"]}


def test_item_10_an_edit_through_the_api_is_recorded_too(
        app: Flask, signed: Docking, institution_user: User, db: Session) -> None:
    client = login(app.test_client(), institution_user)
    response = client.patch(f"/api/v1/results/{signed.result_id}", json={"title": "新的成果名称：极片检测"})
    assert response.status_code == 200, response.get_json()
    revision = db.scalar(select(ListingRevision).where(
        ListingRevision.result_id == signed.result_id))
    assert revision is not None and revision.actor_id == institution_user.id
    assert revision.changes == {"title": ["基于机器视觉的锂离子电池极片缺陷检测系统",
                                          "新的成果名称：极片检测"]}


@pytest.mark.parametrize("role", ROLES)
def test_item_10_revisions_are_read_by_the_deal_sides_and_operators_only(
        app: Flask, as_institution: FlaskClient, signed: Docking, db: Session, role: str,
        institution_user: User, readers: dict[str, User | None]) -> None:
    result_id = signed.result_id
    _edit_result(as_institution, result_id, trl="8")
    # Edited at a known moment: 14:30 UTC is 22:30 in Shanghai.
    revision = db.scalar(select(ListingRevision))
    assert revision is not None
    revision.created_at = dt.datetime(2025, 7, 1, 14, 30, tzinfo=dt.UTC)
    db.commit()
    users = readers
    client = app.test_client()
    if users[role] is not None:
        login(client, users[role])
    sees = ROLES[role]

    page = page_text(client.get(f"/results/{result_id}"))
    assert ("修改记录" in page) is sees
    assert ("2025-07-01 22:30" in page) is sees
    if sees:
        assert "TRL 6" in page and "TRL 8" in page and "签约后修改" in page
    if users[role] is not None and role != "outsider":
        docking_page = client.get(f"/dockings/{signed.id}")
        if docking_page.status_code == 200:
            text = page_text(docking_page)
            assert ("成果的修改记录" in text) is sees
            assert ("TRL 8" in text) is sees


def test_item_10_the_other_side_reads_them_on_the_deal_even_once_the_result_is_withdrawn(
        as_institution: FlaskClient, as_enterprise: FlaskClient, signed: Docking,
        db: Session) -> None:
    _edit_result(as_institution, signed.result_id, contact_phone="021-66660000")
    as_institution.post(f"/results/{signed.result_id}/withdraw")
    assert as_enterprise.get(f"/results/{signed.result_id}").status_code == 404
    text = page_text(as_enterprise.get(f"/dockings/{signed.id}"))
    assert "成果的修改记录" in text and "021-55550000" in text and "021-66660000" in text


def test_item_10_no_notice_without_a_deal_and_drafts_keep_no_history(
        as_institution: FlaskClient, institution_user: User,
        make_result: Callable[..., Any], db: Session) -> None:
    published = make_result(institution_user)
    assert "保存的修改将被记录" not in page_text(as_institution.get(f"/results/{published.id}/edit"))
    _edit_result(as_institution, published.id, trl="7")
    kept = db.scalar(select(ListingRevision).where(ListingRevision.result_id == published.id))
    assert kept is not None and kept.under_deal is False

    draft = make_result(institution_user, status=ResultStatus.DRAFT)
    _edit_result(as_institution, draft.id, trl="7")
    assert db.scalar(select(ListingRevision).where(ListingRevision.result_id == draft.id)) is None


def test_item_10_a_signed_need_is_not_edited(as_enterprise: FlaskClient, signed: Docking,
                                             db: Session) -> None:
    need = signed.need
    before = need.title
    response = as_enterprise.post(f"/needs/{need.id}/edit", data={
        "title": "改过的需求名称", "field": "new_energy", "problem": "涂布厚度波动导致电池一致性差。",
        "budget_negotiable": "y", "modes": ["joint_development"], "province": "江苏省"},
        follow_redirects=True)
    assert "已签约的需求不能再编辑" in page_text(response)
    db.expire_all()
    assert need.title == before
    assert db.scalar(select(ListingRevision)) is None


@pytest.mark.parametrize("role", ROLES)
def test_item_10_the_api_answers_revisions_to_the_same_readers(
        app: Flask, as_institution: FlaskClient, signed: Docking, role: str,
        institution_user: User, readers: dict[str, User | None]) -> None:
    _edit_result(as_institution, signed.result_id, trl="8")
    users = readers
    client = app.test_client()
    if users[role] is not None:
        login(client, users[role])
    answer = client.get(f"/api/v1/results/{signed.result_id}/revisions")
    assert answer.status_code == 200  # the result is published: everyone may see it
    items = answer.get_json()["items"]
    if ROLES[role]:
        assert len(items) == 1 and items[0]["under_deal"] is True
        assert items[0]["actor"] == institution_user.name
        assert [(c["field"], c["old"], c["new"]) for c in items[0]["changes"]] == [
            ("trl", "TRL 6", "TRL 8")]
    else:
        assert items == []


def test_item_10_the_api_serves_them_once_the_result_is_withdrawn_to_the_deal_only(
        app: Flask, as_institution: FlaskClient, as_enterprise: FlaskClient, signed: Docking,
        make_user: Callable[..., User]) -> None:
    _edit_result(as_institution, signed.result_id, trl="8")
    as_institution.post(f"/results/{signed.result_id}/withdraw")
    assert len(as_enterprise.get(
        f"/api/v1/results/{signed.result_id}/revisions").get_json()["items"]) == 1
    outsider = login(app.test_client(), make_user())
    assert outsider.get(f"/api/v1/results/{signed.result_id}/revisions").status_code == 404
