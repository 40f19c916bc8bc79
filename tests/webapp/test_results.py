"""Posting, editing, publishing, withdrawing and finding results."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Field, IPType, Result, ResultStatus, User

from support import page_text

RESULT_FORM = {
    "title": "碳化硅功率器件低温烧结银封装工艺", "field": "new_materials", "subfield": "金属材料",
    "summary": "采用纳米银膏低温烧结替代传统焊料，连接层导热率提升 3 倍，适用于新能源汽车电驱模块。",
    "keywords": "碳化硅, 烧结银, 功率模块", "form": "process", "trl": "6",
    "ip_type": "invention_patent", "ip_numbers": "ZL202110123456.7\nZL202210654321.0",
    "modes": ["license", "transfer"], "price": "260", "team": "材料学院功率电子封装团队",
    "contact_name": "陈老师", "contact_phone": "021-65550000", "province": "上海市",
    "city": "上海市",
}


def test_institution_posts_and_publishes_result(as_institution: FlaskClient, db: Session,
                                                client: FlaskClient) -> None:
    response = as_institution.post("/results/new", data={**RESULT_FORM, "action": "publish"})
    assert response.status_code == 302
    result = db.scalar(select(Result))
    assert result is not None and result.status is ResultStatus.PUBLISHED
    assert result.trl == 6 and result.maturity == "中试"
    assert result.price_wan == Decimal("260")
    assert [(ip.ip_type, ip.number) for ip in result.ip_rights] == [
        (IPType.INVENTION_PATENT, "ZL202110123456.7"), (IPType.INVENTION_PATENT, "ZL202210654321.0")]
    text = page_text(client.get(f"/results/{result.id}"))
    assert "TRL 6 · 中试" in text and "ZL202110123456.7" in text and "260 万元" in text
    assert "021-65550000" not in text  # contact details are not public
    assert "碳化硅功率器件" in page_text(client.get("/results", query_string={"q": "烧结银"}))


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "请填写成果名称"),
    ({"summary": "太短了"}, "成果简介需 20–8000 个字"),
    ({"trl": "10"}, "成熟度为 TRL 1–9"),
    ({"trl": "abc"}, "Not a valid integer value"),
    ({"form": ""}, "请选择成果形式"),
    ({"modes": []}, "请至少选择一种转化方式"),
    ({"ip_type": "", "ip_numbers": "ZL1"}, "请先选择知识产权类型"),
    ({"price": "-1"}, "金额不能为负数"),
    ({"subfield": "通信技术"}, "该子领域不属于所选技术领域"),
])
def test_result_form_errors(as_institution: FlaskClient, db: Session, change: dict[str, object],
                            message: str) -> None:
    response = as_institution.post("/results/new", data={**RESULT_FORM, **change})
    assert response.status_code == 200
    text = page_text(response)
    assert message in text or (message == "Not a valid integer value" and "不是有效的整数" in text)
    assert (db.scalar(select(func.count(Result.id))) or 0) == 0
    assert "材料学院功率电子封装团队" in response.get_data(as_text=True)


def test_enterprises_cannot_post_results(as_enterprise: FlaskClient) -> None:
    assert as_enterprise.get("/results/new").status_code == 403
    assert as_enterprise.post("/results/new", data=RESULT_FORM).status_code == 403


def test_withdraw_hides_result_and_owner_can_republish(
        as_institution: FlaskClient, client: FlaskClient, institution_user: User,
        make_result: Callable[..., Result], db: Session) -> None:
    result = make_result(institution_user)
    assert client.get(f"/results/{result.id}").status_code == 200
    assert result.title in page_text(client.get("/results"))
    assert as_institution.post(f"/results/{result.id}/withdraw").status_code == 302
    db.refresh(result)
    assert result.status is ResultStatus.WITHDRAWN
    assert client.get(f"/results/{result.id}").status_code == 404
    assert result.title not in page_text(client.get("/results"))
    assert as_institution.get(f"/results/{result.id}").status_code == 200
    response = as_institution.post(f"/results/{result.id}/withdraw", follow_redirects=True)
    assert "只有已发布的成果可以撤回" in page_text(response)
    as_institution.post(f"/results/{result.id}/publish")
    db.refresh(result)
    assert result.status is ResultStatus.PUBLISHED


def test_others_cannot_change_result(
        as_enterprise: FlaskClient, as_broker: FlaskClient, institution_user: User,
        make_user: Callable[..., User], make_result: Callable[..., Result], db: Session,
        make_org: Callable[..., object], client: FlaskClient) -> None:
    from models import OrgKind

    from support import login

    result = make_result(institution_user, title="不应被他人修改的成果")
    other_university = login(client, make_user(make_org(OrgKind.UNIVERSITY)))
    for c in (as_enterprise, as_broker, other_university):
        assert c.get(f"/results/{result.id}/edit").status_code == 403
        assert c.post(f"/results/{result.id}/edit", data=RESULT_FORM).status_code == 403
        assert c.post(f"/results/{result.id}/withdraw").status_code == 403
    db.refresh(result)
    assert result.title == "不应被他人修改的成果" and result.status is ResultStatus.PUBLISHED


def test_operator_edits_result(as_operator: FlaskClient, institution_user: User,
                               make_result: Callable[..., Result], db: Session) -> None:
    result = make_result(institution_user)
    response = as_operator.post(f"/results/{result.id}/edit",
                                data={**RESULT_FORM, "title": "运营人员更正后的成果名称"})
    assert response.status_code == 302
    db.refresh(result)
    assert result.title == "运营人员更正后的成果名称"
    assert result.organization_id == institution_user.organization_id


def test_result_filters(client: FlaskClient, institution_user: User,
                        make_result: Callable[..., Result]) -> None:
    make_result(institution_user, title="低轨卫星星间激光通信终端", field=Field.AEROSPACE, trl=4)
    make_result(institution_user, title="污泥低温干化成套装备", field=Field.RESOURCES_ENVIRONMENT,
                trl=8)
    make_result(institution_user, title="尚未发布的成果草稿", status=ResultStatus.DRAFT)

    def text(**query: str) -> str:
        return page_text(client.get("/results", query_string=query))

    assert "污泥" not in text(field="aerospace") and "卫星" in text(field="aerospace")
    assert "卫星" not in text(min_trl="7") and "污泥" in text(min_trl="7")
    assert "尚未发布的成果草稿" not in text() and "尚未发布的成果草稿" not in text(status="draft")
