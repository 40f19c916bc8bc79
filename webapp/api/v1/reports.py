"""Reports: the operators' match-rate report and the public headline figures."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from marshmallow import ValidationError, post_load
from werkzeug.wrappers import Response

from models import Field as TechField
from models.i18n import N_

from ...db import get_session
from ...reports.services import (
    ReportFilterError,
    ReportFilters,
    build_report,
    check_period,
    headline,
    report_dict,
)
from .core import operation
from .fields import Choice, Day, Query, Str
from .schemas import PROVINCE


class ReportQuery(Query):
    """The report's period (days on the Shanghai calendar), field and region."""

    date_from = Day(data_key="from", metadata={"description": N_("第一天（上海时间）")})
    date_to = Day(data_key="to", metadata={"description": N_("最后一天（含）")})
    field = Choice(TechField, metadata={"description": N_("技术领域")})
    region = Str(validate=PROVINCE, metadata={"description": N_("所属地区")})

    @post_load
    def _filters(self, data: dict[str, Any], **kwargs: Any) -> ReportFilters:
        try:
            check_period(data.get("date_from"), data.get("date_to"))
        except ReportFilterError as exc:
            raise ValidationError({"from": [str(exc)]}) from None
        return ReportFilters(data.get("date_from"), data.get("date_to"), data.get("field"),
                             data.get("region"))


@operation("/reports", tag="reports", query=ReportQuery, response="Report", auth="operator",
           errors=(400, 401, 403))
def report(args: ReportFilters) -> Response:
    """The operators' report: docking rate, funnel, deals, times and suggestion quality."""
    return jsonify(report_dict(build_report(get_session(), args)))


@operation("/figures", tag="reports", query=ReportQuery, response="Figures", auth="none",
           errors=(400,))
def figures(args: ReportFilters) -> Response:
    """The public headline figures, with the same filters."""
    return jsonify({"filters": args.as_dict(), **headline(get_session(), args)})
