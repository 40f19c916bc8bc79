"""Sign-up, log-in, log-out and the account page."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Language, Organization, OrgKind, Role, User
from models.validators import credit_code_check_char

from support import PASSWORD, login, page_text

SIGNUP = {
    "email": "li.na@example.cn", "name": "李娜", "password": "blue-river-2025",
    "confirm": "blue-river-2025", "org_mode": "create", "org_name": "杭州云测科技有限公司",
    "org_kind": "enterprise", "province": "浙江省", "city": "杭州市",
}


def test_signup_creates_organization_and_the_account_logs_in(client: FlaskClient,
                                                              db: Session) -> None:
    body = "91330100MA2AB1234"
    response = client.post("/signup", data={**SIGNUP, "credit_code": body + credit_code_check_char(body)})
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "li.na@example.cn"))
    assert user is not None and user.role is Role.MEMBER
    assert user.organization.kind is OrgKind.ENTERPRISE
    assert user.organization.province == "浙江省"
    # Sign-up does not log in (its answer must not differ for a known address); log-in does.
    login(client, user, "blue-river-2025")
    assert "李娜" in page_text(client.get("/account"))


def test_signup_joins_with_invitation_code(client: FlaskClient, db: Session,
                                           institution_user: User) -> None:
    code = institution_user.organization.invite_code
    response = client.post("/signup", data={
        **SIGNUP, "email": "wang@example.cn", "org_mode": "join", "invite_code": code,
        "org_name": "", "province": ""})
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "wang@example.cn"))
    assert user is not None and user.organization_id == institution_user.organization_id


def test_signup_errors_are_shown_next_to_fields(client: FlaskClient, db: Session,
                                                enterprise_user: User) -> None:
    cases = [
        ({"email": "not-an-email"}, "邮箱格式不正确"),
        ({"password": "short", "confirm": "short"}, "至少需要 8 个字符"),
        ({"password": "12345678", "confirm": "12345678"}, "过于常见"),
        ({"confirm": "something-else"}, "两次输入的密码不一致"),
        ({"credit_code": "91330100MA2AB12340"}, "统一社会信用代码格式不正确"),
        ({"org_name": ""}, "请输入机构名称"),
        ({"org_name": enterprise_user.organization.name}, "该机构已存在"),
        ({"org_mode": "join", "invite_code": "no-such-code"}, "邀请码无效"),
        ({"org_mode": "join", "invite_code": ""}, "请输入机构管理员提供的邀请码"),
    ]
    before = db.scalar(select(User.id).order_by(User.id.desc()))
    for change, message in cases:
        response = client.post("/signup", data={**SIGNUP, **change})
        assert response.status_code == 200, change
        assert message in page_text(response), change
        # What was typed is kept, except the password.
        if "email" not in change:
            assert 'value="li.na@example.cn"' in response.get_data(as_text=True)
    assert db.scalar(select(User.id).order_by(User.id.desc())) == before
    assert db.scalar(select(Organization).where(Organization.name == SIGNUP["org_name"])) is None


def test_login_and_logout(client: FlaskClient, db: Session, enterprise_user: User) -> None:
    response = client.post("/login", data={"email": enterprise_user.email, "password": "nope-nope"})
    assert response.status_code == 200
    assert "邮箱或密码不正确" in page_text(response)
    login(client, enterprise_user)
    db.refresh(enterprise_user)
    assert enterprise_user.last_login_at is not None
    assert client.get("/account").status_code == 200
    assert client.post("/logout").status_code == 302
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_log_in_upgrades_a_hash_made_with_older_parameters(
        client: FlaskClient, db: Session, enterprise_user: User) -> None:
    # A hash from before the parameters changed (argon2-cffi's own default profile).
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    enterprise_user.password_hash = old
    db.commit()
    login(client, enterprise_user)
    db.expire_all()
    stored = db.get(User, enterprise_user.id)
    assert stored is not None and stored.password_hash != old
    # Now the app's parameters (the suite's cheap ones), and the password still works.
    assert stored.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    client.post("/logout")
    login(client, enterprise_user)


def test_unknown_email_gets_the_same_message(client: FlaskClient) -> None:
    response = client.post("/login", data={"email": "nobody@example.cn", "password": PASSWORD})
    assert "邮箱或密码不正确" in page_text(response)


def test_inactive_user_cannot_log_in(client: FlaskClient, db: Session,
                                     enterprise_user: User) -> None:
    enterprise_user.is_active = False
    db.commit()
    response = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD})
    assert response.status_code == 200 and "邮箱或密码不正确" in page_text(response)
    # Not logged in: the account page still sends to the log-in form.
    account = client.get("/account")
    assert account.status_code == 302 and "/login" in account.headers["Location"]
    db.refresh(enterprise_user)
    assert enterprise_user.last_login_at is None
    # The same credentials work once the account is active again.
    enterprise_user.is_active = True
    db.commit()
    login(client, enterprise_user)
    assert enterprise_user.email in page_text(client.get("/account"))


def test_login_follows_only_local_next(client: FlaskClient, enterprise_user: User) -> None:
    data = {"email": enterprise_user.email, "password": PASSWORD}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/needs/new", data=data)
    assert response.headers["Location"] == "/needs/new"


def test_get_logout_does_not_log_out(as_enterprise: FlaskClient, enterprise_user: User) -> None:
    page = as_enterprise.get("/logout")
    assert page.status_code == 200
    assert '<form method="post" action="/logout"' in page.get_data(as_text=True)
    account = as_enterprise.get("/account")
    assert account.status_code == 200 and enterprise_user.email in page_text(account)
    # The button it shows does log out.
    assert as_enterprise.post("/logout").status_code == 302
    assert as_enterprise.get("/account").status_code == 302


def test_forms_need_a_csrf_token(app: Flask, enterprise_user: User) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_signup_in_english_stays_in_english(client: FlaskClient, db: Session) -> None:
    client.get("/signup?lang=en")
    body = "91330100MA2AB1234"
    response = client.post("/signup", data={**SIGNUP, "credit_code": body + credit_code_check_char(body)})
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.email == "li.na@example.cn"))
    assert user is not None and user.language is Language.EN
    login(client, user, "blue-river-2025")
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)


def test_signup_form_keeps_the_chosen_way_in(client: FlaskClient) -> None:
    """Creating is chosen at first; a refused join comes back with joining chosen, so that the
    page shows the invitation code (the stylesheet shows the chosen way's fields only)."""
    html = client.get("/signup").get_data(as_text=True)
    assert re.search(r'<input checked[^>]* value="create">', html)
    html = client.post("/signup", data={**SIGNUP, "org_mode": "join",
                                        "invite_code": ""}).get_data(as_text=True)
    joining = re.search(r'<input checked[^>]* value="join">', html)
    assert joining and "请输入机构管理员提供的邀请码" in html
    # The fields of each way follow the radio buttons as their siblings.
    assert joining.end() < html.index('class="group org-create"') \
        < html.index('class="group org-join"') < html.index('id="invite_code"')
