"""Issue 18, item 4: messages cannot flood the thread or the outbox.

Messages are limited per user per docking (a minute and a day; 429 naming the limit, on the
form with the text kept, or in JSON from the API; the page and the API count together); message
e-mails go out as digests, at most one per docking and recipient every MESSAGE_DIGEST_MINUTES,
gathering the messages since; the thread is paged, newest page first, with the form.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingMessage,
    DockingState,
    Language,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    User,
    utcnow,
)
from webapp.cli import main
from webapp.notifications.digests import compose_digests

from support import page_text

MakeDocking = Callable[..., Docking]


def _count(db: Session, docking: Docking) -> int:
    db.expire_all()
    return db.scalar(select(func.count(DockingMessage.id))
                     .where(DockingMessage.docking_id == docking.id)) or 0


def _mails(db: Session) -> list[OutboxEmail]:
    db.expire_all()
    return list(db.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_item4_messages_are_limited_per_user_per_docking_per_minute(
        app: Flask, as_enterprise: FlaskClient, as_institution: FlaskClient,
        enterprise_user: User, institution_user: User, make_docking: MakeDocking,
        db: Session) -> None:
    app.config["RATE_LIMIT_MESSAGE"] = "3 per minute;50 per day"
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    other = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    url = f"/dockings/{docking.id}/messages"
    assert [as_enterprise.post(url, data={"body": f"第 {n} 条"}).status_code
            for n in range(3)] == [302, 302, 302]
    refused = as_enterprise.post(url, data={"body": "第四条：请尽快回复 <样机>"})
    assert refused.status_code == 429
    text = page_text(refused)
    assert "在同一对接中每人每分钟最多发送 3 条消息" in text
    # On the form, beside the text as typed, which is kept.
    body = refused.get_data(as_text=True)
    assert html.escape("第四条：请尽快回复 <样机>", quote=False) in body
    assert body.index("每分钟最多发送 3 条") > body.index(f'action="/dockings/{docking.id}/messages"')
    assert refused.headers.get("Retry-After")
    assert _count(db, docking) == 3
    # Another docking, and another user in this one, are counted apart.
    assert as_enterprise.post(f"/dockings/{other.id}/messages",
                              data={"body": "另一个对接"}).status_code == 302
    assert as_institution.post(url, data={"body": "我们来回复"}).status_code == 302
    # A refused message (empty) does not count against the limit.
    as_institution.post(url, data={"body": "  "})
    assert as_institution.post(url, data={"body": "第二条"}).status_code == 302
    english = as_enterprise.post(url + "?lang=en", data={"body": "fourth"})
    assert english.status_code == 429 and "3 messages per minute" in page_text(english)


def test_item4_the_api_shares_the_count_and_answers_429_naming_the_limit(
        app: Flask, client: FlaskClient, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: MakeDocking, db: Session,
        bearer: Callable[[User], dict[str, str]]) -> None:
    app.config["RATE_LIMIT_MESSAGE"] = "2 per minute;50 per day"
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    headers = bearer(enterprise_user)
    url = f"/dockings/{docking.id}/messages"
    assert as_enterprise.post(url, data={"body": "网页发的"}).status_code == 302
    assert client.post("/api/v1" + url, json={"body": "API 发的"},
                       headers=headers).status_code == 201
    refused = client.post("/api/v1" + url, json={"body": "第三条"}, headers=headers)
    assert refused.status_code == 429
    answer: dict[str, Any] = refused.get_json()
    assert answer["error"] == "rate_limited"
    assert "每分钟最多发送 2 条消息" in answer["message"]
    assert as_enterprise.post(url, data={"body": "网页再发"}).status_code == 429
    assert _count(db, docking) == 2


def test_item4_messages_are_limited_per_day(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: MakeDocking, db: Session) -> None:
    app.config["RATE_LIMIT_MESSAGE"] = "10 per minute;3 per day"
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    url = f"/dockings/{docking.id}/messages"
    for n in range(3):
        assert as_enterprise.post(url, data={"body": f"第 {n} 条"}).status_code == 302
    refused = as_enterprise.post(url, data={"body": "今天第四条"})
    assert refused.status_code == 429 and "每天最多发送 3 条消息" in page_text(refused)


def test_item4_message_emails_are_digests_at_most_one_per_docking_and_recipient_per_period(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_user: Callable[..., User], make_docking: MakeDocking,
        db: Session) -> None:
    app.config["RATE_LIMIT_MESSAGE"] = "1000 per minute"
    colleague = make_user(institution_user.organization, language=Language.EN)
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    url = f"/dockings/{docking.id}/messages"
    for n in range(40):  # a flood, as in the issue
        as_enterprise.post(url, data={"body": f"第 {n} 条"})
    assert _count(db, docking) == 40
    assert _mails(db) == []  # nothing written per message
    with app.app_context():
        assert compose_digests(db, 10) == 2
        db.commit()
    mails = _mails(db)
    assert sorted(m.to_address for m in mails) == sorted([institution_user.email, colleague.email])
    chinese = next(m for m in mails if m.to_address == institution_user.email)
    assert "新消息（40 条）" in chinese.subject and "新消息（40 条）" in chinese.body
    assert enterprise_user.name in chinese.body and f"/dockings/{docking.id}" in chinese.body
    assert "第 39 条" not in chinese.body  # who wrote and when, not what
    english = next(m for m in mails if m.to_address == colleague.email)
    assert "New messages" in english.subject and "(40)" in english.subject
    # More messages within the period wait for the next digest ...
    for n in range(3):
        as_enterprise.post(url, data={"body": f"又一条 {n}"})
    with app.app_context():
        assert compose_digests(db, 10) == 0
        assert compose_digests(db, 10, now=utcnow() + dt.timedelta(minutes=9)) == 0
        # ... which gathers them once the period has passed.
        assert compose_digests(db, 10, now=utcnow() + dt.timedelta(minutes=11)) == 2
        db.commit()
    later = [m for m in _mails(db) if m.to_address == institution_user.email]
    assert len(later) == 2 and "新消息（3 条）" in later[1].subject
    # The author hears nothing of their own messages; nothing more is pending.
    assert all(m.to_address != enterprise_user.email for m in _mails(db))
    with app.app_context():
        assert compose_digests(db, 10, now=utcnow() + dt.timedelta(hours=1)) == 0


def test_item4_digests_follow_preferences_and_send_mail_writes_them(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_user: Callable[..., User], make_docking: MakeDocking,
        db: Session) -> None:
    quiet = make_user(institution_user.organization)
    db.add(NotificationPreference(user_id=quiet.id, kind=NotificationKind.MESSAGE,
                                  in_app=True, email=False))
    db.commit()
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    for n in range(3):
        as_enterprise.post(f"/dockings/{docking.id}/messages", data={"body": f"第 {n} 条"})
    result = app.test_cli_runner().invoke(main, ["send-mail"])
    assert result.exit_code == 0 and "digests: 1" in result.output and "sent: 1" in result.output
    assert [m.to_address for m in _mails(db)] == [institution_user.email]


def test_item4_the_thread_is_paged_newest_page_first_with_the_form(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User,
        institution_user: User, make_docking: MakeDocking, db: Session) -> None:
    app.config["MESSAGES_PER_PAGE"] = 20
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    db.add_all([DockingMessage(docking_id=docking.id, author_id=institution_user.id,
                               body=f"消息编号{n:02d}") for n in range(1, 46)])
    db.commit()
    first = as_enterprise.get(f"/dockings/{docking.id}")
    text = page_text(first)
    shown = [n for n in range(1, 46) if f"消息编号{n:02d}" in text]
    assert shown == list(range(26, 46))  # the newest 20, in the order they were written
    body = first.get_data(as_text=True)
    assert f'action="/dockings/{docking.id}/messages"' in body
    assert "较早的消息" in text and "较新的消息" not in text and "共 45 条" in text
    last = page_text(as_enterprise.get(f"/dockings/{docking.id}?page=3"))
    assert [n for n in range(1, 46) if f"消息编号{n:02d}" in last] == list(range(1, 6))
    assert "较新的消息" in last and "较早的消息" not in last
    assert 'action="/dockings/' in as_enterprise.get(f"/dockings/{docking.id}?page=3").get_data(
        as_text=True)
