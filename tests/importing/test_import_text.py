"""Importing text copied out of PDFs: the seed form, variants, many forms in one document."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reviewer.cli.main import cli
from reviewer.form import form_from_data, read_form
from reviewer.importing import import_document
from test_import_builders import SEED_TEXT, cost_level1, form_text, zgc


def comparable(form) -> dict:
    """The form as validated, goal text without line breaks and spaces (PDF text cannot keep them)."""
    data = form.model_dump(mode="json")
    data["goal"] = {key: "".join(value.split()) for key, value in data["goal"].items()}
    return data


def assert_same_form(imported, expected: dict) -> None:
    got, want = comparable(imported.form), comparable(form_from_data(expected, "expected"))
    for index, (a, b) in enumerate(zip(got.pop("indicators"), want.pop("indicators"))):
        assert a == b, f"indicator {index}"
    assert len(imported.form.indicators) == len(expected["indicators"])
    assert got == want


def test_seed_text_imports_to_the_example_form():
    [imported] = import_document(SEED_TEXT)
    assert_same_form(imported, zgc())
    assert imported.mark["method"] == "text"
    assert imported.mark["disagreements"] == []


def test_cost_as_first_level_block_text(tmp_path):
    form = cost_level1(zgc())
    path = tmp_path / "cost.txt"
    path.write_text(form_text(form), encoding="utf-8")
    [imported] = import_document(path)
    assert_same_form(imported, form)
    assert {i.level1 for i in imported.form.indicators} == {"产出指标", "成本指标", "效益指标", "满意度指标"}


def test_gbk_text_with_many_forms_and_a_preface(tmp_path):
    second = zgc()
    second["name"] = "2021年中关村示范区企业出海支持资金"
    second["indicators"] = second["indicators"][:3] + second["indicators"][-1:]
    second["indicators"][0]["explanation"] = "项目按计划完成"
    second["funds"]["score"], second["total_score"] = 9.96, 9.96 + 2 + 1.83 + 2 + 10
    document = ("第四部分 部门绩效评价情况\n以下为本部门2021年度项目支出绩效自评表。\n"
                + SEED_TEXT.read_text(encoding="utf-8") + "\n" + form_text(second))
    path = tmp_path / "决算.txt"
    path.write_bytes(document.encode("gb18030"))
    first, other = import_document(path)
    assert_same_form(first, zgc())
    assert_same_form(other, second)


def test_cli_writes_one_file_per_form_that_review_reads(tmp_path):
    document = SEED_TEXT.read_text(encoding="utf-8") + "\n" + form_text(cost_level1(zgc()))
    (tmp_path / "dept.txt").write_text(document, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "dept.txt"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted((tmp_path / "out").glob("*.json"))
    assert [p.name for p in written] == ["dept-01.json", "dept-02.json"]
    for path in written:
        form = read_form(path)
        assert form.extensions["x-import"]["method"] == "text"
    review = CliRunner().invoke(cli, ["check", "--no-store", str(written[0])], env={"COLUMNS": "200"})
    assert review.exit_code == 0, review.output
    assert "导入方式：text，可信度 0.9" in review.output
    assert "存在未核对一致的数据" not in review.output


def test_figures_that_do_not_add_up_are_marked_and_review_shows_it(tmp_path):
    text = SEED_TEXT.read_text(encoding="utf-8").replace("总分 100 98.43", "总分 100 96.43")
    text = text.replace("上年结转资金", "上年结转资金 100 100 80 - 80% -")
    (tmp_path / "off.txt").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path / "off.txt")])
    assert result.exit_code == 0, result.output
    assert "未核对一致" in result.output
    data = json.loads((tmp_path / "off.json").read_text(encoding="utf-8"))
    mark = data["x-import"]
    assert mark["confidence"] < 0.9
    assert any(line.startswith("total_score:") for line in mark["disagreements"])
    assert any(line.startswith("funds.total.executed:") for line in mark["disagreements"])
    review = CliRunner().invoke(cli, ["check", "--no-store", str(tmp_path / "off.json")], env={"COLUMNS": "200"})
    assert "存在未核对一致的数据" in review.output


def test_a_blank_total_on_the_page_stays_blank(tmp_path):
    """总分 100 and nothing after it: the 100 is the 分值 column, the total is blank (TOTAL_MISSING)."""
    text = SEED_TEXT.read_text(encoding="utf-8").replace("总分 100 98.43", "总分 100")
    assert "总分 100 98.43" not in text
    path = tmp_path / "blank.txt"
    path.write_text(text, encoding="utf-8")
    [imported] = import_document(path)
    assert imported.data["total_score"] is None and imported.form.total_score is None
    assert any("没有读到总分" in doubt for doubt in imported.mark["doubts"])
    assert not any(line.startswith("indicators[].weight") for line in imported.mark["disagreements"])
