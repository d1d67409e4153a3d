"""Importing PDFs: ruled tables (over two pages), text-only pages, many forms, and files that are no form."""

from __future__ import annotations

import pdfplumber
import pytest

from reviewer.importing import NotAForm, import_document
from test_import_builders import (
    BEIJING_WIDTHS, SEED_TEXT, SICHUAN_WIDTHS, beijing_grid, beijing_pdf, sichuan, sichuan_grid, sichuan_pdf,
    write_pdf, write_text_pdf, zgc,
)
from test_import_text import assert_same_form
from test_import_xlsx import assert_sichuan


def test_table_running_over_pages_imports_to_the_example(tmp_path):
    path = beijing_pdf(tmp_path / "bj.pdf", zgc())
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 2
    [imported] = import_document(path)
    assert imported.mark["method"] == "pdf-table"
    assert imported.mark["disagreements"] == []
    assert_same_form(imported, zgc())


def test_sichuan_layout_pdf(tmp_path):
    [imported] = import_document(sichuan_pdf(tmp_path / "sc.pdf", sichuan()))
    assert_sichuan(imported)


def test_pdf_without_table_rules_is_read_from_its_text(tmp_path):
    [imported] = import_document(write_text_pdf(tmp_path / "copied.pdf", SEED_TEXT.read_text(encoding="utf-8")))
    assert imported.mark["method"] == "pdf-text"
    assert_same_form(imported, zgc())


def test_pdf_with_two_forms_of_different_layouts(tmp_path):
    path = write_pdf(tmp_path / "dept.pdf", (*beijing_grid(zgc()), BEIJING_WIDTHS),
                     (*sichuan_grid(sichuan()), SICHUAN_WIDTHS))
    first, second = import_document(path)
    assert_same_form(first, zgc())
    assert_sichuan(second)


def test_unrelated_pdf_is_refused(tmp_path):
    path = write_text_pdf(tmp_path / "notice.pdf", "关于开展2022年度预算绩效管理工作的通知\n各单位：请按要求报送材料。")
    with pytest.raises(NotAForm, match="没有找到项目支出绩效自评表"):
        [outcome] = import_document(path)
        raise outcome


def test_image_only_pdf_says_ocr_is_needed(tmp_path):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from PIL import Image

    image = tmp_path / "scan.png"
    Image.new("RGB", (60, 40), "white").save(image)
    page = canvas.Canvas(str(tmp_path / "scan.pdf"))
    page.drawImage(ImageReader(str(image)), 50, 500, width=300, height=200)
    page.save()
    with pytest.raises(NotAForm, match="OCR"):
        import_document(tmp_path / "scan.pdf")
