"""Attachments (附件): files on a need, a result or a solution.

The row holds what the platform knows about a file; the bytes live outside the database and
outside ``static/`` (``webapp.attachments.storage``), under ``storage_key``, a random name that
never comes from the user. Exactly one of ``need_id``, ``result_id`` and ``solution_id`` is set.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .need import Need
    from .result import Result
    from .solution import Solution
    from .user import User

ONE_OWNER_SQL = ("(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END)"
                 " + (CASE WHEN result_id IS NULL THEN 0 ELSE 1 END)"
                 " + (CASE WHEN solution_id IS NULL THEN 0 ELSE 1 END) = 1")


class Attachment(Base):
    """A file attached to one need, result or solution, public to whoever sees its record or
    confidential (the owners, operators and the other side of a docking only)."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(ONE_OWNER_SQL, name="one_owner"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("results.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int | None] = mapped_column(
        ForeignKey("solutions.id", ondelete="CASCADE"), index=True)
    # The owning record's organisation, copied so that "may change it" is one comparison.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The uploader's file name, cleaned (no path, no control characters), for display and for
    # the download's Content-Disposition; its extension follows the detected type.
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(100))  # detected from the content
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    confidential: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    need: Mapped[Need | None] = relationship()
    result: Mapped[Result | None] = relationship()
    solution: Mapped[Solution | None] = relationship()
    uploader: Mapped[User | None] = relationship()

    @property
    def owner(self) -> Need | Result | Solution:
        """The record the file is attached to."""
        owner = self.need or self.result or self.solution
        assert owner is not None, "an attachment has exactly one owner (ck_attachments_one_owner)"
        return owner

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.media_type} {self.size}B>"
