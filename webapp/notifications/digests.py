"""Message e-mails as digests: at most one e-mail per docking and recipient every
``MESSAGE_DIGEST_MINUTES``, gathering every message since the previous one.

A message posted in a docking does not write e-mails itself: for each recipient who takes
message e-mails (``notify_users`` reads the preferences) it marks the pair (recipient, docking)
pending (:func:`hold_for_digest`). ``innomatch send-mail``, run every minute, first writes one
e-mail per pending pair whose last e-mail is at least the period old (:func:`compose_digests`),
then delivers the outbox. A first message is thus e-mailed within a minute; a busy thread sends
one e-mail per period, however many messages it holds (issue 18, item 4: 1,041 messages in one
docking had put 4,868 e-mails in the outbox).

The e-mail names who wrote and when, not what: like every other notification e-mail it leads to
the thread, where only those involved read it (a thread may hold contacts and terms, which stay
on the platform). In-app notifications stay one per message: the bell is read when the user
chooses, interrupts nobody, and says who wrote; the message limits bound how many there are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import Docking, DockingMessage, MessageDigest, OutboxEmail, User, utcnow

from ..filters import local_time
from ..i18n import docking_title
from . import services  # read at call time: services imports this module

DEFAULT_MINUTES = 10
# An e-mail lists at most this many messages, then says how many more there are.
LISTED = 20


def hold_for_digest(session: Session, user: User, docking: Docking) -> None:
    """Mark that ``user`` has a message of ``docking`` awaiting an e-mail.

    Two messages posted at once may both reach here for one recipient: the row is inserted
    with ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike), never a unique-key failure.
    """
    now = utcnow()
    values: dict[str, Any] = {"user_id": user.id, "docking_id": docking.id,
                              "pending_since": now, "last_message_id": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(MessageDigest).values(**values)
                    .on_conflict_do_nothing(index_elements=["user_id", "docking_id"]))
    session.execute(update(MessageDigest)
                    .where(MessageDigest.user_id == user.id,
                           MessageDigest.docking_id == docking.id,
                           MessageDigest.pending_since.is_(None))
                    .values(pending_since=now))


def compose_digests(session: Session, minutes: int = DEFAULT_MINUTES,
                    now: dt.datetime | None = None) -> int:
    """Write one outbox e-mail for each pending (recipient, docking) whose last e-mail is at
    least ``minutes`` old, gathering the messages since; returns how many were written.

    A recipient who can no longer see the docking, or whose account was closed, gets nothing.
    """
    from ..dockings.services import can_view  # the dockings area emits what this reads

    now = now or utcnow()
    due = list(session.scalars(
        select(MessageDigest).where(
            MessageDigest.pending_since.is_not(None),
            or_(MessageDigest.last_sent_at.is_(None),
                MessageDigest.last_sent_at <= now - dt.timedelta(minutes=minutes)))
        .order_by(MessageDigest.pending_since)))
    written = 0
    for row in due:
        row.pending_since = None
        user, docking = row.user, row.docking
        if not user.is_active or not can_view(user, docking):
            continue
        messages = list(session.scalars(
            select(DockingMessage).where(
                DockingMessage.docking_id == docking.id,
                DockingMessage.id > row.last_message_id,
                DockingMessage.is_note.is_(False),
                or_(DockingMessage.author_id.is_(None), DockingMessage.author_id != user.id))
            .order_by(DockingMessage.id)))
        if not messages:
            continue
        with force_locale(user.language.value):
            subject, body = _digest(user, docking, messages, minutes)
        session.add(OutboxEmail(to_address=user.email, subject=subject[:200], body=body))
        row.last_sent_at = now
        row.last_message_id = messages[-1].id
        written += 1
    session.flush()
    return written


def _digest(user: User, docking: Docking, messages: list[DockingMessage],
            minutes: int) -> tuple[str, str]:
    """A digest's subject and text, in the current locale."""
    title = docking_title(docking)
    count = len(messages)
    lines = [f"- {local_time(m.created_at)} {m.author.name if m.author else gettext('已注销用户')}"
             for m in messages[-LISTED:]]
    if count > LISTED:
        lines.insert(0, gettext("……此前还有 %(n)s 条", n=count - LISTED))
    subject = gettext("[InnoMatch] 对接“%(docking)s”的新消息（%(n)s 条）", docking=title, n=count)
    body = gettext(
        "%(name)s，您好：\n\n对接“%(docking)s”的新消息（%(n)s 条）：\n\n%(lines)s\n\n"
        "查看并回复：%(link)s\n\n（新消息提醒：同一对接每 %(minutes)s 分钟最多一封邮件，汇总这段时间的"
        "消息；可在“通知设置”中修改接收方式和邮件语言。）\n%(site)s\n",
        name=user.name, docking=title, n=count, lines="\n".join(lines),
        link=f"/dockings/{docking.id}#messages", minutes=minutes, site=gettext(services.SITE_NAME))
    return subject, body
