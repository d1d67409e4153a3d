"""Read forms out of an old binary Excel workbook (.xls, BIFF) with xlrd.

xlrd reads each cell's value and its number format (formatting_info), so a cell shows as
Excel shows it (5,000.000000, 99.57%), the same as in the .xlsx reader; the cells a merge
covers are blank, as openpyxl gives them. The grid is then read by grid.py like any sheet.
"""

from __future__ import annotations

from pathlib import Path

from . import limits
from .cells import Extracted, NotAForm
from .xlsx import check_rows, parse_sheets, shown_value


def _extent(sheet, source: str) -> tuple[int, int]:  # noqa: ANN001 - xlrd Sheet
    """The rows and columns to read: the sheet's box, or, when that is larger than a sheet may be
    (formatting applied to whole rows or columns), the box of the cells holding a value."""
    if sheet.nrows * sheet.ncols <= limits.MAX_SHEET_CELLS:
        return sheet.nrows, sheet.ncols
    last_row = last_column = 0
    for r in range(sheet.nrows):
        # A row's cell types as bytes; empty (0) and blank (6) cells at its end hold no value.
        used = len(bytes(sheet.row_types(r)).rstrip(b"\x00\x06"))
        if used:
            last_row, last_column = r + 1, max(last_column, used)
    if last_row * last_column > limits.MAX_SHEET_CELLS:
        raise NotAForm(source, f"表格过大（工作表“{sheet.name}”有数据的区域为 {last_row:,} 行 × {last_column:,} 列，"
                               f"上限 {limits.MAX_SHEET_CELLS:,} 个单元格），未读取")
    return last_row, last_column


def _sheet_rows(book, sheet, nrows: int, ncols: int) -> list[list[str]]:  # noqa: ANN001 - xlrd Book and Sheet
    import xlrd

    rows: list[list[str]] = []
    for r in range(nrows):
        row: list[str] = []
        for c in range(ncols):
            cell = sheet.cell(r, c)
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                row.append("")
            elif cell.ctype == xlrd.XL_CELL_NUMBER:
                xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                fmt = book.format_map[xf.format_key].format_str if xf and xf.format_key in book.format_map else None
                row.append(shown_value(cell.value, fmt))
            elif cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    row.append(shown_value(xlrd.xldate_as_datetime(cell.value, book.datemode), None))
                except (ValueError, OverflowError):  # a number formatted as a date that is none
                    row.append(shown_value(cell.value, None))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                row.append(shown_value(bool(cell.value), None))
            else:
                row.append(str(cell.value))
        rows.append(row)
    return rows


def read_xls(path: Path, source: str, method: str = "xls") -> list[Extracted | NotAForm]:
    """Every form on every sheet of an .xls workbook, or why none could be read."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower() or "password" in str(exc).lower():
            raise NotAForm(source, "Excel 文件已加密，请去掉密码后再导入") from None
        raise NotAForm(source, "文件已损坏或不是有效的 .xls") from None
    except Exception as exc:  # noqa: BLE001 - xlrd fails on damaged compound files in many ways (struct, index, assertion...)
        raise NotAForm(source, f"文件已损坏或不是有效的 .xls（{type(exc).__name__}）") from None
    try:
        sheets = []
        rows = 0
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            nrows, ncols = _extent(sheet, source)
            rows += nrows
            check_rows(rows, source)
            sheets.append((sheet.name, _sheet_rows(book, sheet, nrows, ncols)))
    except NotAForm:
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet whose records are cut short
        raise NotAForm(source, f"文件已损坏或不是有效的 .xls（{type(exc).__name__}）") from None
    finally:
        book.release_resources()
    return parse_sheets(sheets, source, method)
