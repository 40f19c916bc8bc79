"""Needs as a kind of listing (``listings.kind``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matcher import Matcher
from models import Need, NeedMode, NeedStatus, Organization
from models.i18n import N_

from ..listings.kind import ListingKind, Transition
from ..matching.engine import OPEN_NEED_STATUSES
from ..matching.services import engine, matches_for_need
from ..permissions import can_view_need
from ..search import SearchSpec
from .services import (
    REQUIRED_FIELDS,
    REVISED_FIELDS,
    close_need,
    create_need,
    need_query,
    publish_need,
    update_need,
)


def _may_post(organization: Organization) -> bool:
    return organization.can_post_needs


def _publishable(need: Need) -> bool:
    return need.status is NeedStatus.DRAFT


def _index(session: Session) -> Matcher:
    return engine().needs_index(session)


SEARCH = SearchSpec(
    index=_index, index_statuses=OPEN_NEED_STATUSES,
    text=lambda: (Need.title, Need.problem, Need.indicators, Need.basis, Need.keywords),
    modes=lambda: (NeedMode.need_id, NeedMode.mode), amount=lambda: Need.budget_max_wan,
    amount_label=N_("预算"), statuses=NeedStatus,
    sorts={
        "newest": (N_("最新发布"), lambda: (Need.published_at.desc().nulls_first(),)),
        "deadline": (N_("截止日期最近"), lambda: (Need.valid_until.asc().nulls_last(),)),
        "budget": (N_("预算最高"), lambda: (Need.budget_max_wan.desc().nulls_last(),)),
    })

NEEDS = ListingKind(
    name="needs", singular="need", model=Need, noun=N_("需求"),
    post_refused=N_("只有企业可以发布技术需求。"), may_post=_may_post, can_view=can_view_need,
    create=create_need, update=update_need, revised=REVISED_FIELDS, required=REQUIRED_FIELDS,
    query=need_query, publish=publish_need,
    publishable=_publishable, matches=matches_for_need, search=SEARCH,
    transitions=(
        Transition("publish", publish_need, N_("需求已发布。"), "Publish a draft need."),
        Transition("close", close_need, N_("需求已关闭。"), "Close a need: it stops taking solutions."),
    ),
    published=N_("需求已发布。"), drafted=N_("需求已保存为草稿。"), updated=N_("需求已更新。"))
