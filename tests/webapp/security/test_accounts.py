"""Issue 18.9: sign-up does not tell whether an address is registered; addresses are compared
in one normal form; a new account confirms its address (signed, expiring link) before posting;
sessions end after an idle timeout, remember-me after 14 days."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import OutboxEmail, PasswordResetToken, User, normalise_email, utcnow
from webapp.auth.confirmation import ALLOWED_ENDPOINTS, confirmation_token
from webapp.db import make_engine
from webapp.migrate import downgrade, upgrade

from support import PASSWORD, login, page_text

NEW = {"name": "新人", "password": "blue-river-2025", "confirm": "blue-river-2025",
       "org_mode": "create", "org_kind": "enterprise", "province": "浙江省"}


def _mail(db: Session, to: str) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to)
                           .order_by(OutboxEmail.id)))


def _link(mail: OutboxEmail) -> str:
    found = re.search(r"http://localhost(/confirm\?token=\S+)", mail.body)
    assert found, mail.body
    return found.group(1)


# --- sign-up tells nothing ----------------------------------------------------------------------

def test_accounts_sign_up_answers_alike_for_a_registered_address(
        app: Flask, db: Session, enterprise_user: User) -> None:
    users_before = db.scalar(select(text("count(*)")).select_from(User))
    known, fresh = app.test_client(), app.test_client()
    # The registered address written differently (case, full-width) is still that address.
    variant = enterprise_user.email.upper().replace("@", "＠")
    answers = [client.post("/signup", data={**NEW, "email": email, "org_name": name})
               for client, email, name in ((known, variant, "甲测试公司"),
                                           (fresh, "fresh@example.cn", "乙测试公司"))]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    pages = [page_text(c.get(a.headers["Location"])) for c, a in zip((known, fresh), answers, strict=True)]
    assert pages[0].replace(enterprise_user.email, "X") == pages[1].replace("fresh@example.cn", "X")
    assert "请按邮件中的说明确认邮箱" in pages[0]
    # Neither is logged in; only the new address got an account.
    assert known.get("/account").status_code == fresh.get("/account").status_code == 302
    assert db.scalar(select(text("count(*)")).select_from(User)) == users_before + 1
    # The owner is told by e-mail instead, with the way back in; the newcomer gets a link.
    notice, = _mail(db, enterprise_user.email)
    assert "已有账号" in notice.body and "/password/forgot" in notice.body
    confirm, = _mail(db, "fresh@example.cn")
    assert "/confirm?token=" in confirm.body


# --- one normal form of an address ----------------------------------------------------------------

def test_accounts_email_normal_form() -> None:
    assert normalise_email("  Li.Na@Example.CN ") == "li.na@example.cn"
    assert normalise_email("ｌｉ．ｎａ＠ＥＸＡＭＰＬＥ．ＣＮ") == "li.na@example.cn"  # NFKC
    assert normalise_email("x@STRASSE.DE") == normalise_email("x@straße.de")  # case-folded
    assert normalise_email("no-at-sign") == "no-at-sign"


def test_accounts_email_is_unique_in_its_normal_form(db: Session, make_user: Callable[..., User],
                                                     make_org: Callable[..., Any]) -> None:
    make_user(email="wang@example.cn")
    db.add(User(email="ＷＡＮＧ@Example.cn", name="重复", organization=make_org(),
                password_hash="!"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_accounts_log_in_and_reset_read_the_normal_form(app: Flask, db: Session,
                                                        enterprise_user: User) -> None:
    variant = enterprise_user.email.upper().replace(".", "．")
    answer = app.test_client().post("/login", data={"email": variant, "password": PASSWORD})
    assert answer.status_code == 302
    assert app.test_client().post("/password/forgot", data={"email": variant}).status_code == 302
    db.expire_all()
    assert db.scalars(select(PasswordResetToken)
                      .where(PasswordResetToken.user_id == enterprise_user.id)).all()


# --- confirmation before posting ------------------------------------------------------------------

def _dummy_url(app: Flask, rule: Any) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        options = getattr(converter, "items", None)
        values[name] = sorted(options)[0] if options else 1
    with app.test_request_context():
        from flask import url_for
        return url_for(rule.endpoint, **values)


def test_accounts_unconfirmed_account_may_read_but_not_post(
        app: Flask, make_user: Callable[..., User], make_org: Callable[..., Any],
        make_result: Callable[..., Any], db: Session, bearer: Callable[[User], dict[str, str]],
) -> None:
    from models import OrgKind

    user = make_user(email_confirmed_at=None)
    result = make_result(make_user(make_org(OrgKind.UNIVERSITY)))
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "尚未确认" in page_text(client.get("/"))
    assert client.get("/needs/new").status_code == 200
    assert client.get(f"/results/{result.id}").status_code == 200
    refused = client.post("/needs/new", data={"title": "一个需求"})
    assert refused.status_code == 403
    assert "请先确认您的邮箱" in page_text(refused)
    assert 'action="/account/confirm"' in refused.get_data(as_text=True)
    # Every write, on the pages and the API, except the account's own business.
    writes = [rule for rule in app.url_map.iter_rules()
              if rule.methods and {"POST", "PATCH", "PUT", "DELETE"} & rule.methods
              and rule.endpoint not in ALLOWED_ENDPOINTS]
    assert len(writes) >= 30
    headers = bearer(user)
    for rule in writes:
        method = sorted({"POST", "PATCH", "PUT", "DELETE"} & set(rule.methods or ()))[0]
        url = _dummy_url(app, rule)
        if rule.endpoint.startswith("api_v1."):
            answer = client.open(url, method=method, json={}, headers=headers)
            assert (answer.status_code, answer.get_json()["error"]) == (403, "email_unconfirmed"), url
        else:
            assert client.open(url, method=method, data={}).status_code == 403, url
    # Its own account still changes: a token, notifications settings, asking for the link.
    assert client.post("/account/tokens", data={"name": "t"}).status_code != 403
    assert client.post("/account/confirm").status_code == 302
    assert "/confirm?token=" in _mail(db, user.email)[-1].body


def test_accounts_the_e_mailed_link_confirms_and_posting_opens(
        app: Flask, db: Session, make_user: Callable[..., User]) -> None:
    client = app.test_client()
    client.post("/signup", data={**NEW, "email": "Zhou@Example.CN", "org_name": "周氏测试公司"})
    mail, = _mail(db, "zhou@example.cn")
    user = db.scalar(select(User).where(User.email == "zhou@example.cn"))
    assert user is not None and user.email_confirmed_at is None
    # `innomatch send-mail` delivers it (to the log without a mail server).
    run = app.test_cli_runner().invoke(args=["send-mail"])
    assert run.exit_code == 0 and "sent: 1" in run.output
    login(client, user, NEW["password"])
    assert client.post("/needs/new", data={}).status_code == 403
    # A link altered by one character is worth nothing.
    link = _link(mail)
    # (Not the last character: its low bits may be base64 padding that decodes alike.)
    at = link.index("token=") + len("token=") + 3
    assert client.get(link[:at] + ("A" if link[at] != "A" else "B") + link[at + 1:]
                      ).status_code == 302
    db.expire_all()
    assert db.get(User, user.id).email_confirmed_at is None  # type: ignore[union-attr]
    answer = client.get(link)
    assert answer.status_code == 302
    assert "邮箱已确认" in page_text(client.get(answer.headers["Location"]))
    db.expire_all()
    assert db.get(User, user.id).email_confirmed_at is not None  # type: ignore[union-attr]
    assert client.post("/needs/new", data={}).status_code == 200  # the form, with its errors


def test_accounts_confirmation_links_expire(app: Flask, db: Session,
                                            make_user: Callable[..., User],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(email_confirmed_at=None)
    hours = app.config["EMAIL_CONFIRM_TTL_HOURS"]
    assert hours == 48
    old = int(time.time()) - hours * 3600 - 60
    with app.test_request_context():
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
        token = confirmation_token(user)
        monkeypatch.undo()
    client = app.test_client()
    answer = client.get(f"/confirm?token={token}")
    assert "确认链接已过期" in page_text(client.get(answer.headers["Location"]))
    db.expire_all()
    assert db.get(User, user.id).email_confirmed_at is None  # type: ignore[union-attr]


def test_accounts_demo_accounts_are_confirmed(app: Flask, db: Session) -> None:
    run = app.test_cli_runner().invoke(args=["seed-demo"])
    assert run.exit_code == 0, run.output
    assert db.scalar(select(User).where(User.email_confirmed_at.is_(None))) is None


# --- sessions -----------------------------------------------------------------------------------

def test_accounts_sessions_end_after_an_idle_timeout(app: Flask, enterprise_user: User) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(hours=2)
    assert app.config["REMEMBER_COOKIE_DURATION"] == dt.timedelta(days=14)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=2)
    client = login(app.test_client(), enterprise_user)
    for _ in range(3):  # in use: each request starts the idle time again
        time.sleep(1.1)
        assert client.get("/account").status_code == 200
    time.sleep(3.2)
    assert client.get("/account").status_code == 302  # idle too long: logged out


def test_accounts_remember_me_lasts_14_days(app: Flask, enterprise_user: User) -> None:
    client = app.test_client()
    answer = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD,
                                         "remember": "y"})
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires
    when = dt.datetime.strptime(expires.group(1), "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.UTC)
    assert abs((when - utcnow()) - dt.timedelta(days=14)) < dt.timedelta(minutes=5)


# --- migration 0011 -------------------------------------------------------------------------------

def test_accounts_migration_confirms_existing_accounts_and_normalises_addresses(
        database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0013")  # the revision before 0011
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organizations (id, name, kind, province, city, verified, description,"
                " invite_code, created_at) VALUES (1, '甲公司', 'enterprise', '上海市', '', false,"
                " '', 'code1', CURRENT_TIMESTAMP)"))
            for n, email in enumerate(["Ｗang@Example.cn", "li@example.cn", "ＬＩ@example.cn"], 1):
                conn.execute(text(
                    "INSERT INTO users (id, email, name, password_hash, role, organization_id,"
                    " is_active, session_version, language, created_at) VALUES (:id, :email, 'x',"
                    " '!', 'member', 1, true, 1, 'zh_CN', CURRENT_TIMESTAMP)"),
                    {"id": n, "email": email})
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, email, email_confirmed_at IS NOT NULL FROM users ORDER BY id")).all()
        # The third would collide with the second: left as it was (and logged), not lost.
        assert [tuple(r) for r in rows] == [(1, "wang@example.cn", True),
                                            (2, "li@example.cn", True), (3, "ＬＩ@example.cn", True)]
    finally:
        engine.dispose()
