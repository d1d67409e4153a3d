"""Bounded import (`review import`): a zip bomb, a sheet that claims a million rows, an .xls or a
text over its size, a PDF of thousands of pages, damaged PDFs, text laid out to make the parser
work super-linearly, and a model reply that is no JSON. Each ends in a Chinese message naming
the file (exit 2), never a traceback, a hang or gigabytes of memory; the other files are still
imported. Limits: reviewer/importing/limits.py, README "Limits"."""

from __future__ import annotations

import os
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest

from formkit import SEED_TEXT
from hostile_files import (
    SHEET, assert_refused, deadline, deflated, import_builders, many_page_pdf, mutated, review,
    xlsx_parts, zip_bomb,
)
from reviewer.importing import NotAForm, import_document
from reviewer.importing.limits import (
    MAX_PACKAGE_MEMBERS, MAX_PDF_PAGES, MAX_PDF_STREAM_BYTES, MAX_SHEET_CELLS, MAX_TEXT_BYTES, MAX_UNZIPPED_BYTES, MAX_XLS_BYTES,
)

SEED = SEED_TEXT.read_text(encoding="utf-8")

def import_batch(tmp_path: Path, hostile: Path):
    """`review import HOSTILE good.txt`: the good text must still become a form.json."""
    good = tmp_path / "good.txt"
    good.write_text(SEED, encoding="utf-8")
    result = review("import", str(hostile), str(good))
    assert (tmp_path / "good.json").is_file(), result.output
    return result


# --- zip packages ---------------------------------------------------------------------------

def test_an_xlsx_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx", SHEET, MAX_UNZIPPED_BYTES + 2**20, others=xlsx_parts())
    assert bomb.stat().st_size < MAX_UNZIPPED_BYTES // 100
    with deadline(20):
        result = import_batch(tmp_path, bomb)
    assert_refused(result, f"{bomb}: ", "解压后", "MB")


def test_a_docx_zip_bomb_is_refused_before_it_is_parsed(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.docx", "word/document.xml", MAX_UNZIPPED_BYTES + 2**20,
                    others={"[Content_Types].xml": xlsx_parts()["[Content_Types].xml"]})
    with deadline(20):
        result = import_batch(tmp_path, bomb)
    assert_refused(result, f"{bomb}: ", "解压后")


def test_a_member_that_inflates_a_thousandfold_is_refused_as_a_bomb(tmp_path):
    bomb = zip_bomb(tmp_path / "small-bomb.xlsx", SHEET, 8 * 2**20, others=xlsx_parts(), filler=b" " * 1024)
    with deadline(20):
        result = import_batch(tmp_path, bomb)
    assert_refused(result, f"{bomb}: ", "压缩比")


def test_a_package_of_too_many_parts_is_refused(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in xlsx_parts().items():
            archive.writestr(name, data)
        for number in range(MAX_PACKAGE_MEMBERS):
            archive.writestr(f"xl/x/{number}.xml", b"")
    result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "部件")


def test_a_sheet_with_one_cell_a_million_rows_down_is_refused_not_walked(tmp_path):
    path = tmp_path / "far.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "项目支出绩效自评表"
    workbook.active["XFD1048576"] = "x"  # 17 billion cells between them, for a reader that walks the box
    workbook.save(path)
    with deadline(20):
        result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "表格过大", f"{MAX_SHEET_CELLS:,}")


def test_a_sheet_with_formatting_far_away_but_values_near_is_still_read(tmp_path):
    """Styled empty cells far to the right and below (a whole column formatted) are not content."""
    builders = import_builders()
    path = builders.write_xlsx(tmp_path / "styled.xlsx", [("表", *builders.beijing_grid(builders.zgc()))])
    workbook = openpyxl.load_workbook(path)
    workbook.active.cell(row=200_000, column=16_000).number_format = "0.00"  # styled, no value
    workbook.save(path)
    with deadline(20):
        outcomes = import_document(path)
    assert [type(outcome).__name__ for outcome in outcomes] == ["Imported"]


