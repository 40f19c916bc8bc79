"""Results in the API: what differs from needs (a result's form, maturity, rights, price and
contact); the operations are the listings' (``listings.declare``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import validate

from models import CooperationMode, Result, ResultStatus
from models.i18n import N_

from ...forms_common import keywords_text
from ...results.kind import RESULTS
from ...results.services import ResultFilters, ResultInput
from .fields import Bool, Choice, Int, sort_field
from .listings import ListingResource, declare
from .schemas import ListingQuery, ResultCreate, ResultPage, ResultUpdate, result_problems
from .schemas import Result as ResultAnswer

SORTS = {"published_at": Result.published_at, "created_at": Result.created_at,
         "updated_at": Result.updated_at, "id": Result.id, "title": Result.title,
         "trl": Result.trl, "price": Result.price_wan}


class ResultQuery(ListingQuery):
    """What the result list can be narrowed by."""

    status = Choice(ResultStatus, metadata={"description": N_("状态；草稿和已撤回只在 mine=true 时列出")})
    mode = Choice(CooperationMode, metadata={"description": N_("转化方式")})
    min_trl = Int(strict=False, validate=validate.Range(1, 9),
                  metadata={"description": N_("技术成熟度不低于")})
    mine = Bool(load_default=False, metadata={"description": N_("只列本机构的成果（含草稿）")})
    sort = sort_field(SORTS, "-published_at", relevance=True)


def result_filters(args: dict[str, Any], organization_id: int | None) -> ResultFilters:
    """The result list's filters from its arguments."""
    return ResultFilters(q=args.get("q", ""), field=args.get("field"),
                         province=args.get("province"), status=args.get("status"),
                         mode=args.get("mode"), min_trl=args.get("min_trl"),
                         organization_id=organization_id)


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
    return ResultInput(
        title=values["title"], field=values["field"], subfield=values.get("subfield", ""),
        summary=values["summary"], keywords=keywords_text(values.get("keywords")),
        form=values["form"], trl=values["trl"],
        ip=[(ip_type, n) for n in numbers or [""]] if ip_type else [],
        modes=list(values["modes"]), price_wan=values.get("price_wan"),
        team=values.get("team", ""), contact_name=values.get("contact_name", ""),
        contact_phone=values.get("contact_phone", ""), province=values["province"],
        city=values.get("city", ""))


declare(ListingResource(
    kind=RESULTS, query=ResultQuery, answer=ResultAnswer, page=ResultPage, create=ResultCreate,
    update=ResultUpdate, filters=result_filters, sorts=SORTS, values=result_values,
    problems=result_problems, to_input=result_input, docs={
        "list": "List results: published ones for everyone, one's own (drafts too) with "
                "mine=true.",
        "create": "Post a result for one's university or institute, as a draft or published "
                  "(publish=true).\n\nAccepts an Idempotency-Key header. Creating checks "
                  "every field, drafts too (the pages alone save a draft with its title only; "
                  "such a draft answers null for its field, form and trl).",
        "detail": "One result (drafts and withdrawn ones only for their institution and "
                  "operators).",
        "update": "Change some of a result's fields; the rest keep their values. Publishing "
                  "(POST .../publish) refuses with 409 a result that still lacks a required "
                  "field, naming them.",
        "matches": "A result's suggested needs (still open), with each score's parts and terms.",
    }))
