"""Posting, editing, publishing, closing and finding needs; who may do what."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CooperationMode, Field, Need, NeedStatus, User

from support import page_text

NEED_FORM = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "subfield": "新型高效能量转换与储存技术",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "indicators": "检测精度≤0.1mm，漏检率<0.1%", "basis": "已有涂布产线 3 条",
    "keywords": "机器视觉，锂离子电池、缺陷检测", "budget_min": "80", "budget_max": "150",
    "modes": ["joint_development", "commissioned_development"], "province": "江苏省",
    "city": "苏州市", "show_org_name": "y",
}


def _count(db: Session) -> int:
    return db.scalar(select(func.count(Need.id))) or 0


def test_enterprise_posts_publishes_and_finds_need(as_enterprise: FlaskClient, db: Session,
                                                   client: FlaskClient) -> None:
    response = as_enterprise.post("/needs/new", data={**NEED_FORM, "action": "publish"})
    assert response.status_code == 302
    need = db.scalar(select(Need))
    assert need is not None
    assert need.status is NeedStatus.PUBLISHED and need.published_at is not None
    assert need.budget_min_wan == Decimal("80") and need.budget_max_wan == Decimal("150")
    assert set(need.modes) == {CooperationMode.JOINT_DEVELOPMENT,
                               CooperationMode.COMMISSIONED_DEVELOPMENT}
    assert need.keyword_list == ["机器视觉", "锂离子电池", "缺陷检测"]
    # Anyone finds it by keyword (the words marked), and not by words it lacks.
    response = client.get("/needs", query_string={"q": "极片 缺陷"})
    assert "高速线阵相机下的<mark>极片</mark><mark>缺陷</mark>检测" in response.get_data(as_text=True)
    assert "共 1 条" in page_text(response)
    assert "共 0 条" in page_text(client.get("/needs", query_string={"q": "疫苗 佐剂"}))
    detail = page_text(client.get(f"/needs/{need.id}"))
    assert "80–150 万元" in detail and "检测精度≤0.1mm" in detail


def test_draft_then_publish(as_enterprise: FlaskClient, db: Session, client: FlaskClient) -> None:
    as_enterprise.post("/needs/new", data={**NEED_FORM, "action": "draft"})
    need = db.scalar(select(Need))
    assert need is not None and need.status is NeedStatus.DRAFT
    assert client.get(f"/needs/{need.id}").status_code == 404  # drafts are private
    assert "共 0 条" in page_text(client.get("/needs"))
    assert as_enterprise.post(f"/needs/{need.id}/publish").status_code == 302
    db.refresh(need)
    assert need.status is NeedStatus.PUBLISHED
    assert client.get(f"/needs/{need.id}").status_code == 200


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "请填写需求名称"),
    ({"problem": "太短"}, "技术难题需 10–5000 个字"),
    ({"field": ""}, "请选择技术领域"),
    ({"field": "no_such_field"}, "不是有效的选择"),
    ({"subfield": "航空技术"}, "该子领域不属于所选技术领域"),
    ({"budget_min": "abc"}, "请输入数字金额"),
    ({"budget_min": "-5"}, "金额不能为负数"),
    ({"budget_min": "200", "budget_max": "100"}, "预算上限不能低于下限"),
    ({"budget_min": "", "budget_max": ""}, "请填写预算范围"),
    ({"budget_min": "1.123456"}, "最多保留四位小数"),
    ({"modes": []}, "请至少选择一种合作方式"),
    ({"province": "火星"}, "不是有效的选择"),
    ({"valid_until": "2000-01-01"}, "有效期不能早于今天"),
    ({"keywords": ",".join(f"词{i}" for i in range(12))}, "关键词最多 10 个"),
])
def test_need_form_errors(as_enterprise: FlaskClient, db: Session, change: dict[str, object],
                          message: str) -> None:
    response = as_enterprise.post("/needs/new", data={**NEED_FORM, **change, "action": "publish"})
    assert response.status_code == 200
    assert message in page_text(response)
    assert _count(db) == 0
    # What was typed is kept in the form.
    assert "已有涂布产线 3 条" in response.get_data(as_text=True)


def test_negotiable_budget(as_enterprise: FlaskClient, db: Session) -> None:
    data = {**NEED_FORM, "budget_negotiable": "y", "budget_min": "", "budget_max": ""}
    assert as_enterprise.post("/needs/new", data=data).status_code == 302
    need = db.scalar(select(Need))
    assert need is not None and need.budget_negotiable


def test_only_enterprises_post_needs(as_institution: FlaskClient, client: FlaskClient,
                                     db: Session) -> None:
    assert as_institution.get("/needs/new").status_code == 403
    assert as_institution.post("/needs/new", data=NEED_FORM).status_code == 403
    response = client.get("/needs/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count(db) == 0


def test_other_organization_cannot_change_need(
        as_other_enterprise: FlaskClient, as_institution: FlaskClient, as_broker: FlaskClient,
        as_enterprise: FlaskClient, enterprise_user: User, make_need: Callable[..., Need],
        db: Session) -> None:
    need = make_need(enterprise_user, title="原始标题不应被修改")
    edit_link = f'href="/needs/{need.id}/edit"'
    assert edit_link in as_enterprise.get(f"/needs/{need.id}").get_data(as_text=True)  # the owner's
    for client in (as_other_enterprise, as_institution, as_broker):
        assert client.get(f"/needs/{need.id}/edit").status_code == 403
        assert client.post(f"/needs/{need.id}/edit", data=NEED_FORM).status_code == 403
        assert client.post(f"/needs/{need.id}/close").status_code == 403
        assert edit_link not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    db.refresh(need)
    assert need.title == "原始标题不应被修改" and need.status is NeedStatus.PUBLISHED


def test_colleague_and_operator_may_edit(
        as_operator: FlaskClient, enterprise_user: User, make_user: Callable[..., User],
        make_need: Callable[..., Need], db: Session, client: FlaskClient) -> None:
    from support import login

    need = make_need(enterprise_user)
    colleague = login(client, make_user(enterprise_user.organization))
    assert colleague.post(f"/needs/{need.id}/edit", data={**NEED_FORM, "title": "同事修改后的标题"}
                          ).status_code == 302
    db.refresh(need)
    assert need.title == "同事修改后的标题"
    assert as_operator.post(f"/needs/{need.id}/edit", data={**NEED_FORM, "title": "运营修改的标题"}
                            ).status_code == 302
    db.refresh(need)
    assert need.title == "运营修改的标题"


def test_edit_form_is_prefilled(as_enterprise: FlaskClient, enterprise_user: User,
                                make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, keywords="氢燃料电池,膜电极")
    html = as_enterprise.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert need.title in html and "氢燃料电池，膜电极" in html
    assert re.search(r'<input checked[^>]*value="joint_development"', html)


def test_close_need_and_refuse_second_close(as_enterprise: FlaskClient, enterprise_user: User,
                                            make_need: Callable[..., Need], db: Session) -> None:
    need = make_need(enterprise_user)
    assert as_enterprise.post(f"/needs/{need.id}/close").status_code == 302
    db.refresh(need)
    assert need.status is NeedStatus.CLOSED and need.closed_at is not None
    response = as_enterprise.post(f"/needs/{need.id}/close", follow_redirects=True)
    assert response.status_code == 200 and "该需求已结束" in page_text(response)
    response = as_enterprise.post(f"/needs/{need.id}/edit", data=NEED_FORM)
    assert response.status_code == 302
    assert "不能再编辑" in page_text(as_enterprise.get(response.headers["Location"]))
    db.refresh(need)
    assert need.title != NEED_FORM["title"]


def test_publishing_twice_is_refused(as_enterprise: FlaskClient, enterprise_user: User,
                                     make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user)
    response = as_enterprise.post(f"/needs/{need.id}/publish", follow_redirects=True)
    assert "只有草稿可以发布" in page_text(response)


def test_list_filters(client: FlaskClient, enterprise_user: User,
                      make_need: Callable[..., Need]) -> None:
    make_need(enterprise_user, title="光伏组件隐裂检测", field=Field.NEW_ENERGY,
              province="江苏省", modes=[CooperationMode.TRANSFER],
              budget_min_wan=Decimal(10), budget_max_wan=Decimal(20))
    make_need(enterprise_user, title="抗体药物纯化工艺", field=Field.BIO_MEDICINE,
              province="上海市", modes=[CooperationMode.LICENSE],
              budget_min_wan=Decimal(300), budget_max_wan=Decimal(500))
    make_need(enterprise_user, title="草稿中的需求标题", status=NeedStatus.DRAFT)

    def titles(**query: str) -> str:
        return page_text(client.get("/needs", query_string=query))

    everything = titles()
    assert "光伏组件隐裂检测" in everything and "抗体药物纯化工艺" in everything
    assert "草稿中的需求标题" not in everything
    # Each filter keeps the need that fits it and drops the other.
    assert "抗体药物" not in titles(field="new_energy") and "光伏" in titles(field="new_energy")
    assert "光伏" not in titles(province="上海市") and "抗体药物" in titles(province="上海市")
    assert "光伏" not in titles(mode="license") and "抗体药物" in titles(mode="license")
    assert "光伏" not in titles(min_budget="100") and "抗体药物" in titles(min_budget="100")
    assert "草稿中的需求标题" not in titles(status="draft")
    # Nonsense filters are ignored rather than failing: the full list, first page.
    nonsense = client.get("/needs", query_string={"field": "x", "page": "-3", "min_budget": "abc"})
    assert nonsense.status_code == 200
    listed = page_text(nonsense)
    assert "光伏组件隐裂检测" in listed and "抗体药物纯化工艺" in listed and "共 2 条" in listed


def test_own_list_shows_drafts(as_enterprise: FlaskClient, as_other_enterprise: FlaskClient,
                               enterprise_user: User, make_need: Callable[..., Need]) -> None:
    make_need(enterprise_user, title="草稿中的需求标题", status=NeedStatus.DRAFT)
    assert "草稿中的需求标题" in page_text(as_enterprise.get("/needs?mine=1"))
    assert "草稿中的需求标题" not in page_text(as_other_enterprise.get("/needs?mine=1"))


def test_pagination(client: FlaskClient, app, enterprise_user: User,  # type: ignore[no-untyped-def]
                    make_need: Callable[..., Need]) -> None:
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        make_need(enterprise_user, title=f"分页测试需求第{i}号")
    first = page_text(client.get("/needs"))
    assert "第 1 / 3 页" in first and "共 5 条" in first
    last = page_text(client.get("/needs?page=99"))
    assert "第 3 / 3 页" in last and "分页测试需求第0号" in last


def test_hidden_organization_name(client: FlaskClient, enterprise_user: User,
                                  make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, show_org_name=False)
    text = page_text(client.get(f"/needs/{need.id}"))
    assert enterprise_user.organization.name not in text and "机构名称未公开" in text
    shown = make_need(enterprise_user, title="公开机构名称的需求", show_org_name=True)
    assert enterprise_user.organization.name in page_text(client.get(f"/needs/{shown.id}"))


def test_user_text_is_escaped(client: FlaskClient, enterprise_user: User,
                              make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, problem="<script>alert(1)</script> 需要解决的问题描述")
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_valid_until_accepts_future_dates(as_enterprise: FlaskClient, db: Session) -> None:
    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    assert as_enterprise.post("/needs/new", data={**NEED_FORM, "valid_until": future}
                              ).status_code == 302
    need = db.scalar(select(Need))
    assert need is not None and need.valid_until == dt.date.fromisoformat(future)


def test_needs_past_their_validity_expire(db: Session, enterprise_user: User,
                                          make_need: Callable[..., Need]) -> None:
    from webapp.needs.services import expire_due_needs

    today = dt.date(2026, 6, 1)
    due = make_need(enterprise_user, valid_until=today - dt.timedelta(days=1))
    current = make_need(enterprise_user, valid_until=today)
    endless = make_need(enterprise_user, valid_until=None)
    assert expire_due_needs(db, today) == [due]
    db.commit()
    assert (due.status, current.status, endless.status) == (
        NeedStatus.EXPIRED, NeedStatus.PUBLISHED, NeedStatus.PUBLISHED)


def test_mine_when_logged_out_asks_to_log_in(client: FlaskClient) -> None:
    for path in ("/needs?mine=1", "/results?mine=1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/needs").status_code == 200
