"""Results: list, read, create, update, publish and withdraw (the result pages' rules)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from models import CooperationMode, Field, Result, ResultStatus

from ...db import get_session
from ...matching.services import rematch_result
from ...permissions import acting_user, can_change, can_view_result
from ...results.services import (
    ResultFilters,
    ResultStateError,
    create_result,
    publish_result,
    result_query,
    update_result,
    withdraw_result,
)
from ..inputs import result_input, result_values
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
from .serializers import result_json

SORTS = {"published_at": Result.published_at, "created_at": Result.created_at,
         "updated_at": Result.updated_at, "id": Result.id, "title": Result.title,
         "trl": Result.trl, "price": Result.price_wan}
LIST_PARAMS = (
    Param("q", {"type": "string", "maxLength": 100}, "关键词，每个词都须出现"),
    Param("field", FIELD, "技术领域"),
    Param("province", PROVINCE, "所属地区"),
    Param("status", {"type": "string", "enum": values(ResultStatus)},
          "状态；草稿和已撤回只在 mine=true 时列出"),
    Param("mode", {"type": "string", "enum": values(CooperationMode)}, "转化方式"),
    Param("min_trl", {"type": "integer", "minimum": 1, "maximum": 9}, "技术成熟度不低于"),
    Param("mine", {"type": "boolean"}, "只列本机构的成果（含草稿）"),
    sort_param(SORTS, "-published_at"),
    *PAGE_PARAMS,
)
ERRORS = (400, 401, 403, 404, 409, 413, 422)


def visible_result(result_id: int) -> Result:
    """The result, or a 404 for one that does not exist or that the user may not see."""
    result: Result | None = load(Result, result_id)
    if result is None or not can_view_result(acting_user(), result):
        raise not_found(_("成果"))
    return result


def _changeable(result_id: int) -> Result:
    result = visible_result(result_id)
    if not can_change(require_user(), result):
        raise ApiError(403, "forbidden", _("只有发布机构和平台运营人员可以修改该成果。"))
    return result


@route("/results", tag="results", response="ResultPage", query=LIST_PARAMS, auth="optional",
       errors=(400, 401))
def list_results() -> dict[str, Any]:
    """List results: published ones for everyone, one's own (drafts too) with mine=true."""
    args = query_args(LIST_PARAMS)
    user = acting_user()
    if args["mine"] and user is None:
        raise ApiError(401, "unauthorized", _("mine=true 需要登录或 API 令牌。"))
    filters = ResultFilters(
        q=args["q"] or "", field=Field(args["field"]) if args["field"] else None,
        province=args["province"],
        status=ResultStatus(args["status"]) if args["status"] else None,
        mode=CooperationMode(args["mode"]) if args["mode"] else None, min_trl=args["min_trl"],
        organization_id=user.organization_id if args["mine"] and user else None)
    stmt = sorted_by(result_query(filters, user), args["sort"], SORTS, Result.id.desc())
    return page_json(paged(stmt, args), lambda r: result_json(r, user))


@route("/results", "POST", tag="results", body="ResultCreate", response="Result", status=201,
       errors=ERRORS, idempotent=True)
def create() -> Response:
    """Post a result for one's university or institute, as a draft or published (publish=true).

    Accepts an Idempotency-Key header.
    """
    user = require_user()
    if not (user.organization.can_post_results or user.is_operator):
        raise ApiError(403, "forbidden", _("只有高校和科研院所可以发布科技成果。"))
    body = checked_body(SCHEMAS["ResultCreate"])
    data = result_input(body)
    db = get_session()
    result = create_result(db, user, data, publish=bool(body.get("publish")))
    rematch_result(db, result)
    db.commit()
    return created(result_json(result, user), url_for(".results_detail", result_id=result.id))


@route("/results/<int:result_id>", tag="results", response="Result", auth="optional",
       errors=(404,))
def detail(result_id: int) -> dict[str, Any]:
    """One result (drafts and withdrawn ones only for their institution and operators)."""
    return result_json(visible_result(result_id), acting_user())


@route("/results/<int:result_id>", "PATCH", tag="results", body="ResultUpdate",
       response="Result", errors=ERRORS)
def update(result_id: int) -> dict[str, Any]:
    """Change some of a result's fields; the rest keep their values."""
    result = _changeable(result_id)
    body = checked_body(SCHEMAS["ResultUpdate"])
    data = result_input({**result_values(result), **body})
    db = get_session()
    update_result(db, result, data)
    rematch_result(db, result)
    db.commit()
    return result_json(result, acting_user())


def _transition(result_id: int, action: Any) -> dict[str, Any]:
    result = _changeable(result_id)
    db = get_session()
    try:
        action(result)
        rematch_result(db, result)
    except ResultStateError as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    db.commit()
    return result_json(result, acting_user())


@route("/results/<int:result_id>/publish", "POST", tag="results", response="Result",
       errors=(401, 403, 404, 409))
def publish(result_id: int) -> dict[str, Any]:
    """Publish a draft or withdrawn result."""
    return _transition(result_id, publish_result)


@route("/results/<int:result_id>/withdraw", "POST", tag="results", response="Result",
       errors=(401, 403, 404, 409))
def withdraw(result_id: int) -> dict[str, Any]:
    """Withdraw a published result."""
    return _transition(result_id, withdraw_result)