def test_an_xls_over_its_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.xls"
    with path.open("wb") as handle:
        handle.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        handle.truncate(MAX_XLS_BYTES + 1)  # sparse: nothing is written
    result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "文件过大", f"{MAX_XLS_BYTES // 2**20} MB")


def test_an_xls_over_the_row_limit_is_refused(tmp_path, monkeypatch):
    import xlwt

    from reviewer.importing import limits

    monkeypatch.setattr(limits, "MAX_ROWS", 2_000)  # the limit is 20,000; xlwt writes 2,001 rows fast
    path = tmp_path / "rows.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("表")
    for row in range(2_001):
        sheet.write(row, 0, f"第{row}行")
    book.save(str(path))
    with pytest.raises(NotAForm, match="行数 2,001 超过上限 2,000"):
        import_document(path)


# --- PDFs -----------------------------------------------------------------------------------

def test_a_pdf_of_thousands_of_pages_is_refused_at_the_page_limit(tmp_path):
    path = many_page_pdf(tmp_path / "pages.pdf", 2_000)
    with deadline(30):
        result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", f"超过上限 {MAX_PDF_PAGES} 页")


def test_a_pdf_at_the_page_limit_is_read_page_by_page(tmp_path):
    path = many_page_pdf(tmp_path / "pages.pdf", MAX_PDF_PAGES)
    with deadline(60):
        outcomes = import_document(path)  # read to the end: "page" on every page, and no form
    assert [type(outcome) for outcome in outcomes] == [NotAForm] and "没有找到" in outcomes[0].message


def test_a_pdf_page_that_inflates_a_thousandfold_is_refused_before_it_is_parsed(tmp_path):
    page = b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n"
    path = many_page_pdf(tmp_path / "inflates.pdf", 1, content=deflated(page, inflated=MAX_PDF_STREAM_BYTES + 2**20),
                         flate=True)
    assert path.stat().st_size < 100_000
    with deadline(20):
        result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "解压后", f"{MAX_PDF_STREAM_BYTES // 2**20} MB")


def test_a_damaged_compressed_page_is_refused_before_pdfminer_repairs_it_byte_by_byte(tmp_path):
    """pdfminer re-inflates a damaged stream one byte at a time, appending to a growing bytes:
    quadratic. Three megabytes of it would take hours."""
    page = b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n" + os.urandom(3 * 2**20).hex().encode()[:3 * 2**20]
    path = many_page_pdf(tmp_path / "cut.pdf", 1, content=deflated(page, cut=8), flate=True)
    with deadline(20):
        result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "PDF 已损坏")


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory) -> bytes:
    return import_builders().write_text_pdf(tmp_path_factory.mktemp("pdf") / "zgc.pdf", SEED).read_bytes()


@pytest.mark.parametrize("seed", range(40))
def test_a_damaged_pdf_is_a_message_never_a_traceback(tmp_path, seed_pdf, seed):
    path = tmp_path / f"damaged-{seed}.pdf"
    path.write_bytes(mutated(seed_pdf, seed))
    with deadline(20):
        try:
            outcomes = import_document(path)
        except NotAForm as error:
            assert error.file == str(path) and error.message
            return
    for outcome in outcomes:  # some damage still reads: a form, or a part that is no form
        assert not isinstance(outcome, NotAForm) or outcome.message


def test_a_damaged_pdf_in_a_batch_says_so_in_chinese_and_nothing_else(tmp_path, seed_pdf):
    path = tmp_path / "damaged.pdf"
    path.write_bytes(mutated(seed_pdf, 0))
    result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "PDF")
    # One Chinese line for it: none of pdfminer's English warnings about the repairs it tried.
    assert "Not adding object" not in result.stderr
    assert all(line.startswith(("错误：", "共 ")) for line in result.stderr.splitlines() if line.strip()), result.stderr


