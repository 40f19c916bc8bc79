"""Need pages: the listings' pages (``listings.views``) with what a need adds — its status and
budget filters, the institutions best placed to answer it, and a warning on near-duplicates."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import CooperationMode, Need, NeedStatus

from ..db import get_session
from ..listings.args import Args, decimal_arg, enum_arg
from ..listings.views import ListingPages, register_pages
from ..matching.services import best_institutions, near_duplicates
from . import bp
from .forms import NeedForm
from .kind import NEEDS
from .services import NeedFilters


def _filters(args: Args, **common: Any) -> NeedFilters:
    return NeedFilters(**common, status=enum_arg("status", NeedStatus, args),
                       min_budget_wan=decimal_arg("min_budget", args))


def _warn_duplicates(need: Need) -> None:
    """Tell the author when an open need already says nearly the same thing."""
    for other in near_duplicates(get_session(), need)[:3]:
        flash(_("提示：与已发布的需求“%(title)s”（编号 %(id)s）内容高度相似，请确认是否重复发布。",
                title=other.title, id=other.id),
              "warning")


def _institutions(db: Session, need: Need) -> dict[str, Any]:
    return {"institutions": best_institutions(db, need.id)}


register_pages(bp, ListingPages(
    kind=NEEDS, form=NeedForm, filters=_filters,
    index_context=lambda: {"statuses": list(NeedStatus), "modes": list(CooperationMode)},
    detail_context=_institutions, after_create=_warn_duplicates))
