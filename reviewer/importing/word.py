"""Read forms out of a Word document (.docx) with python-docx.

Units fill the form in as a Word table: 一级/二级 cells merged down the rows they head, the
header and funds rows merged across, the table running over pages (one table, or one table
per page with its header repeated). The document body is read in order — paragraphs as
one-cell rows, table rows as grid rows — so a title above a table and several forms in one
document read as they do in a sheet. A merged cell is blank except at its origin, as
openpyxl gives it, and grid.py reads the rows like any worksheet.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator
from xml.etree.ElementTree import ParseError

from .bounds import check_package
from .cells import Extracted, NotAForm
from .grid import parse_grid
from .split import parse_each, split_items, split_text
from .text_layout import parse_text

Row = list[str]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_SPAN = 64  # a gridSpan beyond any form's width is damage, not layout


def _cells(tr) -> Iterator[Any]:  # noqa: ANN001 - CT_Row
    """A row's cells, also those wrapped in content controls (w:sdt)."""
    for child in tr.iterchildren():
        if child.tag == f"{_W}tc":
            yield child
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from (tc for tc in content.iterchildren() if tc.tag == f"{_W}tc")


# Not text: properties (a w:tab in w:tabs is a tab stop), deleted runs, field codes, drawings and text
# boxes (mc:AlternateContent holds the same text box twice).
_NOT_TEXT = frozenset(f"{_W}{tag}" for tag in ("pPr", "rPr", "sdtPr", "del", "instrText", "drawing", "pict")) | {
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"}


def _text(element) -> str:  # noqa: ANN001 - an lxml element of the document
    """The visible text below an element. Unlike python-docx's Paragraph.text this keeps text inside
    tracked insertions (w:ins), smart tags, fields and inline content controls, where Word puts
    figures a unit typed."""
    parts: list[str] = []
    for child in element.iterchildren():
        tag = child.tag
        if tag in _NOT_TEXT:
            continue
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}p":
            parts.append(_text(child) + "\n")
        else:
            parts.append(_text(child))
    return "".join(parts)


def _table_rows(tbl) -> list[Row]:  # noqa: ANN001 - CT_Tbl
    rows: list[Row] = []
    for tr in tbl.tr_lst:
        row: Row = [""] * min(tr.grid_before, _MAX_SPAN)
        for tc in _cells(tr):
            span = max(1, min(tc.grid_span, _MAX_SPAN))
            # A cell a vertical merge continues is blank: its text stands once, at the top.
            text = "" if tc.vMerge == "continue" else _text(tc).strip("\n")
            row += [text] + [""] * (span - 1)
        rows.append(row)
    return rows


def _body_rows(container) -> Iterator[tuple[str, Row]]:  # noqa: ANN001 - a body or content control
    """("p", [text]) for each paragraph and ("tr", cells) for each table row, in document order."""
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            text = _text(child)
            if text.strip():
                yield "p", [text]
        elif child.tag == f"{_W}tbl":
            for row in _table_rows(child):
                yield "tr", row
        elif child.tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _body_rows(content)


def _open(path: Path, source: str):  # noqa: ANN202 - a python-docx Document
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_package(path, source, ".docx")
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError, ParseError, KeyError):
        raise NotAForm(source, "文件已损坏或不是有效的 .docx") from None
    except Exception as exc:  # noqa: BLE001 - python-docx and lxml fail on damaged parts in many ways
        raise NotAForm(source, f"文件已损坏或不是有效的 .docx（{type(exc).__name__}）") from None


def read_docx(path: Path, source: str, method: str = "docx") -> list[Extracted | NotAForm]:
    """Every form in the document, or why none could be read."""
    document = _open(path, source)
    try:
        items = list(_body_rows(document.element.body))
    except Exception as exc:  # noqa: BLE001 - a damaged table part (a merge count that is no number...)
        raise NotAForm(source, f"文件已损坏或不是有效的 .docx（{type(exc).__name__}）") from None
    if not any(text.strip() for _, row in items for text in row):
        raise NotAForm(source, "文档为空，没有找到绩效自评表")
    if not any(kind == "tr" for kind, _ in items):
        # No table: the form was typed as text (or pasted from a PDF); read it as text.
        text = "\n".join(row[0] for _, row in items)
        return parse_each(split_text(text), source, parse_text, method)
    return parse_each(split_items([row for _, row in items], lambda row: " ".join(row)), source, parse_grid, method)
