"""Results as a kind of listing (``listings.kind``)."""

from __future__ import annotations

from models import Organization, Result, ResultStatus
from models.i18n import N_

from ..listings.kind import ListingKind, Transition
from ..matching.services import matches_for_result
from ..permissions import can_view_result
from .services import create_result, publish_result, result_query, update_result, withdraw_result


def _may_post(organization: Organization) -> bool:
    return organization.can_post_results


def _publishable(result: Result) -> bool:
    return result.status is not ResultStatus.PUBLISHED


RESULTS = ListingKind(
    name="results", singular="result", model=Result, noun=N_("成果"),
    post_refused=N_("只有高校和科研院所可以发布科技成果。"), may_post=_may_post,
    can_view=can_view_result, create=create_result, update=update_result, query=result_query,
    publish=publish_result, publishable=_publishable,
    matches=matches_for_result,
    transitions=(
        Transition("publish", publish_result, N_("成果已发布。"),
                   "Publish a draft or withdrawn result."),
        Transition("withdraw", withdraw_result, N_("成果已撤回。"), "Withdraw a published result."),
    ),
    published=N_("成果已发布。"), drafted=N_("成果已保存为草稿。"), updated=N_("成果已更新。"))
