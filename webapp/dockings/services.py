"""Docking and deal services: they flush, the views commit.

Refusals are exceptions: ``DockingRefused`` for a transition the table does not allow or a
stale version (409), ``PermissionError`` for an actor who may not act (403). Visibility is
checked by the views first, so that outsiders get 404 and learn nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from models import (
    ContractType,
    Deal,
    DealCorrection,
    Docking,
    DockingEvent,
    DockingMessage,
    DockingState,
    DropReason,
    Need,
    NeedStatus,
    Result,
    ResultStatus,
    Role,
    Side,
    Solution,
    User,
)
from models.docking import OPEN_STATES, TRANSITIONS, Actor
from models.i18n import N_
from models.taxonomy import Field

from ..contacts import docking_contacts_visible
from ..errors import Refused
from ..events import (
    broker_assigned,
    docking_introduced,
    docking_message_posted,
    docking_moved,
    emit,
    interest_shown,
)
from ..pagination import Page, paginate

# "Not in the future" is judged by the platform's calendar, not the server's.
PLATFORM_TZ = ZoneInfo("Asia/Shanghai")
# No deal is older than the platform (webapp/config.py: PLATFORM_START_DATE).
DEFAULT_PLATFORM_START = "2020-01-01"


class DockingRefused(Refused):
    """The docking is not in a state that allows the action, or the form was stale (409)."""


class DealValueRefused(DockingRefused):
    """A deal's amount or date the contract cannot have; ``field`` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class StaleVersion(DockingRefused):
    """Someone changed the record after the form was rendered."""

    def __init__(self) -> None:
        super().__init__(_("该对接已被他人更新，请查看最新状态后再操作。"))


def today() -> dt.date:
    """Today's date on the platform's calendar (Asia/Shanghai)."""
    return dt.datetime.now(PLATFORM_TZ).date()


# --- who is who -----------------------------------------------------------------------------

def roles_of(user: User | None, docking: Docking) -> set[Actor]:
    """The roles ``user`` holds on ``docking`` (empty for outsiders)."""
    if user is None:
        return set()
    roles: set[Actor] = set()
    side = docking.side_of(user.organization_id)
    if side is not None:
        roles.add(Actor.PARTY)
        if docking.interest_side is not None and side is docking.interest_side.other:
            roles.add(Actor.OTHER_SIDE)
    if docking.broker_id == user.id and user.role is Role.BROKER:
        roles.add(Actor.BROKER)
    if user.is_operator:
        roles.add(Actor.OPERATOR)
    return roles


def can_view(user: User | None, docking: Docking) -> bool:
    """The two parties, the assigned broker and operators see a docking; nobody else."""
    return bool(roles_of(user, docking))


def can_move(user: User | None, docking: Docking, to: DockingState) -> bool:
    """Whether ``user`` may move ``docking`` to ``to`` now."""
    allowed = TRANSITIONS.get((docking.state, to))
    return allowed is not None and bool(allowed & roles_of(user, docking))


def moves_for(user: User | None, docking: Docking) -> list[DockingState]:
    """The states ``user`` may move ``docking`` to (signing is done by recording a deal)."""
    return [to for to in DockingState
            if to is not DockingState.SIGNED and can_move(user, docking, to)]


def can_agree(user: User | None, docking: Docking) -> bool:
    """Whether ``user`` is on the side asked to agree to the other side's interest."""
    return can_move(user, docking, DockingState.DOCKED)


def can_assign_broker(user: User | None, docking: Docking) -> bool:
    """Operators and either party may assign a broker to a docking still under way."""
    if docking.state.is_final:
        return False
    return bool(roles_of(user, docking) & {Actor.PARTY, Actor.OPERATOR})


def can_add_note(user: User | None, docking: Docking) -> bool:
    """Brokers and operators keep notes on a docking."""
    return bool(roles_of(user, docking) & {Actor.BROKER, Actor.OPERATOR})


def can_sign(user: User | None, docking: Docking) -> bool:
    """Whether ``user`` may record the deal that closes ``docking`` as signed."""
    return docking.deal is None and can_move(user, docking, DockingState.SIGNED)


def can_correct_deal(user: User | None, deal: Deal) -> bool:
    """The two parties and operators may correct a deal's amount and date."""
    return bool(roles_of(user, deal.docking) & {Actor.PARTY, Actor.OPERATOR})


# --- whose move --------------------------------------------------------------------------------

