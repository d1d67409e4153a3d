"""Importing old binary Excel workbooks (.xls, xlrd): the layouts the .xlsx reader knows, number
formats shown as Excel shows them, one form per sheet, damaged files refused in Chinese."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from reviewer.importing import NotAForm, import_document
from test_import_builders import beijing_grid, sichuan, sichuan_grid, write_xls, write_xlsx, zgc
from test_import_text import assert_same_form
from test_import_xlsx import assert_sichuan


def with_numeric_funds(form: dict) -> dict:
    """The funds amounts as numbers (an export stores numbers and formats them)."""
    form = copy.deepcopy(form)
    for key in ("total", "fiscal"):
        form["funds"][key] = {k: float(v.replace(",", "")) for k, v in form["funds"][key].items()}
    return form


def test_national_template_with_merged_cells_and_number_formats(tmp_path: Path) -> None:
    rows, merges = beijing_grid(with_numeric_funds(zgc()))
    amounts = {(r, c): "#,##0.000000" for r in range(6, 8) for c in (3, 4, 5)}
    [imported] = import_document(write_xls(tmp_path / "bj.xls", [("自评表", rows, merges)], amounts))
    assert imported.mark["method"] == "xls"
    assert imported.mark["confidence"] == 1.0 and imported.mark["disagreements"] == []
    assert_same_form(imported, zgc())
    assert imported.data["funds"]["total"]["executed"] == "4,978.562000"


def test_sichuan_layout_workbook(tmp_path: Path) -> None:
    rows, merges = sichuan_grid(sichuan())
    [imported] = import_document(write_xls(tmp_path / "sc.xls", [("Sheet1", rows, merges)]))
    assert_sichuan(imported)


def test_one_form_per_sheet_and_empty_sheets_skipped(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "dept.xls", [("空白", [], []), ("北京", *beijing_grid(zgc())),
                                              ("四川", *sichuan_grid(sichuan()))])
    first, second = import_document(path)
    assert first.source.endswith("#北京") and second.source.endswith("#四川")
    assert_same_form(first, zgc())
    assert_sichuan(second)


def test_a_percentage_stored_as_a_number_shows_as_printed(tmp_path: Path) -> None:
    rows, merges = sichuan_grid(sichuan())
    rows[5][6] = 0.905  # 预算执行率 stored as a fraction, formatted 0.0%
    [imported] = import_document(write_xls(tmp_path / "sc.xls", [("Sheet1", rows, merges)], {(5, 6): "0.0%"}))
    assert imported.data["funds"]["execution_rate"] == "90.5%"


def test_an_xlsx_saved_under_an_xls_name_is_read_as_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", [("自评表", *beijing_grid(zgc()))])
    renamed = path.rename(tmp_path / "export.xls")
    [imported] = import_document(renamed)
    assert imported.mark["method"] == "xlsx"
    assert_same_form(imported, zgc())


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty-workbook"])
def test_a_damaged_or_empty_xls_is_refused_in_chinese(tmp_path: Path, damage: str) -> None:
    path = tmp_path / f"{damage}.xls"
    whole = write_xls(tmp_path / "whole.xls", [("自评表", *beijing_grid(zgc()))]).read_bytes()
    if damage == "truncated":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x07" * 3000)
    else:
        write_xls(path, [("Sheet1", [], [])])
    with pytest.raises(NotAForm) as error:
        import_document(path)
    assert str(path) in str(error.value)
    assert "文件已损坏或不是有效的 .xls" in error.value.message or "工作表为空" in error.value.message
