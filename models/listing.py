"""Columns and behaviour shared by needs and results."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, validates

from .base import enum_column, utcnow
from .taxonomy import PROVINCES, SUBFIELDS, CooperationMode, Field

_KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")
MAX_KEYWORDS = 10


def split_keywords(raw: str | list[str] | tuple[str, ...]) -> list[str]:
    """Split keywords typed with Chinese or Latin separators; drop blanks and repeats."""
    items = raw if isinstance(raw, list | tuple) else _KEYWORD_SPLIT.split(raw)
    seen: dict[str, None] = {}
    for item in items:
        word = item.strip()
        if word:
            seen.setdefault(word, None)
    return list(seen)


class ListingMixin:
    """Ownership, field, keywords, region and timestamps of a need or a result."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    subfield: Mapped[str] = mapped_column(String(40), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None]
    # The identifier a bulk import knew the listing by (its 外部编号, or a content fingerprint),
    # so that importing the same file again finds the record instead of duplicating it.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The matcher's tokens of title, text and keywords with the tokenizer's signature and a
    # hash of the text they came from (webapp/matching/engine.py), so that rebuilding an index
    # does not tokenise unchanged listings again. Deferred: only index builds read it.
    tokens: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organizations.id"), index=True)

    @declared_attr
    def author_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    # Empty (NULL field, "" province) only in a draft: a draft needs no more than its title, and
    # publishing checks that everything is there (``webapp.listings.services.missing``).
    @declared_attr
    def field(cls) -> Mapped[Field | None]:
        return mapped_column(enum_column(Field, "tech_field"), index=True)

    @validates("province")
    def _check_province(self, key: str, value: str) -> str:
        if value and value not in PROVINCES:
            raise ValueError(f"unknown province: {value}")
        return value

    @validates("subfield")
    def _check_subfield(self, key: str, value: str) -> str:
        field = getattr(self, "field", None)
        if value and field is not None and value not in SUBFIELDS[Field(field)]:
            raise ValueError(f"{value} is not a sub-field of {Field(field).label}")
        return value

    @validates("keywords")
    def _normalise_keywords(self, key: str, value: str | list[str]) -> str:
        words = split_keywords(value)
        if len(words) > MAX_KEYWORDS:
            raise ValueError(f"at most {MAX_KEYWORDS} keywords")
        return ",".join(words)

    @property
    def keyword_list(self) -> list[str]:
        """Keywords as a list."""
        return split_keywords(self.keywords)

    @property
    def region(self) -> str:
        """Province and city, as shown on pages."""
        if not self.city or self.city == self.province:
            return self.province
        return f"{self.province}{self.city}"


class _ModeRow(Protocol):
    mode: CooperationMode


RowT = TypeVar("RowT", bound=_ModeRow)


def merge_mode_rows(
    rows: list[RowT], modes: Iterable[CooperationMode | str], make_row: Callable[..., RowT]
) -> list[RowT]:
    """Keep the rows whose mode is still wanted and add rows for new modes, in the given order."""
    wanted = list(dict.fromkeys(CooperationMode(m) for m in modes))
    kept = [row for row in rows if row.mode in wanted]
    have = {row.mode for row in kept}
    return kept + [make_row(mode=m) for m in wanted if m not in have]
