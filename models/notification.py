"""In-app notifications, the e-mail outbox and each user's choice of what to receive."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .i18n import N_

if TYPE_CHECKING:
    from .docking import Docking
    from .user import User


class NotificationKind(enum.StrEnum):
    """What a notification is about."""

    SUGGESTION = "suggestion"
    INTEREST = "interest"
    SOLUTION = "solution"
    STATUS = "status"
    MESSAGE = "message"
    ALERT = "alert"  # a saved search found a new listing, a bookmarked need got a solution

    @property
    def label(self) -> str:
        """The kind's Chinese name."""
        return {"suggestion": N_("新的高分推荐"), "interest": N_("对方表达意向"),
                "solution": N_("收到解决方案"), "status": N_("对接状态变化"),
                "message": N_("新消息"), "alert": N_("收藏与订阅提醒")}[self.value]


class Notification(Base):
    """A message shown under the bell until the user reads it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind"))
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class OutboxEmail(Base):
    """An e-mail waiting to be delivered; ``sent_at`` is set once it has gone."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_sent_at_id", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NotificationPreference(Base):
    """Whether a user gets one kind of notification in the app and by e-mail.

    No row means the default: both on.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "preference_kind"), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=True)


class MessageDigest(Base):
    """Where one recipient's e-mail about one docking's messages stands.

    Messages are e-mailed as digests: at most one e-mail per docking and recipient in each
    period, gathering every message since the previous one. ``pending_since`` is set when a
    message awaits an e-mail (cleared once it is written to the outbox); ``last_message_id``
    is the newest message the last e-mail covered.
    """

    __tablename__ = "message_digests"
    __table_args__ = (Index("ix_message_digests_pending_since", "pending_since"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    docking_id: Mapped[int] = mapped_column(
        ForeignKey("dockings.id", ondelete="CASCADE"), primary_key=True)
    pending_since: Mapped[dt.datetime | None]
    last_sent_at: Mapped[dt.datetime | None]
    last_message_id: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()
    docking: Mapped[Docking] = relationship()
