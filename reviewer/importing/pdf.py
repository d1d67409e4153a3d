"""Read forms out of a PDF with pdfplumber: its tables where it has ruled tables, its text otherwise."""

from __future__ import annotations

from pathlib import Path

from .cells import Extracted, NotAForm, fold
from .grid import parse_grid
from .split import parse_each, split_items, split_text
from .text_layout import parse_text

Row = list[str]


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
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(path)
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises several unrelated types for bad files
        raise NotAForm(source, f"无法打开 PDF（文件损坏或已加密：{type(exc).__name__}）") from None
    with pdf:
        texts, rows, images = [], [], 0
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            rows.extend(_page_rows(page))
            images += len(page.images)
    text = "\n".join(texts)
    if not text.strip():
        if images:
            raise NotAForm(source, "PDF 只有图片、没有文字（扫描件），需要先进行 OCR 文字识别")
        raise NotAForm(source, "PDF 中没有文字")
    if _has_indicator_table(rows):
        return parse_each(split_items(rows, lambda row: " ".join(row)), source, parse_grid, "pdf-table")
    return parse_each(split_text(text), source, parse_text, "pdf-text")


def pdf_text(path: Path) -> str:
    """All the text of a PDF, page after page (for the LLM fallback)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)
