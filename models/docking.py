"""Dockings (对接): one need joined with one result or one solution, carried to signed or dropped.

The transition table lives here, next to the states, so that the services, the pages and the
tests all read the same rules.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .i18n import N_

if TYPE_CHECKING:
    from .deal import Deal
    from .need import Need
    from .organization import Organization
    from .result import Result
    from .solution import Solution
    from .user import User


class DockingState(enum.StrEnum):
    """Where a docking stands."""

    SUGGESTED = "suggested"
    INTEREST = "interest"
    DOCKED = "docked"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        """The state's Chinese name."""
        return {"suggested": N_("系统推荐"), "interest": N_("有意向"), "docked": N_("已对接"),
                "negotiating": N_("洽谈中"), "signed": N_("已签约"),
                "dropped": N_("已终止")}[self.value]

    @property
    def is_open(self) -> bool:
        """Open dockings are conversations under way; they keep their need 对接中."""
        return self in OPEN_STATES

    @property
    def is_final(self) -> bool:
        """Signed and dropped dockings never move again."""
        return self in (DockingState.SIGNED, DockingState.DROPPED)

    @property
    def shows_contacts(self) -> bool:
        """Contact details are exchanged once the second side has agreed."""
        return self in (DockingState.DOCKED, DockingState.NEGOTIATING, DockingState.SIGNED)


# A suggestion nobody has answered is not yet a conversation, so it does not count as open.
OPEN_STATES = frozenset({DockingState.INTEREST, DockingState.DOCKED, DockingState.NEGOTIATING})

# One open docking per need and supplying organisation: the partial unique index below says so
# to the database (SQLite and PostgreSQL both index a WHERE clause), the services join interest,
# solutions, acceptances and introductions to that docking, and migration 0009 merged the
# duplicates made before.
OPEN_STATES_SQL = "state IN ('interest', 'docked', 'negotiating')"


class Side(enum.StrEnum):
    """The two parties of a docking: the need's enterprise and the supplying institution."""

    NEED = "need"
    SUPPLY = "supply"

    @property
    def other(self) -> Side:
        """The opposite party."""
        return Side.SUPPLY if self is Side.NEED else Side.NEED

    @property
    def label(self) -> str:
        """The side's Chinese name."""
        return {"need": N_("需求方"), "supply": N_("供给方")}[self.value]


class Actor(enum.StrEnum):
    """Who may make a transition, relative to the docking."""

    PARTY = "party"  # a member of either side
    OTHER_SIDE = "other_side"  # a member of the side that did not show interest first
    BROKER = "broker"  # the assigned broker
    OPERATOR = "operator"


_ANYONE_INVOLVED = frozenset({Actor.PARTY, Actor.BROKER, Actor.OPERATOR})

# The only transitions that exist, and who may make each. Signing happens by recording a deal.
TRANSITIONS: dict[tuple[DockingState, DockingState], frozenset[Actor]] = {
    (DockingState.SUGGESTED, DockingState.INTEREST): frozenset({Actor.PARTY}),
    (DockingState.SUGGESTED, DockingState.DROPPED): _ANYONE_INVOLVED,
    (DockingState.INTEREST, DockingState.DOCKED): frozenset({Actor.OTHER_SIDE}),
    (DockingState.INTEREST, DockingState.DROPPED): _ANYONE_INVOLVED,
    (DockingState.DOCKED, DockingState.NEGOTIATING): _ANYONE_INVOLVED,
    (DockingState.DOCKED, DockingState.DROPPED): _ANYONE_INVOLVED,
    (DockingState.NEGOTIATING, DockingState.SIGNED): _ANYONE_INVOLVED,
    (DockingState.NEGOTIATING, DockingState.DROPPED): _ANYONE_INVOLVED,
}


def allowed_targets(state: DockingState) -> list[DockingState]:
    """The states a docking in ``state`` may move to, in workflow order."""
    return [to for to in DockingState if (state, to) in TRANSITIONS]


class DropReason(enum.StrEnum):
    """Why a docking was dropped."""

    PRICE = "price"
    TECH_MISMATCH = "tech_mismatch"
    NEED_SOLVED = "need_solved"
    NO_RESPONSE = "no_response"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason's Chinese name."""
        return {"price": N_("价格不合适"), "tech_mismatch": N_("技术不匹配"),
                "need_solved": N_("需求已解决"), "no_response": N_("无回应"),
                "other": N_("其他")}[self.value]


