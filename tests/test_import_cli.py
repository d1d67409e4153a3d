"""`review import` on a mixed batch: what is not a form is refused in Chinese, the rest still imports."""

from __future__ import annotations

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.form import read_form
from test_import_builders import SEED, write_text_pdf, write_xlsx


def test_bad_files_are_named_exit_2_and_the_good_file_is_still_written(tmp_path):
    (tmp_path / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    write_xlsx(tmp_path / "empty.xlsx", [("Sheet1", [], [])])
    write_text_pdf(tmp_path / "notice.pdf", "关于报送材料的通知\n请各单位按时报送。")
    (tmp_path / "form.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
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
    (tmp_path / "form.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "form.txt")])
    assert result.exit_code == 0
    assert "22 个指标" in result.output
    assert (tmp_path / "form.json").exists()
