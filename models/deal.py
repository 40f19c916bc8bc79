"""Deals (签约): the contract that closes a docking as signed, and the log of its corrections."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .i18n import N_
from .types import WanAmount

if TYPE_CHECKING:
    from .docking import Docking
    from .user import User


class ContractType(enum.StrEnum):
    """The five kinds of technology contract registered in China (技术合同)."""

    DEVELOPMENT = "development"
    TRANSFER = "transfer"
    LICENSE = "license"
    SERVICE = "service"
    CONSULTING = "consulting"

    @property
    def label(self) -> str:
        """The contract type's Chinese name."""
        return {"development": N_("技术开发"), "transfer": N_("技术转让"), "license": N_("技术许可"),
                "service": N_("技术服务"), "consulting": N_("技术咨询")}[self.value]


class Deal(Base):
    """A signed contract: type, amount in 万元, signing date and registered number."""

    __tablename__ = "deals"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    docking_id: Mapped[int] = mapped_column(
        ForeignKey("dockings.id", ondelete="CASCADE"), unique=True)
    contract_type: Mapped[ContractType] = mapped_column(enum_column(ContractType, "contract_type"))
    amount_wan: Mapped[Decimal] = mapped_column("amount_fen", WanAmount())
    # "Not in the future" depends on today's date, which a CHECK cannot know; the service checks.
    signed_on: Mapped[dt.date]
    contract_number: Mapped[str | None] = mapped_column(String(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    docking: Mapped[Docking] = relationship(back_populates="deal")
    created_by: Mapped[User | None] = relationship()
    corrections: Mapped[list[DealCorrection]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealCorrection.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def __repr__(self) -> str:
        return f"<Deal {self.id} docking={self.docking_id} {self.amount_wan} 万元>"


class DealCorrection(Base):
    """One corrected field of a deal: who changed it, when, from what to what."""

    __tablename__ = "deal_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(40))
    # Values are kept as text (amounts in 万元, dates ISO) so one table serves every field.
    old_value: Mapped[str] = mapped_column(String(100))
    new_value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    deal: Mapped[Deal] = relationship(back_populates="corrections")
    actor: Mapped[User | None] = relationship()
