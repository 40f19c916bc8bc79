"""Organisations: enterprises, universities, institutes and service agencies."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .base import Base, enum_column, utcnow
from .enums import OrgKind
from .taxonomy import PROVINCES
from .validators import is_valid_credit_code, normalize_credit_code

if TYPE_CHECKING:
    from .user import User


def new_invite_code() -> str:
    """A random code that lets a colleague join an organisation at sign-up."""
    return secrets.token_urlsafe(9)


class Organization(Base):
    """A legal entity on the platform; every user belongs to exactly one."""

    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint("length(name) >= 2", name="name_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, "org_kind"))
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(40), default="")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    verified: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    invite_code: Mapped[str] = mapped_column(String(24), unique=True, default=new_invite_code)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    @validates("credit_code")
    def _check_credit_code(self, key: str, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        value = normalize_credit_code(value)
        if not is_valid_credit_code(value):
            raise ValueError("统一社会信用代码格式不正确")
        return value

    @validates("province")
    def _check_province(self, key: str, value: str) -> str:
        if value not in PROVINCES:
            raise ValueError(f"unknown province: {value}")
        return value

    @property
    def region(self) -> str:
        """Province and city, as shown on pages."""
        return f"{self.province}{self.city}" if self.city != self.province else self.province

    @property
    def can_post_needs(self) -> bool:
        """Enterprises post technology needs."""
        return self.kind is OrgKind.ENTERPRISE

    @property
    def can_post_results(self) -> bool:
        """Universities and institutes post results and submit solutions."""
        return self.kind.is_institution

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"
