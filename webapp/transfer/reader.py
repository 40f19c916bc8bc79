"""Reading an uploaded CSV or XLSX into rows of text, within limits, without trusting the file.

CSV may be UTF-8 (with or without a byte order mark) or GBK/GB18030, as Excel on Chinese
Windows saves it; anything else is refused with a message. An XLSX is a zip archive: its
unpacked size and entry count are checked from the archive's directory before any of it is
decompressed, so a zip bomb is refused without being inflated.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import charset_normalizer
from flask_babel import gettext as _


class TransferError(ValueError):
    """The file as a whole cannot be read; nothing is imported."""


@dataclass(frozen=True)
class Limits:
    """How large an import may be."""

    max_bytes: int = 2 * 1024 * 1024
    max_rows: int = 2000
    max_cell: int = 10_000
    max_unpacked: int = 30 * 1024 * 1024
    max_entries: int = 200


def read_table(data: bytes, filename: str, limits: Limits) -> list[list[str]]:
    """The file's rows as lists of trimmed text, header first; trailing blank rows dropped."""
    if len(data) > limits.max_bytes:
        raise TransferError(_("文件过大：上限为 %(kb)s KB。", kb=limits.max_bytes // 1024))
    if not data.strip():
        raise TransferError(_("文件是空的。"))
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        rows = _read_xlsx(data, limits)
    elif name.endswith((".csv", ".txt")) or not name:
        rows = _read_csv(_decode(data), limits)
    else:
        raise TransferError(_("只支持 CSV（UTF-8 或 GBK 编码）和 XLSX 文件。"))
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) - 1 > limits.max_rows:
        raise TransferError(_("数据行数超过上限 %(n)s 行，请分批导入。", n=limits.max_rows))
    return rows


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        except UnicodeDecodeError:
            raise TransferError(_("文件标明为 UTF-8 编码，但内容不是有效的 UTF-8。")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Only the GB family is worth guessing: it is what Chinese Excel writes, and a wider guess
    # would turn a wrong file into plausible-looking garbage instead of a clear refusal.
    best = charset_normalizer.from_bytes(data, cp_isolation=["gb18030"]).best()
    if best is None:
        raise TransferError(_("无法识别文件编码：请将 CSV 另存为 UTF-8 或 GBK 编码。"))
    return str(best)


def _read_csv(text: str, limits: Limits) -> list[list[str]]:
    if "\x00" in text:
        raise TransferError(_("文件中含有空字符（NUL），不是有效的 CSV 文本。"))
    rows: list[list[str]] = []
    # The csv module's own field limit makes an overlong cell an error rather than a long read.
    previous = csv.field_size_limit(limits.max_cell * 4 + 16)
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append([cell.strip() for cell in row])
            if len(rows) > limits.max_rows + 1:
                raise TransferError(_("数据行数超过上限 %(n)s 行，请分批导入。", n=limits.max_rows))
    except csv.Error as exc:
        raise TransferError(_("CSV 格式有误（第 %(row)s 行）：%(error)s", row=len(rows) + 1,
                              error=exc)) from None
    finally:
        csv.field_size_limit(previous)
    return rows


def _check_archive(data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise TransferError(_("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿。")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise TransferError(_("XLSX 文件包含的部件过多，拒绝读取。"))
        unpacked = sum(e.file_size for e in entries)
        if unpacked > limits.max_unpacked:
            raise TransferError(
                _("XLSX 解压后过大（%(size)s MB，上限 %(limit)s MB），可能是压缩炸弹，拒绝读取。",
                  size=unpacked // (1024 * 1024), limit=limits.max_unpacked // (1024 * 1024)))


def _read_xlsx(data: bytes, limits: Limits) -> list[list[str]]:
    _check_archive(data, limits)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a malformed workbook; all mean unreadable
        raise TransferError(_("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿。")) from None
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > limits.max_rows + 1:
                raise TransferError(_("数据行数超过上限 %(n)s 行，请分批导入。", n=limits.max_rows))
    except TransferError:
        raise
    except Exception:
        raise TransferError(_("无法读取 XLSX 文件：工作表内容有误。")) from None
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold (dates ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()
