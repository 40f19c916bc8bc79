"""Results as a kind of listing (``listings.kind``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matcher import Matcher
from models import Organization, Result, ResultMode, ResultStatus
from models.i18n import N_

from ..listings.kind import ListingKind, Transition
from ..matching.services import engine, matches_for_result
from ..permissions import can_view_result
from ..search import SearchSpec
from .services import (
    REQUIRED_FIELDS,
    REVISED_FIELDS,
    create_result,
    publish_result,
    result_query,
    update_result,
    withdraw_result,
)


def _may_post(organization: Organization) -> bool:
    return organization.can_post_results


def _publishable(result: Result) -> bool:
    return result.status is not ResultStatus.PUBLISHED


def _index(session: Session) -> Matcher:
    return engine().results_index(session)


SEARCH = SearchSpec(
    index=_index, index_statuses=(ResultStatus.PUBLISHED,),
    text=lambda: (Result.title, Result.summary, Result.keywords),
    modes=lambda: (ResultMode.result_id, ResultMode.mode), amount=lambda: Result.price_wan,
    amount_label=N_("价格"), statuses=ResultStatus, trl=lambda: Result.trl,
    sorts={
        "newest": (N_("最新发布"), lambda: (Result.published_at.desc().nulls_first(),)),
        "price": (N_("价格最低"), lambda: (Result.price_wan.asc().nulls_last(),)),
        "maturity": (N_("成熟度最高"), lambda: (Result.trl.desc(),)),
    })

RESULTS = ListingKind(
    name="results", singular="result", model=Result, noun=N_("成果"),
    post_refused=N_("只有高校和科研院所可以发布科技成果。"), may_post=_may_post,
    can_view=can_view_result, create=create_result, update=update_result,
    revised=REVISED_FIELDS, required=REQUIRED_FIELDS, query=result_query,
    publish=publish_result, publishable=_publishable,
    matches=matches_for_result, search=SEARCH,
    transitions=(
        Transition("publish", publish_result, N_("成果已发布。"),
                   "Publish a draft or withdrawn result."),
        Transition("withdraw", withdraw_result, N_("成果已撤回。"), "Withdraw a published result."),
    ),
    published=N_("成果已发布。"), drafted=N_("成果已保存为草稿。"), updated=N_("成果已更新。"))
