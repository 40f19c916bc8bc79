"""Needs in the API: what differs from results (a need's budget, validity and visibility of its
organisation); the operations are the listings' (``listings.declare``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import validate

from models import CooperationMode, Need, NeedStatus
from models.i18n import N_

from ...forms_common import keywords_text
from ...needs.kind import NEEDS
from ...needs.services import NeedFilters, NeedInput
from .fields import Bool, Choice, QueryNumber, sort_field
from .listings import ListingResource, declare
from .schemas import ListingQuery, NeedCreate, NeedPage, NeedUpdate, need_problems
from .schemas import Need as NeedAnswer

SORTS = {"published_at": Need.published_at, "created_at": Need.created_at,
         "updated_at": Need.updated_at, "id": Need.id, "title": Need.title,
         "budget": Need.budget_max_wan, "valid_until": Need.valid_until}


class NeedQuery(ListingQuery):
    """What the need list can be narrowed by."""

    status = Choice(NeedStatus, metadata={"description": N_("状态；草稿只在 mine=true 时列出")})
    mode = Choice(CooperationMode, metadata={"description": N_("合作方式")})
    min_budget = QueryNumber(validate=validate.Range(min=0),
                             metadata={"minimum": 0, "description": N_("预算上限不低于（万元）")})
    mine = Bool(load_default=False, metadata={"description": N_("只列本机构的需求（含草稿）")})
    sort = sort_field(SORTS, "-published_at", relevance=True)


def need_filters(args: dict[str, Any], organization_id: int | None) -> NeedFilters:
    """The need list's filters from its arguments."""
    return NeedFilters(q=args.get("q", ""), field=args.get("field"),
                       province=args.get("province"), status=args.get("status"),
                       mode=args.get("mode"), min_budget_wan=args.get("min_budget"),
                       organization_id=organization_id)


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
    return NeedInput(
        title=values["title"], field=values["field"], subfield=values.get("subfield", ""),
        problem=values["problem"], indicators=values.get("indicators", ""),
        basis=values.get("basis", ""), keywords=keywords_text(values.get("keywords")),
        budget_min_wan=values.get("budget_min_wan"), budget_max_wan=values.get("budget_max_wan"),
        modes=list(values["modes"]), province=values["province"], city=values.get("city", ""),
        valid_until=values.get("valid_until"), show_org_name=values.get("show_org_name", True))


declare(ListingResource(
    kind=NEEDS, query=NeedQuery, answer=NeedAnswer, page=NeedPage, create=NeedCreate,
    update=NeedUpdate, filters=need_filters, sorts=SORTS, values=need_values,
    problems=need_problems, to_input=need_input, docs={
        "list": "List needs: open ones for everyone, one's own (drafts too) with mine=true.",
        "create": "Post a need for one's enterprise, as a draft or published at once "
                  "(publish=true).\n\nAccepts an Idempotency-Key header. The organisation, "
                  "author and status are set by the platform; sending them is refused as "
                  "unknown fields. Creating checks every field, drafts too (the pages alone save "
                  "a draft with its title only; such a draft answers null for its field).",
        "detail": "One need (drafts only for their organisation and operators).",
        "update": "Change some of a need's fields; the rest keep their values. Publishing "
                  "(POST .../publish) refuses with 409 a need that still lacks a required field, "
                  "naming them.",
        "matches": "A need's suggested results (still published), with each score's parts and "
                   "terms.",
    }))
