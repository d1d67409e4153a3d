"""The reviewer's report: 审核意见 in Markdown, the workbook read back with openpyxl, the JSON export."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from conftest import run_review, seed_variant, write_form
from formkit import SEED, seed_form

EDITED = "该项目“支持独立参加境外知名展览项目”得分应为1.64分，请更正。"
INJECTION = '=HYPERLINK("http://example.com","点击")'


def decided_seed() -> None:
    """The seed reviewed and signed off in part: 2 accepted, 1 edited, 1 rejected, the rest pending."""
    run_review(str(SEED))
    run_review("session", "--code", "ROUNDING", "--reviewer", "张三", input=f"e\n{EDITED}\na\nq\n")
    run_review("accept", "--code", "EXPLANATION_MISSING", "--yes", "--reviewer", "张三")
    run_review("reject", "--code", "QUALITATIVE_SHARE", "--yes", "--reviewer", "张三")


def pending_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM critiques WHERE status = 'pending'").fetchone()[0]


def _pending_of(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("""SELECT count(*) FROM critiques c JOIN forms f ON f.id = c.form_id
                               WHERE f.name = ? AND c.status = 'pending'""", [name]).fetchone()[0]


def test_markdown_lists_only_accepted_comments_in_the_genre(db: Path) -> None:
    decided_seed()
    md = run_review("report").output
    assert "## 2021年中关村示范区国际创新资源支持资金（2021年度）" in md
    assert "一、总体评价：该项目绩效自评基本规范，自评 98.43 分，复核 98.43 分。" in md
    numbered = re.findall(r"^(\d+)\. 【(.+?)】(.*)$", md, flags=re.M)
    assert [(n, where) for n, where, _ in numbered] == [
        ("1", "第6项“支持独立参加境外知名展览项目”"),
        ("2", "第12项“支持海外建设特色科技园区项目预算控制数”"),
        ("3", "第17项“支持独立参加境外知名展览项目预算控制数”"),
    ]
    assert numbered[0][2] == EDITED  # the edited wording, not the suggestion
    assert numbered[2][2].startswith("“支持独立参加境外知名展览项目预算控制数”得分按607/670.9416×1计算")
    assert "定性指标分值占" not in md  # rejected
    assert f"（另有 {pending_count(db)} 条意见尚待审核，未列入本意见。）" in md
    assert re.search(r"审核人：张三　　日期：\d{4}年\d{1,2}月\d{1,2}日", md)
    assert "整改" in md


def test_overall_judgement_follows_the_worst_accepted_severity(db: Path, tmp_path: Path) -> None:
    write_form(tmp_path / "bad.json", dict(seed_form(), total_score=97))  # TOTAL_SCORE: an error
    run_review(str(tmp_path / "bad.json"))
    assert "该项目绩效自评总体规范，自评 97 分，复核 98.43 分（相差 1.43 分）" in run_review("report").output
    run_review("accept", "--severity", "info", "--yes")
    assert "自评总体规范" in run_review("report").output
    run_review("accept", "--code", "TOTAL_SCORE", "--yes")
    assert "自评不够规范" in run_review("report").output
    run_review("undo")
    run_review("accept", "--severity", "warning", "--yes")
    assert "自评基本规范" in run_review("report").output


def test_report_selects_a_form_and_writes_a_file(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in (1, 2):
        write_form(folder / f"{index}.json", seed_variant(index))
    run_review(str(folder))
    out = tmp_path / "意见.md"
    result = run_review("report", "第2号", "-o", str(out))
    assert result.exit_code == 0 and "已写入" in result.output
    text = out.read_text(encoding="utf-8")
    assert "第2号" in text and "第1号" not in text
    missing = run_review("report", "没有这个项目")
    assert missing.exit_code == 1 and "找不到表单" in missing.output
    assert "需要用 -o" in run_review("report", "--format", "xlsx").output


def test_xlsx_has_a_summary_and_every_critique_as_text(db: Path, tmp_path: Path) -> None:
    decided_seed()
    injected = dict(seed_form(), name="=1+1 项目")  # a project name that would be a formula
    write_form(tmp_path / "injected.json", injected)
    run_review(str(tmp_path / "injected.json"))
    run_review("session", "--form", "=1+1", "--code", "ROUNDING", "--reviewer", "李四", input=f"e\n{INJECTION}\nq\n")
    path = tmp_path / "report.xlsx"
    assert run_review("report", "--format", "xlsx", "-o", str(path)).exit_code == 0

    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "意见"]
    summary = [[cell.value for cell in row] for row in book["汇总"].iter_rows()]
    header = summary[0]
    assert header[:9] == ["表单编号", "文件", "项目名称", "年度", "主管部门", "实施单位", "自评总分", "复核总分", "总体评价"]
    name = "2021年中关村示范区国际创新资源支持资金"
    seed_row = next(dict(zip(header, row)) for row in summary[1:] if row[2].startswith("2021年"))
    assert seed_row["自评总分"] == 98.43 and seed_row["复核总分"] == 98.43 and seed_row["总体评价"] == "基本规范"
    assert (seed_row["待审"], seed_row["已采纳"], seed_row["已修改"], seed_row["已驳回"], seed_row["审核人"]) == (
        _pending_of(db, name), 2, 1, 1, "张三")

    name_cell = next(row[2] for row in book["汇总"].iter_rows(min_row=2) if row[2].value == "=1+1 项目")
    assert name_cell.data_type == "s"  # text, not a formula

    sheet = book["意见"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    columns = rows[0]
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT count(*) FROM critiques").fetchone()
    assert len(rows) - 1 == stored
    by_status: dict[str, int] = {}
    for row in rows[1:]:
        by_status[row[columns.index("状态")]] = by_status.get(row[columns.index("状态")], 0) + 1
    assert by_status["已采纳"] == 2 and by_status["已修改"] == 2 and by_status["已驳回"] == 1
    edited = [row for row in sheet.iter_rows(min_row=2) if row[columns.index("采用意见")].value == INJECTION]
    assert len(edited) == 1 and edited[0][columns.index("采用意见")].data_type == "s"
    assert any(row[columns.index("采用意见")] == EDITED for row in rows)

    # CJK counts double: the project-name column is wide enough for the Chinese name.
    assert book["汇总"].column_dimensions["C"].width >= 4 + 2 * (len(name) - 4)
    assert book["汇总"].column_dimensions["D"].width < 10  # 年度: just the digits


def test_json_holds_every_version_critique_and_decision(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    data = seed_form()
    data["indicators"][3]["actual"] = "30个"
    write_form(seed_copy, data)
    run_review(str(seed_copy))
    export = json.loads(run_review("report", "--format", "json").output)
    (form,) = export["forms"]
    assert form["judgement"] == "总体规范" and form["reviewers"] == "张三"
    assert [c["code"] for c in form["comments"]] == ["ROUNDING", "ROUNDING"]
    old, new = form["versions"]
    assert old["superseded_by"] == new["id"] == form["form_id"] and new["previous_id"] == old["id"]
    assert new["form"]["indicators"][3]["actual"] == "30个" and new["runs"][0]["backend"]
    rounding = [c for c in new["critiques"] if c["code"] == "ROUNDING"]
    assert all(c["decisions"][0]["carried_from"] and "沿用上一版本" in c["note"] for c in rounding)
    assert all(c["decisions"][0]["action"] == "accept" for c in rounding)
    old_rounding = [c for c in old["critiques"] if c["code"] == "ROUNDING"]
    assert [d["reviewer"] for c in old_rounding for d in c["decisions"]] == ["张三", "张三"]
    assert "中关村" in run_review("report", "--format", "json").output  # Chinese unescaped


def test_xlsx_names_sources_and_verdicts_in_chinese(db: Path, tmp_path: Path) -> None:
    run_review(str(SEED))
    with sqlite3.connect(db) as conn:  # one verdict as if from a model
        conn.execute("""UPDATE critiques SET source = 'judge:llm' WHERE id =
                        (SELECT id FROM critiques WHERE code = 'EXPLANATION_VERDICT' ORDER BY seq LIMIT 1)""")
    path = tmp_path / "report.xlsx"
    run_review("report", "--format", "xlsx", "-o", str(path))
    rows = [[cell.value for cell in row] for row in load_workbook(path)["意见"].iter_rows()]
    columns = rows[0]
    sources = {row[columns.index("来源")] for row in rows[1:]}
    verdicts = {row[columns.index("评判")] for row in rows[1:]}
    assert sources == {"规则检查", "规则评判", "模型评判"}
    # None: an empty cell. The seed's verdicts are covers and does_not_cover (its 查重 rows are no cause).
    assert {None, "说明充分", "未能说明偏差"} <= verdicts <= {None, "说明充分", "部分说明", "未能说明偏差"}
    assert "EXPLANATION_VERDICT" in {row[columns.index("代码")] for row in rows[1:]}  # the code stays the code


def test_json_versions_are_counted_and_totals_are_numbers(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    data = seed_form()
    data["total_score"] = 97
    write_form(seed_copy, data)
    run_review(str(seed_copy))
    (form,) = json.loads(run_review("report", "zgc", "--format", "json").output)["forms"]
    assert [v["seq"] for v in form["versions"]] == [1, 2]
    assert [(v["claimed_total"], v["recomputed_total"]) for v in form["versions"]] == [(98.43, 98.43), (97, 98.43)]
    assert form["claimed_total"] == 97 and form["recomputed_total"] == 98.43


def test_a_finding_and_a_verdict_on_the_same_pair_are_one_point(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "COST_COUNT_DIVERGENCE", "--code", "EXPLANATION_VERDICT", "--yes",
               "--reviewer", "张三")
    md = run_review("report").output
    numbered = re.findall(r"^(\d+)\. 【(.+?)】(.*)$", md, flags=re.M)
    places = [where for _, where, _ in numbered]
    assert len(places) == len(set(places))  # each set of indicators once
    (pair,) = [text for _, where, text in numbered if where == "第15、4项" or where == "第4、15项"]
    assert "成本与数量变动不匹配" in pair and "与数据矛盾" in pair  # the rule's point and the judge's, together
    assert "第4、15项" in places
