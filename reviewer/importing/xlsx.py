"""Read forms out of an Excel workbook (.xlsx) exported from the budget system."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
import re
import zipfile
import zlib
from xml.etree.ElementTree import ParseError
from pathlib import Path

from .cells import Extracted, NotAForm
from .grid import parse_grid
from .split import split_items


def _decimals(number_format: str) -> int | None:
    match = re.search(r"0\.(0+)", number_format)
    return len(match.group(1)) if match else None


def _fixed(value: int | float, places: int, scale: int = 1, grouped: bool = False) -> str:
    """A number with `places` decimals as Excel shows it: half away from zero on the decimal it prints
    (repr), not half-even on the binary value — 0.86125 as a percent is 86.13%, never 86.12%."""
    number = (Decimal(repr(value)) if isinstance(value, float) else Decimal(value)) * scale
    if not number.is_finite():
        return str(value)
    shown = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{shown:,f}" if grouped else f"{shown:f}"


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
            return f"{_fixed(value, decimals or 0, 100)}%"
        if decimals is not None:
            return _fixed(value, decimals, grouped="," in fmt)
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    return str(value)


def read_xlsx(path: Path, source: str, method: str = "xlsx") -> list[Extracted | NotAForm]:
    """Every form in every sheet, or why none could be read."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

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
    sheets = [(sheet.title, [[display(cell) for cell in row] for row in sheet.iter_rows()])
              for sheet in workbook.worksheets]
    return parse_sheets(sheets, source, method)


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
