"""Security headers, rate limits, sessions that end, the security log and safe error pages."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from models import Need, Role, SecurityEvent, SecurityEventKind, User
from webapp import create_app
from webapp.security.headers import CONTENT_SECURITY_POLICY

from support import PASSWORD, login, page_text

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


def _events(db: Session, kind: SecurityEventKind) -> list[SecurityEvent]:
    db.expire_all()
    return list(db.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)
                           .order_by(SecurityEvent.id)))


# --- headers -----------------------------------------------------------------------------------

def _assert_security_headers(response: object, *, production: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert ("Strict-Transport-Security" in headers) is production


def test_every_kind_of_response_has_the_headers(app: Flask, client: FlaskClient) -> None:
    def crash() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/_test/crash", "test_crash", crash)
    responses = [client.get("/"), client.get("/login"), client.get("/healthz"),
                 client.get("/static/app.css"), client.get("/no-such-page"),
                 client.get("/needs/999999"), client.post("/"), client.get("/_test/crash"),
                 client.get("/api/no-such", headers={"Accept": "application/json"})]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 404, 405, 500, 404]
    for response in responses:
        _assert_security_headers(response)
    for response in responses:
        response.close()


def test_production_sends_hsts_and_secure_cookies(database_url: str, enterprise_user: User) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url,
                      "WTF_CSRF_ENABLED": False, "INNOMATCH_ENV": "production"})
    try:
        client = app.test_client()
        response = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD,
                                               "remember": "y"})
        assert response.status_code == 302
        _assert_security_headers(response, production=True)
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
        cookies = response.headers.getlist("Set-Cookie")
        assert {c.split("=", 1)[0] for c in cookies} >= {"session", "remember_token"}
        for cookie in cookies:
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        _assert_security_headers(client.get("/no-such-page"), production=True)
    finally:
        app.extensions["db_engine"].dispose()


def test_development_cookies_are_httponly_and_lax(client: FlaskClient, enterprise_user: User) -> None:
    response = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_logged_in_pages_are_not_cached(as_enterprise: FlaskClient, client: FlaskClient) -> None:
    assert as_enterprise.get("/account").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    # The CSP forbids inline code; a template that had it would break silently in browsers.
    # Scripts may only be files from static/ (<script src=... defer></script>, nothing inside).
    pattern = re.compile(r"<script(?![^>]*\ssrc=\"\{\{ url_for\('static'[^>]*></script>)|<style"
                         r"|\sstyle\s*=|\son[a-z]+\s*=|javascript:|\|\s*safe\b", re.IGNORECASE)
    offenders = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}"
                 for p in TEMPLATES.rglob("*.html")
                 for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert "'self'" in CONTENT_SECURITY_POLICY


# --- errors and input --------------------------------------------------------------------------

def test_error_pages_show_no_stack_trace_or_sql(app: Flask, client: FlaskClient,
                                               caplog: pytest.LogCaptureFixture) -> None:
    def sql_crash() -> str:
        raise OperationalError("SELECT password_hash FROM users WHERE email = 'x'", {},
                               Exception("database is locked"))

    app.add_url_rule("/_test/sql-crash", "test_sql_crash", sql_crash)
    with caplog.at_level(logging.ERROR):
        page = client.get("/_test/sql-crash")
        api = client.get("/_test/sql-crash", headers={"Accept": "application/json"})
    assert page.status_code == api.status_code == 500
    for body in (page.get_data(as_text=True), api.get_data(as_text=True)):
        for leak in ("Traceback", "SELECT", "password_hash", "database is locked",
                     "OperationalError", "sql-crash.py", "File \""):
            assert leak not in body
    assert api.get_json()["error"] == "server_error"
    # The details go to the server's log instead.
    assert "OperationalError" in caplog.text


def test_oversized_bodies_get_413_through_the_error_handler(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = {"email": "a@example.cn", "password": "x" * 4096}
    page = client.post("/login", data=big)
    assert page.status_code == 413
    assert "提交的内容过大" in page_text(page)
    _assert_security_headers(page)
    api = client.post("/login", data=big, headers={"Accept": "application/json"})
    assert api.status_code == 413 and api.get_json()["error"] == "payload_too_large"
    # The rate limiter read the oversized body without failing (it would otherwise fall back
    # to another storage and lose its counts).
    from webapp.security.limiter import limiter

    assert not limiter._storage_dead


def test_field_lengths_are_limited(client: FlaskClient, db: Session) -> None:
    response = client.post("/login", data={"email": "a" * 300 + "@example.cn", "password": "p"})
    assert response.status_code == 200
    assert _events(db, SecurityEventKind.LOGIN_FAILED) == []  # refused by the form itself


def test_user_text_is_rendered_escaped(client: FlaskClient, enterprise_user: User,
                                       make_need: Callable[..., Need]) -> None:
    need = make_need(enterprise_user, title="<script>alert('x')</script>极片检测",
                     problem='<img src=x onerror="alert(1)">涂布')
    for path in (f"/needs/{need.id}", "/needs", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;" in client.get(f"/needs/{need.id}").get_data(as_text=True)


# --- rate limits -------------------------------------------------------------------------------

def test_login_is_rate_limited_per_address(app: Flask, client: FlaskClient, db: Session,
                                           enterprise_user: User) -> None:
    app.config["RATE_LIMIT_LOGIN"] = "3 per minute"
    codes = [client.post("/login", data={"email": f"x{i}@example.cn", "password": "wrong-pass"}
                         ).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert "请求过于频繁" in page_text(limited)
    assert "Retry-After" in limited.headers
    _assert_security_headers(limited)
    assert _events(db, SecurityEventKind.RATE_LIMITED)
    # Other addresses are not affected.
    other = app.test_client()
    response = other.post("/login", data={"email": enterprise_user.email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302


def test_signup_and_reset_are_rate_limited(app: Flask, client: FlaskClient) -> None:
    app.config["RATE_LIMIT_SIGNUP"] = "2 per minute"
    app.config["RATE_LIMIT_PASSWORD_RESET"] = "2 per minute"
    assert [client.post("/signup", data={"email": "bad"}).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.post("/password/forgot", data={"email": f"n{i}@example.cn"}).status_code
            for i in range(3)] == [302, 302, 429]
    # Only posts count: the forms still open.
    assert client.get("/signup").status_code == 200


# --- sessions ----------------------------------------------------------------------------------

def _copy_cookies(source: FlaskClient, target: FlaskClient, *names: str) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        target.set_cookie(name, cookie.value)


def test_login_starts_a_new_session(client: FlaskClient, enterprise_user: User) -> None:
    client.get("/?lang=en")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, enterprise_user)
    with client.session_transaction() as sess:
        assert "planted" not in sess and sess.get("lang") == "en"


def test_logout_ends_copies_of_the_session_cookie(app: Flask, client: FlaskClient,
                                                  enterprise_user: User) -> None:
    login(client, enterprise_user)
    thief = app.test_client()
    _copy_cookies(client, thief, "session")
    assert thief.get("/account").status_code == 200  # the copy works while the session lives
    client.post("/logout")
    assert thief.get("/account").status_code == 302


def test_logout_ends_remember_me_cookies(app: Flask, client: FlaskClient, db: Session,
                                         enterprise_user: User) -> None:
    client.post("/login", data={"email": enterprise_user.email, "password": PASSWORD, "remember": "y"})
    laptop = app.test_client()
    _copy_cookies(client, laptop, "remember_token")
    assert laptop.get("/account").status_code == 200  # remember-me alone logs in
    client.post("/logout")
    stale = app.test_client()
    _copy_cookies(laptop, stale, "remember_token")
    assert stale.get("/account").status_code == 302
    assert [e.user_id for e in _events(db, SecurityEventKind.LOGOUT)] == [enterprise_user.id]


def test_password_change_ends_other_sessions_only(app: Flask, db: Session,
                                                  enterprise_user: User) -> None:
    desk, phone = login(app.test_client(), enterprise_user), login(app.test_client(), enterprise_user)
    new = "violet-harbour-77"
    assert desk.get("/account/password").status_code == 200
    wrong = desk.post("/account/password", data={"current": "not-it-at-all", "password": new,
                                                 "confirm": new})
    assert "当前密码不正确" in page_text(wrong)
    weak = desk.post("/account/password", data={"current": PASSWORD, "password": "12345678",
                                                "confirm": "12345678"})
    assert "过于常见" in page_text(weak)
    done = desk.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert done.status_code == 302
    assert desk.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302
    assert app.test_client().post("/login", data={"email": enterprise_user.email,
                                                  "password": PASSWORD}).status_code == 200
    login(app.test_client(), enterprise_user, new)
    events = _events(db, SecurityEventKind.PASSWORD_CHANGED)
    assert [e.user_id for e in events] == [enterprise_user.id]


def test_old_cookie_format_is_refused(app: Flask, client: FlaskClient, enterprise_user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = str(enterprise_user.id)  # no session version
        sess["_fresh"] = True
    assert client.get("/account").status_code == 302


# --- security log ------------------------------------------------------------------------------

def test_failed_logins_are_logged_without_the_password(client: FlaskClient, db: Session,
                                                       enterprise_user: User,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    secret = "Guess-That-Leaks-1"
    with caplog.at_level(logging.INFO):
        client.post("/login", data={"email": enterprise_user.email, "password": secret},
                    environ_base={"REMOTE_ADDR": "203.0.113.9"})
        client.post("/login", data={"email": "Nobody@Example.cn", "password": secret})
    events = _events(db, SecurityEventKind.LOGIN_FAILED)
    assert [(e.user_id, e.email, e.ip, e.path) for e in events] == [
        (enterprise_user.id, enterprise_user.email, "203.0.113.9", "/login"),
        (None, "nobody@example.cn", "127.0.0.1", "/login")]
    assert all(e.created_at is not None for e in events)
    assert "login_failed" in caplog.text and "203.0.113.9" in caplog.text
    assert secret not in caplog.text
    for event in events:
        assert secret not in " ".join(str(v) for v in vars(event).values())


def test_refused_accesses_are_logged(as_institution: FlaskClient, db: Session,
                                     institution_user: User) -> None:
    assert as_institution.get("/needs/new").status_code == 403
    events = _events(db, SecurityEventKind.ACCESS_DENIED)
    assert [(e.user_id, e.method, e.path, e.ip) for e in events] == [
        (institution_user.id, "GET", "/needs/new", "127.0.0.1")]


def test_role_changes_are_logged(app: Flask, db: Session, enterprise_user: User) -> None:
    result = app.test_cli_runner().invoke(args=["set-role", enterprise_user.email, "broker"])
    assert result.exit_code == 0, result.output
    db.refresh(enterprise_user)
    assert enterprise_user.role is Role.BROKER
    events = _events(db, SecurityEventKind.ROLE_CHANGED)
    assert [(e.user_id, e.email) for e in events] == [(enterprise_user.id, enterprise_user.email)]
    assert events[0].detail.startswith("member -> broker by command line")


def test_api_token_creation_is_rate_limited_per_user(app: Flask, as_enterprise: FlaskClient,
                                                     as_institution: FlaskClient) -> None:
    app.config["RATE_LIMIT_API_TOKEN"] = "2 per minute"
    codes = [as_enterprise.post("/account/tokens", data={"name": f"t{i}"}).status_code
             for i in range(3)]
    assert codes == [200, 200, 429]
    api = as_enterprise.post("/api/v1/tokens", json={"name": "t9"})
    assert api.status_code == 429 and api.get_json()["error"] == "rate_limited"
    # Another user from the same address still can.
    assert as_institution.post("/account/tokens", data={"name": "own"}).status_code != 429


def test_invalid_api_tokens_are_logged_without_the_token(client: FlaskClient, db: Session) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer imk_not-a-real-token"})
    assert response.status_code == 401
    events = _events(db, SecurityEventKind.ACCESS_DENIED)
    assert [(e.path, e.detail) for e in events] == [("/api/v1/me", "invalid API token")]
    assert "imk_not-a-real-token" not in repr(vars(events[0]))
