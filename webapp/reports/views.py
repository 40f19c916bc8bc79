"""Report pages: the operators' report with charts, its JSON and downloads, and the public figures.

Views read the filters, call the services and render; nothing here writes to the database.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from models.taxonomy import FIELD_LABELS

from ..db import get_session
from ..errors import error_response
from ..permissions import acting_user
from . import bp
from .charts import bar_chart, funnel_chart, line_chart
from .exports import CSV_MIMETYPE, XLSX_MIMETYPE, report_tables, to_csv, to_xlsx
from .services import (
    FIGURE_LABELS,
    FIGURES,
    Report,
    ReportFilterError,
    ReportFilters,
    build_report,
    headline,
    parse_filters,
    report_dict,
)


def _require_operator() -> None:
    user = acting_user()
    if user is None:  # pragma: no cover - login_required redirects first
        abort(401)
    if not user.is_operator:
        abort(403)


def _filters() -> ReportFilters:
    return parse_filters(request.args)


def _report() -> Report:
    return build_report(get_session(), _filters())


def _bad_filter(exc: ReportFilterError) -> tuple[Response | str, int]:
    return error_response(400, str(exc))


def charts_for(report: Report) -> dict[str, Any]:
    """The three charts of the report page, as inline SVG."""
    months = [row["month"] for row in report.monthly]
    return {
        "monthly": line_chart(months, [
            (_("已发布需求"), [row["needs"] for row in report.monthly]),
            (_(FIGURE_LABELS["dockings"]), [row["dockings"] for row in report.monthly]),
            (_("签约项目"), [row["deals"] for row in report.monthly])], _("月度需求、对接与签约")),
        "funnel": funnel_chart([(_(s.label), s.count, s.of_first) for s in report.funnel],
                               _("转化漏斗")),
        "by_field": bar_chart([(_(row["label"]), row["amount_wan"])
                               for row in report.deals_by["field"]],
                              _("各技术领域签约金额"), unit=_(" 万元")),
    }


@bp.route("/reports")
@login_required
def index() -> tuple[Response | str, int] | str:
    """The operators' report: filters, headline figures, charts and a table beside each."""
    _require_operator()
    try:
        report = _report()
    except ReportFilterError as exc:
        return _bad_filter(exc)
    return render_template("reports/index.html", report=report, tables=report_tables(report),
                           charts=charts_for(report), args=report.filters.as_args(),
                           field_labels=FIELD_LABELS, labels=FIGURE_LABELS)


@bp.route("/reports.json")
@login_required
def as_json() -> tuple[Response | str, int] | Response:
    """The same figures as the report page, with the same filters, as one JSON object."""
    _require_operator()
    try:
        report = _report()
    except ReportFilterError as exc:
        return _bad_filter(exc)
    return jsonify(report_dict(report))


def _download_name(name: str, filters: ReportFilters, ext: str) -> str:
    parts = ["innomatch", name]
    if filters.date_from or filters.date_to:
        parts.append(f"{filters.date_from or 'start'}_{filters.date_to or 'now'}")
    if filters.field:
        parts.append(filters.field.value)
    return "-".join(parts) + f".{ext}"


@bp.route("/reports/<name>.<ext>")
@login_required
def download(name: str, ext: str) -> tuple[Response | str, int] | Response:
    """One table as CSV or XLSX, or every table (``all.xlsx``) as one workbook."""
    _require_operator()
    if ext not in ("csv", "xlsx"):
        abort(404)
    try:
        report = _report()
    except ReportFilterError as exc:
        return _bad_filter(exc)
    tables = report_tables(report)
    if name == "all" and ext == "xlsx":
        chosen = list(tables.values())
    elif name in tables:
        chosen = [tables[name]]
    else:
        abort(404)
    if ext == "csv":
        body, mimetype = to_csv(chosen[0]), CSV_MIMETYPE
    else:
        body, mimetype = to_xlsx(chosen), XLSX_MIMETYPE
    filename = _download_name(name, report.filters, ext)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@bp.route("/figures")
def figures() -> tuple[Response | str, int] | str:
    """The public page of headline figures, with the same filters."""
    try:
        filters = _filters()
    except ReportFilterError as exc:
        return _bad_filter(exc)
    return render_template("reports/figures.html", figures=headline(get_session(), filters),
                           filters=filters, args=filters.as_args(), shown=FIGURES)


@bp.route("/figures.json")
def figures_json() -> tuple[Response | str, int] | Response:
    """The public headline figures as JSON."""
    try:
        filters = _filters()
    except ReportFilterError as exc:
        return _bad_filter(exc)
    return jsonify({"filters": filters.as_dict(), **headline(get_session(), filters)})
