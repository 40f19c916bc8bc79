"""What every CSV and XLSX download shares: cells that a spreadsheet shows, never runs.

A text cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
or their full-width forms, which some spreadsheets also read as formulas) could run when the
file is opened (``=HYPERLINK(...)``, ``+cmd|...``, DDE). In a CSV such a cell gets a leading
apostrophe (OWASP's advice, which spreadsheets show as text); in an XLSX every text cell is
written with the string type, so nothing in it is read as a formula. Numbers stay numbers.
The importer undoes the apostrophe (:func:`unescape`), so an export can be imported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# Excel reads a CSV as the local ANSI code page unless it starts with a byte order mark.
UTF8_BOM = "\ufeff"
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


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
