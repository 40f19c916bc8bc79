"""Bulk import and export of needs and results (and export of deals). Services flush; the
page and the CLI commit.

An import reads the whole file, checks every row with the pages' forms, and reports each
problem by row, column and message. With any problem nothing is imported, unless the caller
asks for the valid rows only. Rows already imported (same 外部编号, or same content when there is
none) are skipped, so importing a file twice creates nothing the second time. Imported records
go through the same services as posted ones, and are matched like them.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Deal,
    Docking,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultStatus,
    User,
)

from ..forms_common import form_problems
from ..listings.services import announce
from ..needs.forms import NEED_FORM_NAMES, need_form
from ..needs.services import close_need, create_need
from ..results.forms import RESULT_FORM_NAMES, result_form
from ..results.services import create_result, withdraw_result
from ..spreadsheets import append_row, csv_bytes, unescape
from .columns import (
    COLUMNS,
    EXPORT_ID_PREFIX,
    READERS,
    CellError,
    Column,
    need_row,
    normalise_header,
    read_budget,
    read_need_status,
    read_result_status,
    result_row,
)
from .reader import Limits, TransferError, read_table

KINDS = ("needs", "results")
MAX_EXTERNAL_ID = 64


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: the spreadsheet row (1 is the header), column, message."""

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did."""

    kind: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    skipped: list[tuple[int, int]] = field(default_factory=list)  # (row, existing record id)
    organizations_created: list[str] = field(default_factory=list)
    imported: bool = False

    @property
    def problem_rows(self) -> int:
        """How many rows have at least one problem."""
        return len({p.row for p in self.problems if p.row > 1})


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    key: str
    org_name: str
    form: Any = None
    status: Any = None


def limits() -> Limits:
    """The import limits, from the configuration where set."""
    cfg = current_app.config
    base = Limits()
    return Limits(max_bytes=int(cfg.get("IMPORT_MAX_BYTES", base.max_bytes)),
                  max_rows=int(cfg.get("IMPORT_MAX_ROWS", base.max_rows)),
                  max_cell=int(cfg.get("IMPORT_MAX_CELL", base.max_cell)),
                  max_unpacked=int(cfg.get("IMPORT_MAX_UNPACKED", base.max_unpacked)))


def fingerprint(kind: str, org_name: str, values: dict[str, Any]) -> str:
    """A content key for rows without 外部编号: organisation, title and main text."""
    text = values.get("problem") if kind == "needs" else values.get("summary")
    digest = hashlib.sha256("\x1f".join([kind, org_name, str(values.get("title", "")),
                                         str(text or "")]).encode("utf-8"))
    return "fp-" + digest.hexdigest()[:40]


def import_file(session: Session, kind: str, data: bytes, filename: str, actor: User, *,
                only_valid: bool = False, dry_run: bool = False) -> ImportReport:
    """Check a file and, if it passes (or ``only_valid``), create its new records."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind}")
    report = ImportReport(kind=kind)
    bounds = limits()
    try:
        table = read_table(data, filename, bounds)
    except TransferError as exc:
        report.problems.append(Problem(0, "", str(exc)))
        return report
    columns = _map_header(table[0] if table else [], COLUMNS[kind], report)
    if report.problems:
        return report  # a file whose columns are wrong has no row worth reading
    rows = _check_rows(session, kind, table[1:], columns, bounds, report)
    if report.rows == 0 and not report.problems:
        report.problems.append(Problem(0, "", _("文件中没有数据行。")))
    if (report.problems and not only_valid) or dry_run:
        return report
    _create(session, kind, rows, actor, report)
    report.imported = True
    return report


def _map_header(header: Sequence[str], columns: Sequence[Column],
                report: ImportReport) -> dict[int, Column]:
    by_name = {normalise_header(c.header): c for c in columns}
    found: dict[int, Column] = {}
    for index, raw in enumerate(header):
        name = normalise_header(raw)
        if not name:
            continue
        column = by_name.get(name)
        if column is None:
            report.problems.append(Problem(1, raw[:40], _(
                "未知的列“%(column)s”：请使用模板中的列名", column=raw[:40])))
        elif column in found.values():
            report.problems.append(Problem(1, raw[:40], _("列“%(column)s”重复", column=raw[:40])))
        else:
            found[index] = column
    for column in columns:
        if column.required and column not in found.values():
            report.problems.append(Problem(1, column.header,
                                           _("缺少必填列“%(column)s”", column=column.header)))
    return found


