"""The reviewer's score: what the rulebook proposes, a change with a clause and its undo, 复核总分 / 等级 /
偏离度 before and after; the rulebook (复核口径) in force, a bureau's own, and what it refuses."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import run_review, write_form
from formkit import SEED, clean_form, indicator, review_data, seed_form
from reviewer.config import Config, SignoffSettings
from reviewer.signoff.intake import save
from reviewer.signoff.scores import FormScore, percent
from reviewer.signoff.service import Signoff
from reviewer.store import Conflict, Store


def seed_signoff(db: Path, config: Config | None = None) -> tuple[Store, Signoff, str]:
    run_review(str(SEED))
    store = Store(db)
    signoff = Signoff(store, config)
    return store, signoff, signoff.forms()[0].id


def totals(signoff: Signoff, form_id: str) -> tuple[str, str, str, bool]:
    score = signoff.form_score(form_id)
    return str(score.review_total), score.grade, percent(score.deviation), score.flagged


def test_a_score_change_with_a_clause_and_its_undo(db: Path) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        assert totals(signoff, form_id) == ("98.43", "优", "0.00%", False)  # nothing decided: arithmetic only
        signoff.bulk([p.id for p in signoff.points()], "accept", "张三")
        assert totals(signoff, form_id) == ("89.43", "良", "9.14%", True)  # three copied actuals, 30% each
        (change,) = signoff.set_score(form_id, 3, "张三", score="1.5", reason="抽查：36个项目中有6个无合同",
                                      clause="unverifiable_minor")
        assert (change.before, change.shown_before, change.after, change.reviewer) == (None, "1.95", "1.5", "张三")
        assert change.clause == "unverifiable_minor" and change.reason.startswith("抽查")
        assert totals(signoff, form_id) == ("88.98", "良", "9.60%", True)
        row = signoff.form_score(form_id).row(3)
        assert (row.score, row.clause.id, row.set_by.id) == (Decimal("1.5"), "unverifiable_minor", change.id)
        assert "依据“无法核实（轻微）（扣减分值的30%）”" in row.remark and "无合同" in row.remark
        undone = signoff.undo_score(change.id, "张三")
        assert (undone.before, undone.after, undone.reverts) == ("1.5", None, change.id)
        assert totals(signoff, form_id) == ("89.43", "良", "9.14%", True)
        assert [c.after for c in store.score_history(form_id)] == ["1.5", None]  # both kept: append-only
        # A proposal the reviewer overrides upwards: the copied actual is judged verified after all.
        signoff.set_score(form_id, 18, "李四", score="10", reason="已补充佐证材料", clause="formula")
        assert totals(signoff, form_id) == ("92.43", "优", "6.10%", True)


def test_a_score_someone_changed_meanwhile_is_never_overwritten(db: Path) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        signoff.set_score(form_id, 3, "张三", score="1.5", reason="抽查", clause="unverifiable_minor", expect=None)
        with pytest.raises(Conflict, match="已由 张三 改为1.5"):
            signoff.set_score(form_id, 3, "李四", score="1", reason="抽查", clause="unverifiable_medium", expect=None)
        assert signoff.form_score(form_id).row(3).score == Decimal("1.5")


@pytest.mark.parametrize("score,clause,reason,message", [
    ("2.5", "formula", "理由", "得分应在 0 到 2 分之间"),
    ("1.555", "formula", "理由", "最多保留两位小数"),
    ("1.5", None, "理由", "请注明修改得分所依据的复核口径条款"),
    ("1.5", "nope", "理由", "复核口径中没有条款“nope”"),
    ("1.5", "formula", " ", "请说明修改的理由"),
    ("一点五", "formula", "理由", "无法识别的得分"),
])
def test_a_bad_score_change_is_refused_and_nothing_is_written(db: Path, score, clause, reason, message) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        with pytest.raises(Exception, match=message):
            signoff.set_score(form_id, 3, "张三", score=score, reason=reason, clause=clause)
        assert store.score_history(form_id) == []


def test_review_score_on_the_command_line(db: Path) -> None:
    run_review(str(SEED))
    result = run_review("score", "zgc", "第4项", "--score", "1.5", "--clause", "unverifiable_minor", "--reason", "抽查",
                        "--value", "30个（抽查核实）", "--reviewer", "张三")
    assert result.exit_code == 0, result.output
    assert "第4项复核得分：1.95 → 1.5（抽查）" in result.output and "第4项复核完成值：36个 → 30个（抽查核实）" in result.output
    assert "复核总分 97.98，等级“优”" in result.output
    assert "复核完成值" in run_review("score", "--undo", "--reviewer", "张三").output
    assert "恢复为建议值" in run_review("score", "--undo", "--reviewer", "张三").output
    assert run_review("score", "--undo", "--reviewer", "张三").exit_code == 1
    bad = run_review("score", "zgc", "99", "--score", "1", "--clause", "formula", "--reason", "x")
    assert bad.exit_code == 1 and "第99项指标不存在" in bad.output
    assert run_review("score", "zgc", "预算执行率", "--score", "9", "--clause", "formula", "--reason", "核减").exit_code == 0


def test_the_rulebook_proposes_a_qualitative_score_at_its_band(db: Path, tmp_path: Path) -> None:
    data = clean_form()
    data["indicators"].insert(4, indicator("效益指标", "社会效益指标", "群众获得感", "明显提升", "部分达成", 10, 10))
    data["indicators"][4 + 1]["weight"] = data["indicators"][4 + 1]["score"] = 5  # keep 100 points in all
    data["indicators"][4 + 2]["weight"] = data["indicators"][4 + 2]["score"] = 5
    data["total_score"] = 99.5
    run_review(str(write_form(tmp_path / "band.json", data)))
    with Store(db) as store:
        signoff = Signoff(store)
        (point,) = [p for p in signoff.points() if "QUALITATIVE_BAND" in p.code_list]
        row = signoff.form_score(point.form_id).row(4)
        assert row.score == 10 and row.clause is None  # proposed only once the point is accepted
        signoff.decide(point.id, "accept", "张三")
        row = signoff.form_score(point.form_id).row(4)
        assert (row.score, row.clause.id) == (Decimal("7.99"), "qualitative_band")  # 部分达成: below 80%


def test_a_blank_self_evaluation_total_has_no_deviation_and_is_flagged() -> None:
    score = FormScore("x", [], None, Decimal("80"), "良", Decimal(5))
    assert (score.deviation, score.difference, score.flagged) == (None, None, True)
    assert percent(score.deviation) == "—"


def rulebook(tmp_path: Path, text: str) -> Path:
    (tmp_path / "口径").mkdir(exist_ok=True)
    (tmp_path / "口径" / "本局口径.toml").write_text(text, encoding="utf-8")
    config = tmp_path / "review.toml"
    config.write_text('[signoff]\nrulebook = "口径/本局口径.toml"\n', encoding="utf-8")
    return config


LINEAR = '''
name = "某省复核口径"
[scoring]
reverse = "linear"
[clauses.formula]
name = "按公式计分"
description = "按计分公式。"
deduction = "formula"
codes = ["INDICATOR_SCORE", "ROUNDING"]
[clauses.no_evidence]
name = "无佐证"
description = "无佐证资料的不得分。"
deduction = "zero"
codes = ["ACTUAL_COPIES_TARGET"]
'''


def test_a_bureau_names_its_own_rulebook(db: Path, tmp_path: Path) -> None:
    config = rulebook(tmp_path, LINEAR)
    listed = run_review("rules", "--config", str(config)).output
    assert "复核口径：某省复核口径" in listed and "本局口径.toml" in listed and "linear" in listed
    assert "no_evidence  无佐证  —  不得分" in listed and "ACTUAL_COPIES_TARGET" in listed
    default = run_review("rules").output
    assert "默认复核口径" in default and "copied_actual" in default and "VALUE_BLANK" in default
    run_review(str(SEED))
    # Linear 反向 scoring: cost rows over budget lose more (row 18: (1 − 1.552/5) × 2 = 1.38, not 5/6.552 × 2).
    status = run_review("status", "--config", str(config), env={"COLUMNS": "200"}).output
    assert "98.25" in status
    run_review("accept", "--code", "ACTUAL_COPIES_TARGET", "--yes")
    status = run_review("status", "--config", str(config), env={"COLUMNS": "200"}).output
    assert "68.25" in status and "中" in status  # three qualitative rows without evidence: 0 each


@pytest.mark.parametrize("text,message", [
    ('name = "x"\n[clauses.a]\nname = "a"\ndescription = "a"\ndeduction = 1.5\n', "clauses.a.deduction: 扣减比例"),
    ('[clauses.a]\nname = "a"\ndescription = "a"\ndeduction = "zero"\ncodes = ["NOPE"]\n', "clauses.a.codes: 未知的问题代码 NOPE"),
    ('[clauses.a]\nname = "a"\ndescription = "a"\ndeduction = "zero"\ncodes = ["ROUNDING"]\n'
     '[clauses.b]\nname = "b"\ndescription = "b"\ndeduction = "zero"\ncodes = ["ROUNDING"]\n', "ROUNDING 已由条款 a 提出"),
    ('[clauses.a]\nname = "a"\ndescription = "a"\ndeduction = "half"\n', "未知的扣分方式“half”"),
    ('[scoring]\nreverse = "log"\n[clauses.a]\nname = "a"\ndescription = "a"\ndeduction = "zero"\n', "scoring.reverse"),
    ('[clauses.a]\nname = "a"\ndeduction = "zero"\nextra = 1\n', "未知配置项 extra"),
])
def test_a_bad_rulebook_is_refused_naming_the_file_and_the_key(db: Path, tmp_path: Path, text, message) -> None:
    config = rulebook(tmp_path, text)
    result = run_review("rules", "--config", str(config))
    assert result.exit_code == 2 and message in result.output and "本局口径.toml" in result.output
    assert "Traceback" not in result.output


def test_grade_bands_and_the_deviation_flag_are_configurable(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "review.toml"
    config.write_text('[signoff]\ndeviation_flag_points = 10\n[signoff.grades]\n"优" = 99\n"良" = 98.5\n"中" = 60\n',
                      encoding="utf-8")
    from reviewer.config import load_config

    settings = load_config(config).signoff
    assert settings.deviation_flag_points == 10 and settings.grades[1] == ("良", Decimal("98.5"))
    store, signoff, form_id = seed_signoff(db, load_config(config))
    with store:
        signoff.bulk([p.id for p in signoff.points()], "accept", "张三")
        score = signoff.form_score(form_id)
        assert (str(score.review_total), score.grade, score.flagged) == ("89.43", "中", False)  # 9.00 < 10
    bad = tmp_path / "bad.toml"
    bad.write_text('[signoff.grades]\n"优" = 80\n"良" = 90\n"中" = 60\n', encoding="utf-8")
    result = run_review("rules", "--config", str(bad))
    assert result.exit_code == 2 and "依次降低" in result.output
    assert SignoffSettings(timezone="+08:00").tz.utcoffset(None).total_seconds() == 8 * 3600


def test_a_form_saved_without_points_gets_them_when_signed_off(db: Path) -> None:
    """A database from before points (or a review stored by Store.save_review alone) is built on first use,
    and decisions it holds on critiques are carried onto the points they make up."""
    review = review_data(__import__("json").loads(SEED.read_text(encoding="utf-8")))
    with Store(db) as store:
        store.save_review(review)
        with store.transaction():  # an old database: decisions on the ROUNDING and copied-actual critiques
            for finding in review.findings:
                if finding.code in ("ROUNDING", "ACTUAL_COPIES_TARGET"):
                    store.conn.execute("""UPDATE critiques SET status = 'accepted', decided_by = '张三',
                                          decided_at = '2026-01-05T10:00:00+08:00' WHERE id = ?""", [finding.id])
        assert store.points() == []
        signoff = Signoff(store)
        points = {p.key: p for p in signoff.points()}
    assert len(points) == 11
    rounding = points["I:5,16"]
    assert rounding.status == "pending"  # its other findings were never decided: nothing to carry
    copied = points["I:18"]
    assert (copied.status, copied.decided_by, copied.decided_at) == ("accepted", "张三", "2026-01-05T10:00:00+08:00")
    assert copied.note == "沿用逐条意见的决定（张三）"
    with Store(db) as store:
        assert save(store, review).new_form is False  # storing the review again adds nothing
        assert len(store.points()) == 11


def over_the_weight(tmp_path: Path) -> Path:
    """A 时效 row claiming 6 of 5 and a 定性 row claiming 12 of 10 (rows with no formula)."""
    data = clean_form()
    data["indicators"][2]["score"] = 6
    data["indicators"].insert(4, indicator("效益指标", "社会效益指标", "群众获得感", "明显提升", "已达成，群众获得感明显提升", 10, 12))
    data["indicators"][5]["weight"] = data["indicators"][5]["score"] = 5  # keep 100 points in all
    data["total_score"] = 102.5
    return write_form(tmp_path / "over.json", data)


def test_a_review_score_never_exceeds_the_weight(db: Path, tmp_path: Path) -> None:
    run_review(str(over_the_weight(tmp_path)))
    with Store(db) as store:
        signoff = Signoff(store)
        form_id = signoff.forms()[0].id
        score = signoff.form_score(form_id)
        assert (score.row(2).score, score.row(4).score) == (Decimal(5), Decimal(10))  # arithmetic: never above 分值
        assert score.row(2).clause.id == "formula" and "SCORE_BOUNDS" in score.row(2).clause.codes
        signoff.bulk([p.id for p in signoff.points()], "accept", "张三")
        score = signoff.form_score(form_id)
        assert all(row.score <= row.weight and row.proposed <= row.weight for row in score.rows)
        assert (score.row(2).score, score.row(4).score) == (Decimal(5), Decimal(10))  # 达成: the band's top
        assert score.review_total <= 100 and str(score.review_total) == "99.50"


def on_time(tmp_path: Path, claimed: int, actual: str = "2023年9月完成") -> Path:
    data = clean_form()
    data["indicators"][2]["score"] = claimed
    data["indicators"][2]["actual"] = actual
    data["total_score"] = 99.5 - 5 + claimed
    return write_form(tmp_path / "date.json", data)


def test_a_date_met_on_time_and_marked_down_is_proposed_full_marks(db: Path, tmp_path: Path) -> None:
    run_review(str(on_time(tmp_path, 3)))
    with Store(db) as store:
        signoff = Signoff(store)
        (point,) = [p for p in signoff.points() if "DATE_SCORE" in p.code_list]
        signoff.decide(point.id, "accept", "张三")
        row = signoff.form_score(point.form_id).row(2)
        assert (row.score, row.clause.id) == (Decimal(5), "date_on_time")
        assert "未按期" not in row.remark and "依据“时效指标按期完成（得满分）”" in row.remark


def test_a_late_date_with_full_marks_is_cut_by_the_clause(db: Path, tmp_path: Path) -> None:
    run_review(str(on_time(tmp_path, 5, "2023年12月完成")))
    with Store(db) as store:
        signoff = Signoff(store)
        (point,) = [p for p in signoff.points() if "DATE_SCORE" in p.code_list]
        signoff.decide(point.id, "accept", "张三")
        row = signoff.form_score(point.form_id).row(2)
        assert (row.score, row.clause.id) == (Decimal("3.5"), "date_score")


def test_score_changes_follow_a_new_version_where_the_row_is_unchanged(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    assert run_review("score", "zgc", "第2项", "--score", "1.5", "--clause", "unverifiable_minor", "--reason", "抽查",
                      "--reviewer", "张三").exit_code == 0
    assert run_review("score", "zgc", "第4项", "--score", "1", "--clause", "unverifiable_medium", "--reason", "无合同",
                      "--reviewer", "李四").exit_code == 0
    data = seed_form()
    data["indicators"][3]["actual"] = "30个"  # row 4 changed: its score change no longer fits; row 2 did not
    write_form(seed_copy, data)
    result = run_review(str(seed_copy))
    assert "沿用上一版本" in result.output and "1 项改分" in result.output
    assert "未沿用" in result.output and "第4项复核得分1（李四）" in result.output
    with Store(db) as store:
        signoff = Signoff(store)
        (form,) = signoff.forms()
        assert form.previous_id is not None
        score = signoff.form_score(form.id)
        row = score.row(1)
        assert (row.score, row.clause.id, row.reason, row.set_by.reviewer) == (Decimal("1.5"), "unverifiable_minor",
                                                                                "抽查", "张三")
        assert row.set_by.carried_from is not None and "沿用上一版本" in row.set_by.note
        assert score.row(3).set_by is None  # dropped: its figures changed
    # --undo works on the current version: the carried change is undone there.
    undone = run_review("score", "--undo", "--reviewer", "张三")
    assert undone.exit_code == 0 and "第2项复核得分恢复为建议值" in undone.output
    with Store(db) as store:
        assert Signoff(store).form_score(form.id).row(1).set_by is None
    assert run_review("score", "--undo", "--reviewer", "李四").exit_code == 1  # only a superseded version's


def test_score_undo_can_be_repeated_on_one_row(db: Path) -> None:
    run_review(str(SEED))
    for score in ("1.5", "1"):
        assert run_review("score", "zgc", "第4项", "--score", score, "--clause", "unverifiable_minor", "--reason",
                          "抽查", "--reviewer", "张三").exit_code == 0
    first = run_review("score", "--undo", "--reviewer", "张三")
    assert first.exit_code == 0 and "第4项复核得分恢复为1.5" in first.output
    second = run_review("score", "--undo", "--reviewer", "张三")  # the undo before it is no obstacle
    assert second.exit_code == 0 and "第4项复核得分恢复为建议值" in second.output, second.output
    assert run_review("score", "--undo", "--reviewer", "张三").exit_code == 1  # nothing left
    with Store(db) as store:
        signoff = Signoff(store)
        form_id = signoff.forms()[0].id
        assert signoff.form_score(form_id).row(3).set_by is None
        assert [c.after for c in store.score_history(form_id)] == ["1.5", "1", "1.5", None]


def test_an_undo_still_refuses_a_change_someone_made_on_top(db: Path) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        (mine,) = signoff.set_score(form_id, 3, "张三", score="1.5", reason="抽查", clause="unverifiable_minor")
        signoff.set_score(form_id, 3, "李四", score="1", reason="复查", clause="unverifiable_minor")
        with pytest.raises(Conflict):
            signoff.undo_score(mine.id, "张三")
        assert signoff.form_score(form_id).row(3).score == Decimal("1")


@pytest.mark.parametrize("value,message", [(" ", "复核完成值不能为空"), ("36个", "与当前值相同")])
def test_a_score_and_a_value_are_written_together_or_not_at_all(db: Path, value: str, message: str) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        if value == "36个":
            signoff.set_score(form_id, 3, "张三", value="36个", reason="核实")
        before = store.score_history(form_id)
        with pytest.raises(Exception, match=message):
            signoff.set_score(form_id, 3, "张三", score="1.5", value=value, reason="抽查", clause="unverifiable_minor")
        assert store.score_history(form_id) == before  # the score was not written alone
        assert signoff.form_score(form_id).row(3).set_by is None
    result = run_review("score", "zgc", "第4项", "--score", "1.5", "--value", value, "--clause", "unverifiable_minor",
                        "--reason", "抽查", "--reviewer", "张三")
    assert result.exit_code == 1 and message in result.output and "复核得分" not in result.output
    with Store(db) as store:
        assert store.score_history(form_id) == before


def test_a_review_value_re_derives_the_formula_score(db: Path) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        signoff.set_score(form_id, 3, "张三", value="30个", reason="抽查核实")  # 37 planned: 30/37×2
        row = signoff.form_score(form_id).row(3)
        assert (row.value, row.proposed, row.score, row.clause.id) == ("30个", Decimal("1.62"), Decimal("1.62"),
                                                                       "formula")
        assert str(signoff.form_score(form_id).review_total) == "98.10"
        signoff.set_score(form_id, 3, "张三", score="1.5", reason="另有2个无合同", clause="unverifiable_minor")
        row = signoff.form_score(form_id).row(3)
        assert (row.proposed, row.score, row.clause.id) == (Decimal("1.62"), Decimal("1.5"), "unverifiable_minor")
        signoff.set_score(form_id, -1, "张三", value="90%", reason="核减未支付款项")  # 预算执行率: 90% × 10
        assert signoff.form_score(form_id).row(-1).score == Decimal("9.00")
        signoff.set_score(form_id, 7, "张三", value="基本达成", reason="核实")  # 定性: no formula, the unit's score stands
        assert signoff.form_score(form_id).row(7).score == Decimal(15)


def test_a_value_someone_changed_meanwhile_is_never_overwritten(db: Path) -> None:
    store, signoff, form_id = seed_signoff(db)
    with store:
        signoff.set_score(form_id, 3, "张三", value="30个", reason="抽查", expect_value=None)
        with pytest.raises(Conflict, match="复核完成值已由 张三 改为30个"):
            signoff.set_score(form_id, 3, "李四", value="32个", reason="抽查", expect_value=None)
        with pytest.raises(Conflict):  # nor the score beside it
            signoff.set_score(form_id, 3, "李四", score="1", value="32个", reason="抽查", clause="formula",
                              expect=None, expect_value=None)
        assert [c.after for c in store.score_history(form_id)] == ["30个"]
