"""Technology results (科技成果) posted by universities and institutes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column
from .enums import ResultStatus
from .listing import ListingMixin, merge_mode_rows
from .taxonomy import CooperationMode, IPType, ResultForm, maturity_stage
from .types import WanAmount

if TYPE_CHECKING:
    from .organization import Organization
    from .user import User


class ResultMode(Base):
    """A transfer mode a result is offered under."""

    __tablename__ = "result_modes"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[CooperationMode] = mapped_column(
        enum_column(CooperationMode, "result_mode"), primary_key=True
    )


class ResultIP(Base):
    """A patent, copyright or other right protecting a result."""

    __tablename__ = "result_ip"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), index=True
    )
    ip_type: Mapped[IPType] = mapped_column(enum_column(IPType, "ip_type"))
    number: Mapped[str] = mapped_column(String(60), default="")


class Result(ListingMixin, Base):
    """A result an institution offers for transfer, licence or cooperation."""

    __tablename__ = "results"
    __table_args__ = (
        CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),
        CheckConstraint("price_fen IS NULL OR price_fen >= 0", name="price_not_negative"),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_date"),
        Index("ix_results_status_published_at", "status", "published_at"),
    )

    summary: Mapped[str] = mapped_column(Text)
    # Empty only in a draft (see ``ListingMixin.field``).
    form: Mapped[ResultForm | None] = mapped_column(enum_column(ResultForm, "result_form"))
    trl: Mapped[int | None]
    # Empty means the price is negotiable (面议).
    price_wan: Mapped[Decimal | None] = mapped_column("price_fen", WanAmount())
    team: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[ResultStatus] = mapped_column(
        enum_column(ResultStatus, "result_status"), default=ResultStatus.DRAFT
    )

    organization: Mapped[Organization] = relationship()
    author: Mapped[User | None] = relationship()
    mode_rows: Mapped[list[ResultMode]] = relationship(
        cascade="all, delete-orphan", order_by=ResultMode.mode, lazy="selectin"
    )
    ip_rights: Mapped[list[ResultIP]] = relationship(
        cascade="all, delete-orphan", order_by=ResultIP.id, lazy="selectin"
    )

    @property
    def modes(self) -> list[CooperationMode]:
        """The transfer modes offered."""
        return [row.mode for row in self.mode_rows]

    @modes.setter
    def modes(self, modes: list[CooperationMode]) -> None:
        self.mode_rows = merge_mode_rows(self.mode_rows, modes, ResultMode)

    @property
    def maturity(self) -> str:
        """The stage name for the result's TRL (实验室 / 小试 / 中试 / 产业化); empty for a draft
        that names none."""
        return maturity_stage(self.trl) if self.trl is not None else ""

    def __repr__(self) -> str:
        return f"<Result {self.id} {self.title!r} {self.status.value}>"
