"""Dockings: list, read, show interest, move along the workflow, write in the thread and record
the deal (the docking pages' rules and services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from models import ContractType, Docking, DockingState, DropReason, Need, Result, User
from models.i18n import N_
from models.taxonomy import Field

from ...db import get_session
from ...dockings.forms import DealForm, MoveForm
from ...dockings.services import (
    DockingFilters,
    DockingRefused,
    StaleVersion,
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
from .core import (
    PAGE_PARAMS,
    ApiError,
    Param,
    check_form,
    checked_body,
    created,
    formdata,
    iso,
    load,
    not_found,
    page_json,
    paged,
    query_args,
    require_user,
    route,
    sort_param,
    sorted_by,
)
from .schemas import FIELD, SCHEMAS, values
from .serializers import deal_json, docking_json, message_json

SORTS = {"updated_at": Docking.updated_at, "created_at": Docking.created_at, "id": Docking.id}
LIST_PARAMS = (
    Param("state", {"type": "string", "enum": values(DockingState)}, "状态"),
    Param("field", FIELD, "需求的技术领域（仅平台运营）"),
    sort_param(SORTS, "-updated_at"),
    *PAGE_PARAMS,
)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
CONFLICT = N_("该对接已被他人更新，请查看最新状态后再操作。")


def visible_docking(docking_id: int, user: User) -> Docking:
    """The docking, or a 404 for outsiders: they learn nothing, not even that it exists."""
    docking: Docking | None = load(Docking, docking_id)
    if docking is None or not can_view(user, docking):
        raise not_found(_("对接"))
    return docking


def run(user: User, action: Callable[[], Any], docking: Docking | None = None) -> Any:
    """Run a docking service and commit; refusals, stale versions and lost races roll back.

    A stale write's 409 carries the docking as it now stands (``current``).
    """
    db = get_session()
    try:
        done = action()
        db.commit()
    except (StaleVersion, StaleDataError):
        db.rollback()
        current = None
        if docking is not None:
            db.expire_all()
            fresh = db.get(Docking, docking.id)
            current = docking_json(fresh, user) if fresh is not None else None
        raise ApiError(409, "stale_version", _(CONFLICT), current=current) from None
    except DockingRefused as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    except PermissionError:
        db.rollback()
        raise ApiError(403, "forbidden", _("您不能对该对接执行此操作。")) from None
    return done


@route("/dockings", tag="dockings", response="DockingPage", query=LIST_PARAMS,
       errors=(400, 401))
def list_dockings() -> dict[str, Any]:
    """One's organisation's dockings (all of them for operators), waiting-on-me first."""
    user = require_user()
    args = query_args(LIST_PARAMS)
    filters = DockingFilters(
        state=DockingState(args["state"]) if args["state"] else None,
        field=Field(args["field"]) if args["field"] and user.is_operator else None)
    stmt = sorted_by(docking_query(user, filters), args["sort"], SORTS, Docking.id.desc())
    return page_json(paged(stmt, args), lambda d: docking_json(d, user))


@route("/dockings/<int:docking_id>", tag="dockings", response="DockingDetail",
       errors=(401, 404))
def detail(docking_id: int) -> dict[str, Any]:
    """A docking with its history and thread; contacts once the other side has agreed."""
    user = require_user()
    docking = visible_docking(docking_id, user)
    shown = None
    if contacts_visible(user, docking):
        shown = {side.value: [vars(c) for c in people]
                 for side, people in contacts(get_session(), docking).items()}
    return {
        "docking": docking_json(docking, user),
        "events": [{"from_state": e.from_state.value if e.from_state else None,
                    "to_state": e.to_state.value, "note": e.note, "actor_id": e.actor_id,
                    "created_at": iso(e.created_at)} for e in docking.events],
        "messages": [message_json(m) for m in docking.messages],
        "contacts": shown,
    }


@route("/dockings", "POST", tag="dockings", body="Interest", response="Docking", status=201,
       errors=WRITE_ERRORS, idempotent=True)
def interest() -> Response:
    """感兴趣: open the docking of a need and a result, or agree to the other side's interest.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    body = checked_body(SCHEMAS["Interest"])
    need: Need | None = load(Need, body["need_id"])
    result: Result | None = load(Result, body["result_id"])
    if need is None or result is None or not can_view_need(user, need) \
            or not can_view_result(user, result):
        raise not_found(_("需求或成果"))
    docking = run(user, lambda: show_interest(get_session(), user, need, result=result,
                                              message=body.get("message", "")))
    return created(docking_json(docking, user),
                   url_for(".dockings_detail", docking_id=docking.id))


@route("/dockings/<int:docking_id>/transitions", "POST", tag="dockings", body="Transition",
       response="Docking", errors=WRITE_ERRORS)
def move(docking_id: int) -> dict[str, Any]:
    """Move a docking: agree (docked), start negotiating, or drop with a reason.

    ``version`` is the docking's version as last read; a stale one gets a 409.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    body = checked_body(SCHEMAS["Transition"])
    form = MoveForm(formdata=formdata(body), meta={"csrf": False})
    check_form(form)
    to = DockingState(body["to"])
    reason = DropReason(body["drop_reason"]) if body.get("drop_reason") else None
    note = body.get("note", "")

    def act() -> None:
        if to is DockingState.DOCKED:
            agree(get_session(), user, docking, note=note, version=body["version"])
        else:
            transition(get_session(), user, docking, to, note=note, version=body["version"],
                       drop_reason=reason)
    run(user, act, docking)
    return docking_json(docking, user)


@route("/dockings/<int:docking_id>/messages", "POST", tag="dockings", body="MessageCreate",
       response="Message", status=201, errors=WRITE_ERRORS, idempotent=True)
def message(docking_id: int) -> tuple[dict[str, Any], int]:
    """Write in the docking's thread (brokers and operators may add a note instead).

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    body = checked_body(SCHEMAS["MessageCreate"])
    if not body["body"].strip():
        raise ApiError(422, "validation_failed", _("提交的内容有误。"), {"body": _("消息不能为空")})
    posted = run(user, lambda: post_message(get_session(), user, docking, body["body"],
                                            is_note=bool(body.get("is_note"))), docking)
    return message_json(posted), 201


@route("/dockings/<int:docking_id>/deal", "POST", tag="dockings", body="DealCreate",
       response="Deal", status=201, errors=WRITE_ERRORS, idempotent=True)
def deal(docking_id: int) -> Response:
    """Record the signed contract: the docking becomes signed and its need 已签约.

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    docking = visible_docking(docking_id, user)
    body = checked_body(SCHEMAS["DealCreate"])
    form = DealForm(formdata=formdata({
        "contract_type": body["contract_type"], "amount": body["amount_wan"],
        "signed_on": body["signed_on"], "contract_number": body.get("contract_number"),
        "version": body["version"]}), meta={"csrf": False})
    check_form(form, {"amount": "amount_wan"})
    amount, signed_on = form.amount.data, form.signed_on.data
    assert amount is not None and signed_on is not None  # both InputRequired
    recorded = run(user, lambda: record_deal(
        get_session(), user, docking, contract_type=ContractType(body["contract_type"]),
        amount_wan=amount, signed_on=signed_on, contract_number=body.get("contract_number"),
        version=body["version"]), docking)
    return created(deal_json(recorded), url_for(".deals_detail", deal_id=recorded.id))
