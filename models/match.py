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
    # Scores are not money: floats are right here. ``score`` ranks (the matcher's strength,
    # moved a little by compatibility); ``text_score`` is the text match's coverage in [0, 1]
    # (how much of the query's own score the first pass gave), what "strong" is decided on.
    score: Mapped[float] = mapped_column(Float)
    text_score: Mapped[float] = mapped_column(Float)
    # {"strength": 0.41, "coverage": 0.3, "compatibility": 0.8, "field": 1.0, ...}: the
    # score's parts (compatibility parts each in [0, 1]).
    parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [["锂离子电池", 0.42, "shared"], ["涂膜", 0.0, "related"], ...]: the terms both listings
    # use (with their share of the score), then the related terms the matcher also used.
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    matcher_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    result: Mapped[Result] = relationship()

    @property
    def shared_terms(self) -> list[tuple[str, float]]:
        """The terms both listings use as written, with their share of the score (rows
        stored before related terms were kept apart count as shared)."""
        return [(t[0], float(t[1])) for t in self.terms if len(t) < 3 or t[2] == "shared"]

    @property
    def related_terms(self) -> list[str]:
        """Terms the matcher also looked for (from feedback), not in both listings."""
        return [t[0] for t in self.terms if len(t) >= 3 and t[2] == "related"]

    def __repr__(self) -> str:
        return f"<Match need={self.need_id} result={self.result_id} {self.score:.3f}>"
