"""The reviewer's report by point: the 复核意见 on the terminal (Markdown) and the JSON export.

Changed with points (issue 12): the report lists decided points, not critiques; its overall line carries
复核总分, 等级 and 偏离度; it prints no file path and never the login name; the JSON export is an array
of forms with review_total, grade, deviation and points."""

from __future__ import annotations

import getpass
import json
import re
import sqlite3
from pathlib import Path

from conftest import run_review, seed_variant, write_form
from formkit import SEED, seed_form

EDITED = "该项目“支持独立参加境外知名展览项目”得分应为1.64分，请更正。"


def decided_seed() -> None:
    """The seed reviewed and signed off in part: 2 accepted, 1 edited, 1 rejected, the rest pending."""
    run_review(str(SEED))
    run_review("session", "--code", "ROUNDING", "--reviewer", "张三", input=f"e\n{EDITED}\nq\n")
    run_review("accept", "--code", "EXPLANATION_MISSING", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    run_review("reject", "--code", "QUALITATIVE_SHARE", "--yes", "--reviewer", "张三")


def pending_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM points WHERE status = 'pending'").fetchone()[0]


def test_markdown_lists_only_accepted_points_in_the_genre(db: Path) -> None:
    decided_seed()
    md = run_review("report").output
    assert "## 2021年中关村示范区国际创新资源支持资金（2021年度）" in md
    # Three copied actuals cut by the default rulebook's 30% each: 98.43 − 9 = 89.43.
    assert ("一、总体评价：该项目绩效自评基本规范，自评 98.43 分，复核 89.43 分，等级“良”，偏离度 9.14%"
            "（自评与复核相差 9.00 分，达到 5 分的提示线）。") in md
    numbered = re.findall(r"^(\d+)\. 【(.+?)】(.*)$", md, flags=re.M)
    assert [(n, where) for n, where, _ in numbered] == [
        ("1", "第1、12项“支持海外建设特色科技园区项目”（数量与成本）"),
        ("2", "第6、17项“支持独立参加境外知名展览项目”（数量与成本）"),
        ("3", "第19项“推动示范区企业“走出去””"),
        ("4", "第20项“引进国际高端创新资源”"),
        ("5", "第21项“建立起国内企业与国外机构的交流合作机制”"),
    ]
    assert numbered[1][2].startswith(EDITED)  # the edited wording, not the suggestion …
    assert "复核调整：第6项自评1.63分，复核1.64分，依据“按计分公式复核”" in numbered[1][2]  # … and the score change
    assert "依据“实际完成值照抄指标值（扣减分值的30%）”" in numbered[2][2]
    assert "定性指标分值占" not in md  # rejected
    assert f"（另有 {pending_count(db)} 个要点尚待审核，未列入本意见。）" in md
    assert re.search(r"审核人：张三　　日期：\d{4}年\d{1,2}月\d{1,2}日", md)
    assert "整改" in md
    assert str(SEED.parent) not in md and ".json" not in md  # no file path


def test_overall_judgement_follows_the_worst_accepted_point(db: Path, tmp_path: Path) -> None:
    write_form(tmp_path / "bad.json", dict(seed_form(), total_score=97))  # TOTAL_SCORE: an error
    run_review(str(tmp_path / "bad.json"))
    assert "该项目绩效自评总体规范，自评 97.00 分，复核 98.43 分" in run_review("report").output
    run_review("accept", "--severity", "info", "--yes")
    assert "自评总体规范" in run_review("report").output
    run_review("accept", "--code", "TOTAL_SCORE", "--yes")
    assert "自评不够规范" in run_review("report").output
    run_review("undo")
    run_review("accept", "--severity", "warning", "--yes")
    assert "自评基本规范" in run_review("report").output


def test_the_report_never_signs_with_the_login_name(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes", "--reviewer", getpass.getuser())  # decisions under the login name
    md = run_review("report").output
    assert f"审核人：{getpass.getuser()}" not in md and "审核人：（未署名）" in md
    assert "审核人：王五" in run_review("report", "--reviewer", "王五").output
    assert "审核人：赵六" in run_review("report", env={"REVIEWER": "赵六"}).output


def test_a_form_with_nothing_decided_is_not_called_clean(db: Path) -> None:
    run_review(str(SEED))
    md = run_review("report").output
    assert "未发现需要整改的问题" not in md and "尚无已采纳的问题" in md
    assert "（另有 11 个要点尚待审核，未列入本意见。）" in md


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
    assert "需要用 -o" in run_review("report", "--format", "docx").output


def test_json_is_an_array_of_forms_with_the_review_and_its_points(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    export = json.loads(run_review("report", "--format", "json").output)
    assert isinstance(export, list) and len(export) == 1
    (form,) = export
    assert {"review_total", "grade", "deviation", "points", "claimed_total", "recomputed_total", "judgement",
            "counts", "comments", "versions"} <= set(form)
    assert (form["review_total"], form["grade"], form["claimed_total"]) == (89.43, "良", 98.43)
    assert abs(form["deviation"] - (98.43 - 89.43) / 98.43) < 1e-6
    assert len(form["points"]) == 11
    for point in form["points"]:
        assert {"id", "indicators", "status", "comment", "findings"} <= set(point)
    pair = next(p for p in form["points"] if p["indicators"] == [5, 16])
    assert pair["status"] == "accepted" and len(pair["findings"]) == 9
    critiques = {c["id"]: c["code"] for c in form["versions"][0]["critiques"]}
    assert {critiques[i] for i in pair["findings"]} >= {"ROUNDING", "COST_COUNT_DIVERGENCE", "EXPLANATION_VERDICT"}
    assert form["reviewers"] == "张三" and [c["where"] for c in form["comments"]][0].startswith("第6、17项")


def test_json_holds_every_version_and_its_point_decisions(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    data = seed_form()
    data["indicators"][3]["actual"] = "30个"
    write_form(seed_copy, data)
    run_review(str(seed_copy))
    (form,) = json.loads(run_review("report", "--format", "json").output)
    old, new = form["versions"]
    assert old["superseded_by"] == new["id"] == form["form_id"] and new["previous_id"] == old["id"]
    assert new["form"]["indicators"][3]["actual"] == "30个" and new["runs"][0]["backend"]
    (carried,) = [p for p in new["points"] if p["status"] == "accepted"]
    assert carried["decisions"][0]["carried_from"] and "沿用上一版本" in carried["note"]
    (decided,) = [p for p in old["points"] if p["status"] == "accepted"]
    assert [d["reviewer"] for d in decided["decisions"]] == ["张三"]
    assert [v["seq"] for v in form["versions"]] == [1, 2]
    assert "中关村" in run_review("report", "--format", "json").output  # Chinese unescaped


def test_a_finding_and_a_verdict_on_the_same_pair_are_one_point(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "COST_COUNT_DIVERGENCE", "--code", "EXPLANATION_VERDICT", "--yes",
               "--reviewer", "张三")
    md = run_review("report").output
    numbered = re.findall(r"^(\d+)\. 【(.+?)】(.*)$", md, flags=re.M)
    places = [where for _, where, _ in numbered]
    assert len(places) == len(set(places))  # each indicator or pair once
    assert places == sorted(places, key=lambda p: int(re.match(r"第(\d+)", p).group(1)))  # the form's order
    (pair,) = [text for _, where, text in numbered if where.startswith("第4、15项")]
    assert "成本与数量变动不匹配" in pair and "与数据矛盾" in pair  # the rule's point and the judge's, together
    assert "与数据相符" not in pair  # the row-4 explanation's favourable reading is not quoted beside it
