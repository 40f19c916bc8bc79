"""Drafts (issue 17, part 3): a need or a result is saved as a draft with only its title, what
is filled keeps its format checks, publishing checks everything; a draft is its organisation's
alone (not listed, matched or counted elsewhere) and is finished and published later."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Match, Need, NeedStatus, Result, ResultStatus, User

from support import page_text

NEED_FORM = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "budget_min": "80", "budget_max": "150", "modes": ["joint_development"],
    "province": "江苏省", "show_org_name": "y",
}
RESULT_FORM = {
    "title": "碳化硅功率器件低温烧结银封装工艺", "field": "new_materials",
    "summary": "采用纳米银膏低温烧结替代传统焊料，连接层导热率提升 3 倍，适用于新能源汽车电驱模块。",
    "form": "process", "trl": "6", "modes": ["license"], "province": "上海市",
}
TITLE_ONLY = "一份只写了名称的草稿"


def _draft(client: FlaskClient, kind: str, **data: Any) -> Any:
    return client.post(f"/{kind}/new", data={"title": TITLE_ONLY, "action": "draft", **data})


def test_a_need_is_saved_as_a_draft_with_its_title_only(as_enterprise: FlaskClient,
                                                        db: Session) -> None:
    response = _draft(as_enterprise, "needs")
    assert response.status_code == 302, page_text(response)
    need = db.scalar(select(Need).where(Need.title == TITLE_ONLY))
    assert need is not None
    assert (need.status, need.field, need.problem, need.province, need.modes) == (
        NeedStatus.DRAFT, None, "", "", [])
    page = page_text(as_enterprise.get(response.headers["Location"]))
    assert "需求已保存为草稿" in page
    assert "发布前还需填写" in page and "技术领域" in page and "拟解决的技术难题" in page


def test_a_result_is_saved_as_a_draft_with_its_title_only(as_institution: FlaskClient,
                                                          db: Session) -> None:
    response = _draft(as_institution, "results", trl="")
    assert response.status_code == 302, page_text(response)
    result = db.scalar(select(Result).where(Result.title == TITLE_ONLY))
    assert result is not None
    assert (result.status, result.field, result.form, result.trl, result.summary) == (
        ResultStatus.DRAFT, None, None, None, "")
    assert "成果已保存为草稿" in page_text(as_institution.get(response.headers["Location"]))


@pytest.mark.parametrize(("kind", "data", "message"), [
    ("needs", {"title": ""}, "请填写需求名称"),
    ("needs", {"budget_min": "八十"}, "请输入数字金额"),
    ("needs", {"budget_min": "200", "budget_max": "100"}, "预算上限不能低于下限"),
    ("needs", {"province": "火星"}, "不是有效的选择"),
    ("results", {"title": "短"}, "成果名称需 4–120 个字"),
    ("results", {"trl": "十二"}, "不是有效的整数"),
    ("results", {"trl": "12"}, "成熟度为 TRL 1–9"),
    ("results", {"price": "-5"}, "金额不能为负数"),
])
def test_a_draft_still_checks_the_title_and_the_format_of_what_is_filled(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session, kind: str,
        data: dict[str, str], message: str) -> None:
    client = as_enterprise if kind == "needs" else as_institution
    response = _draft(client, kind, **data)
    assert response.status_code == 200
    assert message in page_text(response)
    model = Need if kind == "needs" else Result
    assert db.scalar(select(func.count()).select_from(model)) == 0


def test_a_short_text_is_kept_in_a_draft(as_enterprise: FlaskClient, db: Session) -> None:
    """A problem still being written may be short in a draft; publishing wants it whole."""
    assert _draft(as_enterprise, "needs", problem="待补充").status_code == 302
    response = as_enterprise.post("/needs/new", data={**NEED_FORM, "problem": "待补充",
                                                      "action": "publish"})
    assert response.status_code == 200 and "技术难题需 10–5000 个字" in page_text(response)


@pytest.mark.parametrize("kind", ["needs", "results"])
def test_publishing_checks_everything(as_enterprise: FlaskClient, as_institution: FlaskClient,
                                      db: Session, kind: str) -> None:
    client = as_enterprise if kind == "needs" else as_institution
    response = client.post(f"/{kind}/new", data={"title": TITLE_ONLY, "action": "publish"})
    assert response.status_code == 200
    page = page_text(response)
    assert "请选择技术领域" in page and "请选择所属地区" in page
    assert ("请描述拟解决的技术难题" if kind == "needs" else "请填写成果简介") in page
    model = Need if kind == "needs" else Result
    assert db.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("kind", ["needs", "results"])
def test_a_title_only_draft_is_not_published_until_complete(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session,
        kind: str) -> None:
    client = as_enterprise if kind == "needs" else as_institution
    url = _draft(client, kind).headers["Location"]
    # The page's 发布 button (and the API's publish) refuses what is not complete.
    refused = client.post(f"{url}/publish", follow_redirects=True)
    assert "请先编辑并补全以下内容再发布" in page_text(refused)
    model = Need if kind == "needs" else Result
    listing = db.scalar(select(model))
    assert listing is not None and listing.status.value == "draft"
    # Continuing on the edit page: saving as a draft again, then publishing in full.
    editing = client.get(f"{url}/edit")
    assert editing.status_code == 200 and TITLE_ONLY in editing.get_data(as_text=True)
    form = NEED_FORM if kind == "needs" else RESULT_FORM
    assert client.post(f"{url}/edit", data={"title": TITLE_ONLY, "province": form["province"],
                                            "action": "draft"}).status_code == 302
    db.expire_all()
    assert listing.province == form["province"] and listing.status.value == "draft"
    done = client.post(f"{url}/edit", data={**form, "action": "publish"}, follow_redirects=True)
    assert "已发布" in page_text(done)
    db.expire_all()
    assert listing.status.value == "published" and listing.published_at is not None


def test_drafts_are_their_organisations_alone(
        app: Any, as_enterprise: FlaskClient, as_other_enterprise: FlaskClient,
        as_operator: FlaskClient, client: FlaskClient, db: Session,
        make_result: Callable[..., Result], institution_user: User) -> None:
    make_result(institution_user)
    url = _draft(as_enterprise, "needs", field="new_energy",
                 problem="锂离子电池极片涂布缺陷在线检测方案").headers["Location"]
    need = db.scalar(select(Need))
    assert need is not None
    # The owner finds it among its own needs, marked as a draft.
    mine = page_text(as_enterprise.get("/needs?mine=1"))
    assert TITLE_ONLY in mine and "草稿" in mine
    for outsider in (client, as_other_enterprise):
        assert outsider.get(url).status_code == 404
        assert TITLE_ONLY not in page_text(outsider.get("/needs"))
        assert TITLE_ONLY not in outsider.get("/api/v1/needs").get_data(as_text=True)
        assert outsider.get(f"/api/v1/needs/{need.id}").status_code == 404
    assert TITLE_ONLY not in page_text(as_enterprise.get("/needs"))
    assert as_operator.get(url).status_code == 200
    # Its owner reads it through the API too, with what it lacks empty.
    answer = as_enterprise.get(f"/api/v1/needs/{need.id}")
    assert answer.status_code == 200 and answer.get_json()["status"] == "draft"
    listed = as_enterprise.get("/api/v1/needs", query_string={"mine": "true"}).get_json()
    assert [item["title"] for item in listed["items"]] == [TITLE_ONLY]
    # Not matched.
    assert db.scalar(select(func.count()).select_from(Match)) == 0


def test_a_title_only_draft_reads_through_the_api_with_nulls(
        as_enterprise: FlaskClient, as_institution: FlaskClient, db: Session) -> None:
    _draft(as_enterprise, "needs")
    _draft(as_institution, "results", trl="")
    need, result = db.scalar(select(Need)), db.scalar(select(Result))
    assert need is not None and result is not None
    answer = as_enterprise.get(f"/api/v1/needs/{need.id}").get_json()
    assert (answer["field"], answer["field_label"], answer["status"]) == (None, "", "draft")
    answer = as_institution.get(f"/api/v1/results/{result.id}").get_json()
    assert (answer["field"], answer["form"], answer["trl"]) == (None, None, None)
    # A draft is changed piece by piece through the API too; publishing checks everything.
    changed = as_enterprise.patch(f"/api/v1/needs/{need.id}", json={"province": "浙江省"})
    assert changed.status_code == 200 and changed.get_json()["status"] == "draft"
    refused = as_enterprise.post(f"/api/v1/needs/{need.id}/publish")
    assert refused.status_code == 409
    assert "技术领域" in refused.get_json()["message"]
    assert "所属地区" not in refused.get_json()["message"]


def test_a_title_only_result_draft_shows_on_its_owners_lists(as_institution: FlaskClient,
                                                              db: Session) -> None:
    _draft(as_institution, "results", trl="")
    mine = as_institution.get("/results?mine=1")
    assert mine.status_code == 200 and TITLE_ONLY in page_text(mine)
    assert "草稿" in page_text(as_institution.get("/results?mine=1&status=draft"))
    listed = as_institution.get("/api/v1/results", query_string={"mine": "true"})
    assert listed.status_code == 200
    assert [(i["title"], i["trl"]) for i in listed.get_json()["items"]] == [(TITLE_ONLY, None)]
    assert TITLE_ONLY not in page_text(as_institution.get("/results"))