class Step(enum.StrEnum):
    """What a docking waits for next."""

    TAKE_UP = "take_up"  # a suggested pair (a broker's introduction): either side says 感兴趣
    AGREE = "agree"  # interest shown: the other side agrees
    NEGOTIATE = "negotiate"  # docked: either side starts negotiating
    SIGN = "sign"  # negotiating: either side records the signed contract
    REPLY = "reply"  # one side's last message waits for the other side's answer

    @property
    def label(self) -> str:
        """The step's Chinese name, as the button that takes it says."""
        return {"take_up": N_("表达意向"), "agree": N_("同意对接"), "negotiate": N_("进入洽谈"),
                "sign": N_("登记签约"), "reply": N_("回复消息")}[self.value]


# The step each state waits for; signed and dropped dockings wait for nothing.
_STATE_STEPS = {DockingState.SUGGESTED: Step.TAKE_UP, DockingState.INTEREST: Step.AGREE,
                DockingState.DOCKED: Step.NEGOTIATE, DockingState.NEGOTIATING: Step.SIGN}


@dataclass(frozen=True)
class Turn:
    """One thing a docking waits for, and the sides whose move it is."""

    step: Step
    sides: frozenset[Side]

    def is_for(self, side: Side | None) -> bool:
        """Whether it is ``side``'s move (never for someone on neither side)."""
        return side in self.sides


def whose_move(docking: Docking, last_message_side: Side | None = None) -> list[Turn]:
    """What ``docking`` waits for and from whom: the state's next step (agreeing is the move of
    the side that did not show interest, the other steps either side's), then, while the
    docking is under way, a reply from the side that did not write the last message.

    ``last_message_side`` is the side of the last message's author (``last_message_sides``);
    the docking page and the dashboard's to-dos both ask this function, so they agree.
    """
    found: list[Turn] = []
    step = _STATE_STEPS.get(docking.state)
    if step is Step.AGREE and docking.waiting_on is not None:
        found.append(Turn(step, frozenset({docking.waiting_on})))
    elif step is not None:
        found.append(Turn(step, frozenset(Side)))
    if docking.state.is_open and last_message_side is not None:
        found.append(Turn(Step.REPLY, frozenset({last_message_side.other})))
    return found


def my_turns(user: User | None, docking: Docking,
             last_message_side: Side | None = None) -> list[Turn]:
    """The turns of ``whose_move`` that are the move of ``user``'s organisation."""
    if user is None:
        return []
    side = docking.side_of(user.organization_id)
    return [t for t in whose_move(docking, last_message_side) if t.is_for(side)]


def last_message_sides(session: Session, dockings: Iterable[Docking]) -> dict[int, Side | None]:
    """For each docking, the side whose member wrote its last message (notes and messages of
    brokers and operators do not count: they ask no answer of anyone); one query for all."""
    by_id = {d.id: d for d in dockings}
    if not by_id:
        return {}
    last = (select(func.max(DockingMessage.id))
            .where(DockingMessage.docking_id.in_(by_id), DockingMessage.is_note.is_(False))
            .group_by(DockingMessage.docking_id))
    rows = session.execute(
        select(DockingMessage.docking_id, User.organization_id)
        .join(User, User.id == DockingMessage.author_id)
        .where(DockingMessage.id.in_(last)))
    found: dict[int, Side | None] = dict.fromkeys(by_id)
    for docking_id, org_id in rows:
        found[docking_id] = by_id[docking_id].side_of(org_id)
    return found


# Contact details show only once the other side has agreed, and only to those involved: the
# rule lives in webapp/contacts.py with the one for listings.
contacts_visible = docking_contacts_visible


@dataclass(frozen=True)
class Contact:
    """A person to reach on one side of a docking."""

    name: str
    phone: str = ""
    email: str = ""


def member_contacts(session: Session, org_id: int) -> list[Contact]:
    """An organisation's active members as contacts (who may see them: ``webapp.contacts``)."""
    users = session.scalars(select(User).where(User.organization_id == org_id,
                                               User.is_active.is_(True)).order_by(User.id))
    return [Contact(name=u.name, email=u.email) for u in users]