def _check_rows(session: Session, kind: str, rows: list[list[str]], columns: dict[int, Column],
                bounds: Limits, report: ImportReport) -> list[_Row]:
    good: list[_Row] = []
    seen: dict[str, int] = {}
    headers = {c.key: c.header for c in columns.values()}
    names = {**(NEED_FORM_NAMES if kind == "needs" else RESULT_FORM_NAMES),
             "budget_min_wan": "budget", "budget_max_wan": "budget"}
    for offset, cells in enumerate(rows):
        number = offset + 2
        if not any(cells):
            continue  # blank rows between records are common in spreadsheets
        report.rows += 1
        problems: list[Problem] = []
        raw: dict[str, str] = {}
        for index, column in columns.items():
            text = unescape(cells[index]) if index < len(cells) else ""
            if len(text) > bounds.max_cell:
                problems.append(Problem(number, column.header,
                                        _("内容过长（上限 %(n)s 字）", n=bounds.max_cell)))
                text = ""
            raw[column.key] = text
        values, cell_problems = _read_cells(raw, headers, number)
        problems += cell_problems
        org_name = raw.get("organization", "")
        if not 2 <= len(org_name) <= 100:
            problems.append(Problem(number, headers["organization"], _("单位名称须为 2–100 个字")))
        external = raw.get("external_id", "")
        if len(external) > MAX_EXTERNAL_ID:
            problems.append(Problem(number, headers["external_id"],
                                    _("外部编号最多 %(n)s 个字符", n=MAX_EXTERNAL_ID)))
        key = external or fingerprint(kind, org_name, values)
        row = _Row(number, values, key, org_name)
        if not problems:
            problems += _check_form(kind, row, headers, names)
            problems += _check_org(session, kind, row, headers)
        if key in seen:
            problems.append(Problem(number, headers.get("external_id", headers["title"]),
                                    _("与第 %(row)s 行重复", row=seen[key])))
        seen.setdefault(key, number)
        if problems:
            report.problems += problems
            continue
        existing = _existing(session, kind, key)
        if existing is not None:
            report.skipped.append((number, existing))
            continue
        good.append(row)
    return good


def _read_cells(raw: dict[str, str], headers: dict[str, str],
                number: int) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, text in raw.items():
        try:
            if key == "budget":
                values["budget_min_wan"], values["budget_max_wan"] = read_budget(text)
            elif key == "status":
                values["status"] = text
            elif key in READERS:
                values[key] = READERS[key](text)
            else:
                values[key] = text
        except CellError as exc:
            problems.append(Problem(number, headers[key], str(exc)))
    return values, problems


def _check_form(kind: str, row: _Row, headers: dict[str, str],
                names: dict[str, str]) -> list[Problem]:
    problems = []
    try:
        if kind == "needs":
            row.status = read_need_status(row.values.get("status", ""))
            row.form = need_form(row.values)
        else:
            row.status = read_result_status(row.values.get("status", ""))
            row.form = result_form(row.values)
    except CellError as exc:
        return [Problem(row.number, headers.get("status", ""), str(exc))]
    valid = row.form.validate()
    found = {} if valid else form_problems(row.form, names)
    if kind == "needs" and not row.status.is_open and row.status is not NeedStatus.DRAFT:
        # A closed or expired need may well have a past validity date; only open ones may not.
        found.pop("valid_until", None)
    for key, message in found.items():
        problems.append(Problem(row.number, headers.get(key, key), message))
    return problems


def _check_org(session: Session, kind: str, row: _Row, headers: dict[str, str]) -> list[Problem]:
    org = session.scalar(select(Organization).where(Organization.name == row.org_name))
    if org is None:
        kind_value = row.values.get("org_kind")
        if kind == "results" and kind_value is not None and not kind_value.is_institution:
            return [Problem(row.number, headers.get("org_kind", ""), _("成果单位应为高校或科研院所"))]
        return []
    if kind == "needs" and not org.can_post_needs:
        return [Problem(row.number, headers["organization"],
                        _("“%(org)s”不是企业，不能发布需求", org=org.name))]
    if kind == "results" and not org.can_post_results:
        return [Problem(row.number, headers["organization"],
                        _("“%(org)s”不是高校或科研院所，不能发布成果", org=org.name))]
    return []


