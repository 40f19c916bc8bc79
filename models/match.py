"""Stored suggestions: a need and a result the matcher put together, with why."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

if TYPE_CHECKING:
    from .need import Need
    from .result import Result


class Match(Base):
    """One suggested need↔result pair with its score, the score's parts and the shared terms."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("need_id", "result_id"),
        CheckConstraint("score >= 0", name="score_not_negative"),
        Index("ix_matches_need_id_score", "need_id", "score"),
        Index("ix_matches_result_id_score", "result_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    # Scores are similarities in [0, 1], not money: floats are right here.
    score: Mapped[float] = mapped_column(Float)
    text_score: Mapped[float] = mapped_column(Float)
    # {"text": 0.41, "field": 0.1, "modes": 0.05, ...}: each part's contribution to ``score``.
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [["锂离子电池", 0.42], ["极片", 0.21], ...]: the terms behind the text score, with shares.
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    matcher_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    result: Mapped[Result] = relationship()

    def __repr__(self) -> str:
        return f"<Match need={self.need_id} result={self.result_id} {self.score:.3f}>"
