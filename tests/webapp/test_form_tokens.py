"""Forms never make the same thing twice (issue 17, part 3): a replayed publish, solution,
deal or message (back, then submit again) is recognised by its one-time token and answered
with what the first submission made."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Deal, Docking, DockingMessage, DockingState, Need, Solution, User

from support import page_text

NEED_FORM = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "modes": ["joint_development"], "province": "江苏省", "city": "苏州市", "budget_min": "80",
    "budget_max": "150", "action": "publish",
}


def _token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_replayed_publish_shows_the_need_it_made(as_enterprise: FlaskClient,
                                                   db: Session) -> None:
    token = _token(as_enterprise.get("/needs/new").get_data(as_text=True))
    assert _token(as_enterprise.get("/needs/new").get_data(as_text=True)) != token
    first = as_enterprise.post("/needs/new", data={**NEED_FORM, "form_token": token})
    assert first.status_code == 302
    again = as_enterprise.post("/needs/new", data={**NEED_FORM, "form_token": token},
                               follow_redirects=True)
    assert _count(db, Need) == 1
    need = db.scalar(select(Need))
    assert need is not None and again.request.path == f"/needs/{need.id}"
    assert "该表单已提交过" in page_text(again)
    # A new form (a new token) publishes a second need, as asked.
    other = _token(as_enterprise.get("/needs/new").get_data(as_text=True))
    as_enterprise.post("/needs/new", data={**NEED_FORM, "form_token": other})
    assert _count(db, Need) == 2


def test_a_form_shown_again_after_an_error_keeps_its_token(as_enterprise: FlaskClient,
                                                           db: Session) -> None:
    token = _token(as_enterprise.get("/needs/new").get_data(as_text=True))
    shown = as_enterprise.post("/needs/new", data={**NEED_FORM, "problem": "太短",
                                                   "form_token": token})
    assert _token(shown.get_data(as_text=True)) == token and _count(db, Need) == 0
    as_enterprise.post("/needs/new", data={**NEED_FORM, "form_token": token})
    as_enterprise.post("/needs/new", data={**NEED_FORM, "form_token": token})
    assert _count(db, Need) == 1


def test_a_replayed_solution_deal_and_message_are_made_once(
        as_enterprise: FlaskClient, as_institution: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: Callable[..., Docking],
        make_need: Callable[..., Need], db: Session) -> None:
    need = make_need(enterprise_user)
    form = {"summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
            "approach": "线阵相机采集极片图像，分割模型识别涂布缺陷并反馈到涂布机。",
            "form_token": _token(as_institution.get(f"/needs/{need.id}/solutions/new")
                                 .get_data(as_text=True))}
    for _ in range(2):
        as_institution.post(f"/needs/{need.id}/solutions/new", data=form)
    assert _count(db, Solution) == 1

    docking = make_docking(enterprise_user, institution_user, DockingState.NEGOTIATING)
    token = _token(as_enterprise.get(f"/dockings/{docking.id}").get_data(as_text=True))
    deal = {"contract_type": "development", "amount": "120.5", "signed_on": "2025-06-18",
            "version": docking.version, "form_token": token}
    as_enterprise.post(f"/dockings/{docking.id}/deal", data=deal)
    again = as_enterprise.post(f"/dockings/{docking.id}/deal", data=deal, follow_redirects=True)
    assert _count(db, Deal) == 1
    assert "该表单已提交过" in page_text(again) and "该对接已登记合同" not in page_text(again)

    token = _token(as_enterprise.get(f"/dockings/{docking.id}").get_data(as_text=True))
    for _ in range(2):
        as_enterprise.post(f"/dockings/{docking.id}/messages",
                           data={"body": "合同原件已寄出", "form_token": token})
    assert _count(db, DockingMessage) == 1