def _existing(session: Session, kind: str, key: str) -> int | None:
    found = session.scalar(select(Need.id).where(Need.external_id == key)) if kind == "needs" \
        else session.scalar(select(Result.id).where(Result.external_id == key))
    if found is not None:
        return found
    prefix = EXPORT_ID_PREFIX[kind]
    if key.startswith(prefix) and key[len(prefix):].isdigit() and len(key) < len(prefix) + 10:
        # Our own export names records that were never imported by their platform id.
        record_id = int(key[len(prefix):])
        record: Need | Result | None = (session.get(Need, record_id) if kind == "needs"
                                        else session.get(Result, record_id))
        if record is not None and record.external_id is None:
            return record.id
    return None


def _organization(session: Session, kind: str, row: _Row, report: ImportReport) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == row.org_name))
    if org is not None:
        return org
    if kind == "needs":
        org_kind = OrgKind.ENTERPRISE
    else:
        org_kind = row.values.get("org_kind") or (
            OrgKind.UNIVERSITY if ("大学" in row.org_name or "学院" in row.org_name)
            else OrgKind.INSTITUTE)
    org = Organization(name=row.org_name, kind=org_kind, province=row.values["province"],
                       city=str(row.values.get("city") or ""))
    session.add(org)
    session.flush()
    report.organizations_created.append(org.name)
    return org


def _create(session: Session, kind: str, rows: list[_Row], actor: User,
            report: ImportReport) -> None:
    for row in rows:
        org = _organization(session, kind, row, report)
        if kind == "needs":
            need = create_need(session, actor, row.form.to_input(),
                               publish=row.status is not NeedStatus.DRAFT)
            need.organization_id, need.external_id = org.id, row.key
            if row.status is NeedStatus.CLOSED:
                close_need(need)
            elif row.status is NeedStatus.EXPIRED:
                need.status = NeedStatus.EXPIRED
            session.flush()
            session.refresh(need, ["organization"])
            announce(session, need)
            report.created.append(need.id)
        else:
            result = create_result(session, actor, row.form.to_input(),
                                   publish=row.status is not ResultStatus.DRAFT)
            result.organization_id, result.external_id = org.id, row.key
            if row.status is ResultStatus.WITHDRAWN:
                withdraw_result(result)
            session.flush()
            session.refresh(result, ["organization"])
            announce(session, result)
            report.created.append(result.id)


# --- export ---------------------------------------------------------------------------------

def export_rows(session: Session, kind: str,
                shows_contacts: Callable[[Result], bool]) -> list[dict[str, str]]:
    """Every need, result or deal in the template's columns, oldest first; a result's contact
    person and phone only where ``shows_contacts(result)`` (``webapp.contacts``'s rule)."""
    if kind == "needs":
        return [need_row(n) for n in session.scalars(select(Need).order_by(Need.id))]
    if kind == "results":
        return [result_row(r, contacts=shows_contacts(r))
                for r in session.scalars(select(Result).order_by(Result.id))]
    if kind == "deals":
        deals = session.scalars(select(Deal).join(Deal.docking).order_by(Deal.id))
        return [_deal_row(session, d) for d in deals]
    raise ValueError(f"unknown export kind {kind}")


def _deal_row(session: Session, deal: Deal) -> dict[str, str]:
    docking: Docking = deal.docking
    supply = session.get(Organization, docking.supply_org_id)
    return {"id": str(deal.id), "docking_id": str(docking.id), "need_title": docking.need.title,
            "need_org": docking.need.organization.name, "supply_org": supply.name if supply else "",
            "contract_type": deal.contract_type.label,
            "amount_wan": f"{deal.amount_wan.normalize():f}",
            "signed_on": deal.signed_on.isoformat(), "contract_number": deal.contract_number or ""}


def to_csv(kind: str, rows: list[dict[str, str]]) -> bytes:
    """UTF-8 CSV with a byte order mark (so that Excel reads it), headings first."""
    columns = COLUMNS[kind]
    return csv_bytes([c.header for c in columns],
                     ([row.get(c.key, "") for c in columns] for row in rows))


def to_xlsx(kind: str, rows: list[dict[str, str]]) -> bytes:
    """One sheet, headings first; every cell is text, so nothing is read as a formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = kind
    columns = COLUMNS[kind]
    append_row(sheet, [column.header for column in columns])
    for row in rows:
        append_row(sheet, [row.get(column.key, "") for column in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_notes(kind: str) -> list[Column]:
    """The template's columns with their notes, for the page and the template file."""
    return list(COLUMNS[kind])
