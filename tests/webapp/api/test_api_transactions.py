"""One place runs every API operation in a transaction and turns what it raises into the error
body; the API and the need form refuse the same input with the same words."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import webapp.api.v1.listings as listings_api
from models import Need, User

from support import page_text

ApiFor = Callable[[User | None], Any]
API_DIR = Path(listings_api.__file__).parent
NEED = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "modes": ["joint_development"], "province": "江苏省", "budget_min_wan": 80,
    "budget_max_wan": 150,
}


def _needs(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Need)) or 0


def test_no_operation_commits_or_rolls_back_itself() -> None:
    modules = sorted(API_DIR.glob("*.py"))
    assert len(modules) > 10
    for module in modules:
        if module.name == "core.py":
            continue
        source = module.read_text(encoding="utf-8")
        assert ".commit(" not in source and ".rollback(" not in source, module.name
    assert ".commit(" in (API_DIR / "core.py").read_text(encoding="utf-8")


def _created_then(failure: BaseException) -> Callable[..., Any]:
    def created(*args: Any, **kwargs: Any) -> Any:
        raise failure  # the need is added and flushed, then the operation fails
    return created


def test_an_integrity_error_is_a_409_and_nothing_is_kept(
        api_as: ApiFor, enterprise_user: User, db: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listings_api, "created",
                        _created_then(IntegrityError("INSERT", {}, Exception("unique"))))
    response = api_as(enterprise_user).post("/needs", json=NEED)
    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"
    assert set(response.get_json()) == {"error", "message", "fields"}
    assert _needs(db) == 0


def test_a_fault_is_a_500_and_nothing_is_kept(api_as: ApiFor, enterprise_user: User,
                                             db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listings_api, "created", _created_then(RuntimeError("a bug")))
    response = api_as(enterprise_user).post("/needs", json=NEED)
    assert response.status_code == 500 and response.get_json()["error"] == "server_error"
    assert _needs(db) == 0


def test_a_success_is_committed(api_as: ApiFor, enterprise_user: User, db: Session) -> None:
    assert api_as(enterprise_user).post("/needs", json=NEED).status_code == 201
    assert _needs(db) == 1


@pytest.mark.parametrize(("api", "form", "message"), [
    ({"title": "短"}, {"title": "短"}, "需求名称需 4–120 个字"),
    ({"problem": "太短"}, {"problem": "太短"}, "技术难题需 10–5000 个字"),
    ({"subfield": "航空技术"}, {"subfield": "航空技术"}, "该子领域不属于所选技术领域"),
    ({"budget_min_wan": "-5"}, {"budget_min": "-5"}, "金额不能为负数"),
    ({"budget_min_wan": "1.123456"}, {"budget_min": "1.123456"}, "最多保留四位小数"),
    ({"budget_min_wan": "200", "budget_max_wan": "100"}, {"budget_min": "200", "budget_max": "100"},
     "预算上限不能低于下限"),
    ({"valid_until": "2000-01-01"}, {"valid_until": "2000-01-01"}, "有效期不能早于今天"),
    ({"keywords": [f"词{i}" for i in range(12)]},
     {"keywords": ",".join(f"词{i}" for i in range(12))}, "关键词最多 10 个"),
    ({"modes": []}, {"modes": []}, "请至少选择一种合作方式"),
])
def test_the_api_and_the_form_refuse_alike(
        api: dict[str, Any], form: dict[str, Any], message: str, api_as: ApiFor,
        enterprise_user: User, as_enterprise: FlaskClient, db: Session) -> None:
    answer = api_as(enterprise_user).post("/needs", json={**NEED, **api})
    assert answer.status_code == 422
    assert any(message in text for text in answer.get_json()["fields"].values()), \
        answer.get_json()
    page = as_enterprise.post("/needs/new", data={
        "title": NEED["title"], "field": "new_energy", "problem": NEED["problem"],
        "modes": "joint_development", "province": "江苏省", "budget_min": "80",
        "budget_max": "150", **form})
    assert page.status_code == 200 and message in page_text(page)
    assert _needs(db) == 0


def test_text_with_a_nul_character_is_refused_on_every_database(
        api_as: ApiFor, enterprise_user: User, db: Session) -> None:
    for body in ({**NEED, "title": "极片检测\x00需求"}, {**NEED, "keywords": ["涂布\x00"]}):
        response = api_as(enterprise_user).post("/needs", json=body)
        assert response.status_code == 422, response.get_json()
        assert "NUL" in next(iter(response.get_json()["fields"].values()))
    assert _needs(db) == 0
