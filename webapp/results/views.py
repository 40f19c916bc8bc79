"""Result pages: the listings' pages (``listings.views``) with what a result adds — its status
and maturity filters."""

from __future__ import annotations

from typing import Any

from models import CooperationMode, ResultStatus

from ..listings.args import Args, enum_arg, text_arg
from ..listings.views import ListingPages, register_pages
from ..results.services import ResultFilters
from . import bp
from .forms import ResultForm
from .kind import RESULTS


def _filters(args: Args, **common: Any) -> ResultFilters:
    trl = text_arg("min_trl", args=args)
    return ResultFilters(**common, status=enum_arg("status", ResultStatus, args),
                         min_trl=int(trl) if trl in {str(n) for n in range(1, 10)} else None)


register_pages(bp, ListingPages(
    kind=RESULTS, form=ResultForm, filters=_filters,
    index_context=lambda: {"statuses": list(ResultStatus), "modes": list(CooperationMode)}))
