"""Issue 18, item 7: API tokens expire (90 days unless chosen, at most a year), show their
last use, and all go when the password changes or is reset; token creation and any page that
shows a secret answer ``Cache-Control: no-store``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiToken, OutboxEmail, User, utcnow

from support import PASSWORD, login, page_text

NEW = "amber-lantern-93"


def _record(db: Session) -> ApiToken:
    db.expire_all()
    record = db.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert record is not None
    return record



def test_item7_tokens_expire_after_90_days_by_default_and_say_so(
        app: Flask, client: FlaskClient, db: Session, enterprise_user: User,
        bearer: Callable[[User], dict[str, str]]) -> None:
    headers = bearer(enterprise_user)
    record = _record(db)
    life = record.expires_at - record.created_at
    assert life == dt.timedelta(days=90)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # Ninety days later: the token is known and unrevoked, but its life has ended.
    record.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.commit()
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401
    body = expired.get_json()
    assert body["error"] == "token_expired"
    assert "过期" in body["message"] and "创建新的令牌" in body["message"]
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")
    english = client.get("/api/v1/me?lang=en", headers=headers).get_json()
    assert "expired" in english["message"]


def test_item7_token_life_is_chosen_on_creation_up_to_a_year(
        app: Flask, as_enterprise: FlaskClient, db: Session) -> None:
    api = {"Content-Type": "application/json"}
    year = as_enterprise.post("/api/v1/tokens", json={"name": "年度", "expires_in_days": 365},
                              headers=api)
    assert year.status_code == 201
    assert year.headers["Cache-Control"] == "no-store"
    record = _record(db)
    assert record.expires_at - record.created_at == dt.timedelta(days=365)
    assert year.get_json()["record"]["expires_at"]
    too_long = as_enterprise.post("/api/v1/tokens", json={"name": "太久", "expires_in_days": 366},
                                  headers=api)
    assert too_long.status_code == 422
    assert "expires_in_days" in too_long.get_json()["fields"]
    # The account page: a chosen life, and a refused one flashed without a token made.
    week = as_enterprise.post("/account/tokens", data={"name": "一周", "days": "7"})
    assert week.status_code == 200 and week.headers["Cache-Control"] == "no-store"
    record = _record(db)
    assert record.name == "一周"
    assert record.expires_at - record.created_at == dt.timedelta(days=7)
    count = len(db.scalars(select(ApiToken)).all())
    refused = as_enterprise.post("/account/tokens", data={"name": "太久", "days": "400"},
                                 follow_redirects=True)
    assert "1–365" in page_text(refused)
    assert len(db.scalars(select(ApiToken)).all()) == count


def test_item7_token_list_shows_expiry_and_last_use_written_at_most_once_a_minute(
        app: Flask, as_enterprise: FlaskClient, client: FlaskClient, db: Session,
        enterprise_user: User, bearer: Callable[[User], dict[str, str]]) -> None:
    headers = bearer(enterprise_user)
    shown = page_text(as_enterprise.get("/account"))
    assert "从未使用" in shown and "到期" in shown
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    first = _record(db).last_used_at
    assert first is not None and utcnow() - first < dt.timedelta(minutes=1)
    assert client.get("/api/v1/needs", headers=headers).status_code == 200
    assert _record(db).last_used_at == first  # no write on every request
    record = _record(db)
    record.last_used_at = utcnow() - dt.timedelta(minutes=2)
    db.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = _record(db).last_used_at
    assert later is not None and utcnow() - later < dt.timedelta(minutes=1)
    listed = as_enterprise.get("/api/v1/tokens").get_json()["items"][0]
    assert listed["last_used_at"] and listed["expires_at"]
    shown = page_text(as_enterprise.get("/account"))
    assert "从未使用" not in shown and "有效" in shown
    record = _record(db)
    record.expires_at = utcnow() - dt.timedelta(days=1)
    db.commit()
    assert "已过期" in page_text(as_enterprise.get("/account"))


def test_item7_a_password_change_revokes_every_token(
        app: Flask, client: FlaskClient, db: Session, enterprise_user: User,
        bearer: Callable[[User], dict[str, str]]) -> None:
    tokens = [bearer(enterprise_user), bearer(enterprise_user)]
    assert all(client.get("/api/v1/me", headers=h).status_code == 200 for h in tokens)
    browser = login(app.test_client(), enterprise_user)
    changed = browser.post("/account/password",
                           data={"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert changed.status_code == 302
    for headers in tokens:
        refused = client.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_token"
    db.expire_all()
    assert all(t.revoked_at is not None for t in db.scalars(select(ApiToken)))
    assert "已撤销" in page_text(browser.get("/account"))


def test_item7_a_password_reset_revokes_every_token(
        app: Flask, client: FlaskClient, db: Session, enterprise_user: User,
        bearer: Callable[[User], dict[str, str]]) -> None:
    headers = bearer(enterprise_user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/password/forgot", data={"email": enterprise_user.email}).status_code == 302
    mail = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert mail is not None
    match = re.search(r"token=([\w-]+)", mail.body)
    assert match
    client.post("/password/reset", data={"token": match[1], "password": NEW, "confirm": NEW})
    assert client.get("/api/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_item7_pages_that_show_a_secret_are_never_cached(
        app: Flask, client: FlaskClient, db: Session, enterprise_user: User, lang: str) -> None:
    # The reset page holds the e-mailed token (in its address and a hidden field), and is
    # seen by a visitor, whom the logged-in rule does not cover.
    client.post("/password/forgot", data={"email": enterprise_user.email})
    mail = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert mail is not None
    match = re.search(r"token=([\w-]+)", mail.body)
    assert match
    page = client.get(f"/password/reset?token={match[1]}&lang={lang}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
