"""What every CSV and XLSX download shares: cells that a spreadsheet shows, never runs.

A text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
or their full-width forms, which some spreadsheets also read as formulas) could run when the
file is opened (``=HYPERLINK(...)``, ``+cmd|...``, DDE). In a CSV such a cell gets a leading
apostrophe (OWASP's advice, which spreadsheets show as text); in an XLSX every text cell is
written with the string type, so nothing in it is read as a formula. Numbers stay numbers.
The importer undoes the apostrophe (:func:`unescape`), so an export can be imported again.

A table written with :func:`write_table` also reads well in a spreadsheet: numbers keep their
exact values but show formatted by their kind (percentages, amounts with thousands separators
and two decimals), the headings are bold and stay in view when scrolling, and each column is
as wide as its longest cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

# Excel reads a CSV as the local ANSI code page unless it starts with a byte order mark.
UTF8_BOM = "\ufeff"
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
# How a number of each kind shows in a spreadsheet (its value stays exact): rates are fractions
# shown as percentages, amounts in 万元 (or 亿元) with thousands separators.
NUMBER_FORMATS = {"int": "#,##0", "wan": "#,##0.00", "yi": "#,##0.0000", "rate": "0.0%",
                  "days": "#,##0.0"}
MAX_COLUMN_WIDTH = 60


def escape_cell(value: Any) -> Any:
    """A cell's value as written: text that starts like a formula with a leading apostrophe,
    Decimals as plain digits (never ``1E+2``), ``None`` as an empty cell, other values as they
    are."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def unescape(text: str) -> str:
    """Undo :func:`escape_cell` on a cell read back from a file."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte order mark (so that Excel reads it), headings first, every cell
    through :func:`escape_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(v) for v in header])
    writer.writerows([escape_cell(v) for v in row] for row in rows)
    return (UTF8_BOM + out.getvalue()).encode("utf-8")


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row to an XLSX sheet: text always as a string cell (never a formula), numbers
    as numbers, ``None`` as an empty cell."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would take a text starting with = for a formula
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def _shown_width(value: Any, kind: str | None) -> int:
    """About how many character widths a cell takes as shown (CJK characters count two)."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = {"rate": f"{float(value):.1%}", "wan": f"{float(value):,.2f}",
                "yi": f"{float(value):,.4f}", "int": f"{float(value):,.0f}",
                "days": f"{float(value):,.1f}"}.get(kind or "", str(value))
    else:
        text = str(value)
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def write_table(sheet: Worksheet, header: Sequence[Any], rows: Iterable[Sequence[Any]],
                kinds: Sequence[str | None] = (),
                cell_kind: Callable[[int, int], str | None] | None = None) -> None:
    """Write a table to an XLSX sheet through :func:`append_row`: bold headings frozen at the
    top, each number formatted by its column's kind (``NUMBER_FORMATS``; ``cell_kind(row,
    column)``, counted from 0 over the data rows, overrides it for one cell), and every column
    sized to its longest cell."""
    append_row(sheet, header)
    widths = [_shown_width(h, None) for h in header]
    for r, row in enumerate(rows):
        append_row(sheet, row)
        for c, value in enumerate(row):
            kind = (cell_kind(r, c) if cell_kind else None) or (
                kinds[c] if c < len(kinds) else None)
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                fmt = NUMBER_FORMATS.get(kind or "")
                if fmt:
                    sheet.cell(row=r + 2, column=c + 1).number_format = fmt
            if c < len(widths):
                widths[c] = max(widths[c], _shown_width(value, kind))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_COLUMN_WIDTH)