def contacts(session: Session, docking: Docking) -> dict[Side, list[Contact]]:
    """Each side's contacts: the result's named contact, and the organisations' members."""
    supply = member_contacts(session, docking.supply_org_id)
    if docking.result is not None and docking.result.contact_name:
        supply.insert(0, Contact(name=docking.result.contact_name,
                                 phone=docking.result.contact_phone))
    return {Side.NEED: member_contacts(session, docking.need_org_id), Side.SUPPLY: supply}


def brokers(session: Session) -> list[User]:
    """Active users with the broker role, for the assignment menu."""
    return list(session.scalars(select(User).where(User.role == Role.BROKER,
                                                   User.is_active.is_(True)).order_by(User.name)))


# --- need status -----------------------------------------------------------------------------

def sync_need_status(session: Session, need: Need) -> None:
    """Signed when a deal exists; 对接中 while a docking is open; back to published otherwise.

    Closed, expired and draft needs keep their status unless a deal is signed.
    """
    session.flush()
    has_deal = session.scalar(select(exists().where(
        Deal.docking_id == Docking.id, Docking.need_id == need.id)))
    if has_deal:
        need.status = NeedStatus.SIGNED
        return
    has_open = session.scalar(select(exists().where(
        Docking.need_id == need.id, Docking.state.in_(OPEN_STATES))))
    if has_open and need.status is NeedStatus.PUBLISHED:
        need.status = NeedStatus.DOCKING
    elif not has_open and need.status is NeedStatus.DOCKING:
        need.status = NeedStatus.PUBLISHED


# --- the workflow ----------------------------------------------------------------------------

def _check_version(record: Docking | Deal, version: int | None) -> None:
    # The ORM's version_id_col catches concurrent commits; this catches a form rendered long ago.
    if version is not None and record.version != version:
        raise StaleVersion()


def _record(session: Session, docking: Docking, actor: User | None,
            from_state: DockingState | None, to_state: DockingState, note: str = "") -> None:
    session.add(DockingEvent(docking=docking, actor_id=actor.id if actor else None,
                             from_state=from_state, to_state=to_state, note=note.strip()[:1000]))


def _move(session: Session, actor: User, docking: Docking, to: DockingState, note: str,
          version: int | None) -> None:
    if (docking.state, to) not in TRANSITIONS:
        raise DockingRefused(_("对接当前为“%(now)s”，不能变为“%(to)s”。",
                               now=_(docking.state.label), to=_(to.label)))
    if not can_move(actor, docking, to):
        raise PermissionError(f"you may not move docking {docking.id} to {to.value}")
    _check_version(docking, version)
    before = docking.state
    docking.state = to
    _record(session, docking, actor, before, to, note)
    session.flush()
    sync_need_status(session, docking.need)
    emit(docking_moved, session=session, docking=docking, actor=actor, from_state=before,
         to_state=to)


def transition(session: Session, actor: User, docking: Docking, to: DockingState, *,
               note: str = "", version: int | None = None,
               drop_reason: DropReason | None = None) -> Docking:
    """Move a docking along the transition table; dropping needs a reason."""
    if to is DockingState.SIGNED:
        raise DockingRefused(_("签约请填写合同信息。"))
    if to is DockingState.DROPPED:
        if drop_reason is None:
            raise DockingRefused(_("终止对接请选择原因。"))
        if (docking.state, to) in TRANSITIONS and can_move(actor, docking, to):
            docking.drop_reason = drop_reason
            docking.drop_note = note.strip()[:500]
    if to is DockingState.INTEREST:
        # Whoever says 感兴趣 first is the side the other must agree with.
        docking.interest_side = docking.side_of(actor.organization_id)
    _move(session, actor, docking, to, note, version)
    return docking


def open_docking(session: Session, need_id: int, supply_org_id: int) -> Docking | None:
    """The open docking of a need and a supplying organisation: there is at most one (the
    partial unique index ``uq_dockings_open_need_supply_org`` says so to the database)."""
    return session.scalar(select(Docking).where(
        Docking.need_id == need_id, Docking.supply_org_id == supply_org_id,
        Docking.state.in_(OPEN_STATES)))


def _join(session: Session, actor: User, docking: Docking, note: str, *,
          result: Result | None = None, solution: Solution | None = None) -> None:
    """Record on an open docking something that joined it, attaching the result or solution
    when the docking has none yet (and nothing else claims that pair)."""
    if result is not None and docking.result_id is None and session.scalar(select(exists().where(
            Docking.need_id == docking.need_id, Docking.result_id == result.id))) is False:
        docking.result = result
    if solution is not None and docking.solution_id is None:
        docking.solution = solution
    _record(session, docking, actor, docking.state, docking.state, note)


