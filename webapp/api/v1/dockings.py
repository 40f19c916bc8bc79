"""Dockings: list, read, show interest, move along the workflow, write in the thread and record
the deal (the docking pages' rules and services)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from models import Docking, DockingState, Need, Result, User
from models import Field as TechField
from models.i18n import N_

from ...db import get_session
from ...dockings.services import (
    DockingFilters,
    agree,
    can_view,
    contacts,
    contacts_visible,
    docking_query,
    post_message,
    record_deal,
    show_interest,
    transition,
)
from ...permissions import can_view_need, can_view_result
from .core import WRITE_ERRORS, created, load, not_found, operation, paged, require_user, sorted_by
from .fields import Choice, PageQuery, sort_field
from .schemas import Deal as DealAnswer
from .schemas import (
    DealCreate,
    DockingDetail,
    DockingPage,
    Interest,
    MessageCreate,
    Transition,
)
from .schemas import Docking as DockingAnswer
from .schemas import Message as MessageAnswer

SORTS = {"updated_at": Docking.updated_at, "created_at": Docking.created_at, "id": Docking.id}


class DockingQuery(PageQuery):
    """What the docking list can be narrowed by."""

    state = Choice(DockingState, metadata={"description": N_("状态")})
    field = Choice(TechField, metadata={"description": N_("需求的技术领域（仅平台运营）")})
    sort = sort_field(SORTS, "-updated_at")


def visible_docking(docking_id: int, user: User | None = None) -> Docking:
    """The docking, or a 404 for outsiders: they learn nothing, not even that it exists."""
    docking: Docking | None = load(Docking, docking_id)
    if docking is None or not can_view(user or require_user(), docking):
        raise not_found(_("对接"))
    return docking


def docking_as_it_stands(docking_id: int, **kwargs: Any) -> dict[str, Any] | None:
    """The docking as another request left it, for the 409 of a stale write."""
    db = get_session()
    db.expire_all()
    fresh = db.get(Docking, docking_id)
    return DockingAnswer().dump(fresh) if fresh is not None else None


@operation("/dockings", tag="dockings", query=DockingQuery, response=DockingPage,
           errors=(400, 401))
def list_dockings(args: dict[str, Any]) -> Any:
    """One's organisation's dockings (all of them for operators), waiting-on-me first."""
    user = require_user()
    filters = DockingFilters(state=args.get("state"),
                             field=args.get("field") if user.is_operator else None)
    return paged(sorted_by(docking_query(user, filters), args["sort"], SORTS, Docking.id.desc()),
                 args)


@operation("/dockings/<int:docking_id>", tag="dockings", response=DockingDetail,
           errors=(401, 404))
def detail(docking_id: int) -> dict[str, Any]:
    """A docking with its history and thread; contacts once the other side has agreed."""
    user = require_user()
    docking = visible_docking(docking_id, user)
    shown = None
    if contacts_visible(user, docking):
        shown = {side.value: [vars(c) for c in people]
                 for side, people in contacts(get_session(), docking).items()}
    return {"docking": docking, "events": docking.events, "messages": docking.messages,
            "contacts": shown}


@operation("/dockings", "POST", tag="dockings", body=Interest, response=DockingAnswer, status=201,
           errors=WRITE_ERRORS, idempotent=True)
def interest(body: dict[str, Any]) -> Any:
    """Show interest: open the docking of a need and a result, or agree to the other side's one.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    need: Need | None = load(Need, body["need_id"])
    result: Result | None = load(Result, body["result_id"])
    if need is None or result is None or not can_view_need(user, need) \
            or not can_view_result(user, result):
        raise not_found(_("需求或成果"))
    docking = show_interest(get_session(), user, need, result=result,
                            message=body.get("message", ""))
    return created(docking, ".dockings_detail", docking_id=docking.id)


@operation("/dockings/<int:docking_id>/transitions", "POST", tag="dockings", body=Transition,
           response=DockingAnswer, errors=WRITE_ERRORS, guard=visible_docking,
           current=docking_as_it_stands)
def move(body: dict[str, Any], docking_id: int) -> Docking:
    """Move a docking: agree (docked), start negotiating, or drop with a reason.

    ``version`` is the docking's version as last read; a stale one gets a 409.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    note = body.get("note", "")
    if body["to"] is DockingState.DOCKED:
        agree(get_session(), user, docking, note=note, version=body["version"])
    else:
        transition(get_session(), user, docking, body["to"], note=note, version=body["version"],
                   drop_reason=body.get("drop_reason"))
    return docking


# 429: messages are limited per user and docking (webapp.security.limit_registered_endpoints),
# the count shared with the docking page.
@operation("/dockings/<int:docking_id>/messages", "POST", tag="dockings", body=MessageCreate,
           response=MessageAnswer, status=201, errors=(*WRITE_ERRORS, 429), idempotent=True,
           guard=visible_docking, current=docking_as_it_stands)
def message(body: dict[str, Any], docking_id: int) -> Any:
    """Write in the docking's thread (brokers and operators may add a note instead).

    Accepts an Idempotency-Key header. At most ``RATE_LIMIT_MESSAGE`` messages per user and
    docking (6 a minute, 100 a day): beyond, a 429 naming the limit.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    return post_message(get_session(), user, docking, body["body"],
                        is_note=body.get("is_note", False)), 201


@operation("/dockings/<int:docking_id>/deal", "POST", tag="dockings", body=DealCreate,
           response=DealAnswer, status=201, errors=WRITE_ERRORS, idempotent=True,
           guard=visible_docking, current=docking_as_it_stands)
def deal(body: dict[str, Any], docking_id: int) -> Any:
    """Record the signed contract: the docking and its need become signed.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    recorded = record_deal(
        get_session(), user, docking, contract_type=body["contract_type"],
        amount_wan=body["amount_wan"], signed_on=body["signed_on"],
        contract_number=body.get("contract_number"), version=body["version"])
    return created(recorded, ".deals_detail", deal_id=recorded.id)
