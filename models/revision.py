"""Revisions of listings: who changed a published need or result, when, and what (old → new).

A deal is signed on what a listing said; once a listing has been public, each edit is kept here
so that the other side of a signed deal, the owner and operators can see what changed since.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .user import User


class ListingRevision(Base):
    """One saved edit of a need or a result (exactly one of the two ids is set)."""

    __tablename__ = "listing_revisions"
    __table_args__ = (
        CheckConstraint("(need_id IS NULL) <> (result_id IS NULL)", name="one_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {field: [old, new]} with plain JSON values (enum values, amounts in 万元 as text, ISO
    # dates, lists), so that one table serves both kinds and every field.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Whether a signed deal stood on the listing when it was edited.
    under_deal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        listing = f"need={self.need_id}" if self.need_id else f"result={self.result_id}"
        return f"<ListingRevision {self.id} {listing} {sorted(self.changes)}>"
