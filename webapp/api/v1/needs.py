"""Needs: list, read, create, update, publish and close (the need pages' rules)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, validate

from models import CooperationMode, Need, NeedStatus

from ...db import get_session
from ...matching.services import rematch_need
from ...needs.services import (
    NeedFilters,
    NeedInput,
    close_need,
    create_need,
    need_query,
    publish_need,
    update_need,
)
from ...permissions import acting_user, can_change, can_view_need
from .core import WRITE_ERRORS, ApiError, created, load, not_found, operation, paged, require_user, sorted_by
from .fields import Bool, Choice, QueryNumber, sort_field
from .schemas import ListingQuery, NeedCreate, NeedPage, NeedUpdate, need_problems
from .schemas import Need as NeedAnswer

SORTS = {"published_at": Need.published_at, "created_at": Need.created_at,
         "updated_at": Need.updated_at, "id": Need.id, "title": Need.title,
         "budget": Need.budget_max_wan, "valid_until": Need.valid_until}


class NeedQuery(ListingQuery):
    """What the need list can be narrowed by."""

    status = Choice(NeedStatus, metadata={"description": "状态；草稿只在 mine=true 时列出"})
    mode = Choice(CooperationMode, metadata={"description": "合作方式"})
    min_budget = QueryNumber(validate=validate.Range(min=0),
                             metadata={"minimum": 0, "description": "预算上限不低于（万元）"})
    mine = Bool(load_default=False, metadata={"description": "只列本机构的需求（含草稿）"})
    sort = sort_field(SORTS, "-published_at")


def visible_need(need_id: int) -> Need:
    """The need, or a 404 for one that does not exist or that the user may not see."""
    need: Need | None = load(Need, need_id)
    if need is None or not can_view_need(acting_user(), need):
        raise not_found(_("需求"))
    return need


def _changeable(need_id: int) -> Need:
    need = visible_need(need_id)
    if not can_change(require_user(), need):
        raise ApiError(403, "forbidden", _("只有发布机构和平台运营人员可以修改该需求。"))
    return need


def _may_post() -> None:
    user = require_user()
    if not (user.organization.can_post_needs or user.is_operator):
        raise ApiError(403, "forbidden", _("只有企业可以发布技术需求。"))


def need_values(need: Need) -> dict[str, Any]:
    """A need's editable values as a loaded body has them (the base a partial update overlays)."""
    return {
        "title": need.title, "field": need.field, "subfield": need.subfield,
        "problem": need.problem, "indicators": need.indicators, "basis": need.basis,
        "keywords": need.keyword_list, "budget_min_wan": need.budget_min_wan,
        "budget_max_wan": need.budget_max_wan, "modes": list(need.modes),
        "province": need.province, "city": need.city, "valid_until": need.valid_until,
        "show_org_name": need.show_org_name,
    }


def need_input(values: Mapping[str, Any]) -> NeedInput:
    """The services' input from checked values; both budget ends empty means 面议."""
    keywords = values.get("keywords") or ""
    return NeedInput(
        title=values["title"], field=values["field"], subfield=values.get("subfield", ""),
        problem=values["problem"], indicators=values.get("indicators", ""),
        basis=values.get("basis", ""),
        keywords="，".join(keywords) if isinstance(keywords, list) else keywords,
        budget_min_wan=values.get("budget_min_wan"), budget_max_wan=values.get("budget_max_wan"),
        modes=list(values["modes"]), province=values["province"], city=values.get("city", ""),
        valid_until=values.get("valid_until"), show_org_name=values.get("show_org_name", True))


@operation("/needs", tag="needs", query=NeedQuery, response=NeedPage, auth="optional",
           errors=(400, 401))
def list_needs(args: dict[str, Any]) -> Any:
    """List needs: open ones for everyone, one's own (drafts too) with mine=true."""
    user = acting_user()
    if args["mine"] and user is None:
        raise ApiError(401, "unauthorized", _("mine=true 需要登录或 API 令牌。"))
    filters = NeedFilters(
        q=args.get("q", ""), field=args.get("field"), province=args.get("province"),
        status=args.get("status"), mode=args.get("mode"), min_budget_wan=args.get("min_budget"),
        organization_id=user.organization_id if args["mine"] and user else None)
    return paged(sorted_by(need_query(filters, user), args["sort"], SORTS, Need.id.desc()), args)


@operation("/needs", "POST", tag="needs", body=NeedCreate, response=NeedAnswer, status=201,
           errors=WRITE_ERRORS, idempotent=True, guard=_may_post)
def create(body: dict[str, Any]) -> Any:
    """Post a need for one's enterprise, as a draft or published at once (publish=true).

    Accepts an Idempotency-Key header. The organisation, author and status are set by the
    platform; sending them is refused as unknown fields.
    """
    db = get_session()
    need = create_need(db, require_user(), need_input(body), publish=body.get("publish", False))
    rematch_need(db, need)
    return created(need, ".needs_detail", need_id=need.id)


@operation("/needs/<int:need_id>", tag="needs", response=NeedAnswer, auth="optional",
           errors=(404,))
def detail(need_id: int) -> Need:
    """One need (drafts only for their organisation and operators)."""
    return visible_need(need_id)


@operation("/needs/<int:need_id>", "PATCH", tag="needs", body=NeedUpdate, response=NeedAnswer,
           errors=WRITE_ERRORS, guard=_changeable)
def update(body: dict[str, Any], need_id: int) -> Need:
    """Change some of a need's fields; the rest keep their values."""
    need = _changeable(need_id)
    values = {**need_values(need), **body}
    problems = need_problems(values)
    if problems:
        raise ValidationError(problems)
    db = get_session()
    update_need(db, need, need_input(values))
    rematch_need(db, need)
    return need


def _transition(need_id: int, action: Callable[[Need], Any]) -> Need:
    need = _changeable(need_id)
    action(need)
    rematch_need(get_session(), need)
    return need


@operation("/needs/<int:need_id>/publish", "POST", tag="needs", response=NeedAnswer,
           errors=(401, 403, 404, 409))
def publish(need_id: int) -> Need:
    """Publish a draft need."""
    return _transition(need_id, publish_need)


@operation("/needs/<int:need_id>/close", "POST", tag="needs", response=NeedAnswer,
           errors=(401, 403, 404, 409))
def close(need_id: int) -> Need:
    """Close a need: it stops taking solutions."""
    return _transition(need_id, close_need)
