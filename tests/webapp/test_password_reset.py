"""Password reset by e-mail: single-use, expiring, hashed tokens; no account enumeration."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxEmail, PasswordResetToken, SecurityEvent, SecurityEventKind, User
from models.security import hash_reset_token
from webapp.notifications.services import deliver_outbox

from support import PASSWORD, login, page_text

NEW = "amber-lantern-93"


def _request_link(client: FlaskClient, db: Session, email: str) -> str:
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302
    db.expire_all()
    mail = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == email.lower())
                      .order_by(OutboxEmail.id.desc())).first()
    assert mail is not None
    match = re.search(r"http://localhost(/password/reset\?token=[\w-]+)", mail.body)
    assert match, mail.body
    return match.group(1)


def _token(link: str) -> str:
    return link.split("token=", 1)[1]


def test_reset_by_email_sets_a_new_password_once(app: Flask, client: FlaskClient, db: Session,
                                                 enterprise_user: User) -> None:
    other_device = login(app.test_client(), enterprise_user)
    link = _request_link(client, db, enterprise_user.email)
    token = _token(link)
    # Only the hash is stored.
    stored = db.scalars(select(PasswordResetToken)).all()
    assert [t.token_hash for t in stored] == [hash_reset_token(token)]
    assert token not in {t.token_hash for t in stored}

    form = client.get(link)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    assert "设置新密码" in page_text(form)
    done = client.post("/password/reset", data={"token": token, "password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    login(app.test_client(), enterprise_user, NEW)
    assert app.test_client().post("/login", data={"email": enterprise_user.email,
                                                  "password": PASSWORD}).status_code == 200
    # Every session that existed ends.
    assert other_device.get("/account").status_code == 302
    # Single use.
    again = client.post("/password/reset", data={"token": token, "password": "x" + NEW,
                                                 "confirm": "x" + NEW})
    assert again.status_code == 302 and again.headers["Location"].endswith("/password/forgot")
    assert client.get(link).headers["Location"].endswith("/password/forgot")
    login(app.test_client(), enterprise_user, NEW)
    kinds = [e.kind for e in db.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]
    assert kinds[:1] == [SecurityEventKind.PASSWORD_RESET_REQUESTED]
    assert SecurityEventKind.PASSWORD_RESET_DONE in kinds
    assert SecurityEventKind.PASSWORD_RESET_REFUSED in kinds


def test_expired_tokens_do_not_work(client: FlaskClient, db: Session, enterprise_user: User) -> None:
    token = _token(_request_link(client, db, enterprise_user.email))
    row = db.scalars(select(PasswordResetToken)).one()
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.commit()
    response = client.post("/password/reset", data={"token": token, "password": NEW, "confirm": NEW})
    assert response.headers["Location"].endswith("/password/forgot")
    login(client, enterprise_user)  # the old password still works


def test_a_new_request_voids_the_older_link(client: FlaskClient, db: Session,
                                            enterprise_user: User) -> None:
    first = _token(_request_link(client, db, enterprise_user.email))
    second = _token(_request_link(client, db, enterprise_user.email))
    refused = client.post("/password/reset", data={"token": first, "password": NEW, "confirm": NEW})
    assert refused.headers["Location"].endswith("/password/forgot")
    accepted = client.post("/password/reset", data={"token": second, "password": NEW, "confirm": NEW})
    assert accepted.headers["Location"].endswith("/login")


def test_unknown_addresses_get_the_same_answer_and_no_mail(client: FlaskClient, db: Session,
                                                           enterprise_user: User) -> None:
    known = client.post("/password/forgot", data={"email": enterprise_user.email},
                        follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "ghost@example.cn"},
                          follow_redirects=True)
    assert page_text(known) == page_text(unknown)
    assert [m.to_address for m in db.scalars(select(OutboxEmail))] == [enterprise_user.email]


def test_inactive_accounts_get_no_link(client: FlaskClient, db: Session, enterprise_user: User) -> None:
    enterprise_user.is_active = False
    db.commit()
    client.post("/password/forgot", data={"email": enterprise_user.email})
    assert db.scalars(select(OutboxEmail)).all() == []
    enterprise_user.is_active = True
    db.commit()
    client.post("/password/forgot", data={"email": enterprise_user.email})
    assert [m.to_address for m in db.scalars(select(OutboxEmail))] == [enterprise_user.email]


def test_weak_new_passwords_and_bad_tokens_are_refused(client: FlaskClient, db: Session,
                                                       enterprise_user: User) -> None:
    token = _token(_request_link(client, db, enterprise_user.email))
    weak = client.post("/password/reset", data={"token": token, "password": "12345678",
                                                "confirm": "12345678"})
    assert weak.status_code == 200 and "过于常见" in page_text(weak)
    for bad in ("", "x" * 500, token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = client.get(f"/password/reset?token={bad}")
        assert response.status_code == 302, bad
        assert response.headers["Location"].endswith("/password/forgot"), bad
    assert client.get(f"/password/reset?token={token}").status_code == 200  # the real one opens
    forged = client.post("/password/reset", data={"token": "forged", "password": NEW, "confirm": NEW})
    assert forged.headers["Location"].endswith("/password/forgot")


def test_no_token_or_password_reaches_any_log(app: Flask, client: FlaskClient, db: Session,
                                              enterprise_user: User,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        token = _token(_request_link(client, db, enterprise_user.email))
        client.post("/password/reset", data={"token": token, "password": NEW, "confirm": NEW})
        with app.app_context():
            deliver_outbox(db, {})  # development delivery logs the e-mail, not its body
            db.commit()
    assert enterprise_user.email in caplog.text
    assert token not in caplog.text and NEW not in caplog.text
    for event in db.scalars(select(SecurityEvent)):
        assert token not in f"{event.path} {event.detail} {event.email}"


def test_reset_revokes_api_tokens(app: Flask, client: FlaskClient, db: Session,
                                  enterprise_user: User) -> None:
    from webapp.api.services import create_token

    _, api_token = create_token(db, enterprise_user, "ci")
    db.commit()
    bearer = {"Authorization": f"Bearer {api_token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    token = _token(_request_link(client, db, enterprise_user.email))
    client.post("/password/reset", data={"token": token, "password": NEW, "confirm": NEW})
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
