"""Results: list, read, create, update, publish and withdraw (the result pages' rules)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, validate

from models import CooperationMode, Result, ResultStatus

from ...db import get_session
from ...matching.services import rematch_result
from ...permissions import acting_user, can_change, can_view_result
from ...results.services import (
    ResultFilters,
    ResultInput,
    create_result,
    publish_result,
    result_query,
    update_result,
    withdraw_result,
)
from .core import WRITE_ERRORS, ApiError, created, load, not_found, operation, paged, require_user, sorted_by
from .fields import Bool, Choice, Int, sort_field
from .schemas import ListingQuery, ResultCreate, ResultPage, ResultUpdate, result_problems
from .schemas import Result as ResultAnswer

SORTS = {"published_at": Result.published_at, "created_at": Result.created_at,
         "updated_at": Result.updated_at, "id": Result.id, "title": Result.title,
         "trl": Result.trl, "price": Result.price_wan}


class ResultQuery(ListingQuery):
    """What the result list can be narrowed by."""

    status = Choice(ResultStatus, metadata={"description": "状态；草稿和已撤回只在 mine=true 时列出"})
    mode = Choice(CooperationMode, metadata={"description": "转化方式"})
    min_trl = Int(strict=False, validate=validate.Range(1, 9),
                  metadata={"description": "技术成熟度不低于"})
    mine = Bool(load_default=False, metadata={"description": "只列本机构的成果（含草稿）"})
    sort = sort_field(SORTS, "-published_at")


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


def _may_post() -> None:
    user = require_user()
    if not (user.organization.can_post_results or user.is_operator):
        raise ApiError(403, "forbidden", _("只有高校和科研院所可以发布科技成果。"))


def result_values(result: Result) -> dict[str, Any]:
    """A result's editable values as a loaded body has them."""
    return {
        "title": result.title, "field": result.field, "subfield": result.subfield,
        "summary": result.summary, "keywords": result.keyword_list, "form": result.form,
        "trl": result.trl, "ip_type": result.ip_rights[0].ip_type if result.ip_rights else None,
        "ip_numbers": [ip.number for ip in result.ip_rights if ip.number],
        "modes": list(result.modes), "price_wan": result.price_wan, "team": result.team,
        "contact_name": result.contact_name, "contact_phone": result.contact_phone,
        "province": result.province, "city": result.city,
    }


def result_input(values: Mapping[str, Any]) -> ResultInput:
    """The services' input from checked values."""
    ip_type, numbers = values.get("ip_type"), list(values.get("ip_numbers") or [])
    keywords = values.get("keywords") or ""
    return ResultInput(
        title=values["title"], field=values["field"], subfield=values.get("subfield", ""),
        summary=values["summary"],
        keywords="，".join(keywords) if isinstance(keywords, list) else keywords,
        form=values["form"], trl=values["trl"],
        ip=[(ip_type, n) for n in numbers or [""]] if ip_type else [],
        modes=list(values["modes"]), price_wan=values.get("price_wan"),
        team=values.get("team", ""), contact_name=values.get("contact_name", ""),
        contact_phone=values.get("contact_phone", ""), province=values["province"],
        city=values.get("city", ""))


@operation("/results", tag="results", query=ResultQuery, response=ResultPage, auth="optional",
           errors=(400, 401))
def list_results(args: dict[str, Any]) -> Any:
    """List results: published ones for everyone, one's own (drafts too) with mine=true."""
    user = acting_user()
    if args["mine"] and user is None:
        raise ApiError(401, "unauthorized", _("mine=true 需要登录或 API 令牌。"))
    filters = ResultFilters(
        q=args.get("q", ""), field=args.get("field"), province=args.get("province"),
        status=args.get("status"), mode=args.get("mode"), min_trl=args.get("min_trl"),
        organization_id=user.organization_id if args["mine"] and user else None)
    return paged(sorted_by(result_query(filters, user), args["sort"], SORTS, Result.id.desc()),
                 args)


@operation("/results", "POST", tag="results", body=ResultCreate, response=ResultAnswer,
           status=201, errors=WRITE_ERRORS, idempotent=True, guard=_may_post)
def create(body: dict[str, Any]) -> Any:
    """Post a result for one's university or institute, as a draft or published (publish=true).

    Accepts an Idempotency-Key header.
    """
    db = get_session()
    result = create_result(db, require_user(), result_input(body),
                           publish=body.get("publish", False))
    rematch_result(db, result)
    return created(result, ".results_detail", result_id=result.id)


@operation("/results/<int:result_id>", tag="results", response=ResultAnswer, auth="optional",
           errors=(404,))
def detail(result_id: int) -> Result:
    """One result (drafts and withdrawn ones only for their institution and operators)."""
    return visible_result(result_id)


@operation("/results/<int:result_id>", "PATCH", tag="results", body=ResultUpdate,
           response=ResultAnswer, errors=WRITE_ERRORS, guard=_changeable)
def update(body: dict[str, Any], result_id: int) -> Result:
    """Change some of a result's fields; the rest keep their values."""
    result = _changeable(result_id)
    values = {**result_values(result), **body}
    problems = result_problems(values)
    if problems:
        raise ValidationError(problems)
    db = get_session()
    update_result(db, result, result_input(values))
    rematch_result(db, result)
    return result


def _transition(result_id: int, action: Callable[[Result], Any]) -> Result:
    result = _changeable(result_id)
    action(result)
    rematch_result(get_session(), result)
    return result


@operation("/results/<int:result_id>/publish", "POST", tag="results", response=ResultAnswer,
           errors=(401, 403, 404, 409))
def publish(result_id: int) -> Result:
    """Publish a draft or withdrawn result."""
    return _transition(result_id, publish_result)


@operation("/results/<int:result_id>/withdraw", "POST", tag="results", response=ResultAnswer,
           errors=(401, 403, 404, 409))
def withdraw(result_id: int) -> Result:
    """Withdraw a published result."""
    return _transition(result_id, withdraw_result)
