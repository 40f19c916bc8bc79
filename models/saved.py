"""What a user keeps: bookmarks (收藏) of needs and results, saved searches that alert on new
listings, the e-mail digest's frequency, and the alerts waiting for the next digest."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .i18n import N_

if TYPE_CHECKING:
    from .need import Need
    from .result import Result
    from .user import User


class SearchKind(enum.StrEnum):
    """Which list a saved search searches."""

    NEEDS = "needs"
    RESULTS = "results"

    @property
    def label(self) -> str:
        """The list's Chinese name."""
        return {"needs": N_("技术需求"), "results": N_("科技成果")}[self.value]


class DigestFrequency(enum.StrEnum):
    """How often a user's alerts (saved searches, bookmarks) are e-mailed."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"

    @property
    def label(self) -> str:
        """The choice's Chinese name."""
        return {"immediately": N_("即时发送"), "daily": N_("每日汇总"), "weekly": N_("每周汇总"),
                "off": N_("不发邮件")}[self.value]

    @property
    def interval(self) -> dt.timedelta | None:
        """The least time between two digests (``None``: no digest)."""
        return {"immediately": dt.timedelta(0), "daily": dt.timedelta(days=1),
                "weekly": dt.timedelta(days=7), "off": None}[self.value]


class Bookmark(Base):
    """A need or a result a user keeps (收藏): exactly one of the two."""

    __tablename__ = "bookmarks"
    __table_args__ = (
        CheckConstraint("(need_id IS NULL) <> (result_id IS NULL)", name="one_listing"),
        UniqueConstraint("user_id", "need_id"),
        UniqueConstraint("user_id", "result_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraints' indexes lead with user_id: a user's bookmarks need no other.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    need: Mapped[Need | None] = relationship()
    result: Mapped[Result | None] = relationship()


class SavedSearch(Base):
    """A list's search kept by a user: its query string as the list page reads it (query,
    filters and order), and whether new listings it finds are alerted."""

    __tablename__ = "saved_searches"
    __table_args__ = (CheckConstraint("length(name) >= 1", name="name_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SearchKind] = mapped_column(enum_column(SearchKind, "search_kind"))
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[str] = mapped_column(String(1000), default="")
    alerts: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class AlertSetting(Base):
    """A user's choice of digest frequency (no row: daily) and when the last digest went."""

    __tablename__ = "alert_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[DigestFrequency] = mapped_column(
        enum_column(DigestFrequency, "digest_frequency"), default=DigestFrequency.DAILY)
    last_digest_at: Mapped[dt.datetime | None]


class PendingAlert(Base):
    """An alert told in the app and waiting for the user's next e-mail digest (``emailed_at``
    set once it went, or was skipped because the user receives no alert e-mails)."""

    __tablename__ = "pending_alerts"
    __table_args__ = (Index("ix_pending_alerts_user_id_emailed_at", "user_id", "emailed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    emailed_at: Mapped[dt.datetime | None]
