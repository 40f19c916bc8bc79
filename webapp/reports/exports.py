"""The report's tables, and their CSV and XLSX downloads.

The page, the JSON and the downloads all read the same ``ReportTable`` rows, so a figure
cannot differ between them. Values stay as computed: counts are integers, amounts Decimal
万元, rates fractions between 0 and 1 (the page shows them as percentages).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from ..spreadsheets import csv_bytes, write_table
from .services import FIGURE_LABELS, FIGURES, Report

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """A table column: the row key it reads and its heading."""

    key: str
    label: str
    kind: str = "text"  # text, int, wan, rate, days: how the page formats it


@dataclass(frozen=True)
class ReportTable:
    """One table of the report: a key (also the download's name), a title, columns and rows."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]

    def values(self) -> list[list[Any]]:
        """The rows as lists in column order."""
        return [[row.get(c.key) for c in self.columns] for row in self.rows]


def _deal_columns(first: Column) -> tuple[Column, ...]:
    return (first, Column("deals", _("签约项目数"), "int"),
            Column("amount_wan", _("签约金额（万元）"), "wan"))


def report_tables(report: Report) -> dict[str, ReportTable]:
    """Every table of the report, in page order, keyed by name."""
    h = report.headline
    headline_rows = [{"figure": _(label), "key": key, "value": h[key]}
                     for key, label, _kind in FIGURES]
    tables = [
        ReportTable("headline", _("核心指标"),
                    (Column("figure", _("指标")), Column("key", _("字段")),
                     Column("value", _("数值"))), headline_rows),
        ReportTable("funnel", _("转化漏斗"),
                    (Column("label", _("环节")), Column("count", _("需求数"), "int"),
                     Column("of_first", _("占首环节"), "rate"),
                     Column("of_previous", _("占上一环节"), "rate")),
                    [vars(step) for step in report.funnel]),
        ReportTable("monthly", _("月度趋势"),
                    (Column("month", _("月份")), Column("needs", _("已发布需求"), "int"),
                     Column("dockings", _(FIGURE_LABELS["dockings"]), "int"),
                     Column("deals", _("签约项目"), "int"),
                     Column("amount_wan", _("签约金额（万元）"), "wan")), report.monthly),
        ReportTable("deals_by_contract_type", _("签约：按合同类型"),
                    _deal_columns(Column("label", _("合同类型"))),
                    report.deals_by["contract_type"]),
        ReportTable("deals_by_field", _("签约：按技术领域"),
                    _deal_columns(Column("label", _("技术领域"))), report.deals_by["field"]),
        ReportTable("deals_by_region", _("签约：按地区"),
                    _deal_columns(Column("region", _("地区"))), report.deals_by["region"]),
        ReportTable("deals_by_month", _("签约：按月份"),
                    _deal_columns(Column("month", _("月份"))), report.deals_by["month"]),
        ReportTable("deals_by_organization", _("签约：按供给方机构"),
                    (Column("organization", _("机构")), Column("kind_label", _("类型")),
                     *_deal_columns(Column("organization", _("机构")))[1:]),
                    report.deals_by["organization"]),
        ReportTable("top_institutions", _("签约金额前十的高校院所"),
                    (Column("rank", _("排名"), "int"), Column("organization", _("机构")),
                     Column("kind_label", _("类型")),
                     *_deal_columns(Column("organization", _("机构")))[1:]),
                    report.top_institutions),
        ReportTable("times", _("周期（中位数，天）"),
                    (Column("label", _("阶段")), Column("median_days", _("中位天数"), "days"),
                     Column("needs", _("需求数"), "int")), report.times),
        ReportTable("suggestion_quality", _("推荐质量：按匹配分数段"),
                    (Column("band", _("分数段")), Column("suggestions", _("推荐数"), "int"),
                     Column("docked", _("促成对接"), "int"), Column("share", _("促成率"), "rate")),
                    report.quality),
    ]
    return {t.key: replace(t, rows=[_translated(row) for row in t.rows]) for t in tables}


# Row values that are Chinese labels (funnel steps, contract types, fields, provinces, kinds of
# organisation), shown in the reader's language like the headings.
_LABEL_KEYS = ("label", "kind_label", "region")


def _translated(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _(value) if key in _LABEL_KEYS and isinstance(value, str) and value else value
            for key, value in row.items()}


def to_csv(table: ReportTable) -> bytes:
    """The table as UTF-8 CSV with a byte order mark, headings in the first row."""
    return csv_bytes([c.label for c in table.columns], table.values())


def to_xlsx(tables: Sequence[ReportTable]) -> bytes:
    """A workbook with one sheet per table (sheet named by the table's key), written by
    ``write_table``: rates shown as percentages and amounts number-formatted (their values
    exact), headings frozen, columns sized. The headline table's values take each figure's
    own kind."""
    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet every new workbook starts with
    figure_kinds = {key: kind for key, _label, kind in FIGURES}
    for table in tables:
        sheet = book.create_sheet(table.key[:31])  # Excel's limit on sheet names
        keys = [c.key for c in table.columns]

        def cell_kind(r: int, c: int, table: ReportTable = table,
                      keys: list[str] = keys) -> str | None:
            if table.key == "headline" and keys[c] == "value":
                return figure_kinds.get(table.rows[r]["key"])
            return None

        write_table(sheet, [c.label for c in table.columns], table.values(),
                    kinds=[c.kind for c in table.columns], cell_kind=cell_kind)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
