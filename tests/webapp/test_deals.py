"""Deals: signing closes the docking and the need, values are checked, corrections are audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    DealCorrection,
    Docking,
    DockingState,
    Need,
    NeedStatus,
    User,
)
from webapp.dockings.services import today

from support import page_text

MakeDocking = Callable[..., Docking]
DEAL = {"contract_type": "development", "amount": "120.5", "signed_on": "2025-06-18",
        "contract_number": "2025310000001234"}


def _sign(client: FlaskClient, docking: Docking, **changes: Any) -> Any:
    return client.post(f"/dockings/{docking.id}/deal",
                       data={**DEAL, "version": docking.version, **changes},
                       follow_redirects=True)


def _signed(db: Session, docking: Docking, enterprise: User) -> Deal:
    deal = Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("80"), signed_on=dt.date(2025, 5, 1),
                created_by_id=enterprise.id)
    docking.state = DockingState.SIGNED
    db.add(deal)
    db.commit()
    return deal


def test_signing_closes_docking_and_need(as_enterprise: FlaskClient, enterprise_user: User,
                                         institution_user: User, make_docking: MakeDocking,
                                         db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING,
                           need_status=NeedStatus.DOCKING)
    response = _sign(as_enterprise, docking)
    assert "合同已登记，对接已签约" in page_text(response)
    db.expire_all()
    deal = db.scalar(select(Deal))
    assert deal is not None
    assert (deal.contract_type, deal.amount_wan, deal.signed_on, deal.contract_number) == (
        ContractType.DEVELOPMENT, Decimal("120.5"), dt.date(2025, 6, 18), "2025310000001234")
    assert deal.docking.state is DockingState.SIGNED
    assert db.get(Need, docking.need_id).status is NeedStatus.SIGNED  # type: ignore[union-attr]
    assert "技术开发" in page_text(response) and "120.5 万元" in page_text(response)


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount": "0"}, "合同金额必须大于 0"),
    ({"amount": "-5"}, "金额不能为负数"),
    ({"amount": ""}, "请填写合同金额"),
    ({"contract_type": "gift"}, "不是有效的选择"),
])
def test_deal_values_are_checked(changes: dict[str, str], message: str,
                                 as_enterprise: FlaskClient, enterprise_user: User,
                                 institution_user: User, make_docking: MakeDocking,
                                 db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    assert message in page_text(_sign(as_enterprise, docking, **changes))
    assert db.scalar(select(Deal)) is None
    db.expire_all()
    assert db.get(Docking, docking.id).state is DockingState.NEGOTIATING  # type: ignore[union-attr]


def test_signing_date_cannot_be_in_the_future(as_enterprise: FlaskClient, enterprise_user: User,
                                              institution_user: User, make_docking: MakeDocking,
                                              db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    assert "签约日期不能晚于今天" in page_text(_sign(as_enterprise, docking, signed_on=tomorrow))
    assert db.scalar(select(Deal)) is None
    _sign(as_enterprise, docking, signed_on=today().isoformat())
    assert db.scalar(select(Deal)) is not None


@pytest.mark.parametrize("state", [DockingState.INTEREST, DockingState.DOCKED,
                                   DockingState.DROPPED])
def test_only_negotiating_dockings_sign(state: DockingState, as_enterprise: FlaskClient,
                                        enterprise_user: User, institution_user: User,
                                        make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, state)
    assert "不能变为“已签约”" in page_text(_sign(as_enterprise, docking))
    assert db.scalar(select(Deal)) is None


@pytest.mark.parametrize(("role", "code"), [
    ("enterprise", 200), ("institution", 200), ("broker", 200), ("operator", 200),
    ("other_broker", 404), ("other_enterprise", 404)])
def test_who_may_record_a_deal(role: str, code: int, request: pytest.FixtureRequest,
                               enterprise_user: User, institution_user: User, broker_user: User,
                               make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING,
                           broker=broker_user)
    assert _sign(request.getfixturevalue(f"as_{role}"), docking).status_code == code
    assert (db.scalar(select(Deal)) is not None) == (code == 200)


def test_second_deal_is_refused(as_enterprise: FlaskClient, enterprise_user: User,
                                institution_user: User, make_docking: MakeDocking,
                                db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    _signed(db, docking, enterprise_user)
    assert "该对接已登记合同" in page_text(_sign(as_enterprise, docking))
    assert len(db.scalars(select(Deal)).all()) == 1


@pytest.mark.parametrize(("role", "code"), [
    ("enterprise", 200), ("institution", 200), ("operator", 200), ("broker", 403),
    ("other_enterprise", 404)])
def test_corrections_are_audited(role: str, code: int, request: pytest.FixtureRequest,
                                 enterprise_user: User, institution_user: User,
                                 broker_user: User, operator_user: User,
                                 make_docking: MakeDocking, db: Session) -> None:
    users = {"enterprise": enterprise_user, "institution": institution_user,
             "operator": operator_user}
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING,
                           broker=broker_user)
    deal = _signed(db, docking, enterprise_user)
    response = request.getfixturevalue(f"as_{role}").post(
        f"/dockings/{docking.id}/deal/correct",
        data={"amount": "95", "signed_on": "2025-05-03", "version": deal.version},
        follow_redirects=True)
    assert response.status_code == code
    db.expire_all()
    rows = db.scalars(select(DealCorrection).order_by(DealCorrection.id)).all()
    if code != 200:
        assert rows == [] and db.get(Deal, deal.id).amount_wan == Decimal(80)  # type: ignore[union-attr]
        return
    assert [(r.field, r.old_value, r.new_value, r.actor_id) for r in rows] == [
        ("amount_wan", "80", "95", users[role].id),
        ("signed_on", "2025-05-01", "2025-05-03", users[role].id)]
    assert all(r.created_at is not None for r in rows)
    fresh = db.get(Deal, deal.id)
    assert fresh is not None and fresh.amount_wan == Decimal(95)
    assert fresh.signed_on == dt.date(2025, 5, 3) and fresh.version == 2
    assert "更正记录" in page_text(response)


def test_unchanged_correction_logs_nothing_and_stale_one_conflicts(
        as_enterprise: FlaskClient, as_institution: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    deal = _signed(db, docking, enterprise_user)
    url = f"/dockings/{docking.id}/deal/correct"
    response = as_enterprise.post(url, data={"amount": "80", "signed_on": "2025-05-01",
                                             "version": 1}, follow_redirects=True)
    assert "没有需要更正的内容" in page_text(response)
    as_institution.post(url, data={"amount": "70", "signed_on": "2025-05-01", "version": 1})
    response = as_enterprise.post(url, data={"amount": "90", "signed_on": "2025-05-01",
                                             "version": 1})
    assert response.status_code == 409 and "该对接已被他人更新" in page_text(response)
    db.expire_all()
    assert db.get(Deal, deal.id).amount_wan == Decimal(70)  # type: ignore[union-attr]
    assert [c.new_value for c in db.scalars(select(DealCorrection))] == ["70"]
    # Corrections keep the CHECK's rule too.
    response = as_enterprise.post(url, data={"amount": "0", "signed_on": "2025-05-01",
                                             "version": 2}, follow_redirects=True)
    assert "合同金额必须大于 0" in page_text(response)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"amount": "-5"}, "amount", "金额不能为负数"),  # refused by the form
    ({"amount": "0"}, "amount", "合同金额必须大于 0"),  # refused by the service
    ({"signed_on": "2999-01-01"}, "signed_on", "签约日期不能晚于今天"),
])
def test_a_refused_deal_keeps_every_value_with_the_error_by_its_field(
        changes: dict[str, str], field: str, message: str, as_enterprise: FlaskClient,
        enterprise_user: User, institution_user: User, make_docking: MakeDocking) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    response = as_enterprise.post(f"/dockings/{docking.id}/deal",
                                  data={**DEAL, "version": docking.version, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    typed = {**DEAL, **changes}
    assert f'value="{typed["amount"]}"' in html
    assert f'value="{typed["signed_on"]}"' in html
    assert f'value="{typed["contract_number"]}"' in html
    assert '<option selected value="development">' in html
    assert f'<p class="error" id="{field}-error">{message}' in html
