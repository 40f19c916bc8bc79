"""Solutions (解决方案) institutions submit to needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .enums import SolutionStatus
from .types import WanAmount

if TYPE_CHECKING:
    from .need import Need
    from .organization import Organization
    from .result import Result
    from .user import User

solution_results = Table(
    "solution_results",
    Base.metadata,
    Column("solution_id", ForeignKey("solutions.id", ondelete="CASCADE"), primary_key=True),
    Column("result_id", ForeignKey("results.id", ondelete="CASCADE"), primary_key=True),
)


class Solution(Base):
    """An institution's proposal for solving a published need."""

    __tablename__ = "solutions"
    __table_args__ = (
        CheckConstraint("price_fen IS NULL OR price_fen >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(Text)
    approach: Mapped[str] = mapped_column(Text)
    price_wan: Mapped[Decimal | None] = mapped_column("price_fen", WanAmount())
    timeline: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SolutionStatus] = mapped_column(
        enum_column(SolutionStatus, "solution_status"), default=SolutionStatus.SUBMITTED
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship(back_populates="solutions")
    organization: Mapped[Organization] = relationship()
    author: Mapped[User | None] = relationship()
    results: Mapped[list[Result]] = relationship(secondary=solution_results, order_by="Result.id")

    def __repr__(self) -> str:
        return f"<Solution {self.id} need={self.need_id} {self.status.value}>"
