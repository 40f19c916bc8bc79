"""Reports: the operators' match-rate report and the public headline figures."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from ...db import get_session
from ...reports.services import (
    DEFAULT_SUGGESTION_THRESHOLD,
    ReportFilterError,
    ReportFilters,
    build_report,
    headline,
    parse_filters,
    report_dict,
)
from .core import ApiError, Param, route
from .schemas import DATE, FIELD, PROVINCE

FILTER_PARAMS = (
    Param("from", DATE, "第一天（上海时间）"),
    Param("to", DATE, "最后一天（含）"),
    Param("field", FIELD, "技术领域"),
    Param("region", PROVINCE, "所属地区"),
)


def _filters() -> ReportFilters:
    try:
        return parse_filters(request.args)
    except ReportFilterError as exc:
        raise ApiError(400, "bad_query", str(exc)) from None


@route("/reports", tag="reports", response="Report", query=FILTER_PARAMS, auth="operator",
       errors=(400, 401, 403))
def report() -> dict[str, Any]:
    """The operators' report: docking rate, funnel, deals, times and suggestion quality."""
    threshold = float(current_app.config.get("REPORT_SUGGESTION_THRESHOLD",
                                             DEFAULT_SUGGESTION_THRESHOLD))
    return report_dict(build_report(get_session(), _filters(), threshold))


@route("/figures", tag="reports", response="Figures", query=FILTER_PARAMS, auth="none",
       errors=(400,))
def figures() -> dict[str, Any]:
    """The public headline figures, with the same filters."""
    filters = _filters()
    return {"filters": filters.as_dict(), **headline(get_session(), filters)}
