"""Needs: list, read, create, update, publish and close (the need pages' rules)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import CooperationMode, Field, Need, NeedStatus

from ...db import get_session
from ...matching.services import rematch_need
from ...needs.services import (
    NeedFilters,
    NeedStateError,
    close_need,
    create_need,
    need_query,
    publish_need,
    update_need,
)
from ...permissions import acting_user, can_change, can_view_need
from ..inputs import need_input, need_values
from .core import (
    PAGE_PARAMS,
    ApiError,
    Param,
    checked_body,
    created,
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
from .schemas import FIELD, PROVINCE, SCHEMAS, values
from .serializers import need_json

SORTS = {"published_at": Need.published_at, "created_at": Need.created_at,
         "updated_at": Need.updated_at, "id": Need.id, "title": Need.title,
         "budget": Need.budget_max_wan, "valid_until": Need.valid_until}
LIST_PARAMS = (
    Param("q", {"type": "string", "maxLength": 100}, "关键词，每个词都须出现"),
    Param("field", FIELD, "技术领域"),
    Param("province", PROVINCE, "所属地区"),
    Param("status", {"type": "string", "enum": values(NeedStatus)},
          "状态；草稿只在 mine=true 时列出"),
    Param("mode", {"type": "string", "enum": values(CooperationMode)}, "合作方式"),
    Param("min_budget", {"type": "number", "minimum": 0}, "预算上限不低于（万元）"),
    Param("mine", {"type": "boolean"}, "只列本机构的需求（含草稿）"),
    sort_param(SORTS, "-published_at"),
    *PAGE_PARAMS,
)
ERRORS = (400, 401, 403, 404, 409, 413, 422)


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


@route("/needs", tag="needs", response="NeedPage", query=LIST_PARAMS, auth="optional",
       errors=(400, 401))
def list_needs() -> dict[str, Any]:
    """List needs: open ones for everyone, one's own (drafts too) with mine=true."""
    args = query_args(LIST_PARAMS)
    user = acting_user()
    if args["mine"] and user is None:
        raise ApiError(401, "unauthorized", _("mine=true 需要登录或 API 令牌。"))
    filters = NeedFilters(
        q=args["q"] or "", field=Field(args["field"]) if args["field"] else None,
        province=args["province"], status=NeedStatus(args["status"]) if args["status"] else None,
        mode=CooperationMode(args["mode"]) if args["mode"] else None,
        min_budget_wan=args["min_budget"],
        organization_id=user.organization_id if args["mine"] and user else None)
    stmt = sorted_by(need_query(filters, user), args["sort"], SORTS, Need.id.desc())
    return page_json(paged(stmt, args), lambda n: need_json(n, user))


@route("/needs", "POST", tag="needs", body="NeedCreate", response="Need", status=201,
       errors=ERRORS, idempotent=True)
def create() -> Response:
    """Post a need for one's enterprise, as a draft or published at once (publish=true).

    Accepts an Idempotency-Key header. The organisation, author and status are set by the
    platform; sending them is refused as unknown fields.
    """
    user = require_user()
    if not (user.organization.can_post_needs or user.is_operator):
        raise ApiError(403, "forbidden", _("只有企业可以发布技术需求。"))
    body = checked_body(SCHEMAS["NeedCreate"])
    data = need_input(body)
    db = get_session()
    need = create_need(db, user, data, publish=bool(body.get("publish")))
    rematch_need(db, need)
    db.commit()
    return created(need_json(need, user), url_for(".needs_detail", need_id=need.id))


@route("/needs/<int:need_id>", tag="needs", response="Need", auth="optional", errors=(404,))
def detail(need_id: int) -> dict[str, Any]:
    """One need (drafts only for their organisation and operators)."""
    return need_json(visible_need(need_id), acting_user())


@route("/needs/<int:need_id>", "PATCH", tag="needs", body="NeedUpdate", response="Need",
       errors=ERRORS)
def update(need_id: int) -> dict[str, Any]:
    """Change some of a need's fields; the rest keep their values."""
    need = _changeable(need_id)
    body = checked_body(SCHEMAS["NeedUpdate"])
    data = need_input({**need_values(need), **body})
    db = get_session()
    try:
        update_need(db, need, data)
        rematch_need(db, need)
    except NeedStateError as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    db.commit()
    return need_json(need, acting_user())


def _transition(need_id: int, action: Any) -> dict[str, Any]:
    need = _changeable(need_id)
    db = get_session()
    try:
        action(need)
        rematch_need(db, need)
    except NeedStateError as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    db.commit()
    return need_json(need, acting_user())


@route("/needs/<int:need_id>/publish", "POST", tag="needs", response="Need",
       errors=(401, 403, 404, 409))
def publish(need_id: int) -> dict[str, Any]:
    """Publish a draft need."""
    return _transition(need_id, publish_need)


@route("/needs/<int:need_id>/close", "POST", tag="needs", response="Need",
       errors=(401, 403, 404, 409))
def close(need_id: int) -> dict[str, Any]:
    """Close a need: it stops taking solutions."""
    return _transition(need_id, close_need)
