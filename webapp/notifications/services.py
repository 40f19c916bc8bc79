"""Notification services: they flush, the views commit.

Every notification goes through ``notify_users``, which reads each user's preferences and
writes an in-app row, an outbox e-mail, both or neither.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import (
    Docking,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    User,
    utcnow,
)
from models.i18n import N_

from ..i18n import recorded
from .digests import hold_for_digest

log = logging.getLogger(__name__)

SITE_NAME = N_("InnoMatch 技术供需对接平台")


@dataclass(frozen=True)
class Channels:
    """Where one kind of notification goes for one user."""

    in_app: bool = True
    email: bool = True


def link_path(app: Flask, endpoint: str, **values: Any) -> str:
    """The site-relative path a notification links to. Built from the app's URL map rather than
    ``url_for``, because signals also fire outside a request (``innomatch import``, rematch-all),
    where ``url_for`` needs a SERVER_NAME the platform does not configure."""
    root = app.config.get("APPLICATION_ROOT") or "/"
    return app.url_map.bind("localhost", script_name=root).build(endpoint, values)


def preferences(session: Session, user_id: int) -> dict[NotificationKind, Channels]:
    """Each kind's channels for a user; kinds without a stored choice use the default (both)."""
    stored = {p.kind: Channels(p.in_app, p.email) for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return {kind: stored.get(kind, Channels()) for kind in NotificationKind}


def save_preferences(session: Session, user_id: int,
                     choices: Mapping[NotificationKind, Channels]) -> None:
    """Store a user's choice for every kind given."""
    existing = {p.kind: p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    for kind, channels in choices.items():
        row = existing.get(kind)
        if row is None:
            row = NotificationPreference(user_id=user_id, kind=kind)
            session.add(row)
        row.in_app, row.email = channels.in_app, channels.email
    session.flush()


def notify_users(session: Session, users: Iterable[User], kind: NotificationKind, title: str,
                 link: str, exclude_user_id: int | None = None,
                 digest: Docking | None = None) -> list[Notification]:
    """Notify each active user once, as their preferences say; returns the in-app rows.

    With ``digest`` (a docking's messages) the e-mail is not written now: the docking is held
    for the user's next digest (``digests.compose_digests``, run by ``innomatch send-mail``).
    """
    created: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or user.id == exclude_user_id or not user.is_active:
            continue
        seen.add(user.id)
        channels = preferences(session, user.id)[kind]
        if channels.in_app:
            note = Notification(user_id=user.id, kind=kind, title=title[:200], link=link[:300])
            session.add(note)
            created.append(note)
        if channels.email and digest is not None:
            hold_for_digest(session, user, digest)
        elif channels.email:
            # Written in the recipient's language, whoever's request sends it.
            with force_locale(user.language.value):
                shown = recorded(title)
                session.add(OutboxEmail(to_address=user.email,
                                        subject=f"[InnoMatch] {shown}"[:200],
                                        body=_email_body(user, kind, shown, link)))
    session.flush()
    return created


def notify_organization(session: Session, organization_id: int, kind: NotificationKind | str,
                        title: str, link: str, exclude_user_id: int | None = None,
                        digest: Docking | None = None) -> list[Notification]:
    """Notify every active member of an organisation (``digest``: see :func:`notify_users`)."""
    members = session.scalars(select(User).where(User.organization_id == organization_id,
                                                 User.is_active.is_(True)).order_by(User.id))
    return notify_users(session, members, NotificationKind(kind), title, link, exclude_user_id,
                        digest)


def _email_body(user: User, kind: NotificationKind, title: str, link: str) -> str:
    """A notification e-mail's text, in the current locale."""
    return gettext("%(name)s，您好：\n\n%(title)s\n\n查看详情：%(link)s\n\n"
                   "（%(kind)s提醒；可在“通知设置”中修改接收方式和邮件语言。）\n%(site)s\n",
                   name=user.name, title=title, link=link, kind=gettext(kind.label),
                   site=gettext(SITE_NAME))


def unread_count(session: Session, user_id: int) -> int:
    """How many notifications the user has not read."""
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def recent(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    """The user's newest notifications, unread ones first."""
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.read_at.is_not(None), Notification.id.desc()).limit(limit)))


def mark_read(session: Session, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user read."""
    stmt = update(Notification).where(Notification.user_id == user_id,
                                      Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    result: Any = session.execute(stmt.values(read_at=utcnow()))
    session.flush()
    return int(result.rowcount or 0)


def deliver_outbox(session: Session, config: Mapping[str, Any], limit: int = 100) -> tuple[int, int]:
    """Send pending outbox e-mails over SMTP, or log them when no ``MAIL_SERVER`` is set.

    Returns (delivered, failed). A failed e-mail stays pending with its error and is tried again
    next time; the caller commits after each batch.
    """
    pending = list(session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
                                   .order_by(OutboxEmail.id).limit(limit)))
    if not pending:
        return 0, 0
    server = config.get("MAIL_SERVER")
    sent = failed = 0
    smtp: smtplib.SMTP | None = None
    try:
        if server:
            smtp = _connect(config)
        for mail in pending:
            mail.attempts += 1
            try:
                if smtp is None:
                    # Development: the e-mail is logged instead of being sent, without its
                    # body, which may hold a password-reset link (the body stays in the outbox).
                    log.info("mail to %s: %s (outbox #%s)", mail.to_address, mail.subject, mail.id)
                else:
                    smtp.send_message(_message(mail, str(config.get("MAIL_FROM") or
                                                         "noreply@innomatch.local")))
            except (smtplib.SMTPException, OSError) as exc:
                mail.last_error = str(exc)[:1000]
                failed += 1
            else:
                mail.sent_at = utcnow()
                mail.last_error = ""
                sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        for mail in pending:
            if mail.sent_at is None:
                mail.last_error = f"SMTP: {exc}"[:1000]
        failed = len(pending) - sent
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                log.warning("SMTP quit failed", exc_info=True)
    session.flush()
    return sent, failed


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    port = int(config.get("MAIL_PORT") or 25)
    smtp = smtplib.SMTP(str(config["MAIL_SERVER"]), port, timeout=30)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
    return smtp


def _message(mail: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    return message
