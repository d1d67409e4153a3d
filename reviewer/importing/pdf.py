"""Read forms out of a PDF with pdfplumber: its tables where it has ruled tables, its text otherwise."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any, Callable, TypeVar

from . import limits
from .cells import Extracted, NotAForm, fold
from .grid import parse_grid
from .split import parse_each, split_items, split_text
from .text_layout import parse_text

Row = list[str]

# pdfminer logs every repair it makes to a damaged file ("Not adding object 7 to xref ...") as a
# warning; with no handler of the application's, Python prints them on stderr. The reviewer is
# told in one Chinese line instead. An application that configures logging still gets them.
for _name in ("pdfminer", "pdfplumber"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


def _page_rows(page) -> list[Row]:  # noqa: ANN001 - pdfplumber.Page
    """The page as rows in reading order: each table row, and each text line outside the tables."""
    tables = page.find_tables()
    items: list[tuple[float, int, Row]] = []
    for table in tables:
        for offset, row in enumerate(table.extract()):
            items.append((table.bbox[1], offset, [cell or "" for cell in row]))
    for line in page.extract_text_lines():
        middle_x, middle_y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        inside = any(t.bbox[0] <= middle_x <= t.bbox[2] and t.bbox[1] <= middle_y <= t.bbox[3] for t in tables)
        if not inside:
            items.append((line["top"], 0, [line["text"]]))
    items.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in items]


def _has_indicator_table(rows: list[Row]) -> bool:
    return any(len(row) > 3 and any("三级指标" in fold(cell) or "指标名称" in fold(cell) for cell in row) for row in rows)


def read_pdf(path: Path, source: str) -> list[Extracted | NotAForm]:
    """Every form in the PDF, or why none could be read."""
    read = _read_pages(path, source, lambda page: (page.extract_text() or "", _page_rows(page), len(page.images)))
    texts = [text for text, _, _ in read]
    rows = [row for _, page_rows, _ in read for row in page_rows]
    images = sum(count for _, _, count in read)
    text = "\n".join(texts)
    if not text.strip():
        if images:
            raise NotAForm(source, "PDF 只有图片、没有文字（扫描件），需要先进行 OCR 文字识别")
        raise NotAForm(source, "PDF 中没有文字")
    if _has_indicator_table(rows):
        return parse_each(split_items(rows, lambda row: " ".join(row)), source, parse_grid, "pdf-table")
    return parse_each(split_text(text), source, parse_text, "pdf-text")


def pdf_text(path: Path, source: str | None = None) -> str:
    """All the text of a PDF, page after page (for the LLM fallback)."""
    return "\n".join(_read_pages(path, source or str(path), lambda page: page.extract_text() or ""))


Read = TypeVar("Read")


def _read_pages(path: Path, source: str, read: Callable[[Any], Read]) -> list[Read]:
    """`read(page)` for every page in turn, each page's parsed objects let go before the next
    (memory stays flat over a long document). A PDF that cannot be opened, has more pages than
    limits.MAX_PDF_PAGES, or breaks on one of its pages (pdfminer raises many unrelated types
    for damaged files) is NotAForm."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # noqa: BLE001 - PDFSyntaxError, PdfminerException, PSEOF, TypeError...
        raise NotAForm(source, f"无法打开 PDF（文件损坏或已加密：{type(exc).__name__}）") from None
    number = 0
    try:
        with pdf:
            _check_page_count(pdf, source)
            _check_streams(pdf.doc, source)
            results = []
            for number, page in enumerate(pdf.pages, 1):
                try:
                    results.append(read(page))
                finally:
                    page.close()
            return results
    except NotAForm:
        raise
    except Exception as exc:  # noqa: BLE001 - as above, raised while a page is parsed
        where = f"第 {number} 页" if number else "页面目录"
        raise NotAForm(source, f"PDF 已损坏：{where}无法读取（{type(exc).__name__}）") from None


def _check_page_count(pdf, source: str) -> None:  # noqa: ANN001 - pdfplumber.PDF
    """Count the pages without laying any out, stopping one past the limit."""
    from pdfminer.pdfpage import PDFPage

    count = sum(1 for _ in itertools.islice(PDFPage.create_pages(pdf.doc), limits.MAX_PDF_PAGES + 1))
    if count > limits.MAX_PDF_PAGES:
        raise NotAForm(source, f"PDF 页数超过上限 {limits.MAX_PDF_PAGES} 页，未读取；"
                               "请只保留自评表所在的页（或拆成几个文件）再导入")


def _check_streams(doc, source: str) -> None:  # noqa: ANN001 - pdfminer PDFDocument
    """Inflate each compressed stream once before pdfminer does, counting its bytes and keeping
    none: pdfminer inflates a stream whole (a page of 100 KB can hold gigabytes of blanks) and
    re-inflates a damaged one a byte at a time into a growing bytes object (quadratic)."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFStream

    total = 0
    for objid in sorted({objid for xref in doc.xrefs for objid in xref.get_objids()}):
        try:
            stream = doc.getobj(objid)
            if not isinstance(stream, PDFStream) or stream.rawdata is None:
                continue
            filters = stream.get_filters()
            if not filters or filters[0][0] not in LITERALS_FLATE_DECODE:
                continue
            data = stream.rawdata
            if stream.decipher:
                data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        except Exception:  # noqa: BLE001 - an object that cannot be read: pdfminer says so if it is used
            continue
        size, damaged = _inflated_size(data, limits.MAX_PDF_STREAM_BYTES)
        image = str(stream.attrs.get("Subtype", "")).endswith("Image")  # held, never inflated by the reader
        if size > limits.MAX_PDF_STREAM_BYTES and not image:
            raise NotAForm(source, f"PDF 中有一段数据解压后过大（超过 {limits.MAX_PDF_STREAM_BYTES // 2**20} MB），"
                                   "疑似压缩炸弹，未读取")
        if damaged and len(data) * size > limits.MAX_DAMAGED_STREAM_WORK:
            raise NotAForm(source, "PDF 已损坏：有一段较大的压缩数据不完整，无法在合理时间内修复读取")
        total += size
        if total > limits.MAX_PDF_INFLATED_BYTES:
            raise NotAForm(source, f"PDF 解压后的内容过大（超过 {limits.MAX_PDF_INFLATED_BYTES // 2**20} MB），未读取")


def _inflated_size(data: bytes, limit: int) -> tuple[int, bool]:
    """(how many bytes `data` inflates to, stopping past `limit`; whether the stream is damaged:
    an error, or no proper end)."""
    import zlib

    inflater = zlib.decompressobj()
    size = 0
    pending = data
    try:
        while not inflater.eof and size <= limit:
            out = inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
            size += len(out)
            if not out and not pending:
                break  # all input taken, nothing more comes out: the stream stops short of its end
    except zlib.error:
        return size, True
    return size, not inflater.eof and size <= limit