def show_interest(session: Session, actor: User, need: Need, *, result: Result,
                  message: str = "") -> Docking:
    """Say 感兴趣 on a need–result pair.

    Enterprise members speak for their need, institution members for their result. If the need
    and the result's institution already have an open docking, the interest joins it (and, when
    that docking waits for this side, it is the agreement: the docking becomes docked);
    otherwise the pair's docking opens in state interest.
    """
    if actor.organization_id == need.organization_id:
        side = Side.NEED
    elif actor.organization_id == result.organization_id:
        side = Side.SUPPLY
    else:
        raise PermissionError("only the need's or the result's organisation may show interest")
    if need.organization_id == result.organization_id:
        raise DockingRefused(_("不能与本机构的成果或需求对接。"))
    current = open_docking(session, need.id, result.organization_id)
    if current is not None:
        return _interest_in_open(session, actor, current, side, result, message)
    docking = session.scalar(select(Docking).where(Docking.need_id == need.id,
                                                   Docking.result_id == result.id))
    available = need.status.is_open and result.status is ResultStatus.PUBLISHED
    if (docking is None or docking.state is DockingState.SUGGESTED) and not available:
        raise DockingRefused(_("该需求或成果当前不接受对接。"))
    if docking is None:
        docking = Docking(need=need, result=result, need_org_id=need.organization_id,
                          supply_org_id=result.organization_id, state=DockingState.SUGGESTED)
        session.add(docking)
        session.flush()
    if docking.state is not DockingState.SUGGESTED:
        raise DockingRefused(_("对接当前为“%(now)s”，无需再次表达意向。",
                               now=_(docking.state.label)))
    docking.interest_side = side
    docking.state = DockingState.INTEREST
    _record(session, docking, actor, DockingState.SUGGESTED, DockingState.INTEREST, message)
    _add_message(session, actor, docking, message)
    session.flush()
    sync_need_status(session, need)
    emit(interest_shown, session=session, docking=docking, actor=actor, side=side)
    return docking


def _interest_in_open(session: Session, actor: User, docking: Docking, side: Side,
                      result: Result, message: str) -> Docking:
    """Interest in a pair whose need and institution already have an open docking."""
    if docking.state is DockingState.INTEREST and docking.interest_side is side.other:
        if result.id != docking.result_id:
            _join(session, actor, docking, N_("关联成果：%(title)s") % {"title": result.title},
                  result=result)
        _add_message(session, actor, docking, message)
        return agree(session, actor, docking, note=message)
    if result.id == docking.result_id:
        raise DockingRefused(_("对接当前为“%(now)s”，无需再次表达意向。",
                               now=_(docking.state.label)))
    _join(session, actor, docking, N_("对成果“%(title)s”表达意向") % {"title": result.title},
          result=result)
    _add_message(session, actor, docking, message)
    session.flush()
    emit(interest_shown, session=session, docking=docking, actor=actor, side=side)
    return docking


def _add_message(session: Session, actor: User, docking: Docking, message: str) -> None:
    if message.strip():
        session.add(DockingMessage(docking=docking, author_id=actor.id, body=message.strip()))


def agree(session: Session, actor: User, docking: Docking, *, note: str = "",
          version: int | None = None) -> Docking:
    """The other side agrees to the interest shown: the docking becomes docked."""
    _move(session, actor, docking, DockingState.DOCKED, note, version)
    return docking


def open_solution_docking(session: Session, actor: User, solution: Solution) -> Docking:
    """Accepting a solution docks it: it joins the open docking of the need and the
    institution (an interest waiting for the enterprise is thereby agreed), or opens one
    directly in state docked."""
    docking = session.scalar(select(Docking).where(Docking.solution_id == solution.id))
    if docking is not None:
        raise DockingRefused(_("该方案已有对接。"))
    current = open_docking(session, solution.need_id, solution.organization_id)
    moved_from: DockingState | None = None  # None: opened or joined, told as "established"
    if current is not None:
        before = current.state
        _join(session, actor, current, N_("采纳解决方案"), solution=solution)
        if before is DockingState.INTEREST:
            current.state = DockingState.DOCKED
            _record(session, current, actor, before, DockingState.DOCKED, N_("采纳解决方案"))
            moved_from = before
        docking = current
    else:
        docking = Docking(need=solution.need, solution=solution,
                          need_org_id=solution.need.organization_id,
                          supply_org_id=solution.organization_id, state=DockingState.DOCKED,
                          interest_side=Side.SUPPLY)
        session.add(docking)
        _record(session, docking, actor, None, DockingState.DOCKED, N_("采纳解决方案"))
    session.flush()
    sync_need_status(session, solution.need)
    emit(docking_moved, session=session, docking=docking, actor=actor, from_state=moved_from,
         to_state=docking.state)
    return docking


