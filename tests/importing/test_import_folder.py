"""`review import FOLDER`: every supported file below it; outputs beside their inputs (or below -o, with
the subfolders kept); a re-import never overwrites a form.json that was changed by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from conftest import run_review
from reviewer.cli.main import cli
from reviewer.form import read_form
from test_import_builders import SEED_TEXT, beijing_grid, sichuan, sichuan_grid, write_docx, write_xls, zgc

NAME = "2021年中关村示范区国际创新资源支持资金"


def units_folder(root: Path) -> Path:
    """What a bureau receives: Word and Excel from two units, PDF text, a scan, a Word lock file, a damaged file."""
    (root / "海淀区" / "教委").mkdir(parents=True)
    write_docx(root / "海淀区" / "中关村.docx", [beijing_grid(zgc())], titles_outside=True)
    write_xls(root / "海淀区" / "教委" / "青神.xls", [("Sheet1", *sichuan_grid(sichuan()))])
    (root / "决算.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "扫描件.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (root / "海淀区" / "~$中关村.docx").write_bytes(b"lock")
    (root / "损坏.docx").write_bytes(b"PK\x03\x04 cut short")
    whole = (root / "海淀区" / "教委" / "青神.xls").read_bytes()
    (root / "损坏.xls").write_bytes(whole[: len(whole) // 3])
    return root


def invoke(*args: str):  # noqa: ANN201 - click's Result
    return CliRunner().invoke(cli, ["import", *args])


def test_a_folder_imports_every_supported_file_below_it_and_names_only_the_bad_ones(tmp_path: Path) -> None:
    root = units_folder(tmp_path / "收件")
    result = invoke(str(root))
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = sorted(line for line in result.output.splitlines() if line.startswith("错误："))
    assert len(errors) == 2
    assert "损坏.docx" in errors[0] and "文件已损坏或不是有效的 .docx" in errors[0]
    assert "损坏.xls" in errors[1] and "文件已损坏或不是有效的 .xls" in errors[1]
    assert "已跳过 1 个不是可导入类型的文件" in result.output and "扫描件.png" in result.output
    assert "~$" not in result.output
    assert read_form(root / "海淀区" / "中关村.json").name == NAME
    assert read_form(root / "海淀区" / "教委" / "青神.json").name == "2023年乡村振兴衔接资金项目"
    assert read_form(root / "决算.json").name == NAME
    methods = {json.loads(p.read_text(encoding="utf-8"))["x-import"]["method"] for p in root.rglob("*.json")}
    assert methods == {"docx", "xls", "text"}
    assert "共 5 个文件：新导入 3 份" in result.output and "无法读取 2 处" in result.output
    # the imported folder is what `review FOLDER` reads
    reviewed = run_review(str(root), "--no-store", "--json")
    assert reviewed.exit_code == 0 and len(reviewed.output.splitlines()) == 3


def test_output_folder_keeps_the_subfolders(tmp_path: Path) -> None:
    root = units_folder(tmp_path / "收件")
    invoke(str(root), "-o", str(tmp_path / "forms"))
    assert sorted(p.relative_to(tmp_path / "forms").as_posix() for p in (tmp_path / "forms").rglob("*.json")) == [
        "决算.json", "海淀区/中关村.json", "海淀区/教委/青神.json"]
    assert not list(root.rglob("*.json"))


def test_a_reimport_leaves_a_corrected_file_byte_identical_unless_forced(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "zgc.docx", [beijing_grid(zgc())])
    assert invoke(str(source)).exit_code == 0
    target = tmp_path / "zgc.json"
    again = invoke(str(source))
    assert again.exit_code == 0 and f"未变：{target}" in again.output
    corrected = target.read_text(encoding="utf-8").replace('"total_score": 98.43', '"total_score": 98.44')
    target.write_text(corrected, encoding="utf-8")
    before = target.read_bytes()
    kept = invoke(str(source))
    assert kept.exit_code == 0
    assert target.read_bytes() == before
    assert "已存在且与重新导入" in kept.output and "未覆盖" in kept.output and "--force" in kept.output
    forced = invoke(str(source), "--force")
    assert forced.exit_code == 0 and "覆盖了已有文件" in forced.output
    assert read_form(target).total_score == Decimal("98.43")


def test_the_same_document_imported_from_another_folder_is_unchanged(tmp_path: Path, monkeypatch) -> None:
    source = write_docx(tmp_path / "zgc.docx", [beijing_grid(zgc())])
    invoke(str(source))
    before = (tmp_path / "zgc.json").read_bytes()
    monkeypatch.chdir(tmp_path)
    result = invoke("zgc.docx")  # the mark's source differs ("zgc.docx"); the form does not
    assert "未变" in result.output and (tmp_path / "zgc.json").read_bytes() == before


def test_two_documents_with_one_name_do_not_share_an_output(tmp_path: Path) -> None:
    write_docx(tmp_path / "表.docx", [beijing_grid(zgc())])
    (tmp_path / "表.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    result = invoke(str(tmp_path))
    assert result.exit_code == 0, result.output
    marks = {p.name: json.loads(p.read_text(encoding="utf-8"))["x-import"]["method"] for p in tmp_path.glob("*.json")}
    assert marks == {"表.json": "docx", "表-txt.json": "text"}


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(str(tmp_path / "empty"))
    assert result.exit_code == 2 and "没有找到可导入的文件" in result.output
