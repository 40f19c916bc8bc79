"""Result services: they flush, the views commit."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Field,
    IPType,
    Result,
    ResultForm,
    ResultIP,
    ResultMode,
    ResultStatus,
    User,
    utcnow,
)

from ..errors import Refused
from ..pagination import Page, paginate
from ..search import like_any


class ResultStateError(Refused):
    """The result is not in a state that allows the action."""


@dataclass
class ResultInput:
    """The editable fields of a result."""

    title: str
    field: Field
    summary: str
    form: ResultForm
    trl: int
    province: str
    modes: list[CooperationMode]
    subfield: str = ""
    keywords: str = ""
    ip: list[tuple[IPType, str]] = dataclass_field(default_factory=list)
    price_wan: Decimal | None = None
    team: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    city: str = ""


@dataclass
class ResultFilters:
    """What the result list can be narrowed by."""

    q: str = ""
    field: Field | None = None
    province: str | None = None
    status: ResultStatus | None = None
    mode: CooperationMode | None = None
    min_trl: int | None = None
    organization_id: int | None = None


def _apply(result: Result, data: ResultInput) -> None:
    result.field = data.field
    result.subfield = data.subfield
    result.title = data.title.strip()
    result.summary = data.summary.strip()
    result.keywords = data.keywords
    result.form = data.form
    result.trl = data.trl
    result.modes = data.modes
    result.price_wan = data.price_wan
    result.team = data.team.strip()
    result.contact_name = data.contact_name.strip()
    result.contact_phone = data.contact_phone.strip()
    result.province = data.province
    result.city = data.city.strip()
    result.ip_rights = [ResultIP(ip_type=kind, number=number) for kind, number in data.ip]


def create_result(session: Session, author: User, data: ResultInput,
                  publish: bool = False) -> Result:
    """Create a draft result for the author's institution, published at once if asked."""
    if not author.organization.can_post_results and not author.is_operator:
        raise PermissionError("only universities and institutes post results")
    result = Result(organization_id=author.organization_id, author_id=author.id,
                    status=ResultStatus.DRAFT)
    _apply(result, data)
    session.add(result)
    if publish:
        publish_result(result)
    session.flush()
    return result


def update_result(session: Session, result: Result, data: ResultInput) -> Result:
    """Change a result's fields."""
    _apply(result, data)
    session.flush()
    return result


def publish_result(result: Result) -> None:
    """Make a draft or withdrawn result visible again."""
    if result.status is ResultStatus.PUBLISHED:
        raise ResultStateError(_("该成果已发布"))
    result.status = ResultStatus.PUBLISHED
    result.published_at = utcnow()


def withdraw_result(result: Result) -> None:
    """Take a published result off the platform."""
    if result.status is not ResultStatus.PUBLISHED:
        raise ResultStateError(_("只有已发布的成果可以撤回"))
    result.status = ResultStatus.WITHDRAWN


def result_query(filters: ResultFilters, viewer: User | None) -> Select[Result]:
    """The statement behind the result list: visible results matching the filters."""
    stmt = select(Result)
    own = viewer is not None and filters.organization_id is not None and (
        viewer.is_operator or viewer.organization_id == filters.organization_id)
    if filters.organization_id is not None:
        stmt = stmt.where(Result.organization_id == filters.organization_id)
    if not own:
        stmt = stmt.where(Result.status == ResultStatus.PUBLISHED)
    elif filters.status is not None:
        stmt = stmt.where(Result.status == filters.status)
    if filters.q:
        stmt = stmt.where(like_any(filters.q, Result.title, Result.summary, Result.keywords))
    if filters.field is not None:
        stmt = stmt.where(Result.field == filters.field)
    if filters.province:
        stmt = stmt.where(Result.province == filters.province)
    if filters.mode is not None:
        stmt = stmt.where(Result.id.in_(
            select(ResultMode.result_id).where(ResultMode.mode == filters.mode)))
    if filters.min_trl is not None:
        stmt = stmt.where(Result.trl >= filters.min_trl)
    return stmt.order_by(Result.published_at.desc().nulls_first(), Result.id.desc())


def search_results(session: Session, filters: ResultFilters, viewer: User | None,
                   page: int, per_page: int) -> Page[Result]:
    """One page of the result list."""
    return paginate(session, result_query(filters, viewer), page, per_page)