def can_introduce(user: User | None) -> bool:
    """Brokers and operators introduce a need to a result (技术经理人引荐)."""
    return user is not None and (user.role is Role.BROKER or user.is_operator) and user.is_active


def introduce(session: Session, actor: User, need: Need, result: Result, *,
              note: str = "") -> Docking:
    """A broker introduces a need to a result: the introduction joins the open docking of the
    need and the result's institution, or suggests the pair (with the broker assigned) for
    either side to take up with 感兴趣."""
    if not can_introduce(actor):
        raise PermissionError("only brokers and operators introduce")
    if need.organization_id == result.organization_id:
        raise DockingRefused(_("不能与本机构的成果或需求对接。"))
    if not (need.status.is_open and result.status is ResultStatus.PUBLISHED):
        raise DockingRefused(_("该需求或成果当前不接受对接。"))
    text_ = N_("技术经理人引荐：%(title)s") % {"title": result.title}
    if note.strip():
        text_ = f"{text_}（{note.strip()[:500]}）"
    docking = open_docking(session, need.id, result.organization_id)
    if docking is None:
        docking = session.scalar(select(Docking).where(Docking.need_id == need.id,
                                                       Docking.result_id == result.id))
        if docking is not None and docking.state.is_final:
            raise DockingRefused(_("对接当前为“%(now)s”，不能再引荐。", now=_(docking.state.label)))
    if docking is None:
        docking = Docking(need=need, result=result, need_org_id=need.organization_id,
                          supply_org_id=result.organization_id, state=DockingState.SUGGESTED)
        session.add(docking)
    if docking.broker_id is None and actor.role is Role.BROKER:
        docking.broker = actor
    _join(session, actor, docking, text_, result=result)
    session.flush()
    emit(docking_introduced, session=session, docking=docking, actor=actor)
    return docking


def assign_broker(session: Session, actor: User, docking: Docking, broker: User | None, *,
                  version: int | None = None) -> Docking:
    """Assign (or, with ``None``, remove) the docking's broker; only broker-role users qualify."""
    if not can_assign_broker(actor, docking):
        if docking.state.is_final and can_view(actor, docking):
            raise DockingRefused(_("对接已结束，不能再指派技术经理人。"))
        raise PermissionError("only the parties and operators assign brokers")
    if broker is not None and (broker.role is not Role.BROKER or not broker.is_active):
        raise DockingRefused(_("只能指派技术经理人。"))
    _check_version(docking, version)
    docking.broker = broker
    note = (N_("指派技术经理人：%(broker)s") % {"broker": broker.name} if broker
            else N_("取消技术经理人"))
    _record(session, docking, actor, docking.state, docking.state, note)
    session.flush()
    emit(broker_assigned, session=session, docking=docking, actor=actor, broker=broker)
    return docking


def post_message(session: Session, author: User, docking: Docking, body: str, *,
                 is_note: bool = False) -> DockingMessage:
    """Add a message to the thread (or, for brokers and operators, a note)."""
    if not can_view(author, docking):
        raise PermissionError("only those involved write in a docking's thread")
    if is_note and not can_add_note(author, docking):
        raise PermissionError("only brokers and operators add notes")
    body = body.strip()
    if not body:
        raise DockingRefused(_("消息不能为空。"))
    message = DockingMessage(docking=docking, author_id=author.id, body=body[:4000],
                             is_note=is_note)
    session.add(message)
    session.flush()
    emit(docking_message_posted, session=session, docking=docking, message=message,
         author=author)
    return message


def message_page(session: Session, docking: Docking, page: int,
                 per_page: int) -> Page[DockingMessage]:
    """One page of the thread, newest page first (page 1 holds the latest ``per_page``
    messages), each page's messages in the order they were written."""
    newest_first = (select(DockingMessage).where(DockingMessage.docking_id == docking.id)
                    .order_by(DockingMessage.id.desc()))
    found = paginate(session, newest_first, page, per_page)
    return Page(items=found.items[::-1], page=found.page, per_page=per_page, total=found.total)


