"""Issue 18, item 5: deal dates without bounds.

A deal's date lies between its docking's start (never before ``PLATFORM_START_DATE``) and
today, on the page and in the API alike; the report's monthly series covers the data's range
and at most ``REPORT_MAX_MONTHS`` months, whatever dates older data holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ContractType, Deal, DockingState, NeedStatus, User

from support import page_text


def _negotiating(make_docking: Callable[..., Any], enterprise: User, institution: User) -> Any:
    return make_docking(enterprise, institution, DockingState.NEGOTIATING,
                        need_status=NeedStatus.DOCKING)


def test_deal_date_bounds_a_deal_before_its_docking_is_refused(
        as_enterprise: FlaskClient, enterprise_user: User, institution_user: User,
        make_docking: Callable[..., Any], db: Session,
        bearer: Callable[[User], dict[str, str]], app: Flask) -> None:
    docking = _negotiating(make_docking, enterprise_user, institution_user)
    for day in ("0001-01-01", "1999-12-31", "2024-12-31"):  # the docking began 2025-01-02
        page = as_enterprise.post(f"/dockings/{docking.id}/deal", follow_redirects=True, data={
            "contract_type": "license", "amount": "80", "signed_on": day,
            "version": docking.version})
        assert "签约日期不能早于" in page_text(page), day
        answer = app.test_client().post(
            f"/api/v1/dockings/{docking.id}/deal", headers=bearer(enterprise_user), json={
                "contract_type": "license", "amount_wan": "80", "signed_on": day, "version": 1})
        assert 400 <= answer.status_code < 500 and "签约日期" in answer.get_json()["message"]
    assert db.scalar(select(Deal)) is None
    # The docking's first day is fine.
    ok = as_enterprise.post(f"/dockings/{docking.id}/deal", follow_redirects=True, data={
        "contract_type": "license", "amount": "80", "signed_on": "2025-01-02",
        "version": docking.version})
    assert "签约日期不能" not in page_text(ok)
    db.expire_all()
    assert db.scalar(select(Deal)) is not None


def test_deal_date_bounds_the_platform_start_is_a_setting(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User, institution_user: User,
        make_docking: Callable[..., Any]) -> None:
    app.config["PLATFORM_START_DATE"] = "2025-06-01"
    docking = _negotiating(make_docking, enterprise_user, institution_user)
    page = as_enterprise.post(f"/dockings/{docking.id}/deal", follow_redirects=True, data={
        "contract_type": "license", "amount": "80", "signed_on": "2025-05-31",
        "version": docking.version})
    assert "签约日期不能早于对接开始的日期（2025-06-01）" in page_text(page)


def test_deal_date_bounds_the_report_period_is_clamped(
        app: Flask, as_operator: FlaskClient, enterprise_user: User, institution_user: User,
        make_docking: Callable[..., Any], db: Session) -> None:
    # A deal stored before the rule (year 1) must not make one column per month since then.
    docking = make_docking(enterprise_user, institution_user, DockingState.SIGNED)
    db.add(Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("80"), signed_on=dt.date(1, 1, 1)))
    db.commit()
    app.config["REPORT_MAX_MONTHS"] = 24
    monthly = as_operator.get("/reports.json").get_json()["monthly"]
    assert 0 < len(monthly) <= 24
    page = as_operator.get("/reports")
    assert page.status_code == 200 and len(page.data) < 2_000_000
    api = as_operator.get("/api/v1/reports").get_json()["monthly"]
    assert len(api) <= 24
