"""`review import` on a mixed batch: what is not a form is refused in Chinese, the rest still imports."""

from __future__ import annotations

from click.testing import CliRunner

from reviewer.cli.main import cli
from reviewer.form import read_form
from reviewer.importing import import_document
from reviewer.importing.reconcile import mark as mark_of
from reviewer.importing.text_layout import parse_text
from test_import_builders import SEED_TEXT, beijing_grid, sichuan, sichuan_grid, write_text_pdf, write_xlsx, zgc


def test_bad_files_are_named_exit_2_and_the_good_file_is_still_written(tmp_path):
    (tmp_path / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    write_xlsx(tmp_path / "empty.xlsx", [("Sheet1", [], [])])
    write_text_pdf(tmp_path / "notice.pdf", "关于报送材料的通知\n请各单位按时报送。")
    (tmp_path / "form.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    files = [str(tmp_path / name) for name in ("scan.png", "empty.xlsx", "form.txt", "notice.pdf", "missing.pdf")]
    result = CliRunner().invoke(cli, ["import", *files, "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 4
    for name, words in (("scan.png", "OCR"), ("empty.xlsx", "工作表为空"), ("notice.pdf", "没有找到项目支出绩效自评表"),
                        ("missing.pdf", "文件不存在")):
        assert any(name in line and words in line for line in errors), (name, errors)
    assert read_form(tmp_path / "out" / "form.json").name == "2021年中关村示范区国际创新资源支持资金"


def test_default_output_is_next_to_the_input(tmp_path):
    (tmp_path / "form.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "form.txt")])
    assert result.exit_code == 0
    assert "22 个指标" in result.output
    assert (tmp_path / "form.json").exists()


def test_unreadable_cells_and_damaged_workbooks_are_named_not_tracebacks(tmp_path):
    seed = SEED_TEXT.read_text(encoding="utf-8")
    ten = seed.replace("其中:当年财政拨款 5,000.000000 5,000.000000 4,978.562000",
                       "其中:当年财政拨款 5,000.000000 5,000.000000 十")
    assert ten != seed
    (tmp_path / "ten.txt").write_text(ten, encoding="utf-8")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04garbage")
    whole = write_xlsx(tmp_path / "whole.xlsx", [("自评表", *beijing_grid(zgc()))]).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) * 2 // 3])
    lines = seed.splitlines()  # the funds table moved below the indicator table
    funds = next(i for i, line in enumerate(lines) if "年初预算" in line)
    (tmp_path / "moved.txt").write_text("\n".join(lines[:funds] + lines[funds + 1:] + [lines[funds]]), encoding="utf-8")
    (tmp_path / "form.txt").write_text(seed, encoding="utf-8")
    names = ("ten.txt", "bad.xlsx", "cut.xlsx", "moved.txt", "form.txt")
    result = CliRunner().invoke(cli, ["import", *(str(tmp_path / n) for n in names), "-o", str(tmp_path / "out")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    for name, words in (("ten.txt", "十"), ("bad.xlsx", "文件已损坏或不是有效的 .xlsx"),
                        ("cut.xlsx", "文件已损坏或不是有效的 .xlsx"), ("moved.txt", "年度资金总额")):
        assert any(name in line and words in line for line in errors), (name, errors)
    assert len(errors) == 4
    assert read_form(tmp_path / "out" / "form.json").name == "2021年中关村示范区国际创新资源支持资金"


def test_an_unreadable_funds_cell_is_left_out_of_the_sum_and_marked(tmp_path):
    form = sichuan()
    form["funds"]["单位资金"] = ("20", "20", "十")
    [imported] = import_document(write_xlsx(tmp_path / "sc.xlsx", [("Sheet1", *sichuan_grid(form))]))
    mark = imported.mark
    assert any(line.startswith("x-funds-rows.单位资金.executed:") and "十" in line for line in mark["disagreements"])
    assert mark["confidence"] < 1.0
    text = SEED_TEXT.read_text(encoding="utf-8").replace(
        "其中:当年财政拨款 5,000.000000 5,000.000000 4,978.562000", "其中:当年财政拨款 5,000.000000 5,000.000000 十")
    found = mark_of(parse_text(text, "ten.txt", "text"))["disagreements"]
    assert any(line.startswith("funds.fiscal.executed:") and "十" in line for line in found), found