# --- deals -----------------------------------------------------------------------------------

def earliest_signing(docking: Docking) -> dt.date:
    """The earliest day a deal of ``docking`` can have been signed: the day the docking began,
    and never before the platform's start (``PLATFORM_START_DATE``).

    "The day it began" is the earliest calendar day that moment falls on anywhere (UTC−12), so
    that a client writing dates in its own time zone is not refused on the docking's first day.
    """
    start = dt.date.fromisoformat(str(current_app.config.get("PLATFORM_START_DATE",
                                                               DEFAULT_PLATFORM_START)))
    if docking.created_at is None:
        return start
    created = docking.created_at.replace(tzinfo=docking.created_at.tzinfo or dt.UTC)
    return max(start, (created.astimezone(dt.UTC) - dt.timedelta(hours=12)).date())


def _check_deal_values(amount_wan: Decimal, signed_on: dt.date, docking: Docking) -> None:
    if amount_wan <= 0:
        raise DealValueRefused(_("合同金额必须大于 0。"), "amount")
    if signed_on > today():
        raise DealValueRefused(_("签约日期不能晚于今天。"), "signed_on")
    earliest = earliest_signing(docking)
    if signed_on < earliest:
        raise DealValueRefused(_("签约日期不能早于对接开始的日期（%(day)s）。",
                                 day=earliest.isoformat()), "signed_on")


def record_deal(session: Session, actor: User, docking: Docking, *, contract_type: ContractType,
                amount_wan: Decimal, signed_on: dt.date, contract_number: str | None = None,
                version: int | None = None) -> Deal:
    """Record the signed contract: the docking becomes signed and its need 已签约."""
    if docking.deal is not None:
        raise DockingRefused(_("该对接已登记合同。"))
    _check_deal_values(amount_wan, signed_on, docking)
    _move(session, actor, docking, DockingState.SIGNED,
          N_("%(type)s合同，%(amount)s 万元")
          % {"type": contract_type.label, "amount": _plain(amount_wan)}, version)
    deal = Deal(docking=docking, contract_type=contract_type, amount_wan=amount_wan,
                signed_on=signed_on, contract_number=(contract_number or "").strip() or None,
                created_by_id=actor.id)
    session.add(deal)
    session.flush()
    sync_need_status(session, docking.need)
    return deal


def _plain(amount: Decimal) -> str:
    # Decimal("80").normalize() prints as 8E+1; the log is for people, so write it out.
    return f"{amount.normalize():f}"


def correct_deal(session: Session, actor: User, deal: Deal, *, amount_wan: Decimal,
                 signed_on: dt.date, version: int | None = None) -> list[DealCorrection]:
    """Correct a deal's amount and signing date, keeping each change in the audit log."""
    if not can_correct_deal(actor, deal):
        raise PermissionError("only the parties and operators correct deals")
    _check_deal_values(amount_wan, signed_on, deal.docking)
    _check_version(deal, version)
    changes: list[DealCorrection] = []
    if amount_wan != deal.amount_wan:
        changes.append(DealCorrection(deal=deal, actor_id=actor.id, field="amount_wan",
                                      old_value=_plain(deal.amount_wan), new_value=_plain(amount_wan)))
        deal.amount_wan = amount_wan
    if signed_on != deal.signed_on:
        changes.append(DealCorrection(deal=deal, actor_id=actor.id, field="signed_on",
                                      old_value=deal.signed_on.isoformat(),
                                      new_value=signed_on.isoformat()))
        deal.signed_on = signed_on
    session.add_all(changes)
    session.flush()
    return changes


# --- lists -----------------------------------------------------------------------------------

@dataclass
class DockingFilters:
    """What the docking list can be narrowed by."""

    state: DockingState | None = None
    field: Field | None = None
    sort: str = "todo"  # one of DOCKING_SORTS


#: The docking list's orders besides the default (waiting on me first), by name.
DOCKING_SORTS: dict[str, tuple[str, Callable[[], tuple[Any, ...]]]] = {
    "updated": (N_("最近更新"), lambda: (Docking.updated_at.desc(),)),
    "newest": (N_("最新建立"), lambda: (Docking.created_at.desc(),)),
    "deadline": (N_("需求截止日期最近"), lambda: (
        select(Need.valid_until).where(Need.id == Docking.need_id).scalar_subquery()
        .asc().nulls_last(),)),
}


