"""Need services: they flush, the views commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from models import Need, NeedMode, NeedStatus, User, utcnow
from models.i18n import N_

from ..errors import Refused
from ..listings.revisions import record_revision, snapshot
from ..listings.services import (
    ListingFilters,
    ListingInput,
    add_listing,
    apply_listing,
    narrowed,
    require_complete,
)

# Budgets are stored as whole fen below 1,000,000 万元 (the forms' limit).
FEN = Decimal("0.000001")
BUDGET_CEILING = Decimal(1_000_000)


# What an edit of a published need records (``listings.revisions``), with each field's label.
REVISED_FIELDS = {
    "title": N_("需求名称"), "field": N_("技术领域"), "subfield": N_("子领域"),
    "problem": N_("拟解决的技术难题"), "indicators": N_("技术指标"), "basis": N_("现有基础"),
    "keywords": N_("关键词"), "budget_min_wan": N_("预算下限（万元）"),
    "budget_max_wan": N_("预算上限（万元）"), "modes": N_("合作方式"), "province": N_("所属地区"),
    "city": N_("城市"), "valid_until": N_("有效期至"), "show_org_name": N_("公开显示机构名称"),
}


# What a need must have to be published (a draft may lack any of them but its title).
REQUIRED_FIELDS = {name: REVISED_FIELDS[name]
                   for name in ("title", "field", "problem", "modes", "province")}


class NeedStateError(Refused):
    """The need is not in a state that allows the action."""


@dataclass(kw_only=True)
class NeedInput(ListingInput):
    """A need's editable fields, as parsed from a form or a request."""

    problem: str
    indicators: str = ""
    basis: str = ""
    budget_min_wan: Decimal | None = None
    budget_max_wan: Decimal | None = None
    valid_until: dt.date | None = None
    show_org_name: bool = True


@dataclass(kw_only=True)
class NeedFilters(ListingFilters):
    """What the need list can be narrowed by, besides what every listing list can."""

    status: NeedStatus | None = None
    min_budget_wan: Decimal | None = None


def _apply(need: Need, data: NeedInput) -> None:
    apply_listing(need, data)
    need.problem = data.problem.strip()
    need.indicators = data.indicators.strip()
    need.basis = data.basis.strip()
    if data.budget_min_wan is None and data.budget_max_wan is None:
        need.budget_min_wan = need.budget_max_wan = None
    else:
        # One end given means a fixed figure.
        low = data.budget_min_wan if data.budget_min_wan is not None else data.budget_max_wan
        high = data.budget_max_wan if data.budget_max_wan is not None else data.budget_min_wan
        need.budget_min_wan, need.budget_max_wan = low, high
    need.valid_until = data.valid_until
    need.show_org_name = data.show_org_name


def create_need(session: Session, author: User, data: NeedInput, publish: bool = False) -> Need:
    """Create a draft need for the author's organisation, published at once if asked."""
    if not author.organization.can_post_needs and not author.is_operator:
        raise PermissionError("only enterprises post needs")
    need = Need(status=NeedStatus.DRAFT)
    _apply(need, data)
    return add_listing(session, need, author, publish_need if publish else None)


def update_need(session: Session, need: Need, data: NeedInput, *, actor: User) -> Need:
    """Change a need's fields, recording the change once it has been published; a closed one
    must be reopened first, and a signed one is no longer edited."""
    if need.status in (NeedStatus.CLOSED, NeedStatus.EXPIRED, NeedStatus.SIGNED):
        raise NeedStateError(_("已关闭、已过期或已签约的需求不能再编辑"))
    before = snapshot(need, REVISED_FIELDS)
    _apply(need, data)
    session.flush()
    record_revision(session, need, actor, before, REVISED_FIELDS)
    return need


def publish_need(need: Need) -> None:
    """Make a draft visible to everyone."""
    if need.status is not NeedStatus.DRAFT:
        raise NeedStateError(_("只有草稿可以发布"))
    require_complete(need, REQUIRED_FIELDS, NeedStateError)
    need.status = NeedStatus.PUBLISHED
    need.published_at = utcnow()


def close_need(need: Need) -> None:
    """Stop taking solutions for an open need."""
    if need.status not in (NeedStatus.DRAFT, NeedStatus.PUBLISHED, NeedStatus.DOCKING):
        raise NeedStateError(_("该需求已结束，无需关闭"))
    if need.status is NeedStatus.DRAFT:
        need.published_at = need.published_at or utcnow()
    need.status = NeedStatus.CLOSED
    need.closed_at = utcnow()


def expire_due_needs(session: Session, today: dt.date | None = None) -> list[Need]:
    """Mark open needs whose validity has ended as expired; returns them."""
    today = today or dt.date.today()
    due = list(session.scalars(select(Need).where(
        Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.DOCKING]),
        Need.valid_until.is_not(None), Need.valid_until < today)))
    for need in due:
        need.status = NeedStatus.EXPIRED
    session.flush()
    return due


def need_query(filters: NeedFilters, viewer: User | None) -> Select[Need]:
    """The statement behind the need list: visible needs matching the filters, newest first
    (its query is searched by ``webapp.search``)."""
    stmt = select(Need)
    if filters.organization_id is not None:
        stmt = stmt.where(Need.organization_id == filters.organization_id)
        own = viewer is not None and (viewer.is_operator
                                      or viewer.organization_id == filters.organization_id)
        if not own:
            # Another organisation's list (its public page) leaves out its drafts, and the
            # needs it posted without its name: listing those under it would name it.
            stmt = stmt.where(Need.status != NeedStatus.DRAFT, Need.show_org_name.is_(True))
    elif filters.status is None:
        stmt = stmt.where(Need.status.in_([NeedStatus.PUBLISHED, NeedStatus.DOCKING]))
    if filters.status is not None:
        if filters.status is NeedStatus.DRAFT and filters.organization_id is None:
            # Drafts are listed only on the owner's own list.
            stmt = stmt.where(Need.organization_id == (viewer.organization_id if viewer else -1))
        stmt = stmt.where(Need.status == filters.status)
    stmt = narrowed(stmt, Need, filters, (NeedMode.need_id, NeedMode.mode))
    if filters.min_budget_wan is not None:
        # A bound finer than a fen, or beyond any budget, cannot be bound to the fen column
        # (5e-324 or 1e30 万元 would fail): round it up to a fen and cap it, which selects the
        # same needs.
        bound = min(filters.min_budget_wan, BUDGET_CEILING).quantize(FEN, rounding=ROUND_CEILING)
        stmt = stmt.where(or_(Need.budget_max_wan >= bound,
                              Need.budget_max_wan.is_(None)))
    return stmt.order_by(Need.published_at.desc().nulls_first(), Need.id.desc())
