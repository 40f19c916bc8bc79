"""Result services: they flush, the views commit."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import (
    IPType,
    Result,
    ResultForm,
    ResultIP,
    ResultMode,
    ResultStatus,
    User,
    utcnow,
)
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

# What an edit of a published result records (``listings.revisions``), with each field's label:
# a deal signed on the result relied on these.
REVISED_FIELDS = {
    "title": N_("成果名称"), "field": N_("技术领域"), "subfield": N_("子领域"),
    "summary": N_("成果简介"), "keywords": N_("关键词"), "form": N_("成果形式"),
    "trl": N_("技术成熟度（TRL）"), "ip_rights": N_("知识产权"), "modes": N_("转化方式"),
    "price_wan": N_("意向价格（万元）"), "team": N_("团队介绍"), "contact_name": N_("联系人"),
    "contact_phone": N_("联系电话"), "province": N_("所属地区"), "city": N_("城市"),
}


# What a result must have to be published (a draft may lack any of them but its title).
REQUIRED_FIELDS = {name: REVISED_FIELDS[name] for name in
                   ("title", "field", "summary", "form", "trl", "modes", "province")}


class ResultStateError(Refused):
    """The result is not in a state that allows the action."""


@dataclass(kw_only=True)
class ResultInput(ListingInput):
    """A result's editable fields, as parsed from a form or a request."""

    summary: str
    form: ResultForm | None  # None only in a draft
    trl: int | None
    ip: list[tuple[IPType, str]] = dataclass_field(default_factory=list)
    price_wan: Decimal | None = None
    team: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(kw_only=True)
class ResultFilters(ListingFilters):
    """What the result list can be narrowed by, besides what every listing list can."""

    status: ResultStatus | None = None
    min_trl: int | None = None


def _apply(result: Result, data: ResultInput) -> None:
    apply_listing(result, data)
    result.summary = data.summary.strip()
    result.form = data.form
    result.trl = data.trl
    result.price_wan = data.price_wan
    result.team = data.team.strip()
    result.contact_name = data.contact_name.strip()
    result.contact_phone = data.contact_phone.strip()
    result.ip_rights = [ResultIP(ip_type=kind, number=number) for kind, number in data.ip]


def create_result(session: Session, author: User, data: ResultInput,
                  publish: bool = False) -> Result:
    """Create a draft result for the author's institution, published at once if asked."""
    if not author.organization.can_post_results and not author.is_operator:
        raise PermissionError("only universities and institutes post results")
    result = Result(status=ResultStatus.DRAFT)
    _apply(result, data)
    return add_listing(session, result, author, publish_result if publish else None)


def update_result(session: Session, result: Result, data: ResultInput, *,
                  actor: User) -> Result:
    """Change a result's fields, recording the change once it has been published (a deal
    signed on it relied on what it said)."""
    before = snapshot(result, REVISED_FIELDS)
    _apply(result, data)
    session.flush()
    record_revision(session, result, actor, before, REVISED_FIELDS)
    return result


def publish_result(result: Result) -> None:
    """Make a draft or withdrawn result visible again."""
    if result.status is ResultStatus.PUBLISHED:
        raise ResultStateError(_("该成果已发布"))
    require_complete(result, REQUIRED_FIELDS, ResultStateError)
    result.status = ResultStatus.PUBLISHED
    result.published_at = utcnow()


def withdraw_result(result: Result) -> None:
    """Take a published result off the platform."""
    if result.status is not ResultStatus.PUBLISHED:
        raise ResultStateError(_("只有已发布的成果可以撤回"))
    result.status = ResultStatus.WITHDRAWN


def result_query(filters: ResultFilters, viewer: User | None) -> Select[Result]:
    """The statement behind the result list: visible results matching the filters, newest
    first (its query is searched by ``webapp.search``)."""
    stmt = select(Result)
    own = viewer is not None and filters.organization_id is not None and (
        viewer.is_operator or viewer.organization_id == filters.organization_id)
    if filters.organization_id is not None:
        stmt = stmt.where(Result.organization_id == filters.organization_id)
    if not own:
        stmt = stmt.where(Result.status == ResultStatus.PUBLISHED)
    elif filters.status is not None:
        stmt = stmt.where(Result.status == filters.status)
    stmt = narrowed(stmt, Result, filters, (ResultMode.result_id, ResultMode.mode))
    if filters.min_trl is not None:
        stmt = stmt.where(Result.trl >= filters.min_trl)
    return stmt.order_by(Result.published_at.desc().nulls_first(), Result.id.desc())