def docking_query(viewer: User, filters: DockingFilters) -> Select[Docking]:
    """The viewer's dockings (all of them for operators), waiting-on-me first, then newest;
    or in the order ``filters.sort`` names (``DOCKING_SORTS``)."""
    org = viewer.organization_id
    stmt = select(Docking)
    if not viewer.is_operator:
        stmt = stmt.where(or_(Docking.need_org_id == org, Docking.supply_org_id == org,
                              Docking.broker_id == viewer.id))
    if filters.state is not None:
        stmt = stmt.where(Docking.state == filters.state)
    if filters.field is not None:
        stmt = stmt.where(Docking.need_id.in_(select(Need.id).where(Need.field == filters.field)))
    waiting_on_me = and_(Docking.state == DockingState.INTEREST, or_(
        and_(Docking.need_org_id == org, Docking.interest_side == Side.SUPPLY),
        and_(Docking.supply_org_id == org, Docking.interest_side == Side.NEED)))
    # 0: waiting for my answer, 1: under way, 2: signed or dropped.
    waiting = case((waiting_on_me, 0),
                   (Docking.state.in_([DockingState.SIGNED, DockingState.DROPPED]), 2), else_=1)
    if filters.sort in DOCKING_SORTS:
        return stmt.order_by(*DOCKING_SORTS[filters.sort][1](), Docking.id.desc())
    return stmt.order_by(waiting, Docking.updated_at.desc(), Docking.id.desc())


def is_waiting_on(user: User, docking: Docking) -> bool:
    """Whether the docking waits for the user's organisation to agree."""
    return any(t.step is Step.AGREE for t in my_turns(user, docking))


def dockings_of(session: Session, viewer: User | None, listing: Need | Result) -> list[Docking]:
    """The dockings of a need or a result that ``viewer`` may see."""
    if viewer is None:
        return []
    column = Docking.need_id if isinstance(listing, Need) else Docking.result_id
    rows = session.scalars(select(Docking).where(column == listing.id).order_by(Docking.id))
    return [d for d in rows if can_view(viewer, d)]


def pair_docking(session: Session, viewer: User | None, need: Need,
                 result: Result) -> Docking | None:
    """The docking a need–result pair is part of, if ``viewer`` may see it: the open docking
    of the need and the result's institution, else the pair's own (signed or dropped)."""
    if viewer is None:
        return None
    docking = open_docking(session, need.id, result.organization_id) or session.scalar(
        select(Docking).where(Docking.need_id == need.id, Docking.result_id == result.id))
    return docking if docking is not None and can_view(viewer, docking) else None


def interest_candidates_for_need(session: Session, viewer: User | None,
                                 need: Need) -> list[Result]:
    """The viewer's published results that could be offered to ``need``: none once the viewer's
    institution has an open docking with the need (it is the place to go on)."""
    if viewer is None or not need.status.is_open or viewer.organization_id == need.organization_id:
        return []
    if open_docking(session, need.id, viewer.organization_id) is not None:
        return []
    paired = select(Docking.result_id).where(Docking.need_id == need.id,
                                             Docking.result_id.is_not(None),
                                             Docking.state != DockingState.SUGGESTED)
    return list(session.scalars(select(Result).where(
        Result.organization_id == viewer.organization_id, Result.status == ResultStatus.PUBLISHED,
        Result.id.not_in(paired)).order_by(Result.id)))


def interest_candidates_for_result(session: Session, viewer: User | None,
                                   result: Result) -> list[Need]:
    """The viewer's open needs that could be paired with ``result``: not those already paired
    with it, nor those with an open docking with its institution."""
    if (viewer is None or result.status is not ResultStatus.PUBLISHED
            or viewer.organization_id == result.organization_id):
        return []
    paired = select(Docking.need_id).where(Docking.result_id == result.id,
                                           Docking.state != DockingState.SUGGESTED)
    open_with_org = select(Docking.need_id).where(
        Docking.supply_org_id == result.organization_id, Docking.state.in_(OPEN_STATES))
    return list(session.scalars(select(Need).where(
        Need.organization_id == viewer.organization_id,
        Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.DOCKING]),
        Need.id.not_in(paired), Need.id.not_in(open_with_org)).order_by(Need.id)))
