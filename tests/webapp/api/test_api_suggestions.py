"""POST /api/v1/suggestions/preview: the best results and advice for an unsaved draft."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Field, Match, Need, Notification, Organization, OrgKind, Result, User

from support import login

ApiFor = Callable[[User | None], Any]

SENSOR_RESULTS = [
    dict(title="MEMS气体传感器ASIC调理电路技术", field=Field.ELECTRONIC_INFORMATION,
         summary="优化敏感结构设计与晶圆级真空键合工艺，开发配套ASIC调理芯片，集成多点温度补偿算法，"
                 "温度漂移≤0.02%FS/℃。", keywords="MEMS气体传感器,ASIC调理电路,温度补偿"),
    dict(title="面向可穿戴设备的MEMS气体传感器芯片", field=Field.ELECTRONIC_INFORMATION,
         summary="低功耗MEMS气体传感器芯片，微热板结构，功耗低于 10mW，集成温度补偿。",
         keywords="MEMS气体传感器,低功耗"),
    dict(title="高稳定性MEMS陀螺仪及其制备方法", field=Field.ELECTRONIC_INFORMATION,
         summary="MEMS陀螺仪敏感结构与ASIC调理电路一体化设计，零偏稳定性优于 1°/h，全温区温度补偿。",
         keywords="MEMS,陀螺仪,温度补偿"),
    dict(title="城市污水厂污泥低温干化成套装备", field=Field.RESOURCES_ENVIRONMENT,
         summary="利用热泵回收余热将污泥含水率由 80% 降至 30% 以下。", keywords="污泥干化,热泵"),
]

DRAFT = {
    "title": "MEMS气体传感器温度漂移补偿",
    "problem": "我司MEMS气体传感器在高温工况下温度漂移大、一致性差，需要ASIC调理电路与多点温度补偿"
               "算法，提升测量精度并降低功耗。",
    "indicators": "温度漂移≤0.05%FS/℃", "field": "electronic_information",
    "modes": ["joint_development"], "budget_min_wan": 50, "budget_max_wan": "120",
    "province": "江苏省", "keywords": ["MEMS气体传感器", "温度补偿"],
}


@pytest.fixture
def sensor_results(institution_user: User, make_result: Callable[..., Result]) -> list[Result]:
    """Three published sensor results and one unrelated."""
    return [make_result(institution_user, **fields) for fields in SENSOR_RESULTS]


def _counts(db: Session) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                 for m in (Need, Match, Notification))


def test_preview_ranks_published_results_and_stores_nothing(
        api_as: ApiFor, enterprise_user: User, sensor_results: list[Result],
        db: Session) -> None:
    before = _counts(db)
    answer = api_as(enterprise_user).post("/suggestions/preview", json=DRAFT)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    titles = [item["title"] for item in body["items"]]
    assert titles[0] == "MEMS气体传感器ASIC调理电路技术"
    assert "城市污水厂污泥低温干化成套装备" not in titles
    assert len(titles) <= 5
    first = body["items"][0]
    assert first["organization"]["name"] == "江南工业大学"
    assert set(first["parts"]) == {"strength", "coverage", "compatibility", "field", "modes",
                                   "maturity", "price", "region"}
    # The score is the matcher's strength (the compatibility prior is off by default).
    assert abs(first["parts"]["strength"] - first["score"]) < 1e-4
    assert first["text_score"] == first["parts"]["coverage"]
    assert first["weak"] is (first["text_score"] < 0.12)
    assert any(t["term"] == "mems气体传感器" or "气体传感器" in t["term"] for t in first["terms"])
    assert first["url"] == f"/results/{sensor_results[0].id}"
    assert body["advice"] == [] and body["field_used"] == "electronic_information"
    assert _counts(db) == before


def test_preview_advises_on_what_makes_a_need_hard_to_match(
        api_as: ApiFor, enterprise_user: User, sensor_results: list[Result]) -> None:
    draft = {**DRAFT, "problem": "传感器温漂大", "indicators": "", "modes": [],
             "budget_min_wan": None, "budget_max_wan": None, "field": "new_materials"}
    body = api_as(enterprise_user).post("/suggestions/preview", json=draft).get_json()
    codes = [a["code"] for a in body["advice"]]
    assert codes == ["short_problem", "no_indicators", "no_budget", "no_modes", "field_mismatch"]
    mismatch = body["advice"][-1]
    assert mismatch["suggested_field"] == "electronic_information"
    assert mismatch["suggested_field_label"] == "电子信息" and "新材料" in mismatch["message"]
    assert body["advice"][0]["field"] == "problem"


def test_a_draft_without_a_field_is_scored_for_the_field_its_text_fits(
        api_as: ApiFor, enterprise_user: User, sensor_results: list[Result]) -> None:
    body = api_as(enterprise_user).post("/suggestions/preview",
                                        json={**DRAFT, "field": None}).get_json()
    assert body["field_used"] == "electronic_information"
    assert body["items"] and body["advice"][0]["code"] == "no_field"
    empty = api_as(enterprise_user).post("/suggestions/preview", json={}).get_json()
    assert empty["items"] == [] and empty["field_used"] is None
    assert [a["code"] for a in empty["advice"]] == [
        "short_problem", "no_indicators", "no_budget", "no_modes"]


def test_own_results_are_left_out(api_as: ApiFor, institution_user: User,
                                  sensor_results: list[Result], make_user: Callable[..., User],
                                  make_org: Callable[..., Organization],
                                  make_result: Callable[..., Result]) -> None:
    body = api_as(institution_user).post("/suggestions/preview", json=DRAFT).get_json()
    assert body["items"] == []
    # Positive control: the same results of another institution are suggested to it.
    other = make_user(make_org(OrgKind.UNIVERSITY, name="西岭理工大学"))
    twin = make_result(other, **SENSOR_RESULTS[0])
    body = api_as(institution_user).post("/suggestions/preview", json=DRAFT).get_json()
    assert [item["url"] for item in body["items"]] == [f"/results/{twin.id}"]


def test_preview_checks_its_input_and_needs_a_user(
        api_as: ApiFor, enterprise_user: User) -> None:
    api = api_as(enterprise_user)
    assert api_as(None).post("/suggestions/preview", json=DRAFT).status_code == 401
    unknown = api.post("/suggestions/preview", json={**DRAFT, "organization_id": 1})
    assert unknown.status_code == 422 and "organization_id" in unknown.get_json()["fields"]
    money = api.post("/suggestions/preview", json={**DRAFT, "budget_min_wan": "很多"})
    assert money.status_code == 422 and "budget_min_wan" in money.get_json()["fields"]
    field = api.post("/suggestions/preview", json={**DRAFT, "field": "magic"})
    assert field.status_code == 422
    assert api.post("/suggestions/preview", data="x").status_code == 400


def test_session_calls_need_the_csrf_header(app: Flask, enterprise_user: User,
                                            sensor_results: list[Result]) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    assert browser.post("/login", data={"email": enterprise_user.email,
                                        "password": "correct-horse-42",
                                        "csrf_token": token[1]}).status_code == 302
    refused = browser.post("/api/v1/suggestions/preview", json=DRAFT)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    form = browser.get("/needs/new").get_data(as_text=True)
    header = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert header is not None
    assert 'data-preview-url="/api/v1/suggestions/preview"' in form
    accepted = browser.post("/api/v1/suggestions/preview", json=DRAFT,
                            headers={"X-CSRFToken": header[1]})
    assert accepted.status_code == 200 and accepted.get_json()["items"]


def test_the_answer_fits_the_openapi_document(api_as: ApiFor, client: FlaskClient,
                                              enterprise_user: User,
                                              sensor_results: list[Result]) -> None:
    from support import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/suggestions/preview"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/SuggestionPreview")
    schemas = doc["components"]["schemas"]
    body = api_as(enterprise_user).post("/suggestions/preview", json=DRAFT).get_json()
    assert len(body["items"]) >= 2  # the gas sensor results: the item schema is exercised
    item_schema = schemas["SuggestedResult"]
    assert all(validate(item, {**item_schema, "properties": {
        **item_schema["properties"], "organization": {"type": "object"}}}) == {}
        for item in body["items"])
    advice = api_as(enterprise_user).post("/suggestions/preview", json={}).get_json()["advice"]
    assert len(advice) == 4
    assert all(validate(a, schemas["Advice"]) == {} for a in advice)


def test_the_need_form_offers_the_live_panel_without_inline_script(
        app: Flask, enterprise_user: User) -> None:
    page = login(app.test_client(), enterprise_user).get("/needs/new").get_data(as_text=True)
    assert '<script src="/static/js/need-suggestions.js" defer></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert "style=" not in page
    assert 'id="live-panel"' in page and 'id="live-result-template"' in page
