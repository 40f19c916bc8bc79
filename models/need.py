"""Technology needs (技术需求) posted by enterprises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .enums import NeedStatus
from .listing import ListingMixin, merge_mode_rows
from .taxonomy import CooperationMode
from .types import WanAmount

if TYPE_CHECKING:
    from .organization import Organization
    from .solution import Solution
    from .user import User


class NeedMode(Base):
    """A cooperation mode a need accepts."""

    __tablename__ = "need_modes"

    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[CooperationMode] = mapped_column(
        enum_column(CooperationMode, "need_mode"), primary_key=True
    )


class Need(ListingMixin, Base):
    """An enterprise's technology need, with the problem it wants solved and its budget."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint(
            "(budget_min_fen IS NULL AND budget_max_fen IS NULL) OR "
            "(budget_min_fen IS NOT NULL AND budget_max_fen IS NOT NULL "
            "AND budget_min_fen >= 0 AND budget_max_fen >= budget_min_fen)",
            name="budget_range",
        ),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_date"),
        Index("ix_needs_status_published_at", "status", "published_at"),
    )

    problem: Mapped[str] = mapped_column(Text)
    indicators: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")
    # Both ends empty means the budget is negotiable (面议).
    budget_min_wan: Mapped[Decimal | None] = mapped_column("budget_min_fen", WanAmount())
    budget_max_wan: Mapped[Decimal | None] = mapped_column("budget_max_fen", WanAmount())
    valid_until: Mapped[dt.date | None]
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus, "need_status"), default=NeedStatus.DRAFT
    )
    show_org_name: Mapped[bool] = mapped_column(default=True)
    closed_at: Mapped[dt.datetime | None]

    organization: Mapped[Organization] = relationship()
    author: Mapped[User | None] = relationship()
    mode_rows: Mapped[list[NeedMode]] = relationship(
        cascade="all, delete-orphan", order_by=NeedMode.mode, lazy="selectin"
    )
    solutions: Mapped[list[Solution]] = relationship(back_populates="need")

    @property
    def modes(self) -> list[CooperationMode]:
        """The cooperation modes the need accepts."""
        return [row.mode for row in self.mode_rows]

    @modes.setter
    def modes(self, modes: list[CooperationMode]) -> None:
        self.mode_rows = merge_mode_rows(self.mode_rows, modes, NeedMode)

    @property
    def budget_negotiable(self) -> bool:
        """True when the enterprise names no budget (面议)."""
        return self.budget_min_wan is None

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.title!r} {self.status.value}>"
