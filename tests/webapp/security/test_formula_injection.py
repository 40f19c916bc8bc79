"""Issue 18, item 3: formula injection in report exports.

Every CSV and XLSX download writes its cells through ``webapp.spreadsheets``: text that starts
like a formula gets a leading apostrophe in CSV, and every text cell of an XLSX is a string
cell, never a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from models import ContractType, Deal, DockingState, OrgKind, User
from webapp.spreadsheets import escape_cell, unescape

PAYLOADS = ['=HYPERLINK("http://evil.example","点此")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)", "\t=1+1", "\r=1+1", "＝1+1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_injection_escape_and_unescape(payload: str) -> None:
    escaped = escape_cell(payload)
    assert escaped == "'" + payload and unescape(escaped) == payload
    assert escape_cell(Decimal("-5")) == "-5" and escape_cell(3) == 3  # numbers stay numbers


@pytest.fixture
def hostile_deal(db: Session, make_user: Callable[..., User], make_org: Callable[..., Any],
                 make_docking: Callable[..., Any], enterprise_user: User) -> str:
    name = PAYLOADS[0]
    institution = make_user(make_org(OrgKind.UNIVERSITY, name=name))
    docking = make_docking(enterprise_user, institution, DockingState.SIGNED)
    db.add(Deal(docking_id=docking.id, contract_type=ContractType.LICENSE,
                amount_wan=Decimal("80"), signed_on=dt.date.today() - dt.timedelta(days=1)))
    db.commit()
    return name


def test_formula_injection_report_csv_escapes_organisation_names(
        as_operator: FlaskClient, hostile_deal: str) -> None:
    for table in ("deals_by_organization", "top_institutions"):
        body = as_operator.get(f"/reports/{table}.csv").data.decode("utf-8-sig")
        cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
        assert "'" + hostile_deal in cells, table
        assert hostile_deal not in cells


def test_formula_injection_report_xlsx_has_no_formula_cells(
        as_operator: FlaskClient, hostile_deal: str) -> None:
    book = load_workbook(io.BytesIO(as_operator.get("/reports/all.xlsx").data))
    found = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if c.value == hostile_deal]
    assert found and {c.data_type for c in found} == {"s"}
    assert not [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]


def test_formula_injection_transfer_exports_share_the_escaping(
        app: Flask, as_operator: FlaskClient, hostile_deal: str) -> None:
    body = as_operator.get("/transfer/export/deals.csv").data.decode("utf-8-sig")
    assert "'" + hostile_deal in [c for row in csv.reader(io.StringIO(body)) for c in row]