def test_the_llm_fallback_reads_a_damaged_pdf_without_a_traceback(tmp_path, seed_pdf):
    from reviewer.importing.pdf import pdf_text

    path = tmp_path / "damaged.pdf"
    path.write_bytes(mutated(seed_pdf, 3))
    try:
        text = pdf_text(path)
    except NotAForm as error:
        assert "PDF" in error.message
    else:
        assert isinstance(text, str)


# --- text -----------------------------------------------------------------------------------

def test_a_text_file_over_its_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(SEED.encode("utf-8"))
        handle.truncate(MAX_TEXT_BYTES + 1)
    result = import_batch(tmp_path, path)
    assert_refused(result, f"{path}: ", "文件过大")


_lines = SEED.splitlines()
_HEAD = next(i for i, line in enumerate(_lines) if "三级指标" in line)
_GOAL = next(i for i, line in enumerate(_lines) if "预期目标" in line)


def _inserted(at: int, block: str) -> str:
    return "\n".join(_lines[:at] + [block] + _lines[at:])


# Text that made the layout reader work super-linearly: each finishes in well under a second now.
LAYOUTS = {
    "one-character-lines": _inserted(_GOAL + 1, "\n".join("一" for _ in range(20_000))),
    "many-goal-lines": _inserted(_GOAL + 1, "\n".join("目标文字" * (n % 5 + 1) for n in range(20_000))),
    "long-digit-line": _inserted(_HEAD + 3, "9" * 200_000 + "x"),
    "lines-before-a-row": _inserted(_HEAD + 3, "\n".join("很长的一行文字" * (n % 3 + 1) for n in range(5_000)) + "\n10 9.5"),
    "spaced-figures": _inserted(_HEAD + 3, " 1" * 100_000 + " x"),
}


@pytest.mark.parametrize("name", LAYOUTS, ids=list(LAYOUTS))
def test_text_laid_out_to_be_expensive_is_read_in_bounded_time(tmp_path, name):
    path = tmp_path / f"{name}.txt"
    path.write_text(LAYOUTS[name], encoding="utf-8")
    with deadline(20):
        try:
            outcomes = import_document(path)
        except NotAForm:
            return
    assert outcomes


# --- the model ------------------------------------------------------------------------------

class _Reply(BaseHTTPRequestHandler):
    """An endpoint whose 200 reply is not what an OpenAI-compatible one sends."""

    protocol_version = "HTTP/1.1"
    body: bytes = b""
    content_type = "application/json"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", self.content_type)
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


UNKNOWN_LAYOUT = "项目支出绩效自评表（2021年度）\n项目：某项目\n决策 20 18\n过程 20 19\n"


@pytest.mark.parametrize("body,content_type", [
    (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
    (b"<html>not json</html>", "application/json"),
    (b'{"choices": null}', "application/json"),
    (b"[1, 2]", "application/json"),
    (b'{"id": "x", "object": "chat.completion", "choices": []}', "application/json"),
], ids=["html", "html-as-json", "null-choices", "array", "no-choices"])
def test_import_llm_with_a_reply_that_is_no_completion_is_a_message(tmp_path, body, content_type):
    handler = type("Reply", (_Reply,), {"body": body, "content_type": content_type})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    document = tmp_path / "other.txt"
    document.write_text(UNKNOWN_LAYOUT, encoding="utf-8")
    try:
        from click.testing import CliRunner

        from reviewer.cli.main import cli

        result = CliRunner().invoke(
            cli, ["import", "--llm", str(document)], catch_exceptions=False,
            env={"REVIEW_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}/v1", "REVIEW_MODEL": "m",
                 "REVIEW_API_KEY": "sk-secret-key-123"})
    finally:
        server.shutdown()
        server.server_close()
    assert_refused(result, f"{document}: ", "模型读取失败")
    assert "sk-secret-key-123" not in result.output
