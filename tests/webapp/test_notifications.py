"""Notifications: who gets them, preferences, the bell, reading them, and the e-mail outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Docking,
    DockingMessage,
    DockingState,
    Language,
    Need,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    Result,
    Role,
    User,
)
from webapp.cli import main
from webapp.notifications.services import notify_organization

from support import login, page_text

MakeDocking = Callable[..., Docking]


def _notified(db: Session, kind: NotificationKind) -> set[int]:
    db.expire_all()
    return {n.user_id for n in db.scalars(select(Notification).where(Notification.kind == kind))}


def _mailed(db: Session) -> set[str]:
    return {m.to_address for m in db.scalars(select(OutboxEmail))}


def test_interest_notifies_the_other_side_only(
        as_institution: FlaskClient, enterprise_user: User, institution_user: User,
        make_user: Callable[..., User], make_need: Callable[..., Need],
        make_result: Callable[..., Result], other_enterprise_user: User, db: Session) -> None:
    colleague = make_user(enterprise_user.organization)
    own_colleague = make_user(institution_user.organization)
    need, result = make_need(enterprise_user), make_result(institution_user)
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id})
    assert _notified(db, NotificationKind.INTEREST) == {enterprise_user.id, colleague.id}
    assert _mailed(db) == {enterprise_user.email, colleague.email}
    assert own_colleague.id not in _notified(db, NotificationKind.INTEREST)
    assert other_enterprise_user.id not in _notified(db, NotificationKind.INTEREST)


def test_status_change_and_message_notify_parties_and_broker_but_not_the_actor(
        as_enterprise: FlaskClient, enterprise_user: User, institution_user: User,
        broker_user: User, make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    as_enterprise.post(f"/dockings/{docking.id}/move",
                       data={"to": "negotiating", "version": docking.version})
    assert _notified(db, NotificationKind.STATUS) == {institution_user.id, broker_user.id}
    as_enterprise.post(f"/dockings/{docking.id}/messages", data={"body": "请提供样机参数"})
    assert _notified(db, NotificationKind.MESSAGE) == {institution_user.id, broker_user.id}
    note = db.scalar(select(Notification).where(Notification.kind == NotificationKind.MESSAGE))
    assert note is not None and note.link == f"/dockings/{docking.id}"


def test_broker_notes_notify_nobody(as_broker: FlaskClient, enterprise_user: User,
                                    institution_user: User, broker_user: User,
                                    make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED,
                           broker=broker_user)
    as_broker.post(f"/dockings/{docking.id}/messages", data={"body": "跟进中", "is_note": "y"})
    note = db.scalar(select(DockingMessage).where(DockingMessage.body == "跟进中"))
    assert note is not None and note.is_note
    assert _notified(db, NotificationKind.MESSAGE) == set()
    # The same broker's message (not a note) does tell both sides.
    as_broker.post(f"/dockings/{docking.id}/messages", data={"body": "请双方确认时间"})
    assert _notified(db, NotificationKind.MESSAGE) == {enterprise_user.id, institution_user.id}


def test_assigned_broker_is_notified(as_enterprise: FlaskClient, enterprise_user: User,
                                     institution_user: User, broker_user: User,
                                     make_docking: MakeDocking, db: Session) -> None:
    docking = make_docking(enterprise_user, institution_user, DockingState.DOCKED)
    as_enterprise.post(f"/dockings/{docking.id}/broker",
                       data={"broker_id": broker_user.id, "version": docking.version})
    assert _notified(db, NotificationKind.STATUS) == {broker_user.id}


def test_solution_received_notifies_the_enterprise(
        as_institution: FlaskClient, enterprise_user: User, institution_user: User,
        make_need: Callable[..., Need], db: Session) -> None:
    need = make_need(enterprise_user)
    as_institution.post(f"/needs/{need.id}/solutions/new", data={
        "summary": "以在线视觉检测替代人工抽检，三个月内完成样机。",
        "approach": "线阵相机 + 深度学习分割模型，先小试验证，再上线试运行。", "price": "95"})
    assert _notified(db, NotificationKind.SOLUTION) == {enterprise_user.id}


def test_notify_organization_for_suggestions(db: Session, enterprise_user: User,
                                             make_user: Callable[..., User]) -> None:
    colleague = make_user(enterprise_user.organization)
    inactive = make_user(enterprise_user.organization, is_active=False)
    rows = notify_organization(db, enterprise_user.organization_id, "suggestion",
                               "新的高分推荐：极片检测系统", "/needs/1",
                               exclude_user_id=enterprise_user.id)
    db.commit()
    assert [r.user_id for r in rows] == [colleague.id]
    assert inactive.id not in _notified(db, NotificationKind.SUGGESTION)


def test_preferences_choose_channels(as_institution: FlaskClient, as_enterprise: FlaskClient,
                                     enterprise_user: User, institution_user: User,
                                     make_need: Callable[..., Need],
                                     make_result: Callable[..., Result], db: Session) -> None:
    assert "对方表达意向" in page_text(as_enterprise.get("/notifications/settings"))
    # Keep interest in the app only, and nothing at all for messages.
    choices = {f"in_app_{k.value}": "y" for k in NotificationKind if k is not NotificationKind.MESSAGE}
    choices.update({f"email_{k.value}": "y" for k in NotificationKind
                    if k not in (NotificationKind.INTEREST, NotificationKind.MESSAGE)})
    choices["language"] = "zh_CN"
    assert as_enterprise.post("/notifications/settings", data=choices).status_code == 302
    stored = {p.kind: (p.in_app, p.email) for p in db.scalars(select(NotificationPreference))}
    assert stored[NotificationKind.INTEREST] == (True, False)
    assert stored[NotificationKind.MESSAGE] == (False, False)
    need, result = make_need(enterprise_user), make_result(institution_user)
    as_institution.post("/dockings/interest",
                        data={"need_id": need.id, "result_id": result.id, "message": "您好"})
    assert _notified(db, NotificationKind.INTEREST) == {enterprise_user.id}
    assert _mailed(db) == set()
    docking = db.scalar(select(Docking))
    assert docking is not None
    as_institution.post(f"/dockings/{docking.id}/messages", data={"body": "再次问候"})
    assert _notified(db, NotificationKind.MESSAGE) == set() and _mailed(db) == set()


def test_bell_counts_unread_and_opening_marks_read(
        as_enterprise: FlaskClient, as_other_enterprise: FlaskClient, enterprise_user: User,
        db: Session) -> None:
    notify_organization(db, enterprise_user.organization_id, NotificationKind.SUGGESTION,
                        "新的高分推荐", "/needs")
    notify_organization(db, enterprise_user.organization_id, NotificationKind.STATUS,
                        "对接状态变化", "https://evil.example/")
    db.commit()
    html = as_enterprise.get("/").get_data(as_text=True)
    assert 'class="unread" aria-hidden="true">2<' in html
    assert 'class="unread"' not in as_other_enterprise.get("/").get_data(as_text=True)
    first, second = db.scalars(select(Notification).order_by(Notification.id)).all()
    # Someone else's notification is not theirs to open.
    assert as_other_enterprise.post(f"/notifications/{first.id}/open").status_code == 404
    response = as_enterprise.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/needs"
    # Only same-site links are followed.
    response = as_enterprise.post(f"/notifications/{second.id}/open")
    assert response.headers["Location"] == "/notifications"
    db.expire_all()
    assert all(n.read_at is not None for n in db.scalars(select(Notification)))
    assert 'class="unread"' not in as_enterprise.get("/").get_data(as_text=True)


def test_read_all(as_enterprise: FlaskClient, enterprise_user: User, db: Session) -> None:
    for i in range(3):
        notify_organization(db, enterprise_user.organization_id, NotificationKind.STATUS,
                            f"变化 {i}", "/dockings")
    db.commit()
    assert "变化 2" in page_text(as_enterprise.get("/notifications"))
    as_enterprise.post("/notifications/read-all")
    db.expire_all()
    assert db.scalar(select(Notification).where(Notification.read_at.is_(None))) is None


def _queue(db: Session, user: User) -> None:
    notify_organization(db, user.organization_id, NotificationKind.STATUS, "对接状态变化",
                        "/dockings/1")
    db.commit()


def test_send_mail_logs_without_a_server(app: Flask, db: Session, enterprise_user: User,
                                         caplog: pytest.LogCaptureFixture) -> None:
    _queue(db, enterprise_user)
    with caplog.at_level(logging.INFO, logger="webapp.notifications.services"):
        result = app.test_cli_runner().invoke(main, ["send-mail"])
    assert result.exit_code == 0 and "sent: 1, failed: 0" in result.output
    assert enterprise_user.email in caplog.text
    db.expire_all()
    mail = db.scalar(select(OutboxEmail))
    assert mail is not None and mail.sent_at is not None and mail.attempts == 1
    # Nothing is sent twice.
    assert "sent: 0" in app.test_cli_runner().invoke(main, ["send-mail"]).output


class FakeSMTP:
    """Stands in for smtplib.SMTP and remembers what was sent."""

    sent: list[Any] = []  # noqa: RUF012
    fail = False

    def __init__(self, host: str, port: int, timeout: int) -> None:
        self.host, self.port = host, port

    def send_message(self, message: Any) -> None:
        if FakeSMTP.fail:
            import smtplib

            raise smtplib.SMTPRecipientsRefused({})
        FakeSMTP.sent.append(message)

    def quit(self) -> None:
        pass


def test_send_mail_over_smtp(app: Flask, db: Session, enterprise_user: User,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    import webapp.notifications.services as services

    monkeypatch.setattr(services.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    app.config.update(MAIL_SERVER="smtp.example.cn", MAIL_FROM="noreply@innomatch.cn")
    _queue(db, enterprise_user)
    monkeypatch.setattr(FakeSMTP, "fail", True)
    assert "failed: 1" in app.test_cli_runner().invoke(main, ["send-mail"]).output
    db.expire_all()
    mail = db.scalar(select(OutboxEmail))
    assert mail is not None and mail.sent_at is None and mail.last_error
    monkeypatch.setattr(FakeSMTP, "fail", False)
    assert "sent: 1" in app.test_cli_runner().invoke(main, ["send-mail"]).output
    assert [m["To"] for m in FakeSMTP.sent] == [enterprise_user.email]
    assert FakeSMTP.sent[0]["From"] == "noreply@innomatch.cn"
    db.expire_all()
    assert db.scalar(select(OutboxEmail.attempts)) == 2


def test_role_is_irrelevant_to_preferences_defaults(db: Session, make_user: Callable[..., User],
                                                    enterprise_user: User) -> None:
    operator = make_user(enterprise_user.organization, role=Role.OPERATOR)
    rows = notify_organization(db, enterprise_user.organization_id, NotificationKind.MESSAGE,
                               "新消息", "/dockings")
    assert {r.user_id for r in rows} == {enterprise_user.id, operator.id}


def test_emails_are_written_in_each_recipients_language(
        as_institution: FlaskClient, enterprise_user: User, make_user: Callable[..., User],
        make_need: Callable[..., Need], make_result: Callable[..., Result],
        institution_user: User, db: Session) -> None:
    english = make_user(enterprise_user.organization, language=Language.EN)
    need, result = make_need(enterprise_user), make_result(institution_user)
    # The sender reads the site in Chinese; each e-mail follows its recipient.
    as_institution.post("/dockings/interest", data={"need_id": need.id, "result_id": result.id})
    mails = {m.to_address: m for m in db.scalars(select(OutboxEmail))}
    chinese_mail, english_mail = mails[enterprise_user.email], mails[english.email]
    assert "表达了对接意向" in chinese_mail.subject and "您好" in chinese_mail.body
    assert "is interested in" in english_mail.subject and "表达" not in english_mail.subject
    assert english_mail.body.startswith(f"Dear {english.name},")
    assert "Details: " in english_mail.body and "Notification settings" in english_mail.body
    assert "查看详情" not in english_mail.body and need.title in english_mail.body
    # The in-app rows stay stored once, in Chinese, and are shown in the reader's language.
    titles = {n.title for n in db.scalars(select(Notification))}
    assert len(titles) == 1 and "表达了对接意向" in next(iter(titles))


def test_settings_choose_the_email_language(as_enterprise: FlaskClient, enterprise_user: User,
                                            db: Session) -> None:
    page = as_enterprise.get("/notifications/settings").get_data(as_text=True)
    assert '<option lang="zh-CN" selected value="zh_CN">简体中文</option>' in page
    boxes = {f"{channel}_{k.value}": "y" for k in NotificationKind for channel in ("in_app", "email")}
    assert as_enterprise.post("/notifications/settings",
                              data={**boxes, "language": "en"}).status_code == 302
    db.refresh(enterprise_user)
    assert enterprise_user.language is Language.EN
    # The account's language now applies to its pages too (no choice made in this session).
    # A language the platform does not offer is refused next to the field, nothing stored.
    response = as_enterprise.post("/notifications/settings", data={**boxes, "language": "fr"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert '<p class="error" id="language-error">Not a valid choice.</p>' in html
    db.refresh(enterprise_user)
    assert enterprise_user.language is Language.EN


def test_choosing_a_language_on_the_site_is_kept_on_the_account(
        app: Flask, as_enterprise: FlaskClient, enterprise_user: User, db: Session) -> None:
    assert enterprise_user.language is Language.ZH_CN
    as_enterprise.get("/?lang=en")
    db.refresh(enterprise_user)
    assert enterprise_user.language is Language.EN
    # Another device, no choice made there: the account's language applies.
    elsewhere = login(app.test_client(), enterprise_user)
    assert '<html lang="en">' in elsewhere.get("/").get_data(as_text=True)
    # A choice made before logging in is kept on the account too.
    anonymous = app.test_client()
    anonymous.get("/?lang=zh_CN")
    login(anonymous, enterprise_user)
    db.refresh(enterprise_user)
    assert enterprise_user.language is Language.ZH_CN
