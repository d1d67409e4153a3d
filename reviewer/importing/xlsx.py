"""Read forms out of an Excel workbook (.xlsx) exported from the budget system."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from xml.etree.ElementTree import ParseError
from pathlib import Path

from . import limits
from .bounds import check_package
from .cells import Extracted, NotAForm
from .grid import parse_grid
from .split import split_items


def _decimals(number_format: str) -> int | None:
    match = re.search(r"0\.(0+)", number_format)
    return len(match.group(1)) if match else None


def display(cell) -> str:  # noqa: ANN001 - openpyxl cell
    """A cell's value as Excel shows it: 5,000.000000, 99.57%, 12 — values are kept as printed."""
    return shown_value(cell.value, cell.number_format)


def shown_value(value: object, number_format: str | None) -> str:
    """A value with its number format, as Excel shows it (the .xlsx and the old .xls readers share it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (int, float)):
        fmt = number_format or "General"
        decimals = _decimals(fmt)
        if "%" in fmt:
            return f"{value * 100:.{decimals or 0}f}%"
        if decimals is not None:
            return f"{value:,.{decimals}f}" if "," in fmt else f"{value:.{decimals}f}"
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    return str(value)


def read_xlsx(path: Path, source: str, method: str = "xlsx") -> list[Extracted | NotAForm]:
    """Every form in every sheet, or why none could be read."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(path, source, ".xlsx")
    try:
        # A file object, not the name: openpyxl refuses a workbook by its extension (an .xlsx saved as .xls).
        with path.open("rb") as handle:
            workbook = openpyxl.load_workbook(handle, data_only=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, ParseError):  # a truncated or damaged archive or part
        raise NotAForm(source, "文件已损坏或不是有效的 .xlsx") from None
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise NotAForm(source, f"无法打开 Excel 文件（{type(exc).__name__}）") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl fails on damaged parts in many ways (TypeError, NotImplementedError...)
        raise NotAForm(source, f"文件已损坏或不是有效的 .xlsx（{type(exc).__name__}）") from None
    sheets = []
    rows = 0
    for sheet in workbook.worksheets:
        extent = _extent(sheet, source)
        rows += extent[0] if extent else sheet.max_row
        check_rows(rows, source)
        cells = sheet.iter_rows() if extent is None else sheet.iter_rows(max_row=extent[0], max_col=extent[1])
        sheets.append((sheet.title, [[display(cell) for cell in row] for row in cells]))
    return parse_sheets(sheets, source, method)


def _extent(sheet, source: str) -> tuple[int, int] | None:  # noqa: ANN001 - openpyxl Worksheet
    """None when the sheet's box (every stored cell, styled empty ones too) is small enough to read
    as it is; else the (last row, last column) holding a value, which must be. A cell far away
    (XFD1048576) would otherwise make one read 17 billion empty cells."""
    if sheet.max_row * sheet.max_column <= limits.MAX_SHEET_CELLS:
        return None
    # openpyxl keeps the stored cells in _cells {(row, column): cell}; there is no public way to
    # find the values without walking the whole box.
    valued = [key for key, cell in sheet._cells.items() if cell.value is not None]  # noqa: SLF001
    last_row = max((row for row, _ in valued), default=1)
    last_column = max((column for _, column in valued), default=1)
    if last_row * last_column > limits.MAX_SHEET_CELLS:
        raise NotAForm(source, f"表格过大（工作表“{sheet.title}”有数据的区域为 {last_row:,} 行 × {last_column:,} 列，"
                               f"上限 {limits.MAX_SHEET_CELLS:,} 个单元格），未读取")
    return last_row, last_column


def check_rows(rows: int, source: str) -> None:
    """Refuse a workbook whose sheets hold more rows than any set of forms (limits.MAX_ROWS)."""
    if rows > limits.MAX_ROWS:
        raise NotAForm(source, f"工作簿行数 {rows:,} 超过上限 {limits.MAX_ROWS:,}，不是自评表，未读取")


def parse_sheets(sheets: list[tuple[str, list[list[str]]]], source: str, method: str) -> list[Extracted | NotAForm]:
    """Every form on every sheet (one or several per sheet); empty sheets are passed over."""
    outcomes: list[Extracted | NotAForm] = []
    for title, rows in sheets:
        if not any(cell.strip() for row in rows for cell in row):
            continue
        chunks = split_items(rows, lambda row: " ".join(row))
        for number, chunk in enumerate(chunks, 1):
            label = f"{source}#{title}" + ("" if len(chunks) == 1 else f"（第 {number} 张表）")
            try:
                outcomes.append(parse_grid(chunk, label, method))
            except NotAForm as error:
                outcomes.append(error)
    if not outcomes:
        raise NotAForm(source, "工作表为空，没有找到绩效自评表")
    return outcomes
