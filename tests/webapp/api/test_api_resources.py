"""Each resource through the API: the same rules as the pages, for each role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Deal,
    Docking,
    DockingState,
    Need,
    NeedStatus,
    Result,
    ResultStatus,
    Solution,
    SolutionStatus,
    User,
)

ApiFor = Callable[[User | None], Any]

NEED = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "subfield": "新型高效能量转换与储存技术",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "indicators": "检测精度≤0.1mm", "keywords": ["机器视觉", "缺陷检测"],
    "budget_min_wan": "80", "budget_max_wan": 150, "modes": ["joint_development"],
    "province": "江苏省", "city": "苏州市",
}
RESULT = {
    "title": "锂电池极片视觉检测系统", "field": "new_energy",
    "summary": "采用高速线阵相机与深度学习算法，在线检测极片涂布缺陷，已在两条产线应用。",
    "form": "device", "trl": 6, "modes": ["license"], "province": "上海市",
    "ip_type": "invention_patent", "ip_numbers": ["ZL202310000001.X"], "price_wan": "200.5",
}


def _count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


# --- needs -----------------------------------------------------------------------------------

def test_enterprise_creates_reads_updates_and_closes_a_need(
        api_as: ApiFor, enterprise_user: User, db: Session) -> None:
    api = api_as(enterprise_user)
    response = api.post("/needs", json={**NEED, "publish": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "published" and body["budget_min_wan"] == "80"
    assert body["budget_max_wan"] == "150" and body["keywords"] == ["机器视觉", "缺陷检测"]
    assert body["organization"]["id"] == enterprise_user.organization_id
    assert response.headers["Location"].endswith(f"/api/v1/needs/{body['id']}")
    need_id = body["id"]
    patched = api.patch(f"/needs/{need_id}", json={"title": "极片缺陷在线检测（更新）",
                                                    "budget_min_wan": None,
                                                    "budget_max_wan": None})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "极片缺陷在线检测（更新）"
    assert patched.get_json()["budget_negotiable"] is True
    assert patched.get_json()["problem"] == NEED["problem"]  # untouched fields stay
    closed = api.post(f"/needs/{need_id}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = api.post(f"/needs/{need_id}/close")
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    refused = api.patch(f"/needs/{need_id}", json={"title": "已关闭的需求不能编辑"})
    assert refused.status_code == 409


def test_need_rules_are_the_pages_rules(api_as: ApiFor, enterprise_user: User,
                                        db: Session) -> None:
    api = api_as(enterprise_user)
    response = api.post("/needs", json={**NEED, "title": "短", "budget_min_wan": "200",
                                        "budget_max_wan": "100", "subfield": "软件"})
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert "title" in fields and "subfield" in fields
    assert response.get_json()["error"] == "validation_failed"
    assert _count(db, Need) == 0


def test_who_may_post_and_change_needs(api_as: ApiFor, enterprise_user: User,
                                       other_enterprise_user: User, institution_user: User,
                                       operator_user: User, make_need: Callable[..., Need],
                                       db: Session) -> None:
    assert api_as(None).post("/needs", json=NEED).status_code == 401
    assert api_as(institution_user).post("/needs", json=NEED).status_code == 403
    draft = make_need(enterprise_user, status=NeedStatus.DRAFT)
    # Drafts are invisible to other organisations: 404, not 403.
    assert api_as(other_enterprise_user).get(f"/needs/{draft.id}").status_code == 404
    assert api_as(None).get(f"/needs/{draft.id}").status_code == 404
    assert api_as(enterprise_user).get(f"/needs/{draft.id}").status_code == 200
    published = make_need(enterprise_user)
    assert api_as(other_enterprise_user).patch(
        f"/needs/{published.id}", json={"title": "别人的需求不能改"}).status_code == 403
    assert api_as(operator_user).patch(
        f"/needs/{published.id}", json={"title": "运营人员可以修改"}).status_code == 200
    published_draft = api_as(enterprise_user).post(f"/needs/{draft.id}/publish")
    assert published_draft.status_code == 200
    assert published_draft.get_json()["status"] == "published"


def test_need_list_filters_sorts_and_pages(api_as: ApiFor, enterprise_user: User,
                                           make_need: Callable[..., Need]) -> None:
    for i in range(5):
        make_need(enterprise_user, title=f"需求编号 {i} 的测试标题",
                  budget_min_wan=Decimal(10 * i), budget_max_wan=Decimal(10 * i + 5))
    make_need(enterprise_user, status=NeedStatus.DRAFT, title="草稿需求不在公开列表")
    anon = api_as(None)
    page = anon.get("/needs?per_page=2&page=2&sort=budget").get_json()
    assert page["total"] == 5 and page["pages"] == 3 and page["page"] == 2
    assert [n["budget_max_wan"] for n in page["items"]] == ["25", "35"]
    assert anon.get("/needs?min_budget=30").get_json()["total"] == 2
    searched = anon.get("/needs?q=编号 3").get_json()  # ranked: the one with both words first
    assert searched["items"][0]["title"] == "需求编号 3 的测试标题"
    capped = anon.get("/needs?per_page=100000").get_json()
    assert capped["per_page"] == 100
    assert anon.get("/needs?mine=true").status_code == 401
    mine = api_as(enterprise_user).get("/needs?mine=true").get_json()
    assert mine["total"] == 6
    bad = anon.get("/needs?field=rocket_science&sort=colour&page=-1")
    assert bad.status_code == 400
    assert set(bad.get_json()["fields"]) == {"field", "sort", "page"}


# --- results and matches ---------------------------------------------------------------------

def test_institution_posts_a_result_and_suggestions_are_served(
        api_as: ApiFor, institution_user: User, enterprise_user: User,
        make_need: Callable[..., Need], db: Session) -> None:
    need = make_need(enterprise_user)
    api = api_as(institution_user)
    response = api.post("/results", json={**RESULT, "publish": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ip"] == [{"type": "invention_patent", "number": "ZL202310000001.X"}]
    assert body["price_wan"] == "200.5" and body["maturity"] == "中试"
    matches = api_as(None).get(f"/results/{body['id']}/matches").get_json()["items"]
    assert [m["need_id"] for m in matches] == [need.id]
    # score ranks (the matcher's strength, unbounded); text_score is the coverage in [0, 1].
    assert matches[0]["terms"] and matches[0]["score"] > 0 and 0 < matches[0]["text_score"] <= 1
    from_need = api_as(None).get(f"/needs/{need.id}/matches?limit=5").get_json()["items"]
    assert [m["result_id"] for m in from_need] == [body["id"]]
    withdrawn = api.post(f"/results/{body['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert api_as(enterprise_user).get(f"/results/{body['id']}").status_code == 404
    assert api_as(enterprise_user).post("/results", json=RESULT).status_code == 403
    patched = api.patch(f"/results/{body['id']}", json={"trl": 8})
    assert patched.status_code == 200 and patched.get_json()["maturity"] == "产业化"


# --- solutions -------------------------------------------------------------------------------

def test_solution_submitted_and_accepted_opens_a_docking(
        api_as: ApiFor, institution_user: User, enterprise_user: User,
        other_enterprise_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result], db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    uni = api_as(institution_user)
    bad = uni.post(f"/needs/{need.id}/solutions", json={
        "summary": "基于线阵相机的在线检测方案。", "approach": "深度学习分割与缺陷分类，三个月交付。",
        "result_ids": [999]})
    assert bad.status_code == 422 and "result_ids" in bad.get_json()["fields"]
    response = uni.post(f"/needs/{need.id}/solutions", json={
        "summary": "基于线阵相机的在线检测方案。", "approach": "深度学习分割与缺陷分类，三个月交付。",
        "result_ids": [result.id], "price_wan": 90})
    assert response.status_code == 201, response.get_json()
    solution_id = response.get_json()["id"]
    assert response.get_json()["allowed"] == ["withdrawn"]
    assert api_as(enterprise_user).post(f"/needs/{need.id}/solutions", json={
        "summary": "企业不能提交解决方案。", "approach": "企业不能提交解决方案。"}).status_code == 403
    assert api_as(other_enterprise_user).get(f"/solutions/{solution_id}").status_code == 404
    # The institution cannot accept its own solution; the enterprise can.
    assert uni.post(f"/solutions/{solution_id}/decision",
                    json={"to": "accepted"}).status_code == 403
    ent = api_as(enterprise_user)
    assert [s["id"] for s in ent.get("/solutions").get_json()["items"]] == [solution_id]
    accepted = ent.post(f"/solutions/{solution_id}/decision", json={"to": "accepted"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert db.scalar(select(Docking.state).where(Docking.solution_id == solution_id)) \
        is DockingState.DOCKED
    assert ent.post(f"/solutions/{solution_id}/decision",
                    json={"to": "declined"}).status_code == 409
    solution = db.get(Solution, solution_id)
    assert solution is not None and solution.status is SolutionStatus.ACCEPTED


# --- dockings and deals ----------------------------------------------------------------------

def test_docking_from_interest_to_signed_deal(
        api_as: ApiFor, institution_user: User, enterprise_user: User,
        other_enterprise_user: User, broker_user: User, operator_user: User,
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        db: Session) -> None:
    need = make_need(enterprise_user)
    result = make_result(institution_user)
    uni, ent = api_as(institution_user), api_as(enterprise_user)
    shown = uni.post("/dockings", json={"need_id": need.id, "result_id": result.id,
                                        "message": "我们的系统已在两家电池厂应用。"})
    assert shown.status_code == 201, shown.get_json()
    docking = shown.get_json()
    assert docking["state"] == "interest" and docking["side"] == "supply"
    outsider = api_as(other_enterprise_user)
    assert outsider.get(f"/dockings/{docking['id']}").status_code == 404
    assert outsider.post("/dockings", json={"need_id": need.id,
                                            "result_id": result.id}).status_code == 403
    # Only the other side agrees.
    assert uni.post(f"/dockings/{docking['id']}/transitions",
                    json={"to": "docked", "version": docking["version"]}).status_code == 403
    agreed = ent.post(f"/dockings/{docking['id']}/transitions",
                      json={"to": "docked", "version": docking["version"]})
    assert agreed.status_code == 200 and agreed.get_json()["state"] == "docked"
    stale = ent.post(f"/dockings/{docking['id']}/transitions",
                     json={"to": "negotiating", "version": docking["version"]})
    assert stale.status_code == 409 and stale.get_json()["error"] == "stale_version"
    version = agreed.get_json()["version"]
    moved = ent.post(f"/dockings/{docking['id']}/transitions",
                     json={"to": "negotiating", "version": version})
    assert moved.status_code == 200
    detail = ent.get(f"/dockings/{docking['id']}").get_json()
    assert detail["contacts"] is not None and len(detail["events"]) == 3
    assert detail["messages"][0]["body"] == "我们的系统已在两家电池厂应用。"
    posted = uni.post(f"/dockings/{docking['id']}/messages", json={"body": "下周可以来厂里演示。"})
    assert posted.status_code == 201
    assert uni.post(f"/dockings/{docking['id']}/messages",
                    json={"body": "备注", "is_note": True}).status_code == 403
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    version = moved.get_json()["version"]
    assert ent.post(f"/dockings/{docking['id']}/deal", json={
        "contract_type": "development", "amount_wan": "120", "signed_on": future,
        "version": version}).status_code == 409
    signed = ent.post(f"/dockings/{docking['id']}/deal", json={
        "contract_type": "development", "amount_wan": "120.5",
        "signed_on": dt.date.today().isoformat(), "contract_number": "2025310000123",
        "version": version})
    assert signed.status_code == 201, signed.get_json()
    deal = signed.get_json()
    assert deal["amount_wan"] == "120.5"
    assert db.scalar(select(Need.status).where(Need.id == need.id)) is NeedStatus.SIGNED
    # Deals are seen by the parties and operators only.
    assert [d["id"] for d in uni.get("/deals").get_json()["items"]] == [deal["id"]]
    assert outsider.get("/deals").get_json()["total"] == 0
    assert outsider.get(f"/deals/{deal['id']}").status_code == 404
    assert api_as(broker_user).get(f"/deals/{deal['id']}").status_code == 404
    assert api_as(operator_user).get("/deals?contract_type=development").get_json()["total"] == 1
    corrected = ent.patch(f"/deals/{deal['id']}", json={
        "amount_wan": 130, "signed_on": deal["signed_on"], "version": deal["version"]})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["corrections"][0]["new_value"] == "130"
    assert ent.patch(f"/deals/{deal['id']}", json={
        "amount_wan": 140, "signed_on": deal["signed_on"],
        "version": deal["version"]}).status_code == 409
    assert _count(db, Deal) == 1


def test_dockings_list_is_the_users_own(api_as: ApiFor, enterprise_user: User,
                                        institution_user: User, other_enterprise_user: User,
                                        operator_user: User,
                                        make_docking: Callable[..., Any]) -> None:
    docking = make_docking(enterprise_user, institution_user)
    assert [d["id"] for d in api_as(enterprise_user).get("/dockings").get_json()["items"]] \
        == [docking.id]
    assert api_as(other_enterprise_user).get("/dockings").get_json()["total"] == 0
    assert api_as(operator_user).get("/dockings?state=interest").get_json()["total"] == 1
    assert api_as(None).get("/dockings").status_code == 401


# --- reports and me --------------------------------------------------------------------------

def test_reports_for_operators_figures_for_everyone(
        api_as: ApiFor, operator_user: User, enterprise_user: User) -> None:
    assert api_as(enterprise_user).get("/reports").status_code == 403
    assert api_as(None).get("/reports").status_code == 401
    report = api_as(operator_user).get("/reports?field=new_energy")
    assert report.status_code == 200 and "funnel" in report.get_json()
    assert api_as(operator_user).get("/reports?from=2025-13-01").status_code == 400
    figures = api_as(None).get("/figures")
    assert figures.status_code == 200 and "needs_published" in figures.get_json()


def test_me_tells_who_and_how(api_as: ApiFor, enterprise_user: User) -> None:
    me = api_as(enterprise_user).get("/me").get_json()
    assert me["email"] == enterprise_user.email and me["auth"] == "token"
    assert me["organization"]["name"] == "苏州精测装备有限公司"
    assert api_as(None).get("/me").status_code == 401


def test_results_list_hides_drafts_from_others(api_as: ApiFor, institution_user: User,
                                               make_result: Callable[..., Result]) -> None:
    make_result(institution_user)
    make_result(institution_user, status=ResultStatus.DRAFT, title="草稿成果不公开显示")
    assert api_as(None).get("/results").get_json()["total"] == 1
    assert api_as(institution_user).get("/results?mine=1").get_json()["total"] == 2
    assert api_as(None).get("/results?min_trl=10").status_code == 400
