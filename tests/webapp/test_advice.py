"""Advice before publishing: advise() and where the pages show it without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CooperationMode, Field, Need, NeedStatus, Result, User
from webapp.matching.advice import SHORT_PROBLEM, advise, draft_need

from support import page_text

SENSORS = [
    ("MEMS气体传感器ASIC调理电路技术", "敏感结构与ASIC调理芯片，多点温度补偿算法，温度漂移小。"),
    ("面向可穿戴设备的MEMS气体传感器芯片", "低功耗MEMS气体传感器芯片，微热板结构，集成温度补偿。"),
    ("高稳定性MEMS陀螺仪及其制备方法", "MEMS陀螺仪与ASIC调理电路一体化设计，全温区温度补偿。"),
]
PROBLEM = "MEMS气体传感器在高温工况下温度漂移大、一致性差，需要ASIC调理电路与多点温度补偿算法。"


def _sensors(institution_user: User, make_result: Callable[..., Result]) -> None:
    for title, summary in SENSORS:
        make_result(institution_user, title=title, summary=summary,
                    field=Field.ELECTRONIC_INFORMATION, keywords="MEMS,温度补偿")


def test_a_complete_need_gets_no_advice(app: Flask, db: Session, institution_user: User,
                                        make_result: Callable[..., Result]) -> None:
    _sensors(institution_user, make_result)
    need = draft_need({"title": "MEMS气体传感器温漂补偿", "problem": PROBLEM,
                       "indicators": "温漂≤0.05%FS/℃", "field": "electronic_information",
                       "budget_min_wan": Decimal("50"), "budget_max_wan": Decimal("80"),
                       "modes": ["license"], "province": "上海市"}, None)
    with app.test_request_context():
        assert advise(need, db) == []
    assert need not in db and db.scalar(select(func.count()).select_from(Need)) == 0


def test_each_gap_is_named_with_its_form_field(app: Flask, db: Session, institution_user: User,
                                               make_result: Callable[..., Result]) -> None:
    _sensors(institution_user, make_result)
    need = draft_need({"problem": PROBLEM[:12], "field": "aerospace",
                       "keywords": "MEMS气体传感器 温度补偿 ASIC调理电路"}, None, "江苏省")
    assert need.province == "江苏省" and need.budget_negotiable and need.modes == []
    with app.test_request_context():
        advice = advise(need, db)
    assert [(a.code, a.field) for a in advice] == [
        ("short_problem", "problem"), ("no_indicators", "indicators"),
        ("no_budget", "budget_min"), ("no_modes", "modes"), ("field_mismatch", "field")]
    assert str(12) in advice[0].message and str(SHORT_PROBLEM) in advice[0].message
    assert advice[-1].suggested_field is Field.ELECTRONIC_INFORMATION
    assert advice[-1].as_dict()["suggested_field_label"] == "电子信息"


def test_the_field_is_not_questioned_without_clear_evidence(
        app: Flask, db: Session, institution_user: User,
        make_result: Callable[..., Result]) -> None:
    make_result(institution_user, title=SENSORS[0][0], summary=SENSORS[0][1],
                field=Field.ELECTRONIC_INFORMATION)
    need = draft_need({"problem": PROBLEM, "field": "aerospace"}, None)
    with app.test_request_context():
        assert "field_mismatch" not in [a.code for a in advise(need, db)]
    # Positive control: with the other sensor results as evidence, the same need is questioned.
    for title, summary in SENSORS[1:]:
        make_result(institution_user, title=title, summary=summary,
                    field=Field.ELECTRONIC_INFORMATION)
    with app.test_request_context():
        assert "field_mismatch" in [a.code for a in advise(need, db)]


def test_the_need_page_advises_its_owner_only(
        app: Flask, as_enterprise: FlaskClient, as_other_enterprise: FlaskClient,
        enterprise_user: User, make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, indicators="", budget_min_wan=None, budget_max_wan=None,
                     modes=[CooperationMode.LICENSE])
    own = page_text(as_enterprise.get(f"/needs/{need.id}"))
    assert "完善建议" in own and "未填写技术指标" in own and "未给出预算" in own
    assert "未选择合作方式" not in own
    assert f'/needs/{need.id}/edit#indicators' in as_enterprise.get(
        f"/needs/{need.id}").get_data(as_text=True)
    assert "完善建议" not in page_text(as_other_enterprise.get(f"/needs/{need.id}"))
    closed = make_need(enterprise_user, status=NeedStatus.CLOSED, indicators="")
    assert "完善建议" not in page_text(as_enterprise.get(f"/needs/{closed.id}"))


def test_the_form_shows_advice_on_what_was_submitted(as_enterprise: FlaskClient) -> None:
    empty = page_text(as_enterprise.get("/needs/new"))
    assert "完善建议" in empty and "技术难题只写了" not in empty
    refused = as_enterprise.post("/needs/new", data={
        "title": "传感器温漂", "problem": "温漂大", "field": "electronic_information",
        "province": "上海市", "action": "publish"})
    assert refused.status_code == 200
    text = page_text(refused)
    assert "技术难题只写了 3 个字" in text and "未选择合作方式" in text
