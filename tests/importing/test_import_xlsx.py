"""Importing .xlsx workbooks: the national template with merged cells, the Sichuan layout, empty sheets."""

from __future__ import annotations

import pytest

from reviewer.importing import NotAForm, import_document
from test_import_builders import beijing_grid, sichuan, sichuan_grid, write_xlsx, zgc
from test_import_text import assert_same_form


def assert_sichuan(imported) -> None:
    """The Sichuan form as printed: comparator column read as direction, unit joined to the target."""
    form = imported.form
    assert imported.mark["disagreements"] == []
    assert (form.name, form.year, form.department) == ("2023年乡村振兴衔接资金项目", 2023, "青神县农业农村局")
    assert str(form.funds.total.annual_budget) == "120" and str(form.funds.total.executed) == "108.6"
    assert form.funds.execution_rate.percent == 90.5
    assert imported.data["x-funds-rows"]["单位资金"]["executed"] == "18.6"
    assert [(i.name, i.target, i.actual, i.direction) for i in form.indicators[:3]] == [
        ("新建产业道路", "5公里", "5", "higher"), ("改造灌溉渠", "3公里", "2.5", "higher"),
        ("工程验收合格率", "100%", "100", "equal"),
    ]
    assert form.indicators[1].explanation == "受汛期影响，部分渠段延至次年施工"
    assert form.indicators[-1].level2 == "服务对象满意度指标"
    assert float(form.total_score) == 95.72
    assert imported.data["x-notes"]["存在问题"] == "暂无"


def test_national_template_with_merged_cells(tmp_path):
    rows, merges = beijing_grid(zgc())
    amounts = {(r, c): "#,##0.000000" for r in range(6, 8) for c in (3, 4, 5)}
    [imported] = import_document(write_xlsx(tmp_path / "bj.xlsx", [("自评表", rows, merges)], amounts))
    assert imported.mark["method"] == "xlsx"
    assert imported.mark["confidence"] == 1.0
    assert_same_form(imported, zgc())
    assert imported.data["funds"]["total"]["executed"] == "4,978.562000"


def test_sichuan_layout_workbook(tmp_path):
    rows, merges = sichuan_grid(sichuan())
    [imported] = import_document(write_xlsx(tmp_path / "sc.xlsx", [("Sheet1", rows, merges)], {(5, 6): "0.0%"}))
    assert_sichuan(imported)


def test_one_form_per_sheet_and_empty_sheets_skipped(tmp_path):
    path = write_xlsx(tmp_path / "dept.xlsx", [("空白", [], []), ("北京", *beijing_grid(zgc())),
                                               ("四川", *sichuan_grid(sichuan()))])
    first, second = import_document(path)
    assert first.source.endswith("#北京") and second.source.endswith("#四川")
    assert_same_form(first, zgc())


def test_workbook_with_only_an_empty_sheet_is_refused(tmp_path):
    with pytest.raises(NotAForm, match="工作表为空"):
        import_document(write_xlsx(tmp_path / "empty.xlsx", [("Sheet1", [], [])]))


def test_a_blank_total_cell_is_not_taken_from_the_weight_column(tmp_path):
    form = zgc()
    form["total_score"] = ""
    form["indicators"][2]["score"] = "-"
    [imported] = import_document(write_xlsx(tmp_path / "bj.xlsx", [("自评表", *beijing_grid(form))]))
    assert imported.data["total_score"] is None and imported.data["indicators"][2]["score"] is None
    assert imported.mark["disagreements"] == []


def test_a_number_format_rounds_half_up_as_excel_shows_it(tmp_path):
    """0.86125 with 0.00% is 86.13% on screen; 2.675 with 0.00 is 2.68 (binary floats just below the half)."""
    rows, merges = beijing_grid(zgc())
    rows[6][7], rows[6][8] = 0.86125, 8.6125
    [imported] = import_document(write_xlsx(tmp_path / "bj.xlsx", [("自评表", rows, merges)],
                                            {(6, 7): "0.00%", (6, 8): "0.00"}))
    assert imported.data["funds"]["execution_rate"] == "86.13%"
    assert str(imported.data["funds"]["score"]) == "8.61"  # 8.6125 → 8.61
    from reviewer.importing.xlsx import shown_value
    assert (shown_value(2.675, "0.00"), shown_value(1234.565, "#,##0.00"), shown_value(-0.125, "0.00%")) == (
        "2.68", "1,234.57", "-12.50%")
