"""Deals: list and read the signed contracts one may see, and correct amount and date."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from models import ContractType, Deal, Docking
from models.i18n import N_

from ...db import get_session
from ...dockings.services import can_view, correct_deal
from .core import load, not_found, operation, paged, require_user, sorted_by
from .fields import Choice, Day, PageQuery, sort_field
from .schemas import Deal as DealAnswer
from .schemas import DealCorrection, DealPage

SORTS = {"signed_on": Deal.signed_on, "amount": Deal.amount_wan, "id": Deal.id}


class DealQuery(PageQuery):
    """What the deal list can be narrowed by."""

    contract_type = Choice(ContractType, metadata={"description": N_("合同类型")})
    signed_from = Day(metadata={"description": N_("签约日期不早于")})
    signed_to = Day(metadata={"description": N_("签约日期不晚于")})
    sort = sort_field(SORTS, "-signed_on")


@operation("/deals", tag="deals", query=DealQuery, response=DealPage, errors=(400, 401))
def list_deals(args: dict[str, Any]) -> Any:
    """Deals of one's organisation's dockings, or of those one brokers (all for operators)."""
    user = require_user()
    stmt = select(Deal).join(Deal.docking)
    if not user.is_operator:
        org = user.organization_id
        stmt = stmt.where(or_(Docking.need_org_id == org, Docking.supply_org_id == org,
                              Docking.broker_id == user.id))
    if args.get("contract_type"):
        stmt = stmt.where(Deal.contract_type == args["contract_type"])
    if args.get("signed_from"):
        stmt = stmt.where(Deal.signed_on >= args["signed_from"])
    if args.get("signed_to"):
        stmt = stmt.where(Deal.signed_on <= args["signed_to"])
    stmt = sorted_by(stmt.order_by(Deal.signed_on.desc(), Deal.id.desc()), args["sort"], SORTS,
                     Deal.id.desc())
    return paged(stmt, args)


def _visible(deal_id: int) -> Deal:
    deal: Deal | None = load(Deal, deal_id)
    if deal is None or not can_view(require_user(), deal.docking):
        raise not_found(_("合同"))
    return deal


@operation("/deals/<int:deal_id>", tag="deals", response=DealAnswer, errors=(401, 404))
def detail(deal_id: int) -> Deal:
    """One deal with its corrections log."""
    return _visible(deal_id)


@operation("/deals/<int:deal_id>", "PATCH", tag="deals", body=DealCorrection, response=DealAnswer,
           errors=(400, 401, 403, 404, 409, 413, 422), guard=_visible)
def correct(body: dict[str, Any], deal_id: int) -> Deal:
    """Correct a deal's amount and signing date; each change is kept in the log.

    ``version`` is the deal's version as last read; a stale one gets a 409.
    """
    deal = _visible(deal_id)
    correct_deal(get_session(), require_user(), deal, amount_wan=body["amount_wan"],
                 signed_on=body["signed_on"], version=body["version"])
    return deal
