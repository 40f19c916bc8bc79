"""Deals: list and read the signed contracts one may see, and correct amount and date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from models import ContractType, Deal, Docking

from ...db import get_session
from ...dockings.forms import DealCorrectionForm
from ...dockings.services import can_view, correct_deal
from .core import (
    PAGE_PARAMS,
    ApiError,
    Param,
    check_form,
    checked_body,
    formdata,
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
from .dockings import run
from .schemas import DATE, SCHEMAS, values
from .serializers import deal_json

SORTS = {"signed_on": Deal.signed_on, "amount": Deal.amount_wan, "id": Deal.id}
LIST_PARAMS = (
    Param("contract_type", {"type": "string", "enum": values(ContractType)}, "合同类型"),
    Param("signed_from", DATE, "签约日期不早于"),
    Param("signed_to", DATE, "签约日期不晚于"),
    sort_param(SORTS, "-signed_on"),
    *PAGE_PARAMS,
)


@route("/deals", tag="deals", response="DealPage", query=LIST_PARAMS, errors=(400, 401))
def list_deals() -> dict[str, Any]:
    """Deals of one's organisation's dockings, or of those one brokers (all for operators)."""
    user = require_user()
    args = query_args(LIST_PARAMS)
    stmt = select(Deal).join(Deal.docking)
    if not user.is_operator:
        org = user.organization_id
        stmt = stmt.where(or_(Docking.need_org_id == org, Docking.supply_org_id == org,
                              Docking.broker_id == user.id))
    if args["contract_type"]:
        stmt = stmt.where(Deal.contract_type == ContractType(args["contract_type"]))
    if args["signed_from"]:
        stmt = stmt.where(Deal.signed_on >= dt.date.fromisoformat(args["signed_from"]))
    if args["signed_to"]:
        stmt = stmt.where(Deal.signed_on <= dt.date.fromisoformat(args["signed_to"]))
    stmt = sorted_by(stmt.order_by(Deal.signed_on.desc(), Deal.id.desc()), args["sort"], SORTS,
                     Deal.id.desc())
    return page_json(paged(stmt, args), deal_json)


def _visible(deal_id: int) -> Deal:
    deal: Deal | None = load(Deal, deal_id)
    if deal is None or not can_view(require_user(), deal.docking):
        raise not_found(_("合同"))
    return deal


@route("/deals/<int:deal_id>", tag="deals", response="Deal", errors=(401, 404))
def detail(deal_id: int) -> dict[str, Any]:
    """One deal with its corrections log."""
    return deal_json(_visible(deal_id))


@route("/deals/<int:deal_id>", "PATCH", tag="deals", body="DealCorrection", response="Deal",
       errors=(400, 401, 403, 404, 409, 413, 422))
def correct(deal_id: int) -> dict[str, Any]:
    """Correct a deal's amount and signing date; each change is kept in the log.

    ``version`` is the deal's version as last read; a stale one gets a 409.
    """
    user = require_user()
    deal = _visible(deal_id)
    body = checked_body(SCHEMAS["DealCorrection"])
    form = DealCorrectionForm(formdata=formdata({
        "amount": body["amount_wan"], "signed_on": body["signed_on"],
        "version": body["version"]}), meta={"csrf": False})
    check_form(form, {"amount": "amount_wan"})
    amount, signed_on = form.amount.data, form.signed_on.data
    if amount is None or signed_on is None:  # pragma: no cover - InputRequired
        raise ApiError(422, "validation_failed", _("提交的内容有误。"))
    run(user, lambda: correct_deal(get_session(), user, deal, amount_wan=amount,
                                   signed_on=signed_on, version=body["version"]))
    return deal_json(deal)
