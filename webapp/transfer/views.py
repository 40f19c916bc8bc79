"""The operators' import and export page."""

from __future__ import annotations

import io

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from openpyxl import Workbook
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectField

from ..contacts import listing_contacts_visible
from ..db import get_session
from ..forms_common import choices
from ..permissions import acting_user
from ..spreadsheets import append_row
from . import bp
from .columns import COLUMNS
from .services import KINDS, export_rows, import_file, limits, to_csv, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
KIND_LABELS = {"needs": _l("技术需求"), "results": _l("科技成果"), "deals": _l("签约合同")}


class ImportForm(FlaskForm):
    """The file to import, what it holds, and whether to import only the valid rows."""

    kind = SelectField(_l("导入内容"), choices=choices([("needs", _l("技术需求")),
                                                   ("results", _l("科技成果"))]))
    file = FileField(_l("文件（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件"))])
    only_valid = BooleanField(_l("只导入检查通过的行（默认：有任何问题则全部不导入）"))


def _operator() -> None:
    user = acting_user()
    if user is None or not user.is_operator:
        abort(403)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> str | tuple[str, int]:
    """Templates, exports, and the import form with its report."""
    _operator()
    form = ImportForm()
    report = None
    status = 200
    if form.validate_on_submit():
        user = acting_user()
        assert user is not None
        upload = form.file.data
        data = upload.stream.read(limits().max_bytes + 1)
        db = get_session()
        report = import_file(db, form.kind.data or "needs", data, upload.filename or "", user,
                             only_valid=bool(form.only_valid.data))
        if report.imported:
            db.commit()
        else:
            db.rollback()
            status = 422
    elif form.is_submitted():
        status = 400
    return render_template("transfer/index.html", form=form, report=report,
                           kinds=KIND_LABELS, columns=COLUMNS, limits=limits()), status


@bp.route("/template/<kind>.<ext>")
@login_required
def template(kind: str, ext: str) -> Response:
    """The empty template (XLSX has a second sheet explaining each column)."""
    _operator()
    if kind not in KINDS or ext not in ("csv", "xlsx"):
        abort(404)
    if ext == "csv":
        return _download(to_csv(kind, []), CSV, f"innomatch-{kind}-template.csv")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = kind
    append_row(sheet, [c.header for c in COLUMNS[kind]])
    notes = book.create_sheet("说明")
    append_row(notes, ["列名", "必填", "说明"])
    for column in COLUMNS[kind]:
        append_row(notes, [column.header, "是" if column.required else "", column.note])
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), XLSX, f"innomatch-{kind}-template.xlsx")


@bp.route("/export/<kind>.<ext>")
@login_required
def export(kind: str, ext: str) -> Response:
    """Every need, result or deal in the template's columns."""
    _operator()
    if kind not in (*KINDS, "deals") or ext not in ("csv", "xlsx"):
        abort(404)
    db, user = get_session(), acting_user()
    rows = export_rows(db, kind, lambda result: listing_contacts_visible(db, user, result))
    if ext == "csv":
        return _download(to_csv(kind, rows), CSV, f"innomatch-{kind}.csv")
    return _download(to_xlsx(kind, rows), XLSX, f"innomatch-{kind}.xlsx")
