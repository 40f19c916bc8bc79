"""Bulk import and export: the round trip, re-imports, and every kind of bad file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import (
    CooperationMode,
    Field,
    IPType,
    Match,
    Need,
    NeedStatus,
    Organization,
    OrgKind,
    Result,
    ResultIP,
    ResultStatus,
    User,
)
from webapp.transfer.columns import NEED_COLUMNS

HEADERS = [c.header for c in NEED_COLUMNS]
FUTURE = (dt.date.today() + dt.timedelta(days=90)).isoformat()


def _row(**overrides: str) -> dict[str, str]:
    row = {
        "外部编号": "SH-2025-001", "需求名称": "高速线阵相机下的极片缺陷检测",
        "需求单位": "常州新锂电池有限公司",
        "技术领域": "新能源与节能", "子领域": "新型高效能量转换与储存技术",
        "拟解决的技术难题": "锂离子电池极片涂布速度达 80m/min，现有人工抽检无法发现针孔、划痕和漏涂。",
        "技术指标": "检测精度≤0.1mm", "现有基础": "已有涂布产线 3 条", "关键词": "机器视觉、缺陷检测",
        "预算金额(万元)": "80-150", "合作方式": "合作开发、委托开发", "所属地区": "江苏省", "城市": "常州市",
        "有效期": FUTURE, "公开单位名称": "是", "状态": "已发布",
    }
    row.update(overrides)
    return row


def _csv(rows: list[dict[str, str]], headers: list[str] | None = None,
         encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    headers = headers or HEADERS
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _import(client: FlaskClient, data: bytes, filename: str, kind: str = "needs",
            **extra: Any) -> Any:
    return client.post("/transfer", data={"kind": kind, "file": (io.BytesIO(data), filename),
                                          **extra}, content_type="multipart/form-data")


def _problems(response: Any) -> str:
    return response.get_data(as_text=True)


# --- importing -------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding_imports_and_is_matched(
        as_operator: FlaskClient, db: Session, encoding: str, institution_user: User,
        make_result: Callable[..., Result]) -> None:
    result = make_result(institution_user)
    response = _import(as_operator, _csv([_row()], encoding=encoding), "needs.csv")
    assert response.status_code == 200, _problems(response)
    need = db.scalar(select(Need))
    assert need is not None and need.title == "高速线阵相机下的极片缺陷检测"
    assert need.status is NeedStatus.PUBLISHED and need.external_id == "SH-2025-001"
    assert need.budget_min_wan == Decimal(80) and need.budget_max_wan == Decimal(150)
    assert set(need.modes) == {CooperationMode.JOINT_DEVELOPMENT,
                               CooperationMode.COMMISSIONED_DEVELOPMENT}
    org = db.get(Organization, need.organization_id)
    assert org is not None and org.name == "常州新锂电池有限公司" and org.kind is OrgKind.ENTERPRISE
    # Imported needs are matched like posted ones.
    assert db.scalar(select(Match.result_id).where(Match.need_id == need.id)) == result.id


def test_reimporting_the_same_file_creates_nothing(as_operator: FlaskClient, db: Session) -> None:
    rows = [_row(), _row(**{"外部编号": "", "需求名称": "无外部编号的需求按内容识别"})]
    data = _xlsx(rows)
    assert _import(as_operator, data, "needs.xlsx").status_code == 200
    assert _count(db, Need) == 2
    again = _import(as_operator, data, "needs.xlsx")
    assert again.status_code == 200 and "已存在而跳过 2" in _problems(again)
    assert _count(db, Need) == 2 and _count(db, Organization) == 2  # the operator's + one


def test_existing_organisations_are_matched_by_name(as_operator: FlaskClient, db: Session,
                                                    enterprise_user: User) -> None:
    response = _import(as_operator, _csv([_row(**{"需求单位": "苏州精测装备有限公司"})]), "n.csv")
    assert response.status_code == 200
    need = db.scalar(select(Need))
    assert need is not None and need.organization_id == enterprise_user.organization_id
    refused = _import(as_operator, _csv([_row(**{"需求单位": "InnoMatch 平台运营中心",
                                                 "外部编号": "X2"})]), "n.csv")
    assert refused.status_code == 422 and "不是企业" in _problems(refused)


BAD_FILES: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("wrong encoding", lambda: "需求名称,技术领域\n".encode("utf-16-le"), "n.csv", "无法识别文件编码"),
    ("missing column", lambda: _csv([_row()], [h for h in HEADERS if h != "技术领域"]), "n.csv",
     "缺少必填列“技术领域”"),
    ("unknown column", lambda: _csv([_row()], [*HEADERS, "颜色"]), "n.csv", "未知的列“颜色”"),
    ("bad number", lambda: _csv([_row(**{"预算金额(万元)": "八十万"})]), "n.csv",
     "请输入数字金额"),
    ("bad range", lambda: _csv([_row(**{"预算金额(万元)": "150-80"})]), "n.csv", "预算上限不能低于下限"),
    ("bad date", lambda: _csv([_row(**{"有效期": "2025-02-30"})]), "n.csv", "不是有效的日期"),
    ("bad field", lambda: _csv([_row(**{"技术领域": "炼金术"})]), "n.csv", "未知的技术领域“炼金术”"),
    ("empty rows", lambda: _csv([{}, {}]), "n.csv", "没有数据行"),
    ("duplicate rows", lambda: _csv([_row(), _row()]), "n.csv", "与第 2 行重复"),
    ("long cell", lambda: _csv([_row(**{"技术指标": "长" * 20_000})]), "n.csv", "内容过长"),
    ("not a spreadsheet", lambda: b"%PDF-1.7 not a table", "n.pdf", "只支持 CSV"),
    ("corrupt xlsx", lambda: b"PK\x03\x04" + b"\x00" * 200, "n.xlsx", "无法读取 XLSX"),
]


@pytest.mark.parametrize(("name", "make", "filename", "message"), BAD_FILES,
                         ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_gives_its_message_and_imports_nothing(
        as_operator: FlaskClient, db: Session, name: str, make: Callable[[], bytes],
        filename: str, message: str) -> None:
    good = _row(**{"外部编号": "GOOD-1", "需求名称": "检查通过的一行也不会被导入"})
    data = make()
    if name not in ("wrong encoding", "empty rows", "not a spreadsheet", "corrupt xlsx",
                    "missing column", "unknown column"):
        # A good row beside the bad one: all or nothing means it is not imported either.
        text = data.decode("utf-8")
        data = (text + _csv([good]).decode("utf-8").split("\r\n", 1)[1]).encode("utf-8")
    response = _import(as_operator, data, filename)
    assert response.status_code == 422
    assert message in _problems(response), _problems(response)
    assert "未导入任何记录" in _problems(response)
    assert _count(db, Need) == 0


def test_row_and_column_are_reported(as_operator: FlaskClient) -> None:
    rows = [_row(**{"外部编号": "A"}), _row(**{"外部编号": "B", "有效期": "明年"}),
            _row(**{"外部编号": "C", "所属地区": "火星"})]
    page = _problems(_import(as_operator, _csv(rows), "n.csv"))
    assert "<td>3</td><td>有效期</td><td>日期格式应为 YYYY-MM-DD</td>" in page
    assert "<td>4</td><td>所属地区</td>" in page


def test_only_valid_rows_on_request(as_operator: FlaskClient, db: Session) -> None:
    rows = [_row(**{"外部编号": "A"}), _row(**{"外部编号": "B", "技术领域": "炼金术"})]
    response = _import(as_operator, _csv(rows), "n.csv", only_valid="y")
    assert response.status_code == 200 and "已导入 1 条" in _problems(response)
    assert db.scalars(select(Need.external_id)).all() == ["A"]


def test_oversized_file_and_too_many_rows(app: Flask, as_operator: FlaskClient,
                                          db: Session) -> None:
    app.config["IMPORT_MAX_ROWS"] = 3
    many = [_row(**{"外部编号": f"R{i}"}) for i in range(5)]
    response = _import(as_operator, _csv(many), "n.csv")
    assert response.status_code == 422 and "超过上限 3 行" in _problems(response)
    app.config["IMPORT_MAX_BYTES"] = 1000
    big = _import(as_operator, _csv([_row()]) + b" " * 2000, "n.csv")
    assert big.status_code == 422 and "文件过大" in _problems(big)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    refused = _import(as_operator, b"x" * 10_000, "n.csv")
    assert refused.status_code == 413
    assert _count(db, Need) == 0


def test_zip_bomb_is_refused_before_it_is_unpacked(app: Flask, as_operator: FlaskClient,
                                                   db: Session) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b" " * 60_000_000 + b"</x>")
    data = out.getvalue()
    assert len(data) < 200_000
    response = _import(as_operator, data, "bomb.xlsx")
    assert response.status_code == 422 and "压缩炸弹" in _problems(response)
    assert _count(db, Need) == 0


def test_only_operators_reach_the_page(as_enterprise: FlaskClient, client: FlaskClient) -> None:
    assert as_enterprise.get("/transfer").status_code == 403
    assert as_enterprise.get("/transfer/export/needs.csv").status_code == 403
    assert client.get("/transfer").status_code == 302


# --- the round trip --------------------------------------------------------------------------

def _template_rows(data: bytes, ext: str) -> list[list[str]]:
    if ext == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_export_imports_back_to_the_same_records(
        ext: str, as_operator: FlaskClient, db: Session, enterprise_user: User,
        institution_user: User, make_need: Callable[..., Need],
        make_result: Callable[..., Result]) -> None:
    make_need(enterprise_user, subfield="新型高效能量转换与储存技术", keywords="涂布，检测",
              indicators="=1+1 不是公式", city="苏州市", show_org_name=False,
              valid_until=dt.date.today() + dt.timedelta(days=30),
              modes=[CooperationMode.JOINT_DEVELOPMENT, CooperationMode.TRANSFER])
    make_need(enterprise_user, status=NeedStatus.DRAFT, title="预算面议的草稿需求",
              budget_min_wan=None, budget_max_wan=None, field=Field.ADVANCED_MANUFACTURING)
    make_need(enterprise_user, status=NeedStatus.CLOSED, title="固定预算的已关闭需求",
              budget_min_wan=Decimal("12.5"), budget_max_wan=Decimal("12.5"),
              valid_until=dt.date(2020, 1, 1))
    result = make_result(institution_user, keywords="视觉", price_wan=Decimal("88.8"),
                         team="王教授团队", contact_name="王老师", contact_phone="021-1")
    result.ip_rights = [ResultIP(ip_type=IPType.INVENTION_PATENT, number="ZL1"),
                        ResultIP(ip_type=IPType.INVENTION_PATENT, number="ZL2")]
    db.commit()
    make_result(institution_user, status=ResultStatus.WITHDRAWN, title="已撤回的成果也能导回")
    before = {kind: as_operator.get(f"/transfer/export/{kind}.{ext}").data
              for kind in ("needs", "results")}
    # A cell that starts like a formula is exported as text, not run by a spreadsheet.
    if ext == "csv":
        assert "'=1+1 不是公式" in before["needs"].decode("utf-8-sig")
    else:
        sheet = load_workbook(io.BytesIO(before["needs"])).worksheets[0]
        cells = [c for row in sheet.iter_rows() for c in row if c.value == "=1+1 不是公式"]
        assert [c.data_type for c in cells] == ["s"]
    # Re-importing into the same platform finds every record: nothing new.
    for kind in ("needs", "results"):
        again = _import(as_operator, before[kind], f"{kind}.{ext}", kind=kind)
        assert again.status_code == 200 and "已存在而跳过" in _problems(again)
    assert _count(db, Need) == 3 and _count(db, Result) == 2
    # Into an empty platform (same organisations), the records come back identical.
    db.execute(delete(Need))
    db.execute(delete(Result))
    db.commit()
    for kind in ("needs", "results"):
        response = _import(as_operator, before[kind], f"{kind}.{ext}", kind=kind)
        assert response.status_code == 200, _problems(response)
    assert _count(db, Need) == 3 and _count(db, Result) == 2
    after = {kind: as_operator.get(f"/transfer/export/{kind}.{ext}").data
             for kind in ("needs", "results")}
    for kind in ("needs", "results"):
        assert _template_rows(after[kind], ext) == _template_rows(before[kind], ext)
    restored = db.scalar(select(Need).where(Need.title == "固定预算的已关闭需求"))
    assert restored is not None and restored.status is NeedStatus.CLOSED


def test_deals_export_and_templates(as_operator: FlaskClient) -> None:
    deals = as_operator.get("/transfer/export/deals.xlsx")
    assert deals.status_code == 200
    assert _template_rows(deals.data, "xlsx")[0][:3] == ["合同编号", "对接编号", "需求名称"]
    template = as_operator.get("/transfer/template/needs.xlsx")
    book = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert book.worksheets[1].title == "说明"
    csv_template = as_operator.get("/transfer/template/results.csv").data.decode("utf-8-sig")
    assert csv_template.startswith("外部编号,成果名称,成果单位")


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_import_and_export(app: Flask, db: Session, operator_user: User,
                               tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    source = tmp_path / "needs.xlsx"
    source.write_bytes(_xlsx([_row()]))
    dry = runner.invoke(args=["import", "needs", str(source), "--dry-run"])
    assert dry.exit_code == 0 and "nothing imported" in dry.output
    assert _count(db, Need) == 0
    done = runner.invoke(args=["import", "needs", str(source)])
    assert done.exit_code == 0, done.output
    assert "created: 1" in done.output and _count(db, Need) == 1
    again = runner.invoke(args=["import", "needs", str(source)])
    assert "created: 0, skipped: 1" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([_row(**{"外部编号": "Z", "有效期": "someday"})], encoding="gbk"))
    failed = runner.invoke(args=["import", "needs", str(bad)])
    assert failed.exit_code == 1 and "row 2, 有效期" in failed.output
    target = tmp_path / "out.csv"
    exported = runner.invoke(args=["export", "needs", str(target)])
    assert exported.exit_code == 0 and "1 rows" in exported.output
    assert target.read_bytes().decode("utf-8-sig").startswith("外部编号,需求名称")


def test_cli_import_needs_an_operator(app: Flask, tmp_path: Path,
                                      enterprise_user: User) -> None:
    source = tmp_path / "needs.csv"
    source.write_bytes(_csv([_row()]))
    result = app.test_cli_runner().invoke(args=["import", "needs", str(source), "--by",
                                                enterprise_user.email])
    assert result.exit_code != 0 and "operator" in result.output
