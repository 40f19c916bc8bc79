"""Bad requests never get a 5xx; tokens, CSRF and idempotent creates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ApiToken, Need, Organization, Result, Role, User
from models.api import hash_token

ApiFor = Callable[[User | None], Any]

NEED = {
    "title": "高速线阵相机下的极片缺陷检测", "field": "new_energy",
    "problem": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
    "modes": ["joint_development"], "province": "江苏省", "budget_min_wan": 80,
    "budget_max_wan": 150,
}


def _count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _error_shape(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}, body
    assert isinstance(body["fields"], dict)
    return body


# --- bad input -------------------------------------------------------------------------------

BAD_BODIES: list[tuple[str, Any, int]] = [
    ("malformed", b"{\"title\": ", 400),
    ("not an object", b"[1, 2, 3]", 422),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000, 400),
    ("huge integer", b"{\"trl\": " + b"9" * 5000 + b"}", 400),
    ("wrong types", {"title": 12, "field": ["new_energy"], "modes": "license",
                     "province": None, "problem": {"a": 1}}, 422),
    ("huge values", {**NEED, "budget_min_wan": 1e308, "budget_max_wan": "9" * 20}, 422),
    ("infinite", {**NEED, "budget_min_wan": "Infinity", "budget_max_wan": "NaN"}, 422),
    ("long text", {**NEED, "title": "长" * 100_000}, 422),
    ("unknown field", {**NEED, "colour": "red"}, 422),
    ("mass assignment", {**NEED, "organization_id": 1, "status": "signed", "role": "operator",
                         "author_id": 1}, 422),
    ("bad date", {**NEED, "valid_until": "2025-02-30"}, 422),
    ("bad enum", {**NEED, "field": "alchemy", "modes": ["bribery"]}, 422),
    ("null everywhere", dict.fromkeys(NEED), 422),
    ("empty", {}, 422),
]


@pytest.mark.parametrize(("name", "body", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_need_bodies_get_4xx_and_create_nothing(
        name: str, body: Any, status: int, api_as: ApiFor, enterprise_user: User,
        db: Session) -> None:
    api = api_as(enterprise_user)
    if isinstance(body, bytes):
        response = api.post("/needs", data=body, content_type="application/json")
    else:
        response = api.post("/needs", json=body)
    assert response.status_code == status, response.get_json()
    _error_shape(response)
    assert _count(db, Need) == 0


def test_mass_assignment_names_each_refused_field(api_as: ApiFor, enterprise_user: User) -> None:
    response = api_as(enterprise_user).post("/needs", json={
        **NEED, "organization_id": 99, "status": "published", "role": "operator"})
    assert response.get_json()["fields"] == {"organization_id": "未知字段", "status": "未知字段",
                                             "role": "未知字段"}
    patch = api_as(enterprise_user).post("/results", json={"amount_wan": 1})
    assert patch.status_code == 403  # an enterprise may not post results at all


def test_bad_requests_of_every_kind(api_as: ApiFor, enterprise_user: User,
                                    app: Flask, make_need: Callable[..., Need]) -> None:
    api = api_as(enterprise_user)
    need = make_need(enterprise_user)
    cases = [
        api.get("/needs/99999999999999999999"),
        api.get("/needs/0"),
        api.get("/dockings/4294967296"),
        api.post("/needs", data="title=x", content_type="application/x-www-form-urlencoded"),
        api.post("/needs", data=b"\xff\xfe\x00garbage", content_type="application/json"),
        api.patch(f"/needs/{need.id}", json={"trl": 5}),
        api.patch(f"/needs/{need.id}", json={"budget_min_wan": -5}),
        api.post("/dockings", json={"need_id": 2**40, "result_id": "1"}),
        api.post("/dockings/1/transitions", json={"to": "signed", "version": 1}),
        api.get("/needs?per_page=1e9&page=999999999999999"),
        api.get("/deals?signed_from=yesterday"),
        api.call("PUT", "/needs"),
        api.get("/nothing-here"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.path, response.get_json())
        _error_shape(response)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    too_big = api.post("/needs", json={**NEED, "problem": "大" * 5000})
    assert too_big.status_code == 413 and _error_shape(too_big)["error"] == "payload_too_large"


def test_unknown_fields_in_updates_are_refused_too(api_as: ApiFor, enterprise_user: User,
                                                   make_need: Callable[..., Need],
                                                   db: Session) -> None:
    need = make_need(enterprise_user)
    response = api_as(enterprise_user).patch(f"/needs/{need.id}", json={
        "organization_id": 12345, "status": "signed"})
    assert response.status_code == 422
    db.refresh(need)
    assert need.organization_id == enterprise_user.organization_id
    assert need.status.value == "published"


# --- tokens ----------------------------------------------------------------------------------

def test_account_page_creates_a_token_once_and_stores_only_its_hash(
        as_enterprise: FlaskClient, enterprise_user: User, db: Session,
        app: Flask) -> None:
    page = as_enterprise.get("/account")
    assert "API 令牌" in page.get_data(as_text=True)
    created = as_enterprise.post("/account/tokens", data={"name": "ERP 同步"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = re.search(r"imk_[A-Za-z0-9_-]{40,}", created.get_data(as_text=True))
    assert token is not None
    record = db.scalar(select(ApiToken))
    assert record is not None and record.token_hash == hash_token(token[0])
    assert token[0] not in {record.token_hash, record.hint, record.name}
    # Shown once: the account page lists the token by its first characters only.
    listing = as_enterprise.get("/account").get_data(as_text=True)
    assert record.hint in listing and token[0] not in listing
    bearer = app.test_client()
    me = bearer.get("/api/v1/me", headers={"Authorization": f"Bearer {token[0]}"})
    assert me.status_code == 200 and me.get_json()["auth"] == "token"
    assert me.get_json()["language"] == "zh_CN"
    assert "Set-Cookie" not in me.headers
    revoked = as_enterprise.post(f"/account/tokens/{record.id}/revoke")
    assert revoked.status_code == 302
    again = bearer.get("/api/v1/me", headers={"Authorization": f"Bearer {token[0]}"})
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_token"
    assert again.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_of_others_cannot_be_revoked(as_other_enterprise: FlaskClient,
                                            api_as: ApiFor, enterprise_user: User,
                                            db: Session) -> None:
    api_as(enterprise_user)
    record = db.scalar(select(ApiToken))
    assert record is not None
    assert as_other_enterprise.post(f"/account/tokens/{record.id}/revoke").status_code == 404
    assert as_other_enterprise.delete(f"/api/v1/tokens/{record.id}").status_code == 404


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer imk_nope",
                                    "Bearer " + "x" * 5000, "token imk_abc"])
def test_bad_authorization_headers_get_401(client: FlaskClient, header: str) -> None:
    response = client.get("/api/v1/needs", headers={"Authorization": header})
    assert response.status_code == 401
    _error_shape(response)


def test_tokens_cannot_mint_tokens_and_inactive_users_lose_access(
        api_as: ApiFor, enterprise_user: User, db: Session) -> None:
    api = api_as(enterprise_user)
    assert api.post("/tokens", json={"name": "再来一个"}).status_code == 403
    assert len(api.get("/tokens").get_json()["items"]) == 1
    enterprise_user.is_active = False
    db.commit()
    assert api.get("/me").status_code == 401


def test_session_writes_need_the_csrf_header_and_tokens_do_not(
        app: Flask, enterprise_user: User, token_for: Callable[[User], str],
        db: Session) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    form = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert csrf is not None
    logged_in = browser.post("/login", data={"email": enterprise_user.email,
                                             "password": "correct-horse-42",
                                             "csrf_token": csrf[1]})
    assert logged_in.status_code == 302
    refused = browser.post("/api/v1/needs", json=NEED)
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    assert _count(db, Need) == 0
    token_page = browser.get("/account").get_data(as_text=True)
    header = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page)
    assert header is not None
    accepted = browser.post("/api/v1/needs", json=NEED, headers={"X-CSRFToken": header[1]})
    assert accepted.status_code == 201, accepted.get_json()
    # Reads need no CSRF token; Bearer writes need none either.
    assert browser.get("/api/v1/me").get_json()["auth"] == "session"
    bearer = app.test_client().post("/api/v1/needs", json=NEED, headers={
        "Authorization": f"Bearer {token_for(enterprise_user)}"})
    assert bearer.status_code == 201
    made = browser.post("/api/v1/tokens", json={"name": "脚本"},
                        headers={"X-CSRFToken": header[1]})
    assert made.status_code == 201 and made.get_json()["token"].startswith("imk_")


# --- idempotency -----------------------------------------------------------------------------

def test_replaying_a_create_returns_the_first_answer(api_as: ApiFor, enterprise_user: User,
                                                     db: Session) -> None:
    api = api_as(enterprise_user)
    headers = {"Idempotency-Key": "order-2025-0001"}
    first = api.post("/needs", json=NEED, headers=headers)
    assert first.status_code == 201
    # The same body with its keys in another order is the same request.
    again = api.post("/needs", json=dict(reversed(list(NEED.items()))), headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(db, Need) == 1
    changed = api.post("/needs", json={**NEED, "title": "同一个键换了内容的需求"}, headers=headers)
    assert changed.status_code == 422
    assert _error_shape(changed)["error"] == "idempotency_key_reused"
    assert _count(db, Need) == 1
    other = api.post("/needs", json=NEED, headers={"Idempotency-Key": "order-2025-0002"})
    assert other.status_code == 201 and _count(db, Need) == 2


def test_failed_creates_are_not_stored_and_keys_are_per_user(
        api_as: ApiFor, enterprise_user: User, other_enterprise_user: User,
        db: Session) -> None:
    api = api_as(enterprise_user)
    headers = {"Idempotency-Key": "k-1"}
    assert api.post("/needs", json={**NEED, "title": "短"}, headers=headers).status_code == 422
    # A failure is not an answer to replay: the corrected request may use the same key.
    assert api.post("/needs", json=NEED, headers=headers).status_code == 201
    assert api_as(other_enterprise_user).post("/needs", json=NEED,
                                              headers=headers).status_code == 201
    assert _count(db, Need) == 2
    for bad in ("", " " * 3, "k" * 201, "ключ"):
        response = api.post("/needs", json=NEED, headers={"Idempotency-Key": bad})
        assert response.status_code == 400, bad
    assert _count(db, Need) == 2


def test_idempotent_docking_and_result_creates(api_as: ApiFor, institution_user: User,
                                               enterprise_user: User,
                                               make_need: Callable[..., Need],
                                               db: Session) -> None:
    need = make_need(enterprise_user)
    uni = api_as(institution_user)
    body = {"title": "锂电池极片视觉检测系统", "field": "new_energy", "form": "device", "trl": 6,
            "summary": "采用高速线阵相机与深度学习算法，在线检测极片涂布缺陷。", "modes": ["license"],
            "province": "上海市", "publish": True}
    first = uni.post("/results", json=body, headers={"Idempotency-Key": "r1"})
    second = uni.post("/results", json=body, headers={"Idempotency-Key": "r1"})
    assert first.get_json() == second.get_json() and _count(db, Result) == 1
    pair = {"need_id": need.id, "result_id": first.get_json()["id"]}
    a = uni.post("/dockings", json=pair, headers={"Idempotency-Key": "d1"})
    b = uni.post("/dockings", json=pair, headers={"Idempotency-Key": "d1"})
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json()
    # Without the key, the second request is refused by the workflow instead.
    assert uni.post("/dockings", json=pair).status_code == 409


def test_operator_role_is_not_settable(api_as: ApiFor, enterprise_user: User, db: Session,
                                       make_org: Callable[..., Organization]) -> None:
    api = api_as(enterprise_user)
    assert api.post("/me", json={"role": "operator"}).status_code == 405
    db.refresh(enterprise_user)
    assert enterprise_user.role is Role.MEMBER