class Docking(Base):
    """A need and one supplying organisation, through a result, a solution or both, and how far
    the two sides have got."""

    __tablename__ = "dockings"
    __table_args__ = (
        CheckConstraint("result_id IS NOT NULL OR solution_id IS NOT NULL", name="has_supply"),
        CheckConstraint("state <> 'dropped' OR drop_reason IS NOT NULL", name="dropped_has_reason"),
        UniqueConstraint("need_id", "result_id"),
        UniqueConstraint("solution_id"),
        Index("ix_dockings_state_updated_at", "state", "updated_at"),
        Index("uq_dockings_open_need_supply_org", "need_id", "supply_org_id", unique=True,
              sqlite_where=text(OPEN_STATES_SQL), postgresql_where=text(OPEN_STATES_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"))
    solution_id: Mapped[int | None] = mapped_column(
        ForeignKey("solutions.id", ondelete="CASCADE"))
    # Both organisations are copied here so that "my dockings" and the visibility checks are
    # one indexed comparison rather than a join through results or solutions.
    need_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    supply_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    state: Mapped[DockingState] = mapped_column(
        enum_column(DockingState, "docking_state"), default=DockingState.SUGGESTED)
    # The side that said 感兴趣 first; the other side's agreement makes the docking docked.
    interest_side: Mapped[Side | None] = mapped_column(enum_column(Side, "docking_side"))
    broker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    drop_reason: Mapped[DropReason | None] = mapped_column(enum_column(DropReason, "drop_reason"))
    drop_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship()
    result: Mapped[Result | None] = relationship()
    # The two parties, for titles and lists; set through the ids above.
    need_org: Mapped[Organization] = relationship(foreign_keys=[need_org_id], viewonly=True)
    supply_org: Mapped[Organization] = relationship(foreign_keys=[supply_org_id], viewonly=True)
    solution: Mapped[Solution | None] = relationship()
    broker: Mapped[User | None] = relationship()
    events: Mapped[list[DockingEvent]] = relationship(
        back_populates="docking", cascade="all, delete-orphan", order_by="DockingEvent.id")
    messages: Mapped[list[DockingMessage]] = relationship(
        back_populates="docking", cascade="all, delete-orphan", order_by="DockingMessage.id")
    deal: Mapped[Deal | None] = relationship(back_populates="docking")

    # A write with a stale version fails with StaleDataError instead of overwriting.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def title(self) -> str:
        """The need's title and what it is paired with."""
        supply = self.result.title if self.result is not None else N_("解决方案")
        return f"{self.need.title} ↔ {supply}"

    @property
    def waiting_on(self) -> Side | None:
        """The side whose answer the docking waits for, if one."""
        if self.state is DockingState.INTEREST and self.interest_side is not None:
            return self.interest_side.other
        return None

    def side_of(self, organization_id: int) -> Side | None:
        """Which side an organisation is on, if either."""
        if organization_id == self.need_org_id:
            return Side.NEED
        if organization_id == self.supply_org_id:
            return Side.SUPPLY
        return None

    def org_of(self, side: Side) -> int:
        """The organisation on ``side``."""
        return self.need_org_id if side is Side.NEED else self.supply_org_id

    def __repr__(self) -> str:
        return f"<Docking {self.id} need={self.need_id} {self.state.value}>"


class DockingEvent(Base):
    """One step in a docking's history: who moved it from which state to which, and why."""

    __tablename__ = "docking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    docking_id: Mapped[int] = mapped_column(
        ForeignKey("dockings.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Empty for the event that creates the docking.
    from_state: Mapped[DockingState | None] = mapped_column(
        enum_column(DockingState, "event_from_state"))
    to_state: Mapped[DockingState] = mapped_column(enum_column(DockingState, "event_to_state"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    docking: Mapped[Docking] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class DockingMessage(Base):
    """A message between the parties and the broker, or a broker's note."""

    __tablename__ = "docking_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    docking_id: Mapped[int] = mapped_column(
        ForeignKey("dockings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    # Notes are the broker's working record; they are shown in the thread but notify nobody.
    is_note: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    docking: Mapped[Docking] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()

